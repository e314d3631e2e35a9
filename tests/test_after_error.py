"""What ``out`` holds when a conversion fails part way, as the docstrings say.

Pillow's encoder is wrapped so that it fails after a number of chunks; the
rows before the failure must be converted and every byte after them left as
it was.
"""

from __future__ import annotations

import numpy
import pytest
from encoders import real_encoder, use_encoders
from oracle import random_image

import fastpil
from fastpil import _modes

SENTINEL = 0xA5


class FailingEncoder:
    """Pillow's raw encoder, made to fail on its call number ``fail_at``.

    ``how`` is an exception to raise, or an error code to return along with
    the chunk (as Pillow's codecs report broken data).
    """

    def __init__(self, real, fail_at, how):
        self.real = real
        self.fail_at = fail_at
        self.how = how
        self.calls = 0
        self.bytes_returned = 0

    def setimage(self, im, extents):
        return self.real.setimage(im, extents)

    def encode(self, bufsize):
        self.calls += 1
        if self.calls == self.fail_at and isinstance(self.how, BaseException):
            raise self.how
        status, errcode, data = self.real.encode(bufsize)
        self.bytes_returned += len(data)
        if self.calls == self.fail_at:
            errcode = self.how
        return status, errcode, data

    def cleanup(self):
        return self.real.cleanup()


@pytest.fixture
def failing_encoder(monkeypatch):
    """Make the next encoders fail; returns them as they are made."""
    made = []

    def install(fail_at, how, *, warm=(), first_failing=0):
        for mode, options in warm:  # plans are checked with the real encoder
            _modes.plan(mode, options.get("channels"), options.get("layout", "HWC"))

        def make_encoder(mode, rawmode):
            # Encoders before number `first_failing` never fail.
            failing = fail_at if len(made) >= first_failing else 0
            made.append(FailingEncoder(real_encoder(mode, rawmode), failing, how))
            return made[-1]

        use_encoders(monkeypatch, make_encoder)
        return made

    return install


def sentinel_out(shape, dtype):
    out = numpy.empty(shape, dtype)
    out.view(numpy.uint8).fill(SENTINEL)
    return out


def untouched(a):
    return bool((a.view(numpy.uint8) == SENTINEL).all())


# Every test here fails a conversion part way, at a chunk boundary.
pytestmark = pytest.mark.usefixtures("small_chunks")

# (mode, options, bytes per encoded pixel): the raw modes fastpil asks for.
CASES = [
    ("L", {}, 1),
    ("1", {}, 1),
    ("RGB", {}, 4),
    ("RGB", {"channels": "BGR"}, 4),
    ("RGBA", {"layout": "CHW"}, 4),
    ("LA", {"layout": "CHW", "channels": "A"}, 2),
    ("I;16", {}, 2),
]
FAILURES = [
    pytest.param(OSError("disk on fire"), OSError, "disk on fire", id="raises"),
    pytest.param(-2, RuntimeError, r"error -2 \(broken data\)", id="broken-data"),
]


@pytest.mark.parametrize(("mode", "options", "pixel_bytes"), CASES)
@pytest.mark.parametrize(("how", "exc", "match"), FAILURES)
@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_out_holds_the_rows_before_the_failure(
    failing_encoder, rng, mode, options, pixel_bytes, how, exc, match, fail_at
):
    # Rows of 300 pixels: each 64 KiB chunk holds tens of rows, several chunks in all.
    im = random_image(mode, (300, 1000), rng)
    expected = fastpil.to_numpy(im, **options)
    made = failing_encoder(fail_at, how, warm=[(mode, options)])
    out = sentinel_out(expected.shape, expected.dtype)
    with pytest.raises(exc, match=match):
        fastpil.to_numpy(im, out=out, **options)
    (encoder,) = made
    rows = encoder.bytes_returned // (300 * pixel_bytes)
    assert 0 < rows < 1000 if fail_at > 1 or isinstance(how, int) else rows == 0
    planar = options.get("layout") == "CHW"
    done = out[:, :rows] if planar else out[:rows]
    rest = out[:, rows:] if planar else out[rows:]
    numpy.testing.assert_array_equal(done, expected[:, :rows] if planar else expected[:rows])
    assert untouched(rest), "bytes after the failing chunk were written"


@pytest.mark.parametrize("source", [list, iter])
def test_batch_holds_the_images_and_rows_before_the_failure(failing_encoder, rng, source):
    images = [random_image("RGB", (300, 200), rng) for _ in range(5)]
    expected = numpy.stack([fastpil.to_numpy(im) for im in images])
    made = failing_encoder(3, OSError("disk on fire"), warm=[("RGB", {})], first_failing=2)
    out = sentinel_out(expected.shape, expected.dtype)
    with pytest.raises(OSError, match="disk on fire"):
        fastpil.to_numpy_batch(source(images), out=out)
    assert len(made) == 3
    # The encoder failed on its third call: two chunks in, part way down.
    rows = made[-1].bytes_returned // (300 * 4)  # RGB arrives as 4-byte RGBX
    assert 0 < rows < 200
    numpy.testing.assert_array_equal(out[:2], expected[:2])
    numpy.testing.assert_array_equal(out[2, :rows], expected[2, :rows])
    assert untouched(out[2, rows:])
    assert untouched(out[3:])
