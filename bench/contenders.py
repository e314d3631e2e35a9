"""Every way to turn a Pillow image into a NumPy array that fastpil is compared with.

A contender is a function of the image. `prepare(im)` returns the function to
time for that image, or a string saying why it cannot run (the benchmark shows
the reason instead of a number). Preparation is not timed: it is where a
contender allocates the destination it is allowed to reuse, or sets the global
knob it relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy
import PIL
from PIL import Image, ImageFile

import fastpil

Convert = Callable[[Image.Image], numpy.ndarray]


@dataclass(frozen=True)
class Contender:
    name: str
    description: str
    prepare: Callable[[Image.Image], Convert | str]


def bench_image(mode: str, size: tuple[int, int]) -> Image.Image:
    """An image of random content (a flat colour would compress the work away)."""
    rng = numpy.random.default_rng(size[0] * 65537 + size[1])
    row = len(Image.new(mode, (size[0], 1)).tobytes())
    return Image.frombytes(mode, size, rng.bytes(row * size[1]))


def expected_layout(im: Image.Image) -> tuple[tuple[int, ...], numpy.dtype]:
    reference = numpy.array(Image.new(im.mode, (1, 1)))
    return (im.height, im.width, *reference.shape[2:]), reference.dtype


def pure_python_chunks(im: Image.Image) -> numpy.ndarray:
    """The 2021 technique: encode in 64 KiB chunks straight into numpy.empty."""
    im.load()
    rawmode = "L" if im.mode == "1" else im.mode
    encoder = Image._getencoder(im.mode, "raw", rawmode)
    encoder.setimage(im.im, (0, 0, *im.size))
    shape, dtype = expected_layout(im)
    data = numpy.empty(shape, dtype=dtype)
    mem = data.data.cast("B", (data.nbytes,))
    bufsize, status, offset = max(65536, im.width * 4), 0, 0
    while not status:
        _, status, chunk = encoder.encode(bufsize)
        mem[offset : offset + len(chunk)] = chunk
        offset += len(chunk)
    if status < 0:
        raise RuntimeError(f"encoder error {status}")
    return data


def frombuffer_tobytes(im: Image.Image) -> numpy.ndarray:
    shape, dtype = expected_layout(im)
    data = im.tobytes("raw", "L") if im.mode == "1" else im.tobytes()
    return numpy.frombuffer(data, dtype=dtype).reshape(shape)


def prepare_maxblock(im: Image.Image) -> Convert | str:
    major, minor = (int(part) for part in PIL.__version__.split(".")[:2])
    if (major, minor) < (11, 3):
        return f"Pillow {PIL.__version__} < 11.3 ignores MAXBLOCK in tobytes()"
    shape, dtype = expected_layout(im)
    needed = max(ImageFile.MAXBLOCK, int(numpy.prod(shape)) * dtype.itemsize)

    def asarray_one_chunk(im: Image.Image) -> numpy.ndarray:
        saved = ImageFile.MAXBLOCK
        ImageFile.MAXBLOCK = needed
        try:
            return numpy.asarray(im)
        finally:
            ImageFile.MAXBLOCK = saved

    return asarray_one_chunk


def prepare_arrow(im: Image.Image) -> Convert | str:
    try:
        import pyarrow
    except ImportError:
        return "pyarrow is not installed"
    if not hasattr(im, "__arrow_c_array__"):
        return f"Pillow {PIL.__version__} has no Arrow export"
    try:
        pyarrow.array(im)
    except ValueError as error:
        return f"no Arrow export: {error} (the image spans several of Pillow's blocks)"
    shape, dtype = expected_layout(im)
    bands = shape[2] if len(shape) == 3 else 1

    def arrow_contiguous(im: Image.Image) -> numpy.ndarray:
        exported = pyarrow.array(im)
        if bands > 1:
            pixels = exported.flatten().to_numpy(zero_copy_only=True)
            view = pixels.reshape(im.height, im.width, 4)[..., :bands]
        else:
            view = exported.to_numpy(zero_copy_only=True).view(dtype).reshape(shape)
        if im.mode == "1":
            return view != 0
        # A view of Pillow's memory when no copy is needed (read-only), else one copy.
        return numpy.ascontiguousarray(view)

    return arrow_contiguous


def prepare_out(im: Image.Image) -> Convert:
    shape, dtype = expected_layout(im)
    out = numpy.empty(shape, dtype)
    out.fill(0)  # the pages are resident before timing starts

    def to_numpy_out(im: Image.Image) -> numpy.ndarray:
        return fastpil.to_numpy(im, out=out)

    return to_numpy_out


def prepare_floor(im: Image.Image) -> Convert:
    shape, dtype = expected_layout(im)
    source = fastpil.to_numpy(im)

    def empty_and_copy(im: Image.Image) -> numpy.ndarray:
        result = numpy.empty(shape, dtype)
        numpy.copyto(result, source)
        return result

    return empty_and_copy


CONTENDERS = {
    c.name: c
    for c in [
        Contender("numpy.array", "numpy.array(im)", lambda im: numpy.array),
        Contender("numpy.asarray", "numpy.asarray(im) (read-only)", lambda im: numpy.asarray),
        Contender(
            "frombuffer",
            "numpy.frombuffer(im.tobytes()).reshape(...) (read-only)",
            lambda im: frombuffer_tobytes,
        ),
        Contender(
            "asarray MAXBLOCK",
            "numpy.asarray(im) with ImageFile.MAXBLOCK raised to the image size (read-only)",
            prepare_maxblock,
        ),
        Contender(
            "pure Python",
            "the 2021 chunk technique: raw encoder chunks sliced into numpy.empty",
            lambda im: pure_python_chunks,
        ),
        Contender(
            "Arrow",
            "pyarrow.array(im) made a contiguous ndarray (copies only when it must)",
            prepare_arrow,
        ),
        Contender("fastpil", "fastpil.to_numpy(im)", lambda im: fastpil.to_numpy),
        Contender(
            "fastpil out=",
            "fastpil.to_numpy(im, out=preallocated)",
            prepare_out,
        ),
        Contender(
            "floor",
            "numpy.empty of the result plus one copy from an existing array",
            prepare_floor,
        ),
    ]
}
