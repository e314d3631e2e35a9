"""to_image and to_images: arrays to Pillow images in one pass.

The mode of the image is the one ``Image.fromarray`` gives the array (worked
out once per dtype, channel count and mode asked for, by asking
``fromarray`` itself about an array of one pixel); the pixels go through
Pillow's raw decoder, chunk by chunk, packed by fastpil's kernels from the
array as it is, whatever its strides.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy
from PIL import Image, ImageMode

from . import _core, _pillow
from ._modes import LAYOUTS


class _Decoding(NamedTuple):
    """How fromarray decodes arrays of one dtype, channel count and mode."""

    mode: str  # of the image
    rawmode: str  # the decoder's raw mode for the array's own bytes
    bands: tuple[str, ...]
    maps: bool  # fromarray maps the array's bytes rather than decode them


class _Refusal(NamedTuple):
    """fromarray's refusal of arrays of one dtype, channel count and mode."""

    error: type[Exception]
    message: str


# Answers and refusals alike are kept, so that asking again costs a lookup:
# a refusal as little as Pillow's own. Kept for this many kinds at most, since
# the keys come from the caller (any dtype, channel count and mode string).
_DECODINGS_KEPT = 1024
_decodings: dict[tuple[Any, ...], _Decoding | _Refusal] = {}
_decodings_lock = threading.Lock()


def _decoding(
    dtype: numpy.dtype[Any], ndim: int, tail: tuple[int, ...], mode: str | None
) -> _Decoding:
    # The dtype itself, not its .str, which takes longer to make than the
    # whole lookup.
    key = (dtype, ndim, tail, mode)
    found = _decodings.get(key)
    if found is None:
        found = _find_decoding(dtype, ndim, tail, mode)
        with _decodings_lock:
            if len(_decodings) < _DECODINGS_KEPT:
                _decodings[key] = found
                if type(found) is _Decoding and len(tail) <= 1:
                    _core.pillow_takes_contiguous[dtype, ndim, tail[0] if tail else 0, mode] = (
                        not _packs_contiguous(found, dtype)
                    )
    if type(found) is _Refusal:
        raise found.error(found.message)
    return found  # type: ignore[return-value]


def _find_decoding(
    dtype: numpy.dtype[Any], ndim: int, tail: tuple[int, ...], mode: str | None
) -> _Decoding | _Refusal:
    # Pillow's own answer, for an array of one pixel of this kind: the mode,
    # or the refusal with its reason. Pillow's fromarray as it was at import,
    # never the patch's, which asks here.
    shape = (1,) * min(ndim, 2) + tail
    try:
        probe = _pillow.fromarray(numpy.zeros(shape, dtype), mode)
    except (TypeError, ValueError, KeyError) as error:
        what = f"an array of {ndim} dimension{'s' if ndim != 1 else ''}"
        if tail:
            what += f" with {tail[0]} channel{'s' if tail[0] != 1 else ''}"
        msg = f"Image.fromarray refuses {what} of {dtype}" + (
            f" as mode {mode!r}" if mode is not None else ""
        )
        return _Refusal(type(error), f"{msg}: {error}")
    # fromarray's raw mode: the mode asked for, or the one its table gives.
    table = _pillow.FROMARRAY_TYPEMAP
    rawmode = mode if mode is not None else table[(1, 1, *tail), dtype.str][1]
    bands = tuple(ImageMode.getmode(probe.mode).bands)
    return _Decoding(probe.mode, rawmode, bands, rawmode in _pillow.MAPMODES)


def _packs_contiguous(decoding: _Decoding, dtype: numpy.dtype[Any]) -> bool:
    """Whether fastpil makes the image of a C-contiguous array of this kind
    faster than Pillow: it does not where Pillow maps the array, or decodes
    its bytes as they are; it does for RGB and YCbCr bytes, which it packs
    into Pillow's 4-byte pixels with a vector kernel (above a small size)."""
    return not decoding.maps and dtype.itemsize == 1 and decoding.rawmode in _pillow.FOUR_BYTE_RAW


def _hwc(a: numpy.ndarray, layout: str) -> numpy.ndarray:
    """``a`` with its channel axis last, or none for a single band (a view)."""
    if layout == "HWC":
        return a
    if layout != "CHW":
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    if a.ndim != 3:
        msg = f'layout="CHW" takes an array of shape (C, H, W), not {a.shape}'
        raise ValueError(msg)
    return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)


def _band_order(channels: Any, bands: tuple[str, ...], count: int, mode: str) -> tuple[int, ...]:
    """The array channel each of the mode's bands comes from."""
    if channels is None:
        return tuple(range(count)) if count else (0,)
    if not isinstance(channels, Sequence):
        msg = (
            f"channels must be a string or a sequence of band names, not {type(channels).__name__}"
        )
        raise TypeError(msg)
    names = list(channels)
    if count == 0 or sorted(names) != sorted(bands) or len(set(names)) != len(names):
        msg = (
            f"channels={channels!r} does not name the array's {count or 1} channel(s) in mode "
            f"{mode!r}: give each of its bands {bands} once, in the array's order"
        )
        raise ValueError(msg)
    return tuple(names.index(band) for band in bands)


def to_image(
    a: Any, mode: str | None = None, *, channels: Any = None, layout: str = "HWC"
) -> Image.Image:
    """Make a Pillow image of an array, as ``Image.fromarray`` would, in one pass.

    Parameters
    ----------
    a : array_like
        Anything ``numpy.asarray`` takes without copying: a NumPy array or a
        view of one with any strides (negative and zero among them), a
        PyTorch CPU tensor, a memoryview. Its shape is (H, W), (H, W, C) or,
        with ``layout="CHW"``, (C, H, W); a 1-d array of length H is a
        column, as for ``fromarray``.
    mode : str, optional
        The image's mode, where ``Image.fromarray`` accepts it (``"P"`` for
        bytes, ``"YCbCr"``, ``"LAB"`` or ``"HSV"`` for three channels of
        them, ...). By default, the mode ``fromarray`` infers: L, RGB, RGBA,
        LA, 1, I;16, I or F by dtype and channel count.
    channels : str or sequence of str, optional
        The order of the array's channels, in the mode's band names:
        ``"BGR"`` for an OpenCV image to become RGB, ``"BGRA"``, ... Each
        band of the mode once.
    layout : {"HWC", "CHW"}, optional
        ``"CHW"`` for an array whose channel axis comes first, as PyTorch's;
        (1, H, W) makes a single-band image.

    Returns
    -------
    PIL.Image.Image
        An image of its own pixels (changing the array afterwards does not
        change it), writable, equal in mode, size and ``tobytes()`` to
        ``Image.fromarray(numpy.ascontiguousarray(b), mode)``, where ``b`` is
        ``a`` with its channels in the mode's order and its layout HWC.

    Raises
    ------
    TypeError, ValueError
        Where ``Image.fromarray`` refuses the array (its dtype, its number of
        dimensions or of channels, ``mode``), saying why; ``channels`` that
        do not name each band once; a ``layout`` that does not fit.
    MemoryError
        There is no memory for the image.

    Examples
    --------
    >>> import numpy
    >>> import fastpil
    >>> bgr = numpy.zeros((2, 3, 3), numpy.uint8)
    >>> bgr[..., 0] = 255  # blue, in OpenCV's order
    >>> im = fastpil.to_image(bgr, channels="BGR")
    >>> im.mode, im.size, im.getpixel((0, 0))
    ('RGB', (3, 2), (0, 0, 255))
    >>> fastpil.to_image(numpy.zeros((3, 4, 5), numpy.uint8), layout="CHW").size
    (5, 4)
    """
    if (
        type(a) is numpy.ndarray
        and mode is None
        and channels is None
        and layout == "HWC"
        and 1 <= a.ndim <= 3
        and a.size
        and a.flags.c_contiguous
        and _decoding(a.dtype, a.ndim, a.shape[2:], None).maps
    ):
        # Pillow maps these bytes as they are, and copies an image with a
        # plain copy into unfilled memory: one write, where decoding into a
        # new image is two. (Only without a mode, which Pillow 11.3 warns
        # of, and later Pillows where it changes the data type.) Checked
        # first, as the fewest steps to it. Not for views, even of whole
        # rows: Pillow's tobytes() copy of those is a large temporary, which
        # in a process that only converts faulted its pages on every call
        # (a 1024x1281 L a[::-1]: 628 faults and 2.2 ms a call, against 22
        # and 0.13 ms through the chunk and the decoder).
        return _pillow.fromarray(a).copy()
    prepared = _prepare(a, mode, channels, layout)
    if isinstance(prepared, Image.Image):
        return prepared
    decoding, hwc, order, rawmode, fill = prepared
    # Pillow's new() without a colour leaves the pixels to the allocator
    # (zeroed, as every pixel is written anyway): filling with 0 takes Pillow
    # a pass of its own, a slow one for the I;16 modes.
    im = Image.new(decoding.mode, _size(hwc), None)
    _core.decode_array(im.im, decoding.mode, rawmode, hwc, order, fill)
    return im


def _size(hwc: numpy.ndarray) -> tuple[int, int]:
    return (1 if hwc.ndim == 1 else hwc.shape[1], hwc.shape[0])


def _prepare(
    a: Any, mode: str | None, channels: Any, layout: str
) -> tuple[_Decoding, numpy.ndarray, tuple[int, ...], str, bool] | Image.Image:
    """What to_image decodes: (decoding, the array as (H, W[, C]), the
    channel of each band, raw mode, fill); or the image itself when it is
    empty. Raises what to_image raises."""
    array = numpy.asarray(a)
    if array.ndim == 0:
        raise ValueError("to_image() takes an array of 1 to 3 dimensions, not a scalar")
    hwc = _hwc(array, layout)
    decoding = _decoding(hwc.dtype, hwc.ndim, hwc.shape[2:], mode)
    count = hwc.shape[2] if hwc.ndim == 3 else 0
    order = _band_order(channels, decoding.bands, count, decoding.mode)
    width, height = _size(hwc)
    if width == 0 or height == 0:
        # Nothing to decode; Pillow before 10 cannot decode nothing (its
        # fromarray fails on an empty array), but makes empty images.
        return Image.new(decoding.mode, (width, height))
    rawmode = decoding.rawmode
    # RGB and YCbCr are packed into their 4-byte raw mode, which measured
    # faster than Pillow's unpacker of 3-byte pixels even for a contiguous
    # array, unless their rows are too wide for it; any other array whose
    # rows are the raw data already is decoded in place (the core sees that).
    fill = (
        hwc.dtype.itemsize == 1
        and rawmode == decoding.mode
        and rawmode in _pillow.FOUR_BYTE_RAW
        and width <= _pillow.WIDEST_FOUR_BYTE_ROW
    )
    if fill:
        rawmode = _pillow.FOUR_BYTE_RAW[rawmode]
    return decoding, hwc, order, rawmode, fill


def to_images(
    batch: Any, mode: str | None = None, *, channels: Any = None, layout: str = "HWC"
) -> list[Image.Image]:
    """Make one image of each array of a batch.

    Parameters
    ----------
    batch : array_like
        An array of shape (N, H, W), (N, H, W, C) or, with
        ``layout="CHW"``, (N, C, H, W): a batch of tensors from a model,
        say.
    mode : str, optional
        As for `to_image`, for every image.
    channels : str or sequence of str, optional
        As for `to_image`, for every image.
    layout : {"HWC", "CHW"}, optional
        As for `to_image`: ``"CHW"`` for a batch of shape (N, C, H, W).

    Returns
    -------
    list of PIL.Image.Image

    Examples
    --------
    >>> import numpy
    >>> import fastpil
    >>> batch = numpy.zeros((2, 3, 8, 6), numpy.uint8)
    >>> [im.size for im in fastpil.to_images(batch, layout="CHW")]
    [(6, 8), (6, 8)]
    """
    array = numpy.asarray(batch)
    if array.ndim < 3:
        msg = (
            "to_images() takes a batch of arrays, (N, H, W[, C]) or (N, C, H, W), "
            f"not {array.shape}"
        )
        raise ValueError(msg)
    return [to_image(each, mode, channels=channels, layout=layout) for each in array]


def fromarray_faster(a: numpy.ndarray, mode: str | None) -> Image.Image | None:
    """``Image.fromarray(a, mode)``'s image, where fastpil makes it faster
    than Pillow does; None where Pillow's own call is as fast (or refuses).

    Below ``_core.SMALL_ARRAY`` bytes, both take a few microseconds of
    set-up: Pillow's call. Where Pillow decodes (RGB, LA, 1, I, F, ...), it
    copies a non-contiguous array with ``tobytes()``, fills a new image and
    decodes the copy into it: fastpil does the same with one write fewer,
    unless it could only pack the array with its plain loop, which is no
    faster than NumPy's copy, or the array's rows are the raw data already
    (then the work is the same). Where Pillow maps the array's raw bytes (L, P, RGBA, CMYK,
    the I;16 modes, ...), its image shares a C-contiguous array's memory, and
    of any other array maps the one copy ``tobytes()`` made: an image can be
    had no cheaper, except where a vectorised kernel packs the array faster
    than NumPy copies it (mirrors, channel orders, planar memory, ...); Pillow
    then maps fastpil's copy instead, so the image is Pillow's, read-only.
    """
    decoding = _decoding(a.dtype, a.ndim, a.shape[2:], mode)
    if a.nbytes < _core.SMALL_ARRAY:
        return None
    contiguous = a.flags.c_contiguous
    if decoding.maps:
        if contiguous or a.size == 0:
            return None
        bands = tuple(range(a.shape[2])) if a.ndim == 3 else (0,)
        if _core.packing(a, bands, False) != "vector":
            return None
        packed = numpy.empty(a.shape, a.dtype)
        _core.pack_array(a, bands, False, packed)
        return _pillow.fromarray(packed, mode)
    prepared = _prepare(a, mode, None, "HWC")
    if isinstance(prepared, Image.Image):
        return prepared
    _, hwc, order, rawmode, fill = prepared
    if contiguous and not _packs_contiguous(decoding, a.dtype):
        return None
    if _core.packing(hwc, order, fill) in ("plain", "in place"):
        return None
    im = Image.new(decoding.mode, _size(hwc), None)
    _core.decode_array(im.im, decoding.mode, rawmode, hwc, order, fill)
    return im
