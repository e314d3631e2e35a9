"""Fuzzing with hypothesis: damaged files, and any mode, size and options.

Each property compares with numpy.array(im): the same array whenever Pillow
converts the input, the same exception whenever it does not, and for options
fastpil refuses, a ValueError or TypeError with ``out`` left untouched.

The budget is FASTPIL_FUZZ_EXAMPLES examples per test (default 150, which
``make test`` runs); ``make fuzz`` runs a long one.
"""

from __future__ import annotations

import os

import numpy
import pytest
from corpus import mutate, seed_files
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from oracle import MODES
from PIL import Image
from test_corrupt import CONVERTERS, like_pillow
from test_options import reference

import fastpil
from fastpil import _core

EXAMPLES = int(os.environ.get("FASTPIL_FUZZ_EXAMPLES", "150"))
budget = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SEEDS = seed_files()

edits = st.lists(
    st.tuples(
        st.sampled_from(["overwrite", "insert", "delete", "truncate"]),
        st.floats(0, 1),
        st.binary(min_size=1, max_size=16)
        | st.sampled_from([b"\xff" * 4, b"\x00" * 4, b"\x7f\xff\xff\xff", b"\x80\x00"]),
    ),
    min_size=1,
    max_size=4,
)


@pytest.fixture(autouse=True)
def small_pixel_limit(monkeypatch):
    """Pillow's own limit, set to 4 million pixels: a damaged header that
    claims a huge size is stopped as Pillow stops bombs, instead of costing
    gigabytes per example."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 4_000_000)


@budget
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    changes=edits,
    convert=st.sampled_from(sorted(CONVERTERS)),
)
def test_damaged_files(seed, changes, convert):
    event(like_pillow(CONVERTERS[convert], mutate(SEEDS[seed], changes)))


@budget
@given(
    data=st.binary(max_size=512), magic=st.sampled_from([b""] + [d[:8] for d in SEEDS.values()])
)
def test_random_bytes(data, magic):
    event(like_pillow(fastpil.to_numpy, magic + data))


# -- any mode, size and options, good or bad --

BAND_NAMES = [
    "R",
    "G",
    "B",
    "A",
    "X",
    "C",
    "M",
    "Y",
    "K",
    "L",
    "P",
    "H",
    "S",
    "V",
    "Cb",
    "Cr",
    "a",
]


@st.composite
def images(draw):
    mode = draw(st.sampled_from(MODES))
    width, height = draw(st.integers(0, 70)), draw(st.integers(0, 12))
    if width == 0 or height == 0:
        return Image.new(mode, (width, height))
    row = len(Image.new(mode, (width, 1)).tobytes())
    return Image.frombytes(
        mode, (width, height), draw(st.binary(min_size=row * height, max_size=row * height))
    )


def boxes(size):
    """Boxes within the image mostly, and some that are not, or not boxes."""
    width, height = size
    inside = st.tuples(st.integers(0, width), st.integers(0, width)).flatmap(
        lambda xs: st.tuples(st.integers(0, height), st.integers(0, height)).map(
            lambda ys: (min(xs), min(ys), max(xs), max(ys))
        )
    )
    coordinate = st.integers(-2, max(width, height) + 2)
    anything = st.tuples(coordinate, coordinate, coordinate, coordinate)
    odd = st.sampled_from(["box", (0.5, 0, 1, 1), (0, 0, 1), (True, 0, 1, 1)])
    return st.one_of(st.none(), inside, inside, anything, odd)


def channel_choices(bands):
    """The image's own bands in any order (repeats too) mostly, and others."""
    own = st.lists(st.sampled_from(bands), min_size=1, max_size=4)
    own_as_str = own.map("".join) if all(len(b) == 1 for b in bands) else own.map(tuple)
    others = st.one_of(
        st.text(alphabet="RGBAXCMYKLPHSV", max_size=5),
        st.lists(st.sampled_from(BAND_NAMES), max_size=5).map(tuple),
        st.sampled_from([3, b"RGB", ["R"], ("R", 1)]),
    )
    return st.one_of(st.none(), own_as_str, own.map(tuple), others)


def valid(im, channels, layout, box):
    """Whether fastpil must accept these options: the specification."""
    bands = im.getbands()
    multiband = len(bands) > 1
    if layout not in ("HWC", "CHW"):
        return False
    if not multiband and channels is not None:
        return False
    if channels is not None:
        if not isinstance(channels, (str, tuple, list)):
            return False
        names = list(channels)
        if not 1 <= len(names) <= 4 or any(name not in bands for name in names):
            return False
    if box is not None:
        # Anything operator.index takes is an integer here, bools included.
        if not (isinstance(box, tuple) and len(box) == 4 and all(isinstance(v, int) for v in box)):
            return False
        left, upper, right, lower = box
        if not (0 <= left <= right <= im.width and 0 <= upper <= lower <= im.height):
            return False
    return True


@budget
@given(data=st.data())
def test_any_mode_size_and_options(data):
    im = data.draw(images())
    bands = im.getbands()
    if len(bands) > 1:
        channels = data.draw(channel_choices(bands))
        layout = data.draw(st.sampled_from(["HWC", "CHW", "HWC", "CHW", "hwc", ""]))
    else:  # options apply to multi-band modes only: mostly leave them out
        channels = data.draw(st.one_of(st.none(), st.none(), channel_choices(("L", "P"))))
        layout = data.draw(st.sampled_from(["HWC", "HWC", "HWC", "CHW"]))
    box = data.draw(boxes(im.size))
    path = data.draw(st.sampled_from(_core.simd_paths()))
    destination = data.draw(st.sampled_from(["new", "ndarray", "bytearray", "wrong size"]))
    options = {"channels": channels, "layout": layout, "box": box}
    before = _core.simd_path()
    _core.select_simd_path(path)
    try:
        if not valid(im, channels, layout, box):
            event("options refused")
            with pytest.raises((ValueError, TypeError)):
                fastpil.to_numpy(im, **options)
            return
        event(f"options accepted, out: {destination}")
        expected = reference(im, channels, layout, box)
        if destination == "new":
            result = fastpil.to_numpy(im, **options)
        elif destination == "ndarray":
            out = numpy.full_like(expected, 0)
            result = fastpil.to_numpy(im, out=out, **options)
            assert result is out
        elif destination == "bytearray":
            result = fastpil.to_numpy(im, out=bytearray(expected.nbytes), **options)
        else:
            out = bytearray(b"\xa5") * (expected.nbytes + 1)
            with pytest.raises(ValueError, match="needs exactly"):
                fastpil.to_numpy(im, out=out, **options)
            assert out == bytearray(b"\xa5") * (expected.nbytes + 1)
            return
        assert result.dtype == expected.dtype
        assert result.shape == expected.shape
        assert result.flags.c_contiguous
        assert result.flags.writeable
        numpy.testing.assert_array_equal(result.view(numpy.uint8), expected.view(numpy.uint8))
    finally:
        _core.select_simd_path(before)


@budget
@given(data=st.data())
def test_batches(data):
    first = data.draw(images())
    count = data.draw(st.integers(1, 5))
    alike = st.builds(lambda _: first.copy(), st.none())
    images_ = [first] + [data.draw(alike | images()) for _ in range(count - 1)]
    source = data.draw(st.sampled_from([list, iter]))
    differing = [
        i for i, im in enumerate(images_) if (im.mode, im.size) != (first.mode, first.size)
    ]
    event("mixed" if differing else "alike")
    if differing:
        with pytest.raises(ValueError, match=f"image {differing[0]} is mode"):
            fastpil.to_numpy_batch(source(images_))
        return
    result = fastpil.to_numpy_batch(source(images_))
    expected = [reference(im) for im in images_]
    assert result.shape == (count, *expected[0].shape)
    for got, want in zip(result, expected, strict=True):
        numpy.testing.assert_array_equal(got.view(numpy.uint8), want.view(numpy.uint8))
