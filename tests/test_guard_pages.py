"""Every kernel on every SIMD path with its buffers flush against a guard page.

The vector loops stop before a partial step and leave the tail to plain
loops; a tail that reads or writes even one byte past its buffer touches the
inaccessible page here and the process faults (faulthandler prints where).
Under ``make sanitize`` AddressSanitizer checks the same calls byte by byte.
"""

from __future__ import annotations

import numpy
import pytest
from guarded import AVAILABLE, GuardPages
from oracle import assert_matches_numpy, random_image

import fastpil
from fastpil._core import Kind, Output, Sample, Transform, _transform

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="needs mmap and mprotect")

# Around every vector step (4, 8, 16 and 32 pixels), and a few whole pages.
LENGTHS = [*range(0, 70), 95, 96, 97, 127, 128, 129, 1023, 1024, 1025, 4096, 4097]

# (kind, bytes per input pixel, pattern): one for each kernel of a table.
SPECS = {
    "copy": (Kind.copy, 1, b""),
    "bytes_to_bool": (Kind.to_bool, 1, b""),
    "pick_4_to_3": (Kind.interleaved, 4, b"\2\1\0"),
    "pick_4_to_3 in order": (Kind.interleaved, 4, b"\0\1\2"),
    "pick_4_to_4": (Kind.interleaved, 4, b"\2\1\0\3"),
    "pick_any": (Kind.interleaved, 3, b"\2\0"),
    "split_4": (Kind.planar, 4, b"\3\0\1\2"),
    "split_4 one plane": (Kind.interleaved, 4, b"\3"),
    "split_2": (Kind.planar, 2, b"\1\0"),
    "split_2 repeating bytes": (Kind.planar, 2, b"\0\0\1\0"),
    "split_any": (Kind.planar, 3, b"\2\1\0"),
}


@pytest.fixture
def pages():
    allocator = GuardPages()
    yield allocator
    allocator.close()


def expected_planes(spec, src, pixels):
    kind, pixel_bytes, pattern = spec
    if kind == Kind.copy:
        return [src.copy()]
    if kind == Kind.to_bool:
        return [(src != 0).view(numpy.uint8)]
    by_byte = src.reshape(pixels, pixel_bytes)
    if kind == Kind.planar or len(pattern) == 1:
        return [by_byte[:, j].copy() for j in pattern]
    return [by_byte[:, list(pattern)].reshape(-1)]


@pytest.mark.parametrize("at", ["end", "start"])
@pytest.mark.parametrize("name", list(SPECS))
def test_kernel_at_a_page_boundary(simd_path, pages, rng, name, at):
    spec = SPECS[name]
    _, pixel_bytes, _ = spec
    for pixels in LENGTHS:
        src = pages.buffer(pixels * pixel_bytes, at)
        src[:] = rng.integers(0, 256, src.size, dtype=numpy.uint8)
        src[::7] = 0  # zeros for bytes_to_bool
        want = expected_planes(spec, src, pixels)
        planes = [pages.buffer(w.size, at, fill=0xA5) for w in want]
        _transform(Transform(*spec), src, planes)
        for got, expected in zip(planes, want, strict=True):
            numpy.testing.assert_array_equal(got, expected, err_msg=f"{name}, {pixels} pixels")
        pages.close()  # one set of mappings at a time


CONVERSIONS = [
    ("L", {}),
    ("1", {}),
    ("RGB", {}),
    ("RGB", {"channels": "BGR"}),
    ("RGBA", {"channels": "BGRA"}),
    ("RGBA", {"layout": "CHW"}),
    ("LA", {"layout": "CHW"}),
    ("HSV", {"channels": "VH"}),
    ("HSV", {"layout": "CHW"}),
    ("I;16B", {}),
]


@pytest.mark.parametrize(("mode", "options"), CONVERSIONS, ids=[f"{m}{o}" for m, o in CONVERSIONS])
@pytest.mark.parametrize("width", [1, 31, 33, 67])
def test_out_ending_at_a_page_boundary(simd_path, pages, rng, mode, options, width):
    im = random_image(mode, (width, 5), rng)
    expected = fastpil.to_numpy(im, **options)
    out = pages.buffer(expected.nbytes, "end", fill=0xA5)
    out = out.view(expected.dtype).reshape(expected.shape)
    result = fastpil.to_numpy(im, out=out, **options)
    assert result is out
    numpy.testing.assert_array_equal(result, expected)
    if not options:
        assert_matches_numpy(result, im, owndata=False)
    del result


# (kind, bytes per pixel, pattern, sample, the sample's NumPy dtype).
FLOAT_SPECS = {
    "u8 planar": (Kind.float_planar, 4, b"\2\1\0", Sample.u8, numpy.uint8),
    "u8 interleaved, picked": (Kind.float_interleaved, 4, b"\2\1\0", Sample.u8, numpy.uint8),
    "u8 interleaved, in order": (Kind.float_interleaved, 2, b"\0\1", Sample.u8, numpy.uint8),
    "u8 one plane": (Kind.float_planar, 1, b"\0", Sample.u8, numpy.uint8),
    "u16": (Kind.float_interleaved, 2, b"\0", Sample.u16, "=u2"),
    "u16 swapped": (Kind.float_planar, 2, b"\0", Sample.u16_swapped, "=u2"),
    "i32": (Kind.float_interleaved, 4, b"\0", Sample.i32, "=i4"),
    "f32": (Kind.float_planar, 4, b"\0", Sample.f32, "=f4"),
}


@pytest.mark.parametrize("at", ["end", "start"])
@pytest.mark.parametrize("output", [Output.float32, Output.float16])
@pytest.mark.parametrize("name", list(FLOAT_SPECS))
def test_float_kernel_at_a_page_boundary(simd_path, pages, rng, name, output, at):
    kind, pixel_bytes, pattern, sample, dtype = FLOAT_SPECS[name]
    values = numpy.float32 if output == Output.float32 else numpy.float16
    scale = [0.5, 0.25, 2.0][: len(pattern)]
    offset = [-1.0, 3.0, 0.125][: len(pattern)]
    transform = Transform(
        kind, pixel_bytes, pattern, sample=sample, output=output, scale=scale, offset=offset
    )
    for pixels in LENGTHS:
        src = pages.buffer(pixels * pixel_bytes, at)
        src[:] = rng.integers(0, 256, src.size, dtype=numpy.uint8)
        if sample == Sample.f32:
            src.view(numpy.float32)[:] = rng.normal(0, 100, pixels)
        words = src.view(dtype)
        if sample == Sample.u16_swapped:
            words = words.byteswap()
        samples = words.reshape(pixels, pixel_bytes // words.itemsize).astype(numpy.float32)
        picked = samples[:, list(pattern)] if sample == Sample.u8 else samples
        computed = picked * numpy.float32(scale) + numpy.float32(
            offset
        )  # as the kernels: no fusing
        with numpy.errstate(over="ignore"):  # large i32 samples are infinite in float16
            if kind == Kind.float_planar:
                want = [computed[:, j].astype(values) for j in range(len(pattern))]
            else:
                want = [computed.reshape(-1).astype(values)]
        planes = [pages.buffer(w.nbytes, at, fill=0xA5) for w in want]
        _transform(transform, src, planes)
        for got, expected in zip(planes, want, strict=True):
            assert got.tobytes() == expected.tobytes(), f"{name}, {pixels} pixels"
        pages.close()


SOURCES = [
    ("RGB", (3,), {}),
    ("RGB reordered", (3,), {"channels": "BRG"}),
    ("RGBA reordered", (4,), {"channels": "ABGR"}),
    ("planes", (3, "CHW"), {"layout": "CHW"}),
    ("four planes", (4, "CHW"), {"layout": "CHW"}),
    ("L", (), {}),
    ("LA", (2,), {}),
]


@pytest.mark.parametrize(("name", "shape", "options"), SOURCES, ids=[s[0] for s in SOURCES])
@pytest.mark.parametrize("width", [1, 5, 15, 16, 17, 31, 33, 63, 65])
def test_to_image_from_an_array_at_a_page_boundary(
    simd_path, pages, rng, name, shape, options, width
):
    """The pack kernels read an array flush against a guard page: its last
    byte is the last one before an inaccessible page."""
    height = 3
    planar = bool(shape) and shape[-1] == "CHW"
    full = (shape[0], height, width) if planar else (height, width, *shape)
    size = int(numpy.prod(full))
    a = pages.buffer(size, "end").reshape(full)
    a[...] = rng.integers(0, 256, full, dtype=numpy.uint8)
    want = fastpil.to_image(numpy.array(a), **options)
    got = fastpil.to_image(a, **options)
    assert got.tobytes() == want.tobytes(), name
    # Read backwards too: the first byte is the first after a guard page.
    b = pages.buffer(size, "start").reshape(full)
    b[...] = a
    assert (
        fastpil.to_image(b[::-1], **options).tobytes()
        == fastpil.to_image(numpy.array(b[::-1]), **options).tobytes()
    )
