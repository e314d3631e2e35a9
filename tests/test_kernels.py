"""Each chunk kernel on each SIMD path, against a NumPy reference.

The kernels see whatever a chunk holds, so these go through every length
around the vector steps (16 and 32 pixels), at aligned and unaligned addresses.
"""

from __future__ import annotations

import numpy
import pytest

from fastpil._core import Transform, _transform

LENGTHS = [*range(0, 100), 127, 128, 129, 255, 256, 257, 1000, 4099]


def run(transform, src, out_len, *, dst_offset=0):
    """Apply ``transform`` to ``src`` into a guarded buffer; return the output."""
    guard = 64
    dst = numpy.full(guard + dst_offset + out_len + guard, 0xA5, dtype=numpy.uint8)
    window = dst[guard + dst_offset : guard + dst_offset + out_len]
    _transform(transform, src, window)
    # Bytes on either side of the output must be untouched.
    assert (dst[: guard + dst_offset] == 0xA5).all()
    assert (dst[guard + dst_offset + out_len :] == 0xA5).all()
    return window


@pytest.mark.parametrize("offset", [0, 1, 3])
def test_compact_rgbx_to_rgb(simd_path, rng, offset):
    for pixels in LENGTHS:
        backing = rng.integers(0, 256, offset + 4 * pixels, dtype=numpy.uint8)
        src = backing[offset:]
        got = run(Transform.compact_rgbx_to_rgb, src, 3 * pixels, dst_offset=offset)
        want = src.reshape(pixels, 4)[:, :3].reshape(-1)
        numpy.testing.assert_array_equal(got, want, err_msg=f"{pixels} pixels")


@pytest.mark.parametrize("offset", [0, 1, 3])
def test_bytes_to_bool(simd_path, rng, offset):
    for count in LENGTHS:
        backing = rng.integers(0, 256, offset + count, dtype=numpy.uint8)
        backing[offset::3] = 0  # plenty of zeros as well as 255 and the rest
        backing[offset + 1 :: 5] = 255
        src = backing[offset:]
        got = run(Transform.bytes_to_bool, src, count, dst_offset=offset)
        numpy.testing.assert_array_equal(got, (src != 0).view(numpy.uint8), err_msg=f"{count}")


def test_copy(simd_path, rng):
    for count in LENGTHS:
        src = rng.integers(0, 256, count, dtype=numpy.uint8)
        numpy.testing.assert_array_equal(run(Transform.copy, src, count), src)


@pytest.mark.parametrize(
    ("transform", "src_len", "dst_len"),
    [
        (Transform.compact_rgbx_to_rgb, 8, 5),
        (Transform.compact_rgbx_to_rgb, 7, 6),
        (Transform.copy, 4, 3),
        (Transform.bytes_to_bool, 3, 4),
    ],
)
def test_lengths_must_match(transform, src_len, dst_len):
    with pytest.raises(ValueError, match="units"):
        _transform(transform, bytes(src_len), bytearray(dst_len))


def test_destination_must_be_writable():
    with pytest.raises(BufferError):
        _transform(Transform.copy, bytes(4), bytes(4))
