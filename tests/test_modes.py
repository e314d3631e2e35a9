"""to_numpy equals numpy.array for every mode, size and SIMD path."""

from __future__ import annotations

import numpy
import pytest
from oracle import MODES, assert_matches_numpy, random_image
from PIL import Image

import fastpil

EMPTY_SIZES = [(0, 0), (0, 1), (1, 0), (0, 7), (9, 0)]
SMALL_SIZES = [(1, 1), (1, 17), (17, 1), (1, 300), (300, 1), (257, 263)]


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_small_sizes(mode, simd_path, rng):
    for size in SMALL_SIZES:
        im = random_image(mode, size, rng)
        assert_matches_numpy(fastpil.to_numpy(im), im)


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_odd_widths(mode, simd_path, rng):
    # Widths 1..70 put the end of every row, and of every chunk, at each
    # position within the kernels' 16- and 32-pixel steps.
    for width in range(1, 71):
        for height in (1, 2, 5):
            im = random_image(mode, (width, height), rng)
            assert_matches_numpy(fastpil.to_numpy(im), im)


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_2048(mode, simd_path, rng):
    im = random_image(mode, (2048, 2048), rng)
    assert_matches_numpy(fastpil.to_numpy(im), im)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", EMPTY_SIZES)
def test_empty_images(mode, size):
    im = Image.new(mode, size)
    assert_matches_numpy(fastpil.to_numpy(im), im)


@pytest.mark.parametrize("mode", ["RGB", "YCbCr", "RGBA"])
def test_padding_byte_never_leaks(mode, simd_path):
    # Pillow fills the padding byte of images it unpacks with 255; images
    # made by convert() leave other values there. Either way it must not show.
    rgba = Image.frombytes("RGBA", (67, 5), bytes(range(256)) * 5 + bytes(60))
    im = rgba.convert(mode)
    assert_matches_numpy(fastpil.to_numpy(im), im)


def test_mode_1_bools_are_valid(simd_path):
    im = Image.new("1", (37, 3))
    im.putpixel((5, 1), 1)
    result = fastpil.to_numpy(im)
    assert result.view(numpy.uint8).sum() == 1
    assert result[1, 5]
    assert numpy.count_nonzero(result) == 1
    assert_matches_numpy(result, im)


def test_large_chunk_rows(rng):
    # A row wider than the 64 KiB chunk target: the encoder gets one row per call.
    im = random_image("RGBA", (20_000, 3), rng)
    assert_matches_numpy(fastpil.to_numpy(im), im)


def test_result_is_new_each_call(rng):
    im = random_image("RGB", (8, 8), rng)
    first = fastpil.to_numpy(im)
    second = fastpil.to_numpy(im)
    assert not numpy.shares_memory(first, second)
    first[...] = 0
    assert_matches_numpy(second, im)
