"""to_numpy's general path, and to_numpy_batch: argument checks and the
choice of destination.

fastpil.to_numpy is compiled (fastpil/_core.pyx) for its plain conversion of
an image made in memory, and hands every other call to image_to_array here.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable
from typing import Any

import numpy
from PIL import Image

from . import _core, _modes, _pillow


def _check_image(im: Any) -> None:
    if not isinstance(im, Image.Image):
        msg = f"to_numpy() takes a PIL.Image.Image, not {type(im).__name__}"
        raise TypeError(msg)


def _check_member(index: int, im: Any) -> None:
    if not isinstance(im, Image.Image):
        msg = (
            f"to_numpy_batch() takes PIL.Image.Image objects; image {index} is of type "
            f"{type(im).__name__}"
        )
        raise TypeError(msg)


def _load(im: Image.Image) -> None:
    """Load ``im`` if it may need it, refusing a closed image with an error
    of its own (see _pillow.closed_error)."""
    if _needs_load(im):
        closed = _pillow.closed_error(im)
        if closed is not None:
            raise closed
        im.load()


_IMAGE_LOAD = Image.Image.load


def _needs_load(im: Image.Image) -> bool:
    """Whether ``im.load()`` could do anything but make a pixel-access object.

    For an image made in memory (``Image.new``, ``frombytes``, the result of
    ``convert``, ``resize`` and the like), Pillow's ``load()`` applies a
    changed palette and returns a new pixel-access object, which costs a fifth
    of converting a small image. Images from files, classes or instances with
    a ``load()`` of their own, and changed palettes still get the call.
    """
    if type(im).load is not _IMAGE_LOAD or "load" in im.__dict__:
        return True
    palette = im.palette
    return palette is not None and bool(palette.dirty)


def _mode_mismatch(mode: str, pixels_mode: str) -> ValueError:
    """The error for an image whose mode is not that of its pixels (``im.im``).

    Pillow's encoder sizes rows by the mode it is given and reads the pixels
    without checking theirs: an image whose ``mode`` claims more bytes per
    pixel than its pixels have would make it read past them.
    """
    return ValueError(
        f"the image says it is mode {mode!r} but its pixels are mode {pixels_mode!r}; "
        "it cannot be converted safely"
    )


def _box_extents(box: Any, width: int, height: int) -> tuple[int, int, int, int]:
    """The encoder's extents for ``box``, checked against the image's size."""
    try:
        left, upper, right, lower = (operator.index(v) for v in box)
    except (TypeError, ValueError):
        msg = f"box must be 4 integers (left, upper, right, lower), not {box!r}"
        raise TypeError(msg) from None
    if not (0 <= left <= right <= width and 0 <= upper <= lower <= height):
        msg = (
            f"box {(left, upper, right, lower)} is not within the {width}x{height} image: "
            f"need 0 <= left <= right <= {width} and 0 <= upper <= lower <= {height} "
            "(fastpil does not pad as Image.crop does)"
        )
        raise ValueError(msg)
    return (left, upper, right, lower)


def image_to_array(
    im: Any,
    out: Any,
    channels: Any,
    layout: str,
    box: Any,
    dtype: Any,
    scale: Any,
    mean: Any,
    std: Any,
) -> numpy.ndarray:
    """fastpil.to_numpy (which documents it) for every call but the plain
    conversion of an image made in memory."""
    if not isinstance(im, Image.Image):
        _check_image(im)
    _load(im)
    mode = im.mode
    plan = _modes.plan(mode, channels, layout, dtype, scale, mean is not None or std is not None)
    normalisation = _modes.normalisation(plan, mean, std)
    pixels = _pixels_of(im, mode)
    extents = (0, 0, *im.size) if box is None else _box_extents(box, *im.size)
    if extents[2] - extents[0] > plan.widest:
        plan = _modes.for_wide_rows(plan)
    if out is not None:
        shape = plan.shape(extents[2] - extents[0], extents[3] - extents[1])
        destination = _destination(out, shape, plan.dtype, f"a mode {mode!r} image")
        if _pillow.maps_memory(im):
            # An image over memory it does not own (Image.frombuffer,
            # fromarray) may be over out's: converted whole before out is
            # written, as numpy.array would.
            destination[...] = _core.to_array(plan, pixels, extents, None, normalisation)
            return destination
        return _core.to_array(plan, pixels, extents, destination, normalisation)
    return _core.to_array(plan, pixels, extents, None, normalisation)


def _pixels_of(im: Image.Image, mode: str) -> Any:
    """``im.im``, checked to be of the image's mode."""
    try:
        pixels = im.im
        pixels_mode = pixels.mode
    except ValueError:
        error = _pillow.closed_error(im)
        if error is None:
            raise
        raise error from None
    if pixels_mode != mode:
        raise _mode_mismatch(mode, pixels_mode)
    return pixels


def to_numpy_batch(
    images: Iterable[Image.Image],
    *,
    out: Any = None,
    channels: str | tuple[str, ...] | None = None,
    layout: str = "HWC",
    box: tuple[int, int, int, int] | None = None,
    dtype: Any = None,
    scale: bool = False,
    mean: Any = None,
    std: Any = None,
) -> numpy.ndarray:
    """Convert images of one size and mode into one array.

    The result has shape ``(N, *to_numpy(im).shape)``: ``(N, H, W, C)``, or
    ``(N, C, H, W)`` with ``layout="CHW"``. Each image is written in place;
    there is no intermediate array per image.

    Parameters
    ----------
    images : iterable of PIL.Image.Image
        The images, all of the same mode and size. A sequence (anything with
        ``len()``) is checked whole before any pixel is written. Any other
        iterable, such as a generator, is consumed once: the batch then
        starts with room for 8 images (fewer when they are large: as many as
        fit in 64 MiB, at least one) and doubles as needed (on Linux, glibc
        grows large blocks in place with mremap, so this costs little besides
        zero-filling the new room), and is shrunk to fit at the end.
    out : numpy.ndarray or buffer, optional
        Where to write the batch: an ndarray of exactly the result's shape and
        dtype, or a writable, C-contiguous buffer of exactly its size in
        bytes. With a generator, the number of images is taken from ``out``.
    channels, layout, box, dtype, scale, mean, std : optional
        As for `to_numpy`, for every image.

    Returns
    -------
    numpy.ndarray
        The batch; ``out`` itself when it is an ndarray.

    Raises
    ------
    TypeError, ValueError
        As for `to_numpy`; and ValueError when ``images`` is empty, when an
        image differs in mode or size from the first (the message names it),
        or when their number does not match ``out``.
    Exception
        As for `to_numpy`: errors from loading an image, from Pillow's
        encoder, from signal handlers, and from iterating ``images``.

    Notes
    -----
    When ``to_numpy_batch`` raises, ``out`` does not hold the batch. What it
    holds:

    - Nothing has been written to it when the arguments are rejected. With a
      sequence, every image's type, mode and size is checked before the
      first is converted.
    - Otherwise, when image ``i`` fails (it fails to load, or, from a
      generator, differs in mode or size, or its conversion fails part way as
      `to_numpy` describes), images ``0`` to ``i - 1`` are converted in
      ``out[:i]``; ``out[i]`` holds what `to_numpy` leaves in ``out`` for
      that failure (its first rows, or nothing); and ``out[i + 1:]`` is as it
      was.

    Images are loaded one at a time, as they are converted. Images over
    memory they do not own (see `to_numpy`) are converted before anything
    is written to ``out`` when ``images`` is a sequence, and each when it
    comes from any other iterable.

    Examples
    --------
    >>> from PIL import Image
    >>> import fastpil
    >>> images = [Image.new("RGB", (4, 3), (i, i, i)) for i in range(5)]
    >>> fastpil.to_numpy_batch(images).shape
    (5, 3, 4, 3)
    >>> fastpil.to_numpy_batch(images, layout="CHW", channels="BGR").shape
    (5, 3, 3, 4)
    """
    listed = list(images) if hasattr(images, "__len__") else None
    iterator = iter(listed if listed is not None else images)
    first: Any = next(iterator, _NOTHING)
    if first is _NOTHING:
        raise ValueError("images is empty: there is no image to take the shape from")
    _check_member(0, first)
    mode, size = first.mode, first.size

    def check(index: int, im: Any) -> None:
        _check_member(index, im)
        if im.mode != mode or im.size != size:
            msg = (
                f"image {index} is mode {im.mode!r}, {im.size[0]}x{im.size[1]}; "
                f"image 0 is mode {mode!r}, {size[0]}x{size[1]}: a batch needs them all alike"
            )
            raise ValueError(msg)

    plan = _modes.plan(mode, channels, layout, dtype, scale, mean is not None or std is not None)
    normalisation = _modes.normalisation(plan, mean, std)
    extents = (0, 0, *size) if box is None else _box_extents(box, *size)
    if extents[2] - extents[0] > plan.widest:
        plan = _modes.for_wide_rows(plan)
    shape = plan.shape(extents[2] - extents[0], extents[3] - extents[1])
    per_image = math.prod(shape) * plan.dtype.itemsize
    if (
        listed is None
        and out is not None
        and per_image == 0
        and not isinstance(out, numpy.ndarray)
    ):
        # Empty images (an empty box): the size of out cannot say how many.
        listed = [first, *iterator]
        iterator = iter(listed[1:])
    if listed is not None:
        for index, each in enumerate(listed):
            if not isinstance(each, Image.Image) or each.mode != mode or each.size != size:
                check(index, each)
    early: dict[int, numpy.ndarray] = {}  # images converted before the others
    if out is not None:
        count = len(listed) if listed is not None else _batch_count(out, shape, plan.dtype)
        batch = _destination(out, (count, *shape), plan.dtype, f"a batch of {count} images")
        if listed is not None and per_image:
            # Images over memory they do not own may be over out's (see
            # to_numpy): each is converted before any of out is written.
            for index, each in enumerate(listed):
                if _pillow.maps_memory(each):
                    _load(each)
                    pixels = _pixels_of(each, mode)
                    early[index] = _core.to_array(plan, pixels, extents, None, normalisation)
    else:
        count = len(listed) if listed is not None else _first_capacity(shape, plan.dtype)
        batch = numpy.empty((count, *shape), plan.dtype)
    # NumPy cannot make a flat view of an empty array, nor is one needed.
    flat = batch.data.cast("B") if per_image else memoryview(b"")
    into_buffer = _core.into_buffer
    converted = offset = 0
    try:
        for im in itertools.chain((first,), iterator):
            if listed is None:
                check(converted, im)
            if converted == count:
                if out is not None:
                    msg = f"images gave more than the {count} that out holds"
                    raise ValueError(msg)
                # Growing in place: realloc moves large blocks with mremap on
                # Linux, so this copies little. Nothing but `flat` views `batch`.
                flat.release()
                count *= 2
                batch.resize((count, *shape), refcheck=False)
                flat = batch.data.cast("B") if per_image else memoryview(b"")
            _load(im)
            if im.mode != mode or im.size != size:
                # A few file formats settle mode or size only when decoded.
                check(converted, im)
            pixels = _pixels_of(im, mode)
            if converted in early:
                batch[converted] = early.pop(converted)
            elif per_image and out is not None and _pillow.maps_memory(im):
                # From an iterator, an image is read when it comes.
                batch[converted] = _core.to_array(plan, pixels, extents, None, normalisation)
            elif per_image:
                into_buffer(plan, pixels, extents, flat, offset, normalisation)
            converted += 1
            offset += per_image
    finally:
        flat.release()
    if converted != count:
        if out is not None:
            msg = f"images gave {converted} images; out holds {count}"
            raise ValueError(msg)
        batch.resize((converted, *shape), refcheck=False)
    return batch


_NOTHING = object()

# Room a generator's batch starts with: up to 8 images, within this many bytes.
_FIRST_BATCH_BYTES = 64 << 20


def _first_capacity(shape: tuple[int, ...], dtype: numpy.dtype[Any]) -> int:
    """How many images a batch of unknown length first makes room for.

    Never fewer than one: room for 8 large images could be more memory than
    the system will promise, and the batch would fail with MemoryError before
    its first image had even loaded.
    """
    per_image = math.prod(shape) * dtype.itemsize
    return max(1, min(8, _FIRST_BATCH_BYTES // max(per_image, 1)))


def _batch_count(out: Any, shape: tuple[int, ...], dtype: numpy.dtype[Any]) -> int:
    """How many images ``out`` holds, for a batch of unknown length."""
    if isinstance(out, numpy.ndarray):
        if out.ndim != len(shape) + 1:
            msg = f"out has shape {out.shape}; a batch of these images needs shape (N, *{shape})"
            raise ValueError(msg)
        return int(out.shape[0])
    per_image = math.prod(shape) * dtype.itemsize
    try:
        nbytes = memoryview(out).nbytes
    except TypeError:
        return 0  # _destination then says what is wrong with it
    if nbytes % per_image:  # per_image > 0: the caller counts empty images itself
        msg = f"out holds {nbytes} bytes, not a whole number of {per_image}-byte images"
        raise ValueError(msg)
    return nbytes // per_image


def _destination(
    out: Any, shape: tuple[int, ...], dtype: numpy.dtype[Any], what: str
) -> numpy.ndarray:
    """Check ``out`` and return an ndarray of ``shape`` and ``dtype`` over it."""
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
        msg = f"out holds {view.nbytes} bytes; {what} of shape {shape} needs exactly {nbytes}"
        raise ValueError(msg)
    return numpy.frombuffer(view.cast("B"), dtype=dtype).reshape(shape)
