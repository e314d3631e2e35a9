"""Image.fromarray under patch() over every dtype it takes and the views
people make: Pillow's image every time (mode, size, pixels, palette,
read-only-ness, and sharing the array's memory exactly where Pillow's does),
made by fastpil where its cost model says fastpil is faster.

Run on the oldest and newest Pillow of make test-matrix, this tests the
routing against each one's own mapping and sharing."""

from __future__ import annotations

import numpy
import pytest
from PIL import Image

import fastpil
from fastpil import _core, _images, _patch, _pillow

# (dtype, channels, mode asked for): every kind of array fromarray takes.
KINDS = [
    ("|b1", 0, None),
    ("|u1", 0, None),
    ("|u1", 0, "P"),
    ("|u1", 2, None),
    ("|u1", 3, None),
    ("|u1", 3, "YCbCr"),
    ("|u1", 3, "HSV"),
    ("|u1", 4, None),
    ("|u1", 4, "CMYK"),
    ("|u1", 4, "RGBX"),
    ("=u2", 0, None),
    (">u2", 0, None),
    ("<u2", 0, None),
    ("=i4", 0, None),
    ("=f4", 0, None),
    ("=f8", 0, None),
    ("=i2", 0, None),
]
VIEWS = {
    "contiguous": lambda a: a,
    "a[::-1]": lambda a: a[::-1],
    "a[:, ::-1]": lambda a: a[:, ::-1],
    "a[::-1, ::-1]": lambda a: a[::-1, ::-1],
    "crop": lambda a: a[1:-1, 2:-1],
    "a[::2, ::2]": lambda a: a[::2, ::2],
    "a[1::3, ::-3]": lambda a: a[1::3, ::-3],
    "transpose": lambda a: a.swapaxes(0, 1),
    "rot90": numpy.rot90,
    "rot90 k=3": lambda a: numpy.rot90(a, 3),
    "column": lambda a: a[:, 1],
    "a[..., ::-1]": lambda a: a[..., ::-1] if a.ndim == 3 else a,
    "CHW memory": lambda a: (
        numpy.ascontiguousarray(numpy.moveaxis(a, -1, 0)).transpose(1, 2, 0) if a.ndim == 3 else a
    ),
    "a[:0]": lambda a: a[:0],
}
# The last is larger than _core.SMALL_ARRAY for every kind and most views,
# so that the patch makes its own images there.
SIZES = [(1, 2), (3, 5), (17, 33), (40, 67), (300, 241)]


def make(dtype, channels, size, rng):
    shape = (*size, channels) if channels else size
    data = rng.integers(0, 256, int(numpy.prod(shape)) * numpy.dtype(dtype).itemsize, numpy.uint8)
    if numpy.dtype(dtype) == bool:
        return data.reshape(shape) > 127
    a = data.view(dtype).reshape(shape)
    return numpy.nan_to_num(a) if a.dtype.kind == "f" else a


def pillows(a, mode):
    try:
        return _pillow.fromarray(a, mode), None
    except Exception as error:
        return None, error


def shares(im, a, base):
    """Whether changing ``base`` (which ``a`` views) changes ``im``."""
    before = im.tobytes()
    base.view(numpy.uint8)[...] ^= 0xFF
    try:
        return im.tobytes() != before
    finally:
        base.view(numpy.uint8)[...] ^= 0xFF


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(("dtype", "channels", "mode"), KINDS)
def test_patched_fromarray_is_pillows(dtype, channels, mode, view, rng):
    for size in SIZES:
        base = make(dtype, channels, size, rng)
        a = VIEWS[view](base)
        expected, refusal = pillows(a, mode)
        with fastpil.patched():
            if refusal is not None:
                with pytest.raises(type(refusal)) as raised:
                    Image.fromarray(a, mode)
                assert str(raised.value) == str(refusal)
                continue
            im = Image.fromarray(a, mode)
        assert (im.mode, im.size, im.readonly) == (expected.mode, expected.size, expected.readonly)
        assert im.tobytes() == expected.tobytes()
        if im.mode == "P":
            assert im.getpalette() == expected.getpalette()
        if a.size:
            assert shares(im, a, base) == shares(expected, a, base), "sharing differs"


# Views whose image patched fromarray must make itself, by the cost model:
# none below _core.SMALL_ARRAY bytes; above, where Pillow decodes, any view
# fastpil packs with more than its plain loop, and C-contiguous RGB; where
# Pillow maps, views a vectorised kernel packs (a channel order, planar
# memory). Pillow's mapped contiguous arrays, arrays decoded as they are, and
# whole-row copies of mapped ones stay Pillow's.
BIG = (200, 201)


@pytest.mark.parametrize(
    ("dtype", "channels", "mode", "view", "size", "fastpil_makes"),
    [
        ("|u1", 3, None, "contiguous", (40, 67), False),
        ("|u1", 3, None, "a[::-1]", (40, 67), False),
        ("|u1", 4, None, "a[..., ::-1]", (40, 67), False),
        ("|u1", 3, None, "contiguous", BIG, True),
        ("|u1", 3, "YCbCr", "contiguous", BIG, True),
        ("|u1", 3, None, "a[::-1]", BIG, True),
        ("|u1", 2, None, "crop", BIG, True),
        ("|u1", 2, None, "contiguous", BIG, False),
        ("=f4", 0, None, "contiguous", BIG, False),
        ("=f4", 0, None, "a[::-1]", BIG, True),
        ("|u1", 4, None, "a[..., ::-1]", BIG, True),
        ("|u1", 4, "CMYK", "CHW memory", BIG, True),
        ("|u1", 4, None, "contiguous", BIG, False),
        ("|u1", 0, None, "contiguous", BIG, False),
        ("|u1", 0, None, "a[::-1]", BIG, False),
        ("=u2", 0, None, "crop", BIG, False),
    ],
)
def test_the_cost_model_chooses(dtype, channels, mode, view, size, fastpil_makes, rng):
    a = VIEWS[view](make(dtype, channels, size, rng))
    made = _images.fromarray_faster(a, mode)
    assert (made is not None) == fastpil_makes
    if made is not None:
        assert made.tobytes() == _pillow.fromarray(a, mode).tobytes()


def test_the_fast_path_takes_what_the_cost_model_leaves_to_pillow(monkeypatch, rng):
    """Under the patch, a small array, or a C-contiguous one of a kind seen
    before that the cost model sends to Pillow, goes straight to Pillow's
    fromarray; the rest go to the rest of the patch."""
    rest = []
    monkeypatch.setattr(_patch, "fromarray_rest", lambda *args: rest.append(args))
    small = make("|u1", 3, (40, 67), rng)
    large = make("|u1", 3, BIG, rng)
    mapped = make("|u1", 4, BIG, rng)
    _images.fromarray_faster(mapped, None)  # the kind is learnt
    for a in (small, small[::-1], mapped):
        assert _core.fromarray(a).tobytes() == _pillow.fromarray(a).tobytes()
    assert rest == []
    _core.fromarray(large)
    _core.fromarray(mapped[::-1])
    _core.fromarray(small, [])  # a mode Pillow rejects, as Pillow rejects it
    _core.fromarray(small.tolist())
    assert len(rest) == 4


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(
    ("dtype", "channels"), [("|u1", 0), ("|u1", 2), ("|u1", 4), ("=u2", 0), ("=f8", 0)]
)
def test_pack_array_is_tobytes(dtype, channels, view, rng):
    a = VIEWS[view](make(dtype, channels, (17, 33), rng))
    bands = tuple(range(a.shape[2])) if a.ndim == 3 else (0,)
    if a.size == 0:
        return
    out = numpy.empty(a.shape, a.dtype)
    _core.pack_array(a, bands, False, out)
    assert out.tobytes() == a.tobytes()


def test_pack_array_checks_its_destination():
    a = numpy.zeros((4, 5), numpy.uint8)[:, ::-1]
    with pytest.raises(ValueError, match="needs a writable buffer of 20 bytes"):
        _core.pack_array(a, (0,), False, bytearray(19))
    with pytest.raises(ValueError, match="needs a writable buffer"):
        _core.pack_array(a, (0,), False, numpy.zeros(20, numpy.uint8)[::2].copy()[:10])
    with pytest.raises(BufferError):
        _core.pack_array(a, (0,), False, bytes(20))
