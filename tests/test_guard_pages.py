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
from PIL import Image

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
    transform = Transform(kind, pixel_bytes, pattern, sample=sample, output=output)
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
        _transform(transform, src, planes, (scale, offset))
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


def guarded_views(pages, count, width, height, at):
    """Views of (height, width, count) bytes, or (height, width) for one
    band, each over a buffer of exactly the bytes it covers, flush against a
    guard page: band steps of 1, -1, 0 (a band repeated) and +-2, pixels of
    as many bytes as the bands reach and one more, pixel and row steps
    forwards, backwards and 0; and planes, forwards and backwards."""
    steps = (1, -1, 0, 2, -2) if count > 1 else (0,)
    for band in steps:
        reach = abs(band) * (count - 1) + 1
        for pixel in (reach, reach + 1):
            for pixel_step in (pixel, -pixel, 0):
                for row_step in (pixel * width, -pixel * width, 0):
                    strides = (row_step, pixel_step, band)[: 3 if count > 1 else 2]
                    shape = (height, width, count)[: len(strides)]
                    what = f"band step {band}, pixel step {pixel_step}, row step {row_step}"
                    yield what, pages.view(shape, strides, numpy.uint8, at)
    if count > 1:
        for direction in (1, -1):
            plane = height * width
            planes = pages.view((count, height, width), (direction * plane, width, 1), "u1", at)
            yield f"planes, direction {direction}", planes.transpose(1, 2, 0)


def fromarray_patched(a, **options):
    with fastpil.patched():
        return Image.fromarray(a, **options)


WAYS_BACK = {
    "to_image": fastpil.to_image,
    "to_images": lambda a, **options: fastpil.to_images(a[None], **options)[0],
    "patched fromarray": fromarray_patched,
}


@pytest.mark.parametrize("way", list(WAYS_BACK))
@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_view_at_a_page_boundary(simd_path, pages, way, count):
    """Each view of bytes the pack kernels can meet, covering exactly a buffer
    that ends (then begins) at an inaccessible page, at every vector tail."""
    convert = WAYS_BACK[way]
    # Every vector tail is swept in C++ (tests/cpp/test_sweep.cpp); these
    # are the tails around each table's steps, through Python.
    for width in [1, 2, 3, 4, 5, 7, 8, 9, 11, 15, 16, 17, 31, 32, 33, 65]:
        for height in (1, 3):
            for at in ("end", "start"):
                for what, view in guarded_views(pages, count, width, height, at):
                    want = Image.fromarray(numpy.ascontiguousarray(view))
                    got = convert(view)
                    assert (got.mode, got.size) == (want.mode, want.size)
                    assert got.tobytes() == want.tobytes(), f"{what}, {width}x{height}"
                    if count == 3 and way != "patched fromarray":
                        want = Image.fromarray(numpy.ascontiguousarray(view[..., ::-1]))
                        got = convert(view, channels="BGR")
                        assert got.tobytes() == want.tobytes(), f"BGR {what}, {width}x{height}"
                pages.close()


def test_bands_past_the_first_byte_of_pixels_ending_a_page(simd_path, pages):
    """The reproduction: an XRGB array of (2, 16, 4) bytes in a page of its
    own, converted from its last three bytes of each pixel."""
    a = pages.buffer(2 * 16 * 4, "end").reshape(2, 16, 4)
    a[...] = numpy.arange(a.size, dtype=numpy.uint8).reshape(a.shape)
    for view, options in [
        (a[..., 1:], {}),
        (a[..., :0:-1], {}),
        (a[..., 3:0:-1], {}),
        (a[..., 1:], {"channels": "BGR"}),
        (a[..., 1:], {"mode": "YCbCr"}),
        (numpy.broadcast_to(a[..., 3:], (2, 16, 3)), {}),
    ]:
        mode = options.pop("mode", None)
        want = Image.fromarray(numpy.ascontiguousarray(view), mode)
        if options:
            want = Image.fromarray(numpy.ascontiguousarray(view[..., ::-1]), mode)
        got = fastpil.to_image(view, mode, **options)
        assert got.tobytes() == want.tobytes()
        assert (
            fromarray_patched(view, mode=mode).tobytes()
            == Image.fromarray(numpy.ascontiguousarray(view), mode).tobytes()
        )


OUT_OPTIONS = [
    {},
    {"channels": "BGR"},
    {"layout": "CHW"},
    {"channels": "G"},
    {"dtype": numpy.float32, "scale": True, "layout": "CHW"},
    {"dtype": numpy.float16, "mean": 0.5, "channels": "BGR"},
]


@pytest.mark.parametrize("at", ["end", "start"])
@pytest.mark.parametrize("options", OUT_OPTIONS, ids=[str(o) for o in OUT_OPTIONS])
def test_out_at_a_page_boundary_at_every_width(simd_path, pages, rng, options, at):
    """to_numpy and to_numpy_batch writing into out flush against a guard
    page, at every vector tail."""
    for width in [*range(1, 18), 23, 24, 25, 31, 32, 33, 63, 64, 65]:
        for height in (1, 3):
            im = random_image("RGB", (width, height), rng)
            expected = fastpil.to_numpy(im, **options)
            out = pages.buffer(expected.nbytes, at).view(expected.dtype).reshape(expected.shape)
            numpy.testing.assert_array_equal(fastpil.to_numpy(im, out=out, **options), expected)
            batch = pages.buffer(2 * expected.nbytes, at).view(expected.dtype)
            batch = batch.reshape((2, *expected.shape))
            fastpil.to_numpy_batch([im, im], out=batch, **options)
            numpy.testing.assert_array_equal(batch[1], expected)
            pages.close()
