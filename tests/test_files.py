"""Images decoded from real files, written by the tests themselves."""

from __future__ import annotations

import numpy
import pytest
from oracle import assert_matches_numpy
from PIL import Image

import fastpil


def noise(mode, size=(67, 45)):
    """Noisy content in ``mode``, so compression leaves something to check."""
    rgb = Image.merge("RGB", [Image.effect_noise(size, 60 + 10 * i) for i in range(3)])
    if mode == "RGBA":
        return Image.merge("RGBA", [*rgb.split(), Image.linear_gradient("L").resize(size)])
    if mode == "I;16":
        wide = numpy.asarray(Image.effect_noise(size, 90), dtype=numpy.uint16) * 257
        return Image.fromarray(wide)
    return rgb.convert(mode)


CASES = [
    ("PNG", "RGB"),
    ("PNG", "RGBA"),
    ("PNG", "L"),
    ("PNG", "LA"),
    ("PNG", "P"),
    ("PNG", "1"),
    ("PNG", "I;16"),
    ("JPEG", "RGB"),
    ("JPEG", "L"),
    ("JPEG", "CMYK"),
    ("TIFF", "I;16"),
    ("TIFF", "RGB"),
    ("TIFF", "F"),
    ("TIFF", "1"),
    ("GIF", "P"),
    ("BMP", "1"),
    ("BMP", "RGB"),
    ("WEBP", "RGBA"),
]


@pytest.mark.parametrize(("fmt", "mode"), CASES, ids=[f"{f}-{m}" for f, m in CASES])
def test_decoded_files(tmp_path, fmt, mode):
    Image.init()
    if fmt not in Image.SAVE or fmt not in Image.OPEN:
        pytest.fail(f"this Pillow cannot write and read {fmt}")
    path = tmp_path / f"image.{fmt.lower()}"
    noise(mode).save(path, fmt)
    with Image.open(path) as lazy:
        if fmt != "WEBP":  # Pillow's WebP reader decodes as it opens the file
            assert lazy.tile, "the file should not be decoded yet"
        result = fastpil.to_numpy(lazy)
    with Image.open(path) as reference:
        assert reference.mode == lazy.mode
        assert_matches_numpy(result, reference)
    assert result.size > 0
