"""An image of more than 2 GiB of output: every offset past 2**31 is right.

Memory: the image and the array, 2.1 GiB each, held for a few seconds.
"""

from __future__ import annotations

import numpy
import pytest
from PIL import Image

import fastpil

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 50_000, 45_000  # 2_250_000_000 bytes in mode L
ROWS = [0, 1, 21_473, 42_949, 42_950, 44_998, 44_999]  # 42_950 * 50_000 > 2**31


@pytest.fixture(scope="module")
def huge():
    """A mode L image of WIDTH x HEIGHT, with random rows and tiles placed
    on both sides of the 2**31st byte; the rest is 0."""
    rng = numpy.random.default_rng(2**31)
    im = Image.new("L", (WIDTH, HEIGHT))
    for y in ROWS:
        im.paste(Image.frombytes("L", (WIDTH, 1), rng.bytes(WIDTH)), (0, y))
    tiles = [(x, y) for x in (0, 24_999, WIDTH - 37) for y in (100, 42_940, HEIGHT - 29)]
    for x, y in tiles:
        im.paste(Image.frombytes("L", (37, 29), rng.bytes(37 * 29)), (x, y))
    yield im, tiles
    im.close()


def test_converts_past_2_gib(huge):
    im, tiles = huge
    result = fastpil.to_numpy(im)
    assert result.shape == (HEIGHT, WIDTH)
    assert result.dtype == numpy.uint8
    assert result.nbytes == 2_250_000_000 > 2**31
    assert result.flags.c_contiguous
    assert result.flags.writeable
    assert result.flags.owndata
    for y in ROWS:
        expected = numpy.array(im.crop((0, y, WIDTH, y + 1)))
        numpy.testing.assert_array_equal(result[y : y + 1], expected, err_msg=f"row {y}")
    for x, y in tiles:
        expected = numpy.array(im.crop((x, y, x + 37, y + 29)))
        numpy.testing.assert_array_equal(result[y : y + 29, x : x + 37], expected)
    rng = numpy.random.default_rng(7)
    for x, y in zip(rng.integers(0, WIDTH, 1000), rng.integers(0, HEIGHT, 1000), strict=True):
        assert result[y, x] == im.getpixel((int(x), int(y)))
    # Rows between the marked ones must still be the image's zeros.
    for y in (2, 30_000, 44_960):
        assert not result[y].any()


def test_box_beyond_2_gib(huge):
    im, _ = huge
    box = (WIDTH - 1000, 42_900, WIDTH, HEIGHT)
    result = fastpil.to_numpy(im, box=box)
    numpy.testing.assert_array_equal(result, numpy.array(im.crop(box)))


# Just wider than Pillow's codecs take in a 4-byte raw mode (RGBX: 2**31 bits
# a row, less a little), well within what they take in the 3-byte one (RGB).
WIDE = 67_200_000


def test_rows_too_wide_for_four_bytes_a_pixel():
    """RGB rows of more than about 2**26 pixels convert as numpy.array
    converts them (each way), through the 3-byte raw modes; a box, channels
    and the float pass too, and modes whose raw mode has no narrower form
    fail as numpy.array fails. Memory: about 2.5 GB at most."""
    rng = numpy.random.default_rng(WIDE)
    pixels = rng.integers(0, 256, (1, WIDE, 3), dtype=numpy.uint8)
    im = Image.fromarray(pixels)
    assert im.size == (WIDE, 1)
    numpy.testing.assert_array_equal(fastpil.to_numpy(im), pixels)
    tail = (WIDE - 5000, 0, WIDE, 1)
    numpy.testing.assert_array_equal(
        fastpil.to_numpy(im, box=(0, 0, WIDE, 1), channels="BGR")[:, -5000:],
        pixels[:, -5000:, ::-1],
    )
    numpy.testing.assert_array_equal(fastpil.to_numpy(im, box=tail), pixels[:, -5000:])
    floats = fastpil.to_numpy(im, layout="CHW", dtype=numpy.float32, scale=True)
    # As the kernels compute: a multiply by 1 / 255 in float32.
    want = pixels[0, -1000:].T.astype(numpy.float32) * numpy.float32(1 / 255)
    numpy.testing.assert_array_equal(floats[:, 0, -1000:], want)
    del floats
    batch = fastpil.to_numpy_batch([im], channels="B")
    numpy.testing.assert_array_equal(batch[0, 0, :1000, 0], pixels[0, :1000, 2])
    del batch
    back = fastpil.to_image(pixels)
    assert back.tobytes() == im.tobytes()
    del back
    with fastpil.patched():
        assert (
            Image.fromarray(pixels[:, ::-1]).tobytes()
            == Image.fromarray(numpy.ascontiguousarray(pixels[:, ::-1])).tobytes()
        )
    im.close()
    del pixels
    rgba = Image.new("RGBA", (WIDE, 1))
    with pytest.raises(MemoryError):
        numpy.array(rgba)
    with pytest.raises(MemoryError):
        fastpil.to_numpy(rgba)
