"""Plans: how each mode is converted, worked out once, immutable, and checked
against an explicit geometry; and the two ways of getting Pillow's encoder."""

from __future__ import annotations

import re

import numpy
import PIL
import pytest
from encoders import real_encoder, use_encoders
from oracle import MODES, assert_matches_numpy, random_image
from PIL import Image
from test_options import reference

import fastpil
from fastpil import _core, _modes
from fastpil._core import Kind, Plan, Transform


def test_a_cached_plan_cannot_be_changed():
    plan = _modes.plan("RGB", "BGR")
    plan.__init__("L", "L", Transform(Kind.copy), numpy.uint16, 0, False, 2)
    assert (plan.mode, plan.rawmode, plan.dtype, plan.channels) == ("RGB", "RGBX", "uint8", 3)
    with pytest.raises(AttributeError):
        plan.rawmode = "RGB"  # type: ignore[misc]
    im = Image.frombytes("RGB", (2, 1), bytes(range(6)))
    assert fastpil.to_numpy(im, channels="BGR").tobytes() == bytes([2, 1, 0, 5, 4, 3])


def test_a_plan_that_does_not_add_up_is_refused():
    """The shell states the geometry (bytes per packed row and per array row)
    from the plan, and the core checks it against the transform: here the
    encoder's 4-byte pixels would be copied into 3-byte ones."""
    bad = Plan("RGB", "RGBX", Transform(Kind.copy), numpy.uint8, 3, False, 4)
    with pytest.raises(ValueError, match=r"1 plane\(s\) of 2 rows of 15 bytes do not fit"):
        _core.to_array(bad, Image.new("RGB", (5, 2)).im, (0, 0, 5, 2))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("L", "L", Transform(Kind.copy), numpy.uint8, -1, False, 1), "channel count"),
        (("L", "L", Transform(Kind.copy), numpy.uint8, 0, True, 1), "planar"),
        (("L", "L", Transform(Kind.copy), numpy.uint8, 0, False, 0), "at least one byte"),
    ],
)
def test_plans_refuse_nonsense(args, match):
    with pytest.raises(ValueError, match=match):
        Plan(*args)


@pytest.fixture(params=["core", "registered"])
def encoder_route(request, monkeypatch):
    """Each way fastpil gets Pillow's encoder: Image.core.raw_encoder when no
    Python encoder is registered as "raw", Image._getencoder when one is.
    Returns the list of (route, mode, rawmode) of every encoder asked for."""
    asked = []
    real_getencoder = Image._getencoder

    def getencoder(mode, name, args, *rest):
        asked.append(("_getencoder", mode, args))
        return real_getencoder(mode, name, args, *rest)

    monkeypatch.setattr(Image, "_getencoder", getencoder)
    if request.param == "registered":

        def registered(mode, rawmode):
            asked.append(("registered", mode, rawmode))
            return real_encoder(mode, rawmode)

        use_encoders(monkeypatch, registered)
    return request.param, asked


@pytest.mark.parametrize("mode", MODES)
def test_both_encoder_routes_give_the_same_arrays(mode, encoder_route, rng):
    route, asked = encoder_route
    im = random_image(mode, (37, 21), rng)
    expected = numpy.array(im)
    options = {"layout": "CHW", "box": (1, 2, 30, 20)} if len(im.getbands()) > 1 else {}
    expected_options = reference(im, **options)
    _modes.plan(mode, layout=options.get("layout", "HWC"))  # worked out beforehand
    asked.clear()
    result = fastpil.to_numpy(im)
    batch = fastpil.to_numpy_batch([im, im])
    with_options = fastpil.to_numpy(im, **options)
    rawmode = _modes.plan(mode).rawmode
    if route == "core":
        assert asked == []
    else:
        assert set(asked) == {("_getencoder", mode, rawmode), ("registered", mode, rawmode)}
        assert len(asked) == 2 * 4
    assert_matches_numpy(result, im)
    numpy.testing.assert_array_equal(batch, numpy.stack([expected, expected]))
    numpy.testing.assert_array_equal(with_options, expected_options)


@pytest.mark.filterwarnings("ignore:BGR;24:DeprecationWarning")
def test_bgr24_keeps_its_three_channels(rng):
    """Pillow < 12 has mode BGR;24: three bands of one byte, which
    numpy.array() converts through the mode's own raw mode."""
    try:
        im = random_image("BGR;24", (29, 7), rng)
    except (KeyError, ValueError):
        pytest.skip(f"Pillow {PIL.__version__} has no mode BGR;24")
    assert_matches_numpy(fastpil.to_numpy(im), im)
    numpy.testing.assert_array_equal(fastpil.to_numpy_batch([im])[0], numpy.array(im))
    with pytest.raises(ValueError, match="fastpil converts as is"):
        fastpil.to_numpy(im, channels="RGB")


@pytest.mark.parametrize(
    ("channels", "shown"),
    [
        (b"RGB", "channels=b'RGB'"),
        (["R", "Q"], "channels=['R', 'Q']"),
        ("RGBA", "channels='RGBA'"),
    ],
)
def test_errors_show_the_channels_as_passed(channels, shown):
    with pytest.raises(ValueError, match=re.escape(shown)):
        fastpil.to_numpy(Image.new("RGB", (2, 2)), channels=channels)


class WithItsOwnLoad(Image.Image):
    loads = 0

    def load(self):
        type(self).loads += 1
        return super().load()


def test_load_is_called_where_it_can_matter(rng):
    """fastpil skips Image.load() only where Pillow's would do nothing but
    make a pixel-access object; a load() of one's own is always called."""
    im = random_image("L", (5, 4), rng)
    own = WithItsOwnLoad()
    own.__dict__.update(im.__dict__)
    assert_matches_numpy(fastpil.to_numpy(own), im)
    fastpil.to_numpy_batch([own, own])
    assert WithItsOwnLoad.loads == 3


def test_a_changed_palette_is_applied_as_load_applies_it():
    im = Image.new("P", (4, 4), 3)
    im.palette.getcolor((10, 20, 30))  # marks the palette changed
    assert im.palette.dirty
    result = fastpil.to_numpy(im)
    assert not im.palette.dirty
    assert_matches_numpy(result, im)
