"""The chunk size: chosen from the L2 cache, and any size converts alike."""

from __future__ import annotations

import numpy
import pytest
from oracle import random_image
from PIL import Image

import fastpil
from fastpil import _core

KIB = 1024


def test_the_default_follows_the_l2_cache():
    l2 = _core._l2_cache_bytes()
    expected = min(max(l2 or 256 * KIB, 64 * KIB), 1024 * KIB)
    assert _core._chunk_target() == expected


def test_a_chosen_target_holds_until_reset():
    default = _core._chunk_target()
    _core._set_chunk_target(5000)
    try:
        assert _core._chunk_target() == 5000
    finally:
        _core._set_chunk_target(0)
    assert _core._chunk_target() == default


# Smaller than a row, a few rows but no whole number of them, about the
# default, and larger than any image here.
TARGETS = [1, 1000, 64 * KIB + 7, 1024 * KIB, 64 * 1024 * KIB]
MODES = ["1", "L", "LA", "RGB", "RGBA", "I;16", "I", "F"]
SIZES = [(1, 1), (3, 517), (257, 129), (1031, 300)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("mode", MODES)
def test_every_target_converts_alike(target, mode, rng):
    images = [random_image(mode, size, rng) for size in SIZES]
    _core._set_chunk_target(target)
    try:
        arrays = [fastpil.to_numpy(im) for im in images]
        floats = [fastpil.to_numpy(im, dtype=numpy.float32, layout="CHW") for im in images]
        back = [fastpil.to_image(a[::-1]) for a in arrays]
        batch = fastpil.to_numpy_batch(images[2:3] * 3)
    finally:
        _core._set_chunk_target(0)
    for im, a, f, b in zip(images, arrays, floats, back, strict=True):
        expected = numpy.array(im)
        numpy.testing.assert_array_equal(a, expected)
        hwc = expected if expected.ndim == 3 else expected[..., None]
        numpy.testing.assert_array_equal(f, hwc.transpose(2, 0, 1).astype(numpy.float32))
        pillow = Image.fromarray(expected[::-1])
        assert (b.mode, b.size, b.tobytes()) == (pillow.mode, pillow.size, pillow.tobytes())
    numpy.testing.assert_array_equal(batch, numpy.stack([numpy.array(images[2])] * 3))
