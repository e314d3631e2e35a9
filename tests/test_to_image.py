"""to_image against Image.fromarray on the same Pillow, for every dtype and
shape fromarray accepts, every stride pattern, explicit modes and channel
orders; and Image.fromarray under fastpil.patch().

The oracle: Image.fromarray(numpy.ascontiguousarray(b), mode), where b is the
array with its channels in the mode's order and its layout HWC; the same
mode, size and tobytes(), and an image of its own, writable.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
import warnings

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import fastpil
from fastpil import _core, _images, _pillow

# (dtype, channels or None, explicit modes fromarray accepts for it).
KINDS = [
    ("|b1", None, [None]),
    ("|u1", None, [None, "L", "P"]),
    ("|i1", None, [None]),
    ("<u2", None, [None]),
    (">u2", None, [None]),
    ("<i2", None, [None]),
    (">i2", None, [None]),
    ("<u4", None, [None]),
    ("<i4", None, [None, "I"]),
    (">i4", None, [None]),
    ("<f4", None, [None, "F"]),
    (">f4", None, [None]),
    ("<f8", None, [None]),
    ("|u1", 2, [None, "LA", "La", "PA"]),
    ("|u1", 3, [None, "RGB", "YCbCr", "LAB", "HSV"]),
    ("|u1", 4, [None, "RGBA", "RGBa", "RGBX", "CMYK"]),
]
SIZES = [(1, 1), (7, 5), (33, 2), (2, 33), (64, 17), (0, 3), (3, 0)]


def random_array(rng, dtype, height, width, channels=None):
    dtype = numpy.dtype(dtype)
    shape = (height, width) if channels is None else (height, width, channels)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind == "f":
        return rng.normal(0, 1000, shape).astype(dtype)
    info = numpy.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


def oracle(b, mode=None):
    b = numpy.ascontiguousarray(b)
    try:
        return Image.fromarray(b, mode)
    except ValueError:
        if b.size:
            raise
    # Pillow 9 cannot decode an empty array ("tile cannot extend outside
    # image"): the image is the empty one of the mode fromarray gives a pixel.
    pixel = Image.fromarray(numpy.zeros((1,) * min(b.ndim, 2) + b.shape[2:], b.dtype), mode)
    return Image.new(pixel.mode, (b.shape[1] if b.ndim > 1 else 1, b.shape[0]))


def assert_same_image(got, want):
    assert isinstance(got, Image.Image)
    assert (got.mode, got.size) == (want.mode, want.size)
    assert got.tobytes() == want.tobytes()
    assert not got.readonly


@pytest.mark.parametrize(("dtype", "channels", "modes"), KINDS, ids=lambda v: str(v))
def test_every_kind_fromarray_takes(dtype, channels, modes, simd_path, rng):
    for mode, (width, height) in itertools.product(modes, SIZES):
        a = random_array(rng, dtype, height, width, channels)
        assert_same_image(fastpil.to_image(a, mode), oracle(a, mode))


def views(a):
    """Views of a 3-d array with every kind of stride: reversed axes, steps,
    crops, transposes, broadcasts, Fortran order, an odd byte offset."""
    yield "rows reversed", a[::-1]
    yield "columns reversed", a[:, ::-1]
    yield "channels reversed", a[..., ::-1]
    yield "every axis reversed", a[::-1, ::-1, ::-1]
    yield "steps", a[::2, ::3]
    yield "crop", a[3:-2, 5:-1]
    yield "transposed", a.transpose(1, 0, 2)
    yield "Fortran order", numpy.asfortranarray(a)
    yield "broadcast row", numpy.broadcast_to(a[:1], a.shape)
    yield "broadcast pixel", numpy.broadcast_to(a[:1, :1], a.shape)
    yield "planes made pixels", numpy.ascontiguousarray(a.transpose(2, 0, 1)).transpose(1, 2, 0)
    raw = numpy.empty(a.nbytes + 1, numpy.uint8)
    shifted = raw[1:].view(a.dtype).reshape(a.shape)
    shifted[...] = a
    yield "odd byte offset", shifted


@pytest.mark.parametrize("channels", [3, 4, 2])
@pytest.mark.parametrize("dtype", ["|u1"])
def test_every_stride_pattern(channels, dtype, simd_path, rng):
    a = random_array(rng, dtype, 19, 37, channels)
    for name, view in views(a):
        try:
            assert_same_image(fastpil.to_image(view), oracle(view))
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None


@pytest.mark.parametrize("dtype", ["<u2", ">u2", "<i4", "<f4", "<f8", "|b1"])
def test_strides_of_wider_samples(dtype, simd_path, rng):
    a = random_array(rng, dtype, 23, 31)
    for view in (a[::-1], a[:, ::-2], a.T, numpy.broadcast_to(a[:1], a.shape), a[2:-3, 1:]):
        assert_same_image(fastpil.to_image(view), oracle(view))


def turned(a):
    """The views made of images: mirrors, flips, rotations, transposes and
    every second pixel, alone and together, over the first two axes."""
    yield "mirrored", a[:, ::-1]
    yield "flipped", a[::-1]
    for k in (1, 2, 3):
        yield f"rot90 k={k}", numpy.rot90(a, k)
    yield "transposed", a.swapaxes(0, 1)
    yield "transposed and flipped", a.swapaxes(0, 1)[::-1, ::-1]
    yield "every second pixel", a[::2, ::2]
    yield "every second pixel backwards", a[:, ::-2]
    yield "every second row backwards", a[::-2]
    yield "every second pixel of a rotation", numpy.rot90(a)[1::2, ::-2]
    if a.ndim == 3:
        yield "channels reversed, mirrored", a[:, ::-1, ::-1]
        yield "channels reversed, rotated", numpy.rot90(a[..., ::-1])
        yield "channels reversed, every second pixel", a[::2, ::-2, ::-1]


# Around the pixels of a vector of every kernel table (2 to 32) and beyond.
TURNED_SIZES = [1, 2, 3, 17, 33, 65]


@pytest.mark.parametrize(
    ("dtype", "channels"),
    [
        ("|u1", None),
        ("|u1", 2),
        ("|u1", 3),
        ("|u1", 4),
        ("|b1", None),
        ("<u2", None),
        (">u2", None),
        ("<i4", None),
        ("<f4", None),
        ("<f8", None),
    ],
    ids=str,
)
def test_turned_views(dtype, channels, simd_path, rng):
    for height, width in itertools.product(TURNED_SIZES, repeat=2):
        a = random_array(rng, dtype, height, width, channels)
        for name, view in turned(a):
            try:
                assert_same_image(fastpil.to_image(view), oracle(view))
            except AssertionError as error:
                raise AssertionError(f"{name} of {a.shape}: {error}") from None


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_turned_planar_views(channels, simd_path, rng):
    for height, width in itertools.product(TURNED_SIZES, repeat=2):
        chw = random_array(rng, "|u1", channels, height, width)
        for name, view in turned(chw.transpose(1, 2, 0)):
            planar = view.transpose(2, 0, 1)  # still a view of chw
            hwc = planar[0] if channels == 1 else view
            try:
                assert_same_image(fastpil.to_image(planar, layout="CHW"), oracle(hwc))
            except AssertionError as error:
                raise AssertionError(f"{name} of {chw.shape}: {error}") from None


@pytest.mark.parametrize(
    ("channels", "mode", "names"),
    [
        (3, None, "BGR"),
        (3, None, "GBR"),
        (4, None, "BGRA"),
        (4, None, "ARGB"),
        (4, "CMYK", "KYMC"),
        (2, None, "AL"),
        (3, "YCbCr", ("Cr", "Cb", "Y")),
    ],
)
def test_channel_orders(channels, mode, names, simd_path, rng):
    a = random_array(rng, "|u1", 9, 41, channels)
    bands = Image.new(mode or {2: "LA", 3: "RGB", 4: "RGBA"}[channels], (1, 1)).getbands()
    order = [list(names).index(band) for band in bands]
    want = oracle(a[..., order], mode)
    assert_same_image(fastpil.to_image(a, mode, channels=names), want)
    # The same from a (C, H, W) array.
    chw = numpy.ascontiguousarray(a.transpose(2, 0, 1))
    assert_same_image(fastpil.to_image(chw, mode, channels=names, layout="CHW"), want)


@pytest.mark.parametrize("shape", [(3, 20, 30), (4, 5, 7), (1, 6, 9), (2, 3, 3)])
def test_planar_layout(shape, simd_path, rng):
    chw = random_array(rng, "|u1", shape[1], shape[2], shape[0]).transpose(2, 0, 1)
    chw = numpy.ascontiguousarray(chw)
    hwc = chw[0] if shape[0] == 1 else chw.transpose(1, 2, 0)
    assert_same_image(fastpil.to_image(chw, layout="CHW"), oracle(hwc))
    assert_same_image(fastpil.to_image(chw[:, ::-1, 1:], layout="CHW"), oracle(hwc[::-1, 1:]))


def test_batches(rng):
    batch = random_array(rng, "|u1", 4, 12, 10).reshape(4, 12, 10)[:, None].repeat(3, axis=1)
    images = fastpil.to_images(batch, layout="CHW")
    assert len(images) == 4
    for im, each in zip(images, batch, strict=True):
        assert_same_image(im, oracle(each.transpose(1, 2, 0)))
    hwc = random_array(rng, "|u1", 6, 5, 4)
    assert [im.mode for im in fastpil.to_images(numpy.stack([hwc, hwc]))] == ["RGBA", "RGBA"]


def test_the_image_owns_its_pixels(rng):
    a = random_array(rng, "|u1", 8, 8, 4)  # RGBA: Pillow's fromarray would share it
    im = fastpil.to_image(a)
    before = im.tobytes()
    a[...] = 0
    assert im.tobytes() == before
    im.putpixel((0, 0), (1, 2, 3, 4))
    assert im.getpixel((0, 0)) == (1, 2, 3, 4)


def test_round_trips(simd_path, rng):
    for dtype, channels in [
        ("|u1", None),
        ("|u1", 2),
        ("|u1", 3),
        ("|u1", 4),
        ("<u2", None),
        ("<i4", None),
        ("<f4", None),
        ("|b1", None),
    ]:
        a = random_array(rng, dtype, 13, 29, channels)
        back = fastpil.to_numpy(fastpil.to_image(a))
        assert back.dtype == a.dtype
        numpy.testing.assert_array_equal(back, a)
        chw = fastpil.to_numpy(fastpil.to_image(a), layout="CHW")
        assert fastpil.to_image(chw, layout="CHW").tobytes() == fastpil.to_image(a).tobytes()


def test_other_array_likes(rng):
    a = random_array(rng, "|u1", 6, 7, 3)
    assert_same_image(fastpil.to_image(memoryview(a)), oracle(a))
    assert_same_image(fastpil.to_image(a.tolist() and a), oracle(a))


@pytest.mark.parametrize(
    ("value", "options", "exc", "match"),
    [
        (numpy.zeros((3, 4, 5), numpy.uint8), {}, TypeError, "refuses .* with 5 channels"),
        (numpy.zeros((3, 4), numpy.complex64), {}, TypeError, "refuses .* of complex64"),
        (numpy.zeros((3, 4), numpy.int64), {}, TypeError, "refuses .* of int64"),
        (numpy.zeros((2, 3, 4, 1), numpy.uint8), {}, TypeError, "refuses an array of 4"),
        (numpy.zeros((3, 4), numpy.uint8), {"mode": "RGB"}, ValueError, "as mode 'RGB'"),
        (numpy.zeros((3, 4), numpy.uint16), {"mode": "I"}, ValueError, "not enough image data"),
        (
            numpy.zeros((3, 4, 3), numpy.uint8),
            {"channels": "BGX"},
            ValueError,
            "each of its bands",
        ),
        (numpy.zeros((3, 4, 3), numpy.uint8), {"channels": "BBR"}, ValueError, "once"),
        (numpy.zeros((3, 4), numpy.uint8), {"channels": "L"}, ValueError, "channel"),
        (numpy.zeros((3, 4, 3), numpy.uint8), {"channels": 3}, TypeError, "string or a sequence"),
        (numpy.zeros((3, 4), numpy.uint8), {"layout": "CHW"}, ValueError, r"shape \(C, H, W\)"),
        (numpy.zeros((3, 4, 3), numpy.uint8), {"layout": "WHC"}, ValueError, "layout must be"),
        (numpy.uint8(7), {}, ValueError, "not a scalar"),
    ],
)
def test_refusals_say_why(value, options, exc, match, monkeypatch):
    # Asked afresh, the refusal comes with whatever warnings Pillow's own
    # fromarray gives for the array and mode (Pillow 11.3 to 12.2 deprecate
    # a mode that changes the data type): the same ones.
    monkeypatch.setattr(_images, "_decodings", {})
    with warnings.catch_warnings(record=True) as pillows:
        warnings.simplefilter("always")
        with contextlib.suppress(Exception):
            Image.fromarray(value, options.get("mode"))
    with warnings.catch_warnings(record=True) as fastpils:
        warnings.simplefilter("always")
        with pytest.raises(exc, match=match):
            fastpil.to_image(value, **options)
    assert [type(w.message) for w in fastpils] == [type(w.message) for w in pillows]


def test_through_a_registered_python_decoder(monkeypatch, rng):
    made = []

    def decoder(mode, rawmode, *args):
        made.append((mode, rawmode))
        return Image.core.raw_decoder(mode, rawmode, *args)

    a = random_array(rng, "|u1", 9, 11, 3)
    want = oracle(a[..., ::-1])
    fastpil.to_image(a[:1, :1])  # what fromarray makes of such arrays, asked before
    monkeypatch.setitem(Image.DECODERS, "raw", decoder)
    assert_same_image(fastpil.to_image(a, channels="BGR"), want)
    assert made == [("RGB", "RGBX")]


def test_threads_at_once(rng):
    arrays = [random_array(rng, "|u1", 300 + i, 400, 3) for i in range(8)]
    expected = [oracle(a[..., ::-1]).tobytes() for a in arrays]
    errors = []

    def work(index):
        try:
            for _ in range(5):
                im = fastpil.to_image(arrays[index], channels="BGR")
                assert im.tobytes() == expected[index]
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(before)
    assert not errors, errors[0]


def test_references_are_returned(rng):
    a = random_array(rng, "|u1", 50, 60, 3)
    before = sys.getrefcount(a)
    for _ in range(10):
        fastpil.to_image(a[::-1], channels="BGR")
    with pytest.raises(ValueError, match="each of its bands"):
        fastpil.to_image(a, channels="XYZ")
    assert sys.getrefcount(a) == before


arrays = st.one_of(
    hnp.arrays(
        st.sampled_from(["|u1", "<u2", ">u2", "<i4", "<f4", "|b1", "|i1", "<f8"]),
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=40),
    ),
    hnp.arrays(numpy.uint8, hnp.array_shapes(min_dims=3, max_dims=3, min_side=0, max_side=30)),
)


@settings(max_examples=int(os.environ.get("FASTPIL_FUZZ_EXAMPLES", "150")), deadline=None)
@given(a=arrays, data=st.data())
def test_any_array_and_view(a, data):
    """Any array, seen through any slicing, either converts as fromarray
    does or is refused as fromarray refuses it."""
    steps = tuple(data.draw(st.sampled_from([1, 2, -1, -3])) for _ in range(a.ndim))
    view = a[tuple(slice(None, None, s) for s in steps)]
    try:
        want = oracle(view)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            fastpil.to_image(view)
        return
    assert_same_image(fastpil.to_image(view), want)


# ---------------------------------------------------------------------------
# Image.fromarray under fastpil.patch()


def patched_and_not(a, mode=None):
    want = Image.fromarray(a, mode)
    with fastpil.patched():
        got = Image.fromarray(a, mode)
    return got, want


@pytest.mark.parametrize(("dtype", "channels", "modes"), KINDS, ids=lambda v: str(v))
def test_patched_fromarray_is_fromarray(dtype, channels, modes, rng):
    a = random_array(rng, dtype, 21, 17, channels)
    for mode in modes:
        for view in (a, a[::-1], a[:, 1:], a[::2]):
            got, want = patched_and_not(view, mode)
            assert (got.mode, got.size, got.readonly) == (want.mode, want.size, want.readonly)
            assert got.tobytes() == want.tobytes()


def test_patched_fromarray_leaves_shared_memory_to_pillow(rng):
    a = random_array(rng, "|u1", 10, 10, 4)
    with fastpil.patched():
        im = Image.fromarray(a)
    assert im.readonly
    a[0, 0] = (9, 9, 9, 9)
    assert im.getpixel((0, 0)) == (9, 9, 9, 9)  # Pillow's map of the array


def test_patched_fromarray_refuses_as_pillow_does():
    for bad, mode in [
        (numpy.zeros((3, 4, 5), numpy.uint8), None),
        (numpy.zeros(()), None),
        (numpy.zeros((3, 4), numpy.uint16), "I"),
        ([[1, 2]], None),
    ]:
        with pytest.raises(Exception) as theirs:  # noqa: PT011 (whatever Pillow raises)
            Image.fromarray(bad, mode)
        with fastpil.patched(), pytest.raises(Exception) as ours:  # noqa: PT011
            Image.fromarray(bad, mode)
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)


def test_unpatch_restores_fromarray():
    original = Image.fromarray
    with fastpil.patched():
        assert Image.fromarray is not original
    assert Image.fromarray is original
    fastpil.patch()
    fastpil.unpatch()
    assert Image.fromarray is original


def test_views_through_patched_fromarray(rng):
    bgr = random_array(rng, "|u1", 64, 48, 3)
    chw = numpy.ascontiguousarray(bgr.transpose(2, 0, 1))
    for view in (bgr[..., ::-1], chw.transpose(1, 2, 0), bgr[5:50, 3:40]):
        got, want = patched_and_not(view)
        assert got.tobytes() == want.tobytes()
        assert not got.readonly
        assert not want.readonly


def test_shells_hook_is_internal():
    assert "decode_array" not in fastpil.__all__
    assert hasattr(_core, "decode_array")


def test_a_python_decoder_keeps_only_copies(monkeypatch, rng):
    """A Python decoder registered as "raw" may keep what decode() is given:
    it gets bytes of its own, never a view of the array or of fastpil's
    chunk, which are gone (or reused) after the call."""
    kept = []

    class Keeping:
        def __init__(self, real):
            self.real = real

        def setimage(self, *args):
            return self.real.setimage(*args)

        def cleanup(self):
            return self.real.cleanup()

        def decode(self, data):
            kept.append((data, bytes(data)))
            return self.real.decode(data)

    def factory(mode, rawmode, *args):
        return Keeping(Image.core.raw_decoder(mode, rawmode, *args))

    a = random_array(rng, "|u1", 40, 30, 3)
    contiguous = random_array(rng, "|u1", 40, 30)
    want = [oracle(a[:, ::-1]).tobytes(), oracle(contiguous).tobytes()]
    fastpil.to_image(a[:1, :1]), fastpil.to_image(contiguous[:1, :1])  # kinds asked before
    monkeypatch.setitem(Image.DECODERS, "raw", factory)
    got = [fastpil.to_image(a[:, ::-1]).tobytes(), fastpil.to_image(contiguous).tobytes()]
    assert got == want
    del a, contiguous
    # Whatever the memory held then, each kept argument holds what it was given.
    [fastpil.to_image(numpy.full((40, 30, 3), 7, numpy.uint8)[:, ::-1]) for _ in range(5)]
    assert kept
    for data, copied in kept:
        assert isinstance(data, bytes)
        assert bytes(data) == copied


def test_pillows_decoder_is_lent_views_released_after_each_call(monkeypatch, rng):
    """Pillow's own decoder gets memoryviews (no copy), each released as soon
    as decode() returns, so nothing can read through one afterwards."""
    lent = []

    class Spying:
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def decode(self, data):
            lent.append(data)
            return self.real.decode(data)

    # A wrapper is a Python decoder, so it would get copies: the views are
    # seen by taking it for Pillow's own.
    a = random_array(rng, "|u1", 40, 30, 3)
    fastpil.to_image(a[:1, :1])  # what fromarray makes of such arrays, asked before
    monkeypatch.setattr(_pillow, "PILLOW_DECODER", Spying)
    monkeypatch.setitem(
        Image.DECODERS, "raw", lambda mode, raw, *args: Spying(Image.core.raw_decoder(mode, raw))
    )
    fastpil.to_image(a[:, ::-1])
    assert lent
    for view in lent:
        with pytest.raises(ValueError, match="released"):
            bytes(view)
