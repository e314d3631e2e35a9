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
