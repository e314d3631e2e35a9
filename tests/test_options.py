"""channels=, layout= and box= against the NumPy expressions they replace."""

from __future__ import annotations

import numpy
import pytest
from oracle import MODES, assert_matches_numpy, random_image
from PIL import Image

import fastpil

MULTIBAND = [m for m in MODES if len(Image.new(m, (1, 1)).getbands()) > 1]
SINGLE_BAND = [m for m in MODES if m not in MULTIBAND]
SIZES = [(1, 1), (17, 3), (33, 5), (70, 2), (257, 7)]


def reference(im, channels=None, layout="HWC", box=None):
    """What the NumPy expressions give: the oracle for every option."""
    a = numpy.array(im.crop(box) if box is not None else im)
    if im.mode == "1":
        a = a.view(numpy.uint8) != 0  # valid bools, as fastpil makes them
    if channels is not None:
        bands = im.getbands()
        a = a[..., [bands.index(c) for c in channels]]
    if layout == "CHW":
        # A single band gets a channel axis of one, first.
        a = a[numpy.newaxis] if a.ndim == 2 else a.transpose(2, 0, 1)
    return numpy.ascontiguousarray(a)


def assert_same(result, expected):
    assert result.dtype == expected.dtype
    assert result.shape == expected.shape
    assert result.flags.c_contiguous
    assert result.flags.writeable
    assert result.flags.owndata
    numpy.testing.assert_array_equal(result.view(numpy.uint8), expected.view(numpy.uint8))


def selections(mode):
    """Channel choices worth trying for ``mode``: every single band, all bands
    reversed, the named OpenCV orders, and a few partial picks."""
    bands = Image.new(mode, (1, 1)).getbands()
    found = [None, *[(b,) for b in bands], tuple(reversed(bands)), bands[1:], bands[::-1][1:]]
    named = {"RGB": ["BGR"], "RGBA": ["BGRA", "RGB", "BGR", "ABGR"], "RGBX": ["RGB", "BGR"]}
    found += named.get(mode, [])
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("mode", MULTIBAND)
@pytest.mark.parametrize("layout", ["HWC", "CHW"])
def test_channels_and_layout(mode, layout, simd_path, rng):
    for channels in selections(mode):
        for size in SIZES:
            im = random_image(mode, size, rng)
            got = fastpil.to_numpy(im, channels=channels, layout=layout)
            assert_same(got, reference(im, channels, layout))


@pytest.mark.parametrize(("mode", "channels"), [("RGB", "BGR"), ("RGBA", "BGRA")])
@pytest.mark.parametrize("layout", ["HWC", "CHW"])
def test_opencv_and_pytorch_orders_large(mode, channels, layout, simd_path, rng):
    im = random_image(mode, (1031, 517), rng)
    assert_same(
        fastpil.to_numpy(im, channels=channels, layout=layout), reference(im, channels, layout)
    )


def test_channels_as_a_sequence_of_names(rng):
    im = random_image("YCbCr", (9, 4), rng)
    got = fastpil.to_numpy(im, channels=("Cr", "Cb", "Y"))
    assert_same(got, reference(im, ("Cr", "Cb", "Y")))
    got = fastpil.to_numpy(im, channels=["Y"], layout="CHW")
    assert_same(got, reference(im, ("Y",), "CHW"))


def test_default_channels_spelled_out_is_the_default(rng):
    im = random_image("RGBA", (9, 4), rng)
    assert_same(fastpil.to_numpy(im, channels="RGBA"), reference(im))
    assert_matches_numpy(fastpil.to_numpy(im, channels="RGBA"), im)


def boxes(width, height):
    return [
        (0, 0, width, height),
        (0, 0, 1, 1),
        (width - 1, height - 1, width, height),
        (width // 3, height // 4, width - width // 5, height),
        (0, height // 2, width, height // 2 + 1),
        (width // 2, 0, width // 2 + 1, height),
        (1, 1, 1, height),  # empty: zero width
        (0, height, width, height),  # empty: zero height
    ]


@pytest.mark.parametrize("mode", MODES)
def test_box(mode, simd_path, rng):
    im = random_image(mode, (77, 13), rng)
    for box in boxes(*im.size):
        assert_same(fastpil.to_numpy(im, box=box), reference(im, box=box))


@pytest.mark.parametrize("layout", ["HWC", "CHW"])
def test_box_with_channels(layout, simd_path, rng):
    im = random_image("RGBA", (301, 45), rng)
    for box in boxes(*im.size):
        for channels in ["BGR", "A", "BGRA"]:
            got = fastpil.to_numpy(im, channels=channels, layout=layout, box=box)
            assert_same(got, reference(im, channels, layout, box))


def test_box_reads_only_the_box(rng):
    # A wide image whose box is one column: each encoded row is one pixel.
    im = random_image("RGB", (20_000, 40), rng)
    box = (19_998, 3, 19_999, 39)
    assert_same(fastpil.to_numpy(im, box=box), reference(im, box=box))


def test_options_with_out(rng):
    im = random_image("RGB", (31, 9), rng)
    out = numpy.empty((3, 4, 5), numpy.uint8)
    result = fastpil.to_numpy(im, out=out, channels="BGR", layout="CHW", box=(2, 3, 7, 7))
    assert result is out
    numpy.testing.assert_array_equal(out, reference(im, "BGR", "CHW", (2, 3, 7, 7)))
    with pytest.raises(ValueError, match=r"needs shape \(3, 4, 5\)"):
        fastpil.to_numpy(
            im, out=numpy.empty((4, 5, 3), numpy.uint8), layout="CHW", box=(2, 3, 7, 7)
        )


@pytest.mark.parametrize("mode", SINGLE_BAND)
def test_channels_need_several_bands(mode):
    im = Image.new(mode, (3, 3))
    with pytest.raises(
        ValueError, match=r"does not apply to mode .*; it applies to the multi-band modes .*RGBA"
    ):
        fastpil.to_numpy(im, channels="L")


@pytest.mark.parametrize("mode", SINGLE_BAND)
def test_chw_gives_a_single_band_a_channel_axis(mode, simd_path, rng):
    """(1, H, W), as PyTorch expects; HWC keeps numpy.array's (H, W)."""
    for size in SIZES:
        im = random_image(mode, size, rng)
        got = fastpil.to_numpy(im, layout="CHW")
        assert got.shape == (1, size[1], size[0])
        assert_same(got, reference(im, layout="CHW"))
        assert fastpil.to_numpy(im).shape == (size[1], size[0])
    batch = fastpil.to_numpy_batch([im, im], layout="CHW")
    assert batch.shape == (2, 1, size[1], size[0])


@pytest.mark.parametrize(
    ("mode", "channels", "exc", "match"),
    [
        ("RGB", "BGRX", ValueError, r"pick 1 to 4 of its bands \('R', 'G', 'B'\)"),
        ("RGB", "bgr", ValueError, "does not apply to mode 'RGB'"),
        ("RGBA", "RGBAR", ValueError, "pick 1 to 4"),
        ("RGBA", "", ValueError, "pick 1 to 4"),
        ("YCbCr", "Cb", ValueError, "as a tuple, since some band names have several letters"),
        ("RGB", 3, TypeError, "channels must be a string or a sequence of band names, not int"),
        ("LA", "LAB", ValueError, r"bands \('L', 'A'\)"),
    ],
)
def test_bad_channels(mode, channels, exc, match):
    with pytest.raises(exc, match=match):
        fastpil.to_numpy(Image.new(mode, (2, 2)), channels=channels)


@pytest.mark.parametrize("layout", ["hwc", "WHC", "NCHW", None])
def test_bad_layout(layout):
    with pytest.raises(ValueError, match=r"layout must be one of \('HWC', 'CHW'\)"):
        fastpil.to_numpy(Image.new("RGB", (2, 2)), layout=layout)


@pytest.mark.parametrize(
    ("box", "exc", "match"),
    [
        ((-1, 0, 2, 2), ValueError, "not within the 10x8 image"),
        ((0, 0, 11, 2), ValueError, "not within"),
        ((0, 0, 2, 9), ValueError, "not within"),
        ((5, 0, 4, 2), ValueError, "left <= right"),
        ((0, 5, 2, 4), ValueError, "upper <= lower"),
        ((20, 20, 30, 30), ValueError, "does not pad"),
        ((0.0, 0, 2, 2), TypeError, "box must be 4 integers"),
        ((0, 0, 2), TypeError, "box must be 4 integers"),
        ((0, 0, 2, 2, 2), TypeError, "box must be 4 integers"),
        ("abcd", TypeError, "box must be 4 integers"),
        (5, TypeError, "box must be 4 integers"),
    ],
)
def test_bad_box(box, exc, match):
    with pytest.raises(exc, match=match):
        fastpil.to_numpy(Image.new("RGB", (10, 8)), box=box)


def test_box_accepts_numpy_integers(rng):
    im = random_image("L", (10, 8), rng)
    box = tuple(numpy.int64(v) for v in (1, 2, 5, 7))
    assert_same(fastpil.to_numpy(im, box=box), reference(im, box=(1, 2, 5, 7)))


@pytest.mark.parametrize(
    ("mode", "channels"),
    [("LA", "LLA"), ("LA", "AALL"), ("La", ("a", "L", "a")), ("PA", "PPP"), ("RGBA", "RRRR")],
)
@pytest.mark.parametrize("layout", ["HWC", "CHW"])
def test_repeated_bands_outnumbering_the_pixel_bytes(mode, channels, layout, simd_path, rng):
    # Wide enough for every vector step of each planar kernel.
    im = random_image(mode, (75, 3), rng)
    assert_same(
        fastpil.to_numpy(im, channels=channels, layout=layout), reference(im, channels, layout)
    )
