"""The float pass: dtype=, scale=, mean= and std= against NumPy in float64.

The reference is ((a / largest if scale else a) - mean) / std computed in
float64 from a = numpy.array(im) with the other options applied, the bound
the one the docs state: within BOUND units in the last place of the output
dtype, counting units at the largest of the exact result, |a / largest| / std
and |mean| / std (the terms the value is made of). Values beyond float16's
range are infinite, as numpy's astype makes them.
"""

from __future__ import annotations

import numpy
import pytest
from oracle import MODES, random_image
from PIL import Image
from test_options import reference

import fastpil
from fastpil import _core

FLOATS = [numpy.float32, numpy.float16]
BOUND = {numpy.dtype(numpy.float32): 3.0, numpy.dtype(numpy.float16): 1.0}
NO_SCALE = {"1", "P", "PA", "I", "F"}
LARGEST = {"I;16": 65535, "I;16L": 65535, "I;16B": 65535, "I;16N": 65535}
MEAN = (0.485, 0.456, 0.406, 0.5)
STD = (0.229, 0.224, 0.225, 0.25)


def channel_count(result, layout):
    if result.ndim == 2:
        return 1
    return result.shape[0] if layout == "CHW" else result.shape[-1]


def per_channel(values, count, layout, ndim):
    """Per-channel numbers shaped to broadcast against the result."""
    values = numpy.broadcast_to(numpy.asarray(values, numpy.float64), (count,))
    if ndim == 2:
        return values[0]
    return values[:, None, None] if layout == "CHW" else values


def expected(im, *, channels=None, layout="HWC", box=None, scale=False, mean=None, std=None):
    """The float64 result, and the magnitude of its terms (where ulps count)."""
    with numpy.errstate(all="ignore"):  # signalling NaNs among random floats
        a = reference(im, channels, layout, box).astype(numpy.float64)
    count = channel_count(a, layout)
    largest = LARGEST.get(im.mode, 255) if scale else 1
    m = per_channel(0.0 if mean is None else mean, count, layout, a.ndim)
    s = per_channel(1.0 if std is None else std, count, layout, a.ndim)
    with numpy.errstate(all="ignore"):
        value = (a / largest - m) / s
        terms = numpy.maximum(numpy.abs(a / largest) / numpy.abs(s), numpy.abs(m) / numpy.abs(s))
        return value, numpy.maximum(terms, numpy.abs(value))


def assert_within_bound(got, want, terms, dtype):
    # Random float images hold NaN, infinities and values beyond float16.
    with numpy.errstate(all="ignore"):
        check_bound(got, want, terms, numpy.dtype(dtype))


def check_bound(got, want, terms, dtype):
    assert got.dtype == dtype
    assert got.shape == want.shape
    assert got.flags.c_contiguous
    assert got.flags.writeable
    rounded = want.astype(dtype)
    finite = numpy.isfinite(rounded)
    assert numpy.array_equal(got[~finite], rounded[~finite], equal_nan=True), "overflow differs"
    biggest = numpy.finfo(dtype).max
    ulp = numpy.spacing(numpy.minimum(terms, biggest).astype(dtype)).astype(numpy.float64)
    error = numpy.abs(got.astype(numpy.float64) - want)[finite] / ulp[finite]
    worst = error.max(initial=0.0)
    assert worst <= BOUND[dtype], f"{worst:.2f} ulp, more than {BOUND[dtype]}"


def options_for(mode):
    """Some channel choices and means worth trying for ``mode``."""
    bands = Image.new(mode, (1, 1)).getbands()
    found = [{}]
    if len(bands) > 1:
        found.append({"channels": tuple(reversed(bands))})
        found.append({"channels": bands[-1:]})
    return found


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", ["HWC", "CHW"])
def test_every_mode_against_float64(mode, dtype, layout, simd_path, rng):
    scale = mode not in NO_SCALE
    for options in options_for(mode):
        for size in [(1, 1), (7, 3), (33, 5), (97, 4)]:
            im = random_image(mode, size, rng)
            count = len(options.get("channels", im.getbands()))
            normal = {"mean": MEAN[:count], "std": STD[:count]}
            for extra in ({}, {"scale": scale}, {"scale": scale, **normal}, {"mean": 100.0}):
                args = {**options, **extra, "layout": layout}
                got = fastpil.to_numpy(im, dtype=dtype, **args)
                assert_within_bound(got, *expected(im, **args), dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    ("mode", "values"),
    [("L", numpy.arange(256, dtype=numpy.uint8)), ("I;16", numpy.arange(65536, dtype="<u2"))],
)
def test_every_value_of_a_band(dtype, mode, values, simd_path, rng):
    """Every 8-bit and every 16-bit value, with means and deviations of many sizes."""
    im = Image.frombytes(mode, (256, values.size // 256), values.tobytes())
    for _ in range(6):
        mean = float(rng.normal() * 10.0 ** rng.integers(-3, 3))
        std = float(abs(rng.normal()) * 10.0 ** rng.integers(-3, 3)) + 1e-3
        for scale in (False, True):
            got = fastpil.to_numpy(im, dtype=dtype, scale=scale, mean=mean, std=std)
            assert_within_bound(got, *expected(im, scale=scale, mean=mean, std=std), dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_means_where_values_cancel(dtype, simd_path):
    """A mean equal to a value of the band: the value comes out 0 or next to it."""
    im = Image.frombytes("L", (256, 1), bytes(range(256)))
    for level in (0, 1, 124, 255):
        mean = level / 255
        got = fastpil.to_numpy(im, dtype=dtype, scale=True, mean=mean, std=0.229)
        assert_within_bound(got, *expected(im, scale=True, mean=mean, std=0.229), dtype)
        # The spacing of the output dtype at the terms' size, 1 / 0.229.
        assert abs(float(got[0, level])) <= 4 * numpy.spacing(numpy.asarray(1 / 0.229, dtype))


def test_every_simd_path_gives_the_same_bits(rng):
    """Each table multiplies, then adds, each rounded, and rounds to float16
    to nearest: the same bits whatever the instruction set."""
    images = [random_image(m, (301, 7), rng) for m in ("RGB", "RGBA", "LA", "L", "I;16B", "I")]
    before = _core.simd_path()
    try:
        results = {}
        for path in _core.simd_paths():
            _core.select_simd_path(path)
            results[path] = [
                fastpil.to_numpy(im, dtype=dtype, layout=layout, mean=0.3, std=7.0)
                for im in images
                for dtype in FLOATS
                for layout in ("HWC", "CHW")
            ]
    finally:
        _core.select_simd_path(before)
    first, *others = results.values()
    for other in others:
        for a, b in zip(first, other, strict=True):
            assert a.tobytes() == b.tobytes()


def test_float_images_keep_nan_and_infinity():
    values = numpy.array([[numpy.nan, numpy.inf, -numpy.inf, 1e30, -2.5]], numpy.float32)
    im = Image.frombytes("F", (5, 1), values.tobytes())
    got = fastpil.to_numpy(im, dtype=numpy.float16, mean=1.0, std=2.0)
    with numpy.errstate(over="ignore"):  # 1e30 is infinite in float16
        want = ((values.astype(numpy.float64) - 1.0) / 2.0).astype(numpy.float16)
    numpy.testing.assert_array_equal(got, want)


def test_the_mode_s_own_float_dtype_is_the_plain_conversion(rng):
    im = random_image("F", (9, 4), rng)
    got = fastpil.to_numpy(im, dtype=numpy.float32)
    assert got.tobytes() == numpy.array(im).tobytes()


def test_mode_1_values_are_0_and_1():
    im = Image.new("1", (5, 2))
    im.putpixel((2, 1), 1)
    got = fastpil.to_numpy(im, dtype=numpy.float32, layout="CHW")
    assert got.shape == (1, 2, 5)
    assert got.sum() == 1.0
    assert got[0, 1, 2] == 1.0


@pytest.mark.parametrize("dtype", FLOATS)
def test_into_out_and_batches(dtype, rng):
    images = [random_image("RGB", (45, 17), rng) for _ in range(3)]
    args = {"layout": "CHW", "scale": True, "mean": MEAN[:3], "std": STD[:3]}
    single = fastpil.to_numpy(images[0], dtype=dtype, **args)
    out = numpy.empty_like(single)
    assert fastpil.to_numpy(images[0], out=out, dtype=dtype, **args) is out
    assert out.tobytes() == single.tobytes()
    raw = bytearray(single.nbytes)
    view = fastpil.to_numpy(images[0], out=raw, dtype=dtype, **args)
    assert bytes(raw) == single.tobytes()
    assert view.dtype == dtype
    batch = numpy.empty((3, *single.shape), dtype)
    assert fastpil.to_numpy_batch(images, out=batch, dtype=dtype, **args) is batch
    grown = fastpil.to_numpy_batch(iter(images), dtype=dtype, **args)
    for i, im in enumerate(images):
        want = fastpil.to_numpy(im, dtype=dtype, **args)
        assert batch[i].tobytes() == want.tobytes() == grown[i].tobytes()


def test_a_box_and_channels_with_floats(rng):
    im = random_image("RGBA", (67, 31), rng)
    args = {"channels": "BGR", "box": (3, 4, 60, 30), "scale": True, "mean": 0.5, "std": 0.25}
    for layout in ("HWC", "CHW"):
        got = fastpil.to_numpy(im, dtype=numpy.float32, layout=layout, **args)
        assert_within_bound(got, *expected(im, layout=layout, **args), numpy.float32)


@pytest.mark.parametrize(
    ("mode", "options", "exc", "match"),
    [
        ("RGB", {"scale": True}, ValueError, "need a floating dtype"),
        ("RGB", {"mean": 0.5}, ValueError, "need a floating dtype"),
        ("L", {"std": 2}, ValueError, "need a floating dtype"),
        ("RGB", {"dtype": numpy.int16}, ValueError, r"own dtype \(uint8\) or to a floating one"),
        ("RGB", {"dtype": numpy.float64}, ValueError, "float32 or float16, not float64"),
        ("RGB", {"dtype": "nonsense"}, TypeError, "not a NumPy dtype"),
        ("RGB", {"dtype": "f4", "scale": 1}, TypeError, "scale must be True or False"),
        ("RGB", {"dtype": "f4", "mean": (1, 2)}, ValueError, "has 2 values; the result has 3"),
        ("RGB", {"dtype": "f4", "channels": "G", "std": (1, 2)}, ValueError, "has 1 channel"),
        ("RGB", {"dtype": "f4", "mean": "abc"}, TypeError, "mean must be a number or 3 numbers"),
        ("RGB", {"dtype": "f4", "mean": "123"}, TypeError, "mean must be a number or 3 numbers"),
        ("RGB", {"dtype": "f4", "std": b"\1\2\3"}, TypeError, "std must be a number or 3"),
        ("RGB", {"dtype": "f4", "mean": {1: 2, 3: 4, 5: 6}}, TypeError, "mean must be a number"),
        ("RGB", {"dtype": "f4", "mean": {1, 2, 3}}, TypeError, "mean must be a number"),
        ("RGB", {"dtype": "f4", "mean": (1, "2", 3)}, TypeError, "mean must be a number"),
        ("RGB", {"dtype": "f4", "mean": 10**400}, ValueError, "too large for a float"),
        ("RGB", {"dtype": "f4", "std": (1, 10**400, 1)}, ValueError, "too large for a float"),
        ("RGB", {"dtype": "f4", "mean": numpy.zeros((3, 1))}, TypeError, "mean must be a number"),
        ("RGB", {"dtype": "f4", "mean": True}, TypeError, "mean must be a number"),
        ("RGB", {"dtype": "f4", "std": 0}, ValueError, "must not be zero"),
        ("RGB", {"dtype": "f4", "std": (1, 0.0, 1)}, ValueError, "must not be zero"),
        ("RGB", {"dtype": "f4", "std": float("nan")}, ValueError, "must be finite"),
        ("RGB", {"dtype": "f4", "std": float("inf")}, ValueError, "must be finite"),
        ("RGB", {"dtype": "f4", "mean": float("-inf")}, ValueError, "must be finite"),
        ("F", {"dtype": "f4", "scale": True}, ValueError, "floats already"),
        ("I", {"dtype": "f4", "scale": True}, ValueError, "no full scale"),
        ("P", {"dtype": "f4", "scale": True}, ValueError, "palette indices"),
        ("PA", {"dtype": "f2", "scale": True}, ValueError, "palette indices"),
        ("1", {"dtype": "f4", "scale": True}, ValueError, "already 0 and 1"),
    ],
)
def test_bad_float_options_write_nothing(mode, options, exc, match):
    im = Image.new(mode, (4, 3))
    out = bytearray(b"\xa5" * 4 * 3 * 4 * 8)
    with pytest.raises(exc, match=match):
        fastpil.to_numpy(im, **options)
    with pytest.raises(exc, match=match):
        fastpil.to_numpy(im, out=out, **options)
    assert out == bytearray(b"\xa5" * len(out))
    with pytest.raises(exc, match=match):
        fastpil.to_numpy_batch([im], **options)


@pytest.mark.parametrize(
    ("accepted", "refused"),
    [
        ({"mean": 1}, {"mean": True}),
        ({"mean": (1, 0, 0)}, {"mean": (True, 0, 0)}),
        ({"mean": [1, 0, 0]}, {"mean": [True, 0, 0]}),
        ({"std": 1}, {"std": True}),
        ({"scale": True}, {"scale": 1}),
    ],
)
def test_a_cached_plan_is_not_found_for_a_bool(accepted, refused):
    """True equals 1 and hashes as 1: a plan cached for 1 must not be
    returned for True, which is refused, however the cache is keyed."""
    im = Image.new("RGB", (4, 3))
    fastpil.to_numpy(im, dtype=numpy.float32, **accepted)
    with pytest.raises(TypeError, match="must be"):
        fastpil.to_numpy(im, dtype=numpy.float32, **refused)


def test_means_of_every_kind_are_the_same_means():
    """Means given as ints, floats, lists, tuples or NumPy values are the same
    means, and give the same plan: a plan holds no values."""
    from fastpil import _modes

    means = ((1, 0, 0), (1.0, 0.0, 0.0), [1, 0.0, 0], numpy.array([1.0, 0, 0]), numpy.float32(1))
    values = {
        fastpil.to_numpy(
            Image.new("RGB", (2, 1), (9, 8, 7)),
            channels="R" if numpy.ndim(mean) == 0 else None,
            layout="CHW",
            dtype=numpy.float32,
            scale=True,
            mean=mean,
            std=0.5,
        )[0].tobytes()
        for mean in means
    }
    assert len(values) == 1
    plan = _modes.plan("RGB", None, "CHW", numpy.float32, True, True)
    assert plan is _modes.plan("RGB", None, "CHW", numpy.float32, True, True)


def test_many_means_do_not_fill_memory():
    """A mean and std per image (standardising each by its own statistics)
    adds nothing to what is kept: plans are keyed by discrete choices only."""
    im = Image.new("L", (2, 2), 9)
    fastpil.to_numpy(im, dtype=numpy.float32, mean=0.0, std=1.0)
    before = len(_core.plans)
    for i in range(1000):
        got = fastpil.to_numpy(im, dtype=numpy.float32, mean=float(i), std=2.0)
        assert got[0, 0] == numpy.float32(9 - i) / numpy.float32(2)
    assert len(_core.plans) == before


def test_float16_rounds_to_nearest_even_like_numpy(simd_path):
    """Every half, the floats halfway between neighbouring halves (the ties)
    and those one float32 step either side of them, through every kernel's
    float16 rounding, exactly as numpy.astype rounds them."""
    halves = numpy.arange(0x7C00, dtype=numpy.uint16).view(numpy.float16).astype(numpy.float32)
    ties = (halves[:-1].astype(numpy.float64) + halves[1:]) / 2
    ties = numpy.append(ties, 65520.0).astype(numpy.float32)  # rounds up to infinity
    near = numpy.concatenate(
        [
            halves,
            ties,
            numpy.nextafter(ties, numpy.float32(numpy.inf)),
            numpy.nextafter(ties, numpy.float32(0)),
            numpy.array([1e-8, 3e-8, 6e-8, 65504, 65519.99, 1e5, numpy.inf], numpy.float32),
        ]
    )
    values = numpy.concatenate([near, -near]).astype(numpy.float32)
    values = numpy.pad(values, (0, -values.size % 64))
    im = Image.frombytes("F", (64, values.size // 64), values.tobytes())
    got = fastpil.to_numpy(im, dtype=numpy.float16, mean=0.0, std=1.0)
    with numpy.errstate(over="ignore"):
        want = values.reshape(got.shape).astype(numpy.float16)
    assert got.tobytes() == want.tobytes()


def test_float16_bound_where_the_result_outgrows_its_terms(simd_path):
    """The bound holds where the result lies in a higher binade than both its
    terms, and where float32's rounding lands next to a float16 tie: counted
    at the terms alone, the error here is 1.0001 units; at the result, the
    unit the bound is stated in, it is half of one."""
    im = Image.new("L", (1, 1), 124)
    mean, std = -6.164104616887356, -0.49943059443048077
    got = fastpil.to_numpy(im, dtype=numpy.float16, mean=mean, std=std)
    assert_within_bound(got, *expected(im, mean=mean, std=std), numpy.float16)
    # Every 8-bit value, with means and deviations that put results just
    # above and below powers of two larger than either term.
    values = numpy.arange(256, dtype=numpy.uint8).reshape(16, 16)
    im = Image.fromarray(values)
    for target in (16.0, 64.0, 256.0, 1024.0, 4096.0):
        for spread in (0.4999, 0.5, 0.5001, 0.9, 1.1):
            std = -spread * 255 / target
            for mean in (-std * target / 2, std * target / 3, -0.3 * std * target):
                got = fastpil.to_numpy(im, dtype=numpy.float16, mean=mean, std=std)
                assert_within_bound(got, *expected(im, mean=mean, std=std), numpy.float16)
