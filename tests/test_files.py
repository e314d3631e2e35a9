"""Images decoded from real files (tests/corpus.py), opened lazily."""

from __future__ import annotations

import io

import pytest
from corpus import FILES, encode, file_id
from oracle import assert_matches_numpy
from PIL import Image

import fastpil

# Formats whose Pillow reader decodes the whole image as it opens the file.
DECODED_ON_OPEN = {"WEBP", "ICO"}


@pytest.mark.parametrize(("fmt", "mode", "options"), FILES, ids=[file_id(*f) for f in FILES])
def test_decoded_files(fmt, mode, options):
    data = encode(fmt, mode, options, size=(67, 45))
    if data is None:
        pytest.skip(f"this Pillow cannot write and read back {file_id(fmt, mode, options)}")
    with Image.open(io.BytesIO(data)) as lazy:
        if fmt not in DECODED_ON_OPEN:
            assert lazy.tile, "the file should not be decoded yet"
        result = fastpil.to_numpy(lazy)
    with Image.open(io.BytesIO(data)) as reference:
        assert reference.mode == lazy.mode
        assert_matches_numpy(result, reference)
    assert result.size > 0
