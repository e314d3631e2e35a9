"""Each chunk kernel on each SIMD path, against a NumPy reference.

The kernels see whatever a chunk holds, so these go through every length
around the vector steps (16 and 32 pixels), at aligned and unaligned addresses,
with every channel pattern the kernels specialise and random others.
"""

from __future__ import annotations

import itertools

import numpy
import pytest

from fastpil._core import Kind, Transform, _transform

LENGTHS = [*range(0, 100), 127, 128, 129, 255, 256, 257, 1000, 4099]
GUARD = 64


def guarded(size, offset):
    """A buffer of ``size`` bytes at ``offset`` inside guard bytes, and its backing."""
    backing = numpy.full(GUARD + offset + size + GUARD, 0xA5, dtype=numpy.uint8)
    return backing[GUARD + offset : GUARD + offset + size], backing


def assert_guards_intact(backing, size, offset):
    assert (backing[: GUARD + offset] == 0xA5).all(), "wrote before the buffer"
    assert (backing[GUARD + offset + size :] == 0xA5).all(), "wrote past the buffer"


def run(kind, pixel_bytes, pattern, src, plane_sizes, offset):
    """Apply a transform into guarded planes; return the planes."""
    planes = [guarded(size, offset + 5 * j) for j, size in enumerate(plane_sizes)]
    _transform(Transform(kind, pixel_bytes, bytes(pattern)), src, [p for p, _ in planes])
    for j, (_, backing) in enumerate(planes):
        assert_guards_intact(backing, plane_sizes[j], offset + 5 * j)
    return [p for p, _ in planes]


def patterns(pixel_bytes, count):
    """Every ordered choice of ``count`` distinct bytes of a pixel (all of them
    are few enough to try), plus one with a repeated byte; when the pixel has
    fewer bytes than ``count``, every choice with repeats."""
    if count > pixel_bytes:
        return [list(p) for p in itertools.product(range(pixel_bytes), repeat=count)]
    found = [list(p) for p in itertools.permutations(range(pixel_bytes), count)]
    return [*found, [pixel_bytes - 1] * count]


def source(rng, pixel_bytes, pixels, offset):
    backing = rng.integers(0, 256, offset + pixel_bytes * pixels, dtype=numpy.uint8)
    return backing[offset:]


@pytest.mark.parametrize(("pixel_bytes", "count"), [(4, 3), (4, 4), (2, 2), (3, 2), (3, 3)])
@pytest.mark.parametrize("offset", [0, 1, 3])
def test_interleaved(simd_path, rng, pixel_bytes, count, offset):
    for pattern in patterns(pixel_bytes, count):
        for pixels in LENGTHS:
            src = source(rng, pixel_bytes, pixels, offset)
            (got,) = run(Kind.interleaved, pixel_bytes, pattern, src, [count * pixels], offset)
            want = src.reshape(pixels, pixel_bytes)[:, pattern].reshape(-1)
            numpy.testing.assert_array_equal(got, want, err_msg=f"{pattern} x {pixels}")


@pytest.mark.parametrize(
    ("pixel_bytes", "count"),
    [(4, 1), (4, 2), (4, 3), (4, 4), (2, 1), (2, 2), (2, 3), (2, 4), (3, 1), (3, 3)],
)
@pytest.mark.parametrize("offset", [0, 1, 3])
def test_planar(simd_path, rng, pixel_bytes, count, offset):
    for pattern in patterns(pixel_bytes, count):
        for pixels in LENGTHS:
            src = source(rng, pixel_bytes, pixels, offset)
            got = run(Kind.planar, pixel_bytes, pattern, src, [pixels] * count, offset)
            pixels_by_byte = src.reshape(pixels, pixel_bytes)
            for j, plane in enumerate(got):
                numpy.testing.assert_array_equal(
                    plane, pixels_by_byte[:, pattern[j]], err_msg=f"{pattern} x {pixels}"
                )


@pytest.mark.parametrize("pixel_bytes", [2, 3, 4])
def test_single_channel_interleaved_is_a_plane(simd_path, rng, pixel_bytes):
    for pixels in LENGTHS:
        src = source(rng, pixel_bytes, pixels, 0)
        (got,) = run(Kind.interleaved, pixel_bytes, [pixel_bytes - 1], src, [pixels], 1)
        numpy.testing.assert_array_equal(got, src[pixel_bytes - 1 :: pixel_bytes])


@pytest.mark.parametrize("offset", [0, 1, 3])
def test_bytes_to_bool(simd_path, rng, offset):
    for count in LENGTHS:
        src = source(rng, 1, count, offset)
        src[::3] = 0  # plenty of zeros as well as 255 and the rest
        src[1::5] = 255
        (got,) = run(Kind.to_bool, 1, b"", src, [count], offset)
        numpy.testing.assert_array_equal(got, (src != 0).view(numpy.uint8), err_msg=f"{count}")


def test_copy(simd_path, rng):
    for count in LENGTHS:
        src = source(rng, 1, count, 0)
        (got,) = run(Kind.copy, 1, b"", src, [count], 0)
        numpy.testing.assert_array_equal(got, src)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ((Kind.interleaved, 4, b"\0\4"), "outside the pixel"),
        ((Kind.planar, 5, b"\0"), "1 to 4 channels from pixels of 1 to 4 bytes"),
        ((Kind.planar, 4, b""), "1 to 4 channels"),
        ((Kind.planar, 4, b"\0\1\2\3\0"), "1 to 4 channels"),
        ((Kind.planar, 0, b"\0"), "1 to 4 channels"),
        ((9, 1, b""), "unknown transform kind"),
    ],
)
def test_bad_specs(spec, match):
    with pytest.raises(ValueError, match=match):
        Transform(*spec)


@pytest.mark.parametrize(
    ("spec", "src_len", "dst_lens"),
    [
        ((Kind.interleaved, 4, b"\0\1\2"), 8, [5]),
        ((Kind.interleaved, 4, b"\0\1\2"), 7, [6]),
        ((Kind.planar, 4, b"\0\1"), 8, [2]),
        ((Kind.copy, 1, b""), 4, [3]),
        ((Kind.to_bool, 1, b""), 3, [4]),
    ],
)
def test_lengths_must_match(spec, src_len, dst_lens):
    with pytest.raises(ValueError, match=f"got {src_len} bytes in and {len(dst_lens)} dest"):
        _transform(Transform(*spec), bytes(src_len), [bytearray(n) for n in dst_lens])


def test_destination_must_be_writable():
    with pytest.raises(BufferError):
        _transform(Transform(Kind.copy), bytes(4), [bytes(4)])


def test_transform_describes_itself():
    transform = Transform(Kind.planar, 4, b"\2\1\0")
    assert transform.kind == Kind.planar
    assert (transform.pixel_bytes, transform.pattern) == (4, b"\2\1\0")
    assert repr(transform) == "Transform(Kind.planar, 4, b'\\x02\\x01\\x00')"


def test_transform_cannot_be_changed_once_built():
    """Plans are cached for the whole process: a transform changed in place
    would change every later conversion."""
    transform = Transform(Kind.planar, 4, b"\2\1\0")
    transform.__init__(Kind.copy)
    assert (transform.kind, transform.pixel_bytes, transform.pattern) == (
        Kind.planar,
        4,
        b"\2\1\0",
    )
    with pytest.raises(AttributeError):
        transform.pattern = b"\0"  # type: ignore[misc]
    src = bytes(range(8))
    planes = [bytearray(2) for _ in range(3)]
    _transform(transform, src, planes)
    assert planes == [bytearray(b"\2\6"), bytearray(b"\1\5"), bytearray(b"\0\4")]


@pytest.mark.parametrize("kind", [Kind.copy, Kind.to_bool])
def test_kinds_without_a_pattern_refuse_one(kind):
    with pytest.raises(ValueError, match="takes no channel pattern"):
        Transform(kind, 4, b"\0\1")
