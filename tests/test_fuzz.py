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


NO_SCALE = {"1", "P", "PA", "I", "F"}
numbers_or_garbage = st.one_of(
    st.none(),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-300, 300),
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=5).map(tuple),
    st.sampled_from(["0.5", True, (0.5, "x"), [], 0]),
)


LARGEST = {"I;16": 65535, "I;16L": 65535, "I;16B": 65535, "I;16N": 65535}
FLOAT32_MAX = float(numpy.finfo(numpy.float32).max)


def per_channel_values(value, count):
    """The numbers ``value`` gives each of ``count`` channels, or None if it
    gives none: one number for all, or a sequence of exactly ``count``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)] * count
    if not isinstance(value, (list, tuple)) or len(value) != count:
        return None
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
        return None
    return [float(v) for v in value]


def float_options_valid(im, channels, dtype, scale, mean, std):
    """Whether fastpil must accept these float options, given valid others."""
    count = len(channels) if channels is not None else len(im.getbands())
    if not isinstance(scale, bool) or dtype not in (numpy.float32, numpy.float16):
        return False
    if scale and im.mode in NO_SCALE:
        return False
    means = [0.0] * count if mean is None else per_channel_values(mean, count)
    stds = [1.0] * count if std is None else per_channel_values(std, count)
    if means is None or stds is None or not all(map(numpy.isfinite, means + stds)):
        return False
    if 0.0 in stds:
        return False
    # The kernels compute in float32: 1 / std and mean / std must fit.
    divisor = (LARGEST.get(im.mode, 255) if scale else 1) * (255 if im.mode == "1" else 1)
    return all(
        1 / (divisor * abs(s)) <= FLOAT32_MAX and abs(m / s) <= FLOAT32_MAX
        for m, s in zip(means, stds, strict=True)
    )


@budget
@given(data=st.data())
def test_float_options(data):
    """Any dtype, scale, mean and std: within the bound of the float64 result
    when valid, a ValueError or TypeError otherwise, with nothing written."""
    from test_float import assert_within_bound, expected

    im = data.draw(images())
    bands = im.getbands()
    channels = (
        data.draw(
            st.one_of(
                st.none(), st.lists(st.sampled_from(bands), min_size=1, max_size=4).map(tuple)
            )
        )
        if len(bands) > 1 and im.mode not in ("BGR;24",)
        else None
    )
    layout = data.draw(st.sampled_from(["HWC", "CHW"]))
    dtype = data.draw(
        st.sampled_from([numpy.float32, numpy.float16, numpy.float64, numpy.uint8, "nonsense"])
    )
    scale = data.draw(st.one_of(st.booleans(), st.sampled_from([0, 1, None])))
    mean, std = data.draw(numbers_or_garbage), data.draw(numbers_or_garbage)
    options = {
        "channels": channels,
        "layout": layout,
        "dtype": dtype,
        "scale": scale,
        "mean": mean,
        "std": std,
    }
    if not float_options_valid(im, channels, dtype, scale, mean, std):
        if dtype == numpy.uint8 and scale is False and mean is None and std is None:
            return  # the mode's own dtype for some modes: the plain conversion
        event("float options refused")
        with pytest.raises((ValueError, TypeError)):
            fastpil.to_numpy(im, **options)
        return
    event("float options accepted")
    got = fastpil.to_numpy(im, **options)
    args = {k: v for k, v in options.items() if k != "dtype"}
    assert_within_bound(got, *expected(im, **args), dtype)
