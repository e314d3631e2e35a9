"""Bad input gets a clear exception, never a crash or a half-filled array."""

from __future__ import annotations

import io
import traceback
from types import SimpleNamespace

import numpy
import PIL
import pytest
from encoders import use_encoders
from PIL import Image, ImageMode

import fastpil
from fastpil import _core, _modes


@pytest.mark.parametrize(
    "value", [None, 3, "image.png", b"\x89PNG", numpy.zeros((2, 2)), Image.new("L", (2, 2)).im]
)
def test_not_an_image(value):
    with pytest.raises(TypeError, match=r"to_numpy\(\) takes a PIL.Image.Image, not "):
        fastpil.to_numpy(value)


def test_closed_image():
    im = Image.new("RGB", (3, 3))
    im.close()
    with pytest.raises(ValueError, match="closed image"):
        fastpil.to_numpy(im)


def png_bytes(mode="RGB", size=(64, 64)):
    buf = io.BytesIO()
    Image.effect_noise(size, 50).convert(mode).save(buf, "PNG")
    return buf.getvalue()


def test_closed_lazy_image():
    im = Image.open(io.BytesIO(png_bytes()))
    im.close()
    with pytest.raises(ValueError, match="closed image"):
        fastpil.to_numpy(im)


def test_truncated_file_raises_as_pillow_does():
    data = png_bytes()
    im = Image.open(io.BytesIO(data[: len(data) // 2]))
    with pytest.raises(OSError, match="truncated") as ours:
        fastpil.to_numpy(im)
    im = Image.open(io.BytesIO(data[: len(data) // 2]))
    with pytest.raises(OSError, match="truncated") as pillows:
        numpy.array(im)
    assert type(ours.value) is type(pillows.value)
    assert str(ours.value) == str(pillows.value)


def test_unknown_mode_is_named():
    with pytest.raises(ValueError, match=r"mode 'XYZ' has no NumPy equivalent"):
        _modes.plan("XYZ")


@pytest.fixture
def fresh_plans(monkeypatch):
    """Forget the plans worked out so far, for this test only."""
    monkeypatch.setattr(_core, "plans", {})


def set_mode(monkeypatch, im, mode):
    # Pillow >= 10.1 keeps the mode in _mode behind a property.
    name = "_mode" if isinstance(getattr(type(im), "mode", None), property) else "mode"
    monkeypatch.setattr(im, name, mode, raising=False)
    assert im.mode == mode


def test_mode_numpy_cannot_convert(monkeypatch, fresh_plans):
    im = Image.new("L", (2, 2))
    set_mode(monkeypatch, im, "XYZ")
    with pytest.raises((KeyError, ValueError)):
        numpy.array(im)
    with pytest.raises(ValueError, match="mode 'XYZ' has no NumPy equivalent"):
        fastpil.to_numpy(im)


def test_mode_that_cannot_be_encoded(monkeypatch, fresh_plans):
    monkeypatch.setitem(_modes._MULTIBAND_RAW, "HSV", ("HSVX", 4))
    with pytest.raises(ValueError, match=r"mode 'HSV' cannot be converted .* raw mode 'HSVX'"):
        fastpil.to_numpy(Image.new("HSV", (2, 2)))


def test_mode_whose_raw_bytes_do_not_fill_the_array(monkeypatch, fresh_plans):
    # As if Pillow described "L" as 16-bit: the encoder's rows would be half
    # the size NumPy expects.
    real = ImageMode.getmode

    def getmode(mode):
        found = real(mode)
        return SimpleNamespace(bands=found.bands, typestr="<u2") if mode == "L" else found

    monkeypatch.setattr(ImageMode, "getmode", getmode)
    with pytest.raises(ValueError, match=r"mode 'L' cannot be converted to 1 band\(s\) of uint16"):
        fastpil.to_numpy(Image.new("L", (5, 5)))


LEGACY_MODES = ["BGR;15", "BGR;16"]


# Pillow 10 and 11 warn that these modes are deprecated whenever one is used.
@pytest.mark.filterwarnings("ignore:BGR;1:DeprecationWarning")
@pytest.mark.parametrize("mode", LEGACY_MODES)
def test_legacy_packed_modes_are_refused(mode):
    try:
        im = Image.new(mode, (4, 4))
    except ValueError:
        pytest.skip(f"Pillow {PIL.__version__} has no mode {mode}")
    with pytest.raises(ValueError, match=f"mode '{mode}' cannot be converted"):
        fastpil.to_numpy(im)


class FakeEncoder:
    """Stands in for Pillow's raw encoder and emits scripted chunks."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.cleaned_up = False

    def setimage(self, im, extents):
        pass

    def encode(self, bufsize):
        item = self.chunks.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def cleanup(self):
        self.cleaned_up = True


@pytest.fixture
def fake_encoder(monkeypatch):
    """Install a FakeEncoder with the given chunks; returns it."""

    def install(chunks, mode="L"):
        _modes.plan(mode)  # worked out with the real encoder
        encoder = FakeEncoder(chunks)
        use_encoders(monkeypatch, lambda mode, rawmode: encoder)
        return encoder

    return install


ROW = bytes(range(4))  # one row of a 4x2 "L" image


@pytest.mark.parametrize(
    ("chunks", "exc", "match"),
    [
        ([(4, -2, ROW)], RuntimeError, r"failed with error -2 \(broken data\)"),
        ([(4, -9, b"")], RuntimeError, r"error -9 \(out of memory\)"),
        ([(12, 1, ROW * 3)], RuntimeError, r"returned 3 rows \(12 bytes of the array\) when 2"),
        ([(3, 0, ROW[:3])], RuntimeError, "3 bytes, which is not a whole number of its 4-byte"),
        ([(4, 1, ROW)], RuntimeError, r"finished after 1 of 2 rows \(4 of 8 bytes of the"),
        ([(0, 0, b"")], RuntimeError, "made no progress"),
        ([(4, 0, ROW), OSError("disk on fire")], OSError, "disk on fire"),
        ([(4, 0)], TypeError, r"did not return \(status, errcode, data\)"),
        (["nonsense"], TypeError, r"did not return"),
        ([(4, "x", ROW)], TypeError, "cannot be interpreted as an integer"),
        ([(4, 0, 12345)], TypeError, "bytes-like object is required"),
    ],
)
def test_encoder_failures(fake_encoder, chunks, exc, match):
    encoder = fake_encoder(chunks)
    with pytest.raises(exc, match=match):
        fastpil.to_numpy(Image.new("L", (4, 2)))
    assert encoder.cleaned_up


RGBX_ROW = bytes(range(16))  # one row of a 4x2 "RGB" image, as raw mode RGBX


@pytest.mark.parametrize(
    ("chunks", "match"),
    [
        (
            [(48, 1, RGBX_ROW * 3)],
            r"^Pillow's raw encoder returned 3 rows \(36 bytes of the array\) when 2 rows "
            r"\(24 bytes\) were left$",
        ),
        (
            [(16, 0, RGBX_ROW), (32, 1, RGBX_ROW * 2)],
            r"returned 2 rows \(24 bytes of the array\) when 1 rows \(12 bytes\) were left$",
        ),
        (
            [(16, 1, RGBX_ROW)],
            r"^Pillow's raw encoder finished after 1 of 2 rows \(12 of 24 bytes of the array\)$",
        ),
        (
            [(15, 0, RGBX_ROW[:15])],
            r"^Pillow's raw encoder returned 15 bytes, which is not a whole number of its "
            r"16-byte rows$",
        ),
    ],
)
def test_encoder_misbehaving_is_reported_in_the_arrays_units(fake_encoder, chunks, match):
    """RGB arrives with a padding byte (16-byte rows here) and is stored
    without it (12-byte rows): rows are counted once, bytes as the array has
    them, and each message names the one thing that went wrong."""
    fake_encoder(chunks, mode="RGB")
    with pytest.raises(RuntimeError, match=match):
        fastpil.to_numpy(Image.new("RGB", (4, 2)))


def test_encoder_chunks_reassembled(fake_encoder):
    fake_encoder([(4, 0, ROW), (4, 1, ROW[::-1])])
    result = fastpil.to_numpy(Image.new("L", (4, 2)))
    assert result.tobytes() == ROW + ROW[::-1]


@pytest.mark.parametrize(("pixels", "claimed"), [("L", "RGBA"), ("L", "I"), ("LA", "RGB")])
def test_mode_that_disagrees_with_the_pixels(monkeypatch, pixels, claimed):
    """Pillow's encoder would read past pixels smaller than the mode says
    (numpy.array does); fastpil refuses, with out untouched."""
    im = Image.new(pixels, (64, 3), 7)
    set_mode(monkeypatch, im, claimed)
    shape = fastpil.to_numpy(Image.new(claimed, (64, 3))).shape
    out = numpy.empty(shape, numpy.dtype(ImageMode.getmode(claimed).typestr))
    out.view(numpy.uint8).fill(0x5A)
    match = f"says it is mode '{claimed}' but its pixels are mode '{pixels}'"
    with pytest.raises(ValueError, match=match):
        fastpil.to_numpy(im, out=out)
    assert (out.view(numpy.uint8) == 0x5A).all()
    with pytest.raises(ValueError, match=match):
        fastpil.to_numpy_batch([im])


@pytest.mark.parametrize("channels", [{"R"}, {"R": 0}, [["R"]], (["R"],)])
def test_channels_that_cannot_be_names(channels):
    with pytest.raises((TypeError, ValueError), match="channels"):
        fastpil.to_numpy(Image.new("RGB", (2, 2)), channels=channels)


@pytest.mark.parametrize(
    "convert",
    [
        fastpil.to_numpy,
        lambda im: fastpil.to_numpy(im, dtype=numpy.float32),
        lambda im: fastpil.to_numpy_batch([im]),
        lambda im: fastpil.to_numpy_batch(iter([im])),
    ],
    ids=["to_numpy", "float", "batch", "generator"],
)
@pytest.mark.parametrize("mode", ["L", "P", "RGB"])
def test_a_closed_image_gets_a_new_error_each_time(convert, mode):
    """Pillow raises the one exception it keeps for a closed image, its
    traceback growing with every raise; fastpil raises a new one."""
    im = Image.new(mode, (3, 2))
    im.close()
    errors = []
    for _ in range(50):
        with pytest.raises(ValueError, match="closed image") as caught:
            convert(im)
        errors.append(caught.value)
    assert all(error is not errors[0] for error in errors[1:])
    depth = [len(traceback.extract_tb(error.__traceback__)) for error in errors]
    assert depth[-1] == depth[0], "the traceback grew"
