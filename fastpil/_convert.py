"""to_numpy: argument checks and the choice of destination."""

from __future__ import annotations

import math
from typing import Any

import numpy
from PIL import Image

from . import _core, _modes


def to_numpy(im: Image.Image, *, out: Any = None) -> numpy.ndarray:
    """Convert a Pillow image to a NumPy array.

    The result has the dtype, shape and values of ``numpy.array(im)``, is
    C-contiguous and writable, and costs one pass over the pixels.

    Parameters
    ----------
    im : PIL.Image.Image
        An image of any mode ``numpy.array`` can convert. A lazily opened
        image is loaded first; errors from decoding it propagate unchanged.
    out : numpy.ndarray or buffer, optional
        Where to write the pixels instead of a new array: an ndarray of exactly
        the result's shape and dtype, or any object exporting a writable,
        C-contiguous buffer of exactly the result's size in bytes (a
        ``bytearray``, an ``mmap.mmap``, ``SharedMemory.buf``, ...). Nothing is
        written to it when the arguments are rejected.

    Returns
    -------
    numpy.ndarray
        A new array that owns its memory; or ``out`` itself when ``out`` is an
        ndarray; or a new ndarray viewing ``out``'s memory for other buffers.

    Raises
    ------
    TypeError
        ``im`` is not a ``PIL.Image.Image``, or ``out`` is neither an ndarray
        nor a buffer.
    ValueError
        The image is closed, its mode has no NumPy equivalent, or ``out``
        does not fit (wrong shape, dtype or size, read-only, not
        C-contiguous).

    Notes
    -----
    Mode ``"1"`` converts to bools stored as bytes 0 and 1. ``numpy.array``
    stores its True as 0xFF, which NumPy does not guarantee to handle; the
    values compare equal.

    Examples
    --------
    >>> from PIL import Image
    >>> import fastpil
    >>> im = Image.new("RGB", (4, 3), (255, 128, 0))
    >>> a = fastpil.to_numpy(im)
    >>> a.shape, a.dtype
    ((3, 4, 3), dtype('uint8'))
    >>> a[0, 0]
    array([255, 128,   0], dtype=uint8)
    """
    if not isinstance(im, Image.Image):
        msg = f"to_numpy() takes a PIL.Image.Image, not {type(im).__name__}"
        raise TypeError(msg)
    im.load()
    mode = im.mode
    layout = _modes.layout(mode)
    width, height = im.size
    shape = (height, width) if layout.bands == 1 else (height, width, layout.bands)
    if out is not None:
        out = _destination(out, shape, layout.dtype, mode)
    if width == 0 or height == 0:
        return numpy.empty(shape, layout.dtype) if out is None else out
    return _core.convert(im.im, mode, layout.rawmode, layout.transform, shape, layout.dtype, out)


def _destination(out: Any, shape: tuple[int, ...], dtype: numpy.dtype, mode: str) -> numpy.ndarray:
    """Check ``out`` and return an ndarray of ``shape`` and ``dtype`` over it."""
    what = f"a mode {mode!r} image of {shape[1]}x{shape[0]} pixels"
    if isinstance(out, numpy.ndarray):
        if out.shape != shape or out.dtype != dtype:
            msg = (
                f"out has shape {out.shape} and dtype {out.dtype}; "
                f"{what} needs shape {shape} and dtype {dtype}"
            )
            raise ValueError(msg)
        if not out.flags.c_contiguous:
            raise ValueError("out must be C-contiguous")
        if not out.flags.writeable:
            raise ValueError("out must be writable; this array is read-only")
        return out
    try:
        view = memoryview(out)
    except TypeError:
        msg = (
            "out must be a numpy.ndarray or support the buffer protocol "
            f"(bytearray, mmap, SharedMemory.buf, ...), not {type(out).__name__}"
        )
        raise TypeError(msg) from None
    if view.readonly:
        msg = f"out must be writable; this {type(out).__name__} is read-only"
        raise ValueError(msg)
    if not view.c_contiguous:
        raise ValueError("out must be C-contiguous")
    nbytes = math.prod(shape) * dtype.itemsize
    if view.nbytes != nbytes:
        msg = f"out holds {view.nbytes} bytes; {what} needs exactly {nbytes}"
        raise ValueError(msg)
    return numpy.frombuffer(view.cast("B"), dtype=dtype).reshape(shape)
