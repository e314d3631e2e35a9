"""Truncated, corrupted, oversized and bomb-sized files, through every public function.

Whatever Pillow makes of a damaged file, fastpil must make the same: the
array numpy.array(im) gives when Pillow decodes something, the same exception
(type and message) when it does not, and ``out`` left as the docstrings say.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy
import pytest
from corpus import FILES, encode, file_id
from encoders import use_encoders
from oracle import assert_matches_numpy, random_image
from PIL import Image, ImageFile

import fastpil
from fastpil import _core
from fastpil._core import Kind, Plan, Transform

SENTINEL = 0xA5

FILE_IDS = [file_id(*f) for f in FILES]


def damaged_source(fmt, mode, options):
    """The file to damage, of a size whose rows span several chunks' worth of data."""
    data = encode(fmt, mode, options, size=(97, 61))
    if data is None:
        pytest.skip(f"this Pillow cannot write and read back {file_id(fmt, mode, options)}")
    return data


def never_opens_truncated(fmt, options):
    """Files that no cut leaves openable, so truncating them never reaches
    fastpil (corrupting them does): Pillow's WebP reader decodes the whole
    file as it opens it, and libtiff writes a compressed TIFF's directory
    after its data."""
    return fmt == "WEBP" or (fmt == "TIFF" and "compression" in options)


def cuts(length):
    """Where to truncate a file of ``length`` bytes: in its header, all
    through its data, and one byte short."""
    return sorted({*range(1, 64, 9), *(length * k // 16 for k in range(1, 16)), length - 1})


def corruptions(data, rng):
    """The file with a run of bytes overwritten at points through its data."""
    for k in range(1, 8):
        at = len(data) * k // 8
        for run in (b"\xff" * 8, rng.integers(0, 256, 32, dtype=numpy.uint8).tobytes()):
            yield data[:at] + run + data[at + len(run) :]


def open_image(data):
    """The image Pillow opens from ``data``, or None where opening fails
    (fastpil is never reached then)."""
    try:
        return Image.open(io.BytesIO(data))
    except Exception:  # any failure of Pillow's to parse the header
        return None


def outcome(convert, data):
    """The image opened from data, and convert(it): the array, or the exception."""
    im = open_image(data)
    if im is None:
        return None, None
    try:
        return im, convert(im)
    except Exception as error:  # compared with what Pillow raises
        return im, error


def like_pillow(convert, data):
    """Assert convert(im) gives what numpy.array(im) gives, array or exception."""
    _, expected = outcome(numpy.array, data)
    im, got = outcome(convert, data)
    if expected is None:
        return "unopenable"
    if isinstance(expected, Exception):
        assert isinstance(got, Exception), f"numpy.array raised {expected!r}; fastpil did not"
        assert type(got) is type(expected)
        assert str(got) == str(expected)
        return "error"
    assert isinstance(got, numpy.ndarray), f"numpy.array succeeded; fastpil raised {got!r}"
    # The pixels fastpil converted, not a new decode of the file: the libtiff
    # of Pillow 9.5's wheels decodes some damaged group 4 strips differently
    # from one decode to the next.
    assert_matches_numpy(got, im, owndata=got.base is None)
    return "array"


def sentinel_like(array):
    out = numpy.empty_like(array)
    out.view(numpy.uint8).fill(SENTINEL)
    return out


def untouched(out):
    return bool((out.view(numpy.uint8) == SENTINEL).all())


def to_numpy_out(im):
    """to_numpy(im, out=...) into a sentinel-filled array; an error must leave it alone."""
    out = sentinel_like(fastpil.to_numpy(Image.new(im.mode, im.size)))
    try:
        return fastpil.to_numpy(im, out=out)
    except Exception:
        assert untouched(out), "a failed load wrote to out"
        raise


def batch_after_a_good_image(im):
    """The damaged image second in a batch with out: the first stays converted."""
    good = random_image(im.mode, im.size, numpy.random.default_rng(0))
    expected = fastpil.to_numpy(good)
    out = sentinel_like(numpy.stack([expected, expected]))
    try:
        fastpil.to_numpy_batch([good, im], out=out)
    except Exception:
        numpy.testing.assert_array_equal(out[0], expected)
        assert untouched(out[1]), "a failed load wrote to its slot of out"
        raise
    numpy.testing.assert_array_equal(out[0], expected)
    return out[1].copy()


def to_numpy_chw(im):
    """layout="CHW" where it applies, turned back to HWC to compare."""
    if len(im.getbands()) == 1:
        return fastpil.to_numpy(im)
    return fastpil.to_numpy(im, layout="CHW").transpose(1, 2, 0).copy()


def patched_asarray(im):
    with fastpil.patched():
        result = numpy.asarray(im)
    assert not result.flags.writeable, "numpy.asarray(im) is read-only, as Pillow's"
    result.flags.writeable = True  # fastpil's own array: compared as the others
    return result


CONVERTERS = {
    "to_numpy": fastpil.to_numpy,
    "to_numpy out": to_numpy_out,
    "to_numpy CHW": to_numpy_chw,
    "to_numpy_batch": lambda im: fastpil.to_numpy_batch([im])[0].copy(),
    "to_numpy_batch generator": lambda im: fastpil.to_numpy_batch(iter([im]))[0].copy(),
    "to_numpy_batch after a good image": batch_after_a_good_image,
    "patched numpy.asarray": patched_asarray,
}


@pytest.fixture(params=[False, True], ids=["strict", "LOAD_TRUNCATED_IMAGES"])
def load_truncated(request, monkeypatch):
    """Pillow's own switch: raise on a truncated file, or keep what decoded."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", request.param)
    return request.param


@pytest.mark.parametrize(("fmt", "mode", "options"), FILES, ids=FILE_IDS)
def test_truncated_files(fmt, mode, options, load_truncated):
    data = damaged_source(fmt, mode, options)
    seen = set()
    for cut in cuts(len(data)):
        for name, convert in CONVERTERS.items():
            try:
                seen.add(like_pillow(convert, data[:cut]))
            except AssertionError as error:
                raise AssertionError(f"{name}, cut at {cut} of {len(data)}: {error}") from None
    if never_opens_truncated(fmt, options):
        assert seen == {"unopenable"}, seen
    else:
        # Some cuts leave a header Pillow opens: fastpil meets those files.
        assert seen - {"unopenable"}, seen


@pytest.mark.parametrize(("fmt", "mode", "options"), FILES, ids=FILE_IDS)
def test_corrupted_files(fmt, mode, options, rng):
    data = damaged_source(fmt, mode, options)
    seen = set()
    for index, damaged in enumerate(corruptions(data, rng)):
        for name, convert in CONVERTERS.items():
            try:
                seen.add(like_pillow(convert, damaged))
            except AssertionError as error:
                raise AssertionError(f"{name}, corruption {index}: {error}") from None
    # Corruption in the data leaves the header intact: fastpil meets them.
    assert seen - {"unopenable"}, seen


def test_a_late_failure_in_a_batch_keeps_the_images_before(tmp_path, rng):
    """Lazy images fail as they load, in the middle of the batch."""
    paths = []
    for index in range(5):
        path = tmp_path / f"{index}.png"
        random_image("RGB", (40, 30), rng).save(path)
        paths.append(path)
    data = paths[3].read_bytes()
    paths[3].write_bytes(data[: len(data) // 2])
    expected = []
    for path in paths[:3]:
        with Image.open(path) as im:
            expected.append(numpy.array(im))
    for source in (list, iter):
        out = numpy.full((5, 30, 40, 3), SENTINEL, numpy.uint8)
        images = [Image.open(p) for p in paths]
        try:
            with pytest.raises(OSError, match="image file is truncated"):
                fastpil.to_numpy_batch(source(images), out=out)
        finally:
            for im in images:
                im.close()
        numpy.testing.assert_array_equal(out[:3], numpy.stack(expected))
        assert untouched(out[3:])


# -- decompression bombs: Pillow's limit, applied where Pillow applies it --


@pytest.fixture
def low_pixel_limit(monkeypatch):
    """Image.MAX_IMAGE_PIXELS of 1000: a 50x50 image is a bomb (over twice
    the limit), a 40x40 one earns the warning."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF", "BMP"])
def test_bombs_are_stopped_by_pillow_as_they_open(fmt, low_pixel_limit):
    data = encode(fmt, "L" if fmt != "GIF" else "P", {}, size=(50, 50))
    with pytest.raises(Image.DecompressionBombError, match="could be decompression bomb DOS"):
        Image.open(io.BytesIO(data))
    with pytest.raises(Image.DecompressionBombError):
        fastpil.to_numpy_batch(Image.open(io.BytesIO(d)) for d in [data])


def test_images_over_the_warning_limit_convert_once_opened(low_pixel_limit):
    data = encode("PNG", "RGB", {}, size=(40, 40))
    with pytest.warns(Image.DecompressionBombWarning, match="could be decompression bomb DOS"):
        im = Image.open(io.BytesIO(data))
    # fastpil adds no limit of its own, and no warning: Pillow has had its say.
    assert_matches_numpy(fastpil.to_numpy(im), im)


def test_bomb_in_a_generator_stops_the_batch(low_pixel_limit):
    small = encode("PNG", "L", {}, size=(20, 20))
    bomb = encode("PNG", "L", {}, size=(50, 50))
    out = numpy.full((3, 20, 20), SENTINEL, numpy.uint8)
    with pytest.raises(Image.DecompressionBombError):
        fastpil.to_numpy_batch((Image.open(io.BytesIO(d)) for d in [small, bomb, small]), out=out)
    numpy.testing.assert_array_equal(out[0], numpy.array(Image.open(io.BytesIO(small))))
    assert untouched(out[1:])


def png_header_only(width, height, color_type=0):
    """A PNG that claims ``width`` x ``height`` and holds almost no data."""

    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "size",
    [(65536, 65536), (100_000, 100_000), (2**31 - 1, 1), (1, 2**31 - 1)],
    ids=["64Ki-square", "100k-square", "one-huge-row", "one-huge-column"],
)
def test_huge_claimed_sizes_without_a_limit(size, monkeypatch):
    """Sizes whose bytes overflow 32-bit arithmetic, with Pillow's limit off:
    Pillow refuses them as it loads, before fastpil allocates anything."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    data = png_header_only(*size)
    # Not the converters that make a good image of the same size to compare with.
    for name in ["to_numpy", "to_numpy CHW", "to_numpy_batch generator", "patched numpy.asarray"]:
        assert like_pillow(CONVERTERS[name], data) == "error", name


class OneRowEncoder:
    """Stands in for Pillow's raw encoder; setimage accepts any extents."""

    def setimage(self, im, extents):
        pass

    def encode(self, bufsize):
        raise AssertionError("the row size should have been refused before encoding")

    def cleanup(self):
        pass


def test_rows_over_int_max_bytes_are_refused(monkeypatch):
    """Pillow's encoder counts a chunk's bytes in a C int: a row longer than
    INT_MAX cannot be asked for. The array is allocated but never touched."""
    use_encoders(monkeypatch, lambda mode, rawmode: OneRowEncoder())
    width = 2**31 + 64
    out = numpy.empty((1, width), numpy.uint8)  # pages are mapped on first touch
    plan = Plan("L", "L", Transform(Kind.copy), numpy.uint8, 0, False, 1)
    with pytest.raises(ValueError, match=r"one row is 2147483712 bytes .* at most 2147483647"):
        _core.to_array(plan, Image.new("L", (1, 1)).im, (0, 0, width, 1), out)


def test_claimed_size_beyond_the_pixels(monkeypatch):
    """An Image whose size says more than its pixels hold: refused by Pillow's
    encoder (with SystemError, in the Pillow of this writing), and ``out``
    untouched."""
    im = Image.new("RGB", (8, 8))
    monkeypatch.setattr(im, "_size", (20_000, 20_000))
    with pytest.raises((SystemError, ValueError), match="tile cannot extend outside image"):
        fastpil.to_numpy(im)
    small = Image.new("RGB", (8, 8))
    monkeypatch.setattr(small, "_size", (8, 9))
    out = numpy.full((9, 8, 3), SENTINEL, numpy.uint8)
    with pytest.raises((SystemError, ValueError), match="tile cannot extend outside image"):
        fastpil.to_numpy(small, out=out)
    assert untouched(out)
