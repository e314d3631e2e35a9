"""The reference every test compares against: numpy.array(im) on the same Pillow."""

from __future__ import annotations

import numpy
from PIL import Image

# Every mode the installed Pillow can create: the ones Image.MODES lists plus
# the 16-bit variants it keeps apart.
MODES = sorted(set(Image.MODES) | {"I;16", "I;16L", "I;16B", "I;16N"})


def random_image(mode: str, size: tuple[int, int], rng: numpy.random.Generator) -> Image.Image:
    """An image of ``mode`` and ``size`` whose raw bytes are random."""
    if size[0] == 0 or size[1] == 0:
        return Image.new(mode, size)
    # Rows of mode "1" are bit-packed and padded to whole bytes.
    nbytes = len(Image.new(mode, (size[0], 1)).tobytes()) * size[1]
    data = rng.integers(0, 256, nbytes, dtype=numpy.uint8).tobytes()
    return Image.frombytes(mode, size, data)


def assert_matches_numpy(
    result: numpy.ndarray, im: Image.Image, *, owndata: bool = True, writeable: bool = True
) -> None:
    """Assert ``result`` is what numpy.array(im) gives, bit for bit.

    Mode "1" is the documented exception: numpy.array stores True as 0xFF,
    fastpil as 0x01. ``writeable=False`` for what stands in for
    numpy.asarray(im), which is read-only.
    """
    expected = numpy.array(im)
    assert isinstance(result, numpy.ndarray)
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    assert result.flags.c_contiguous
    assert result.flags.writeable == writeable
    if owndata:
        assert result.flags.owndata
    got = result.view(numpy.uint8)
    if im.mode == "1":
        assert got.max(initial=0) <= 1, "mode 1 bools must be stored as 0 or 1"
        want = (expected.view(numpy.uint8) != 0).view(numpy.uint8)
    else:
        want = expected.view(numpy.uint8)
    if not numpy.array_equal(got, want):
        bad = numpy.argwhere(got != want)
        raise AssertionError(
            f"{im.mode} {im.size}: {len(bad)} bytes differ, first at {tuple(bad[0])}: "
            f"got {got[tuple(bad[0])]}, numpy.array gives {want[tuple(bad[0])]}"
        )
