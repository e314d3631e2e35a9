"""Generated cases: any mode, size, content, SIMD path and destination."""

from __future__ import annotations

import numpy
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import MODES, assert_matches_numpy
from PIL import Image

import fastpil
from fastpil import _core

sizes = st.tuples(st.integers(0, 300), st.integers(0, 40))


@st.composite
def images(draw):
    mode = draw(st.sampled_from(MODES))
    width, height = draw(sizes)
    if width == 0 or height == 0:
        return Image.new(mode, (width, height))
    row = len(Image.new(mode, (width, 1)).tobytes())
    seed = draw(st.integers(0, 2**32 - 1))
    data = numpy.random.default_rng(seed).bytes(row * height)
    return Image.frombytes(mode, (width, height), data)


@settings(max_examples=300, deadline=None)
@given(
    im=images(),
    path=st.sampled_from(_core.simd_paths()),
    dest=st.sampled_from(["new", "ndarray", "bytearray"]),
)
def test_matches_numpy(im, path, dest):
    before = _core.simd_path()
    _core.select_simd_path(path)
    try:
        expected = numpy.array(im)
        if dest == "new":
            assert_matches_numpy(fastpil.to_numpy(im), im)
        elif dest == "ndarray":
            out = numpy.empty_like(expected)
            assert fastpil.to_numpy(im, out=out) is out
            assert_matches_numpy(out, im)
        else:
            result = fastpil.to_numpy(im, out=bytearray(expected.nbytes))
            assert_matches_numpy(result, im, owndata=False)
    finally:
        _core.select_simd_path(before)
