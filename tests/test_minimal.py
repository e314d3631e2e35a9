"""The smoke test for a packaged build: needs only fastpil, NumPy and Pillow."""

import numpy
from PIL import Image

import fastpil


def test_convert_one_image():
    im = Image.frombytes("RGB", (5, 2), bytes(range(30)))
    result = fastpil.to_numpy(im)
    assert result.dtype == numpy.uint8
    assert result.shape == (2, 5, 3)
    assert result.tobytes() == bytes(range(30))
