"""to_numpy_batch against numpy.stack of the per-image references."""

from __future__ import annotations

import numpy
import pytest
from oracle import MODES, random_image
from PIL import Image
from test_options import assert_same, reference
from test_out import _is_buffer, bad_outs

import fastpil
from fastpil import _convert

SENTINEL = 0x5A


def stacked(images, **options):
    # numpy.stack would turn big-endian dtypes native; keep the references' dtype.
    references = [reference(im, **options) for im in images]
    result = numpy.empty((len(references), *references[0].shape), references[0].dtype)
    for index, ref in enumerate(references):
        result[index] = ref
    return result


@pytest.mark.parametrize("mode", MODES)
def test_list_every_mode(mode, rng):
    images = [random_image(mode, (13, 7), rng) for _ in range(5)]
    assert_same(fastpil.to_numpy_batch(images), stacked(images))


@pytest.mark.parametrize(
    "options",
    [
        {"channels": "BGR"},
        {"layout": "CHW"},
        {"channels": "BGR", "layout": "CHW"},
        {"box": (3, 1, 40, 6)},
        {"channels": "G", "layout": "CHW", "box": (0, 0, 1, 1)},
        {"box": (5, 5, 5, 7)},
    ],
)
def test_options(options, simd_path, rng):
    images = [random_image("RGB", (41, 9), rng) for _ in range(6)]
    assert_same(fastpil.to_numpy_batch(images, **options), stacked(images, **options))


@pytest.mark.parametrize("count", [1, 7, 8, 9, 16, 17, 40])
def test_generator_grows_and_shrinks(count, rng):
    images = [random_image("RGBA", (19, 3), rng) for _ in range(count)]
    result = fastpil.to_numpy_batch(im for im in images)
    assert_same(result, stacked(images))
    assert result.base is None


def test_tuple_and_other_sequences(rng):
    images = tuple(random_image("L", (5, 5), rng) for _ in range(3))
    assert_same(fastpil.to_numpy_batch(images), stacked(images))


@pytest.mark.parametrize("make_source", [list, iter], ids=["list", "generator"])
def test_out_ndarray_and_buffer(make_source, rng):
    images = [random_image("RGB", (11, 4), rng) for _ in range(3)]
    expected = stacked(images, layout="CHW")
    out = numpy.empty_like(expected)
    assert fastpil.to_numpy_batch(make_source(images), out=out, layout="CHW") is out
    numpy.testing.assert_array_equal(out, expected)
    buf = bytearray(expected.nbytes)
    result = fastpil.to_numpy_batch(make_source(images), out=buf, layout="CHW")
    numpy.testing.assert_array_equal(result, expected)
    assert bytes(buf) == expected.tobytes()


def sentinel_out(shape, dtype=numpy.uint8):
    out = numpy.empty(shape, dtype)
    out.view(numpy.uint8).fill(SENTINEL)
    return out


@pytest.mark.parametrize(
    ("odd_one", "match"),
    [
        (Image.new("RGB", (11, 5)), r"image 2 is mode 'RGB', 11x5; image 0 is mode 'RGB', 11x4"),
        (Image.new("RGBA", (11, 4)), r"image 2 is mode 'RGBA', 11x4"),
    ],
)
def test_mismatch_in_a_list_writes_nothing(odd_one, match, rng):
    images = [random_image("RGB", (11, 4), rng) for _ in range(4)]
    images[2] = odd_one
    out = sentinel_out((4, 4, 11, 3))
    with pytest.raises(ValueError, match=match):
        fastpil.to_numpy_batch(images, out=out)
    assert (out.view(numpy.uint8) == SENTINEL).all()


def test_mismatch_in_a_generator_keeps_the_images_before(rng):
    images = [random_image("RGB", (11, 4), rng) for _ in range(4)]
    images[2] = Image.new("L", (11, 4))
    out = sentinel_out((4, 4, 11, 3))
    with pytest.raises(ValueError, match="image 2 is mode 'L'"):
        fastpil.to_numpy_batch(iter(images), out=out)
    numpy.testing.assert_array_equal(out[:2], stacked(images[:2]))
    assert (out[2:].view(numpy.uint8) == SENTINEL).all()


@pytest.mark.parametrize("make_source", [list, iter], ids=["list", "generator"])
def test_not_an_image_is_named(make_source):
    images = [Image.new("L", (2, 2)), Image.new("L", (2, 2)), "photo.png"]
    with pytest.raises(TypeError, match=r"PIL\.Image\.Image objects; image 2 is of type str"):
        fastpil.to_numpy_batch(make_source(images))
    with pytest.raises(TypeError, match=r"PIL\.Image\.Image objects; image 0 is of type int"):
        fastpil.to_numpy_batch(make_source([7]))


def test_none_is_not_an_empty_batch():
    with pytest.raises(TypeError, match=r"PIL\.Image\.Image objects; image 0 is of type NoneType"):
        fastpil.to_numpy_batch([None, Image.new("L", (2, 2))])


def test_an_image_that_changes_when_loaded_is_caught(rng, monkeypatch):
    images = [random_image("L", (4, 4), rng) for _ in range(3)]
    changed = images[1]

    def load_and_grow(*args):
        changed._size = (4, 5)  # as a decoder that learns the size late would

    monkeypatch.setattr(changed, "load", load_and_grow)
    with pytest.raises(ValueError, match=r"image 1 is mode 'L', 4x5; image 0 is mode 'L', 4x4"):
        fastpil.to_numpy_batch(images)


@pytest.mark.parametrize("empty", [[], (), iter([])], ids=["list", "tuple", "generator"])
def test_empty(empty):
    with pytest.raises(ValueError, match="images is empty"):
        fastpil.to_numpy_batch(empty)


def test_generator_count_must_match_out(rng):
    images = [random_image("L", (3, 3), rng) for _ in range(3)]
    with pytest.raises(ValueError, match="images gave 3 images; out holds 4"):
        fastpil.to_numpy_batch(iter(images), out=numpy.empty((4, 3, 3), numpy.uint8))
    with pytest.raises(ValueError, match="more than the 2 that out holds"):
        fastpil.to_numpy_batch(iter(images), out=numpy.empty((2, 3, 3), numpy.uint8))
    with pytest.raises(ValueError, match="not a whole number of 9-byte images"):
        fastpil.to_numpy_batch(iter(images), out=bytearray(20))


def test_list_count_must_match_out(rng):
    images = [random_image("L", (3, 3), rng) for _ in range(3)]
    with pytest.raises(ValueError, match=r"a batch of 3 images needs shape \(3, 3, 3\)"):
        fastpil.to_numpy_batch(images, out=numpy.empty((4, 3, 3), numpy.uint8))


def test_lazy_images_from_files(tmp_path, rng):
    paths = []
    for i in range(3):
        path = tmp_path / f"{i}.png"
        random_image("RGB", (20, 10), rng).save(path)
        paths.append(path)
    result = fastpil.to_numpy_batch(Image.open(p) for p in paths)
    expected = numpy.stack([numpy.array(Image.open(p)) for p in paths])
    assert_same(result, expected)


def test_generator_of_large_images_starts_small(monkeypatch, rng):
    # Room for 8 images of 4 GiB would be 32 GiB before the first one loads.
    assert _convert._first_capacity((65536, 65536), numpy.dtype(numpy.uint8)) == 1
    assert _convert._first_capacity((3, 3), numpy.dtype(numpy.uint8)) == 8
    monkeypatch.setattr(_convert, "_FIRST_BATCH_BYTES", 1)
    for count in (1, 2, 3, 5):
        images = [random_image("RGB", (9, 4), rng) for _ in range(count)]
        result = fastpil.to_numpy_batch(im for im in images)
        assert_same(result, stacked(images))


@pytest.mark.parametrize("source", [list, iter], ids=["list", "generator"])
def test_closed_image_keeps_the_images_before(source, rng):
    images = [random_image("RGB", (11, 4), rng) for _ in range(4)]
    expected = stacked(images[:2])
    images[2].close()
    out = sentinel_out((4, 4, 11, 3))
    with pytest.raises(ValueError, match="closed image"):
        fastpil.to_numpy_batch(source(images), out=out)
    numpy.testing.assert_array_equal(out[:2], expected)
    assert (out[2:].view(numpy.uint8) == SENTINEL).all()


@pytest.mark.parametrize("source", [list, iter], ids=["list", "generator"])
def test_mode_without_numpy_equivalent(source):
    with pytest.raises(ValueError, match="mode '' has no NumPy equivalent"):
        fastpil.to_numpy_batch(source([Image.Image(), Image.Image()]))


@pytest.mark.parametrize(
    ("what", "make", "exc", "match"), bad_outs(), ids=[b[0] for b in bad_outs()]
)
@pytest.mark.parametrize("source", [list, iter], ids=["list", "generator"])
def test_bad_out_is_rejected_untouched(what, make, exc, match, source, rng):
    images = [random_image("I;16B", (21, 6), rng) for _ in range(3)]
    out = make(stacked(images))
    before = memoryview(out).tobytes() if _is_buffer(out) else None
    if source is iter and what.startswith("too "):
        match = "not a whole number of 252-byte images"  # the count comes from out
    with pytest.raises(exc, match=match):
        fastpil.to_numpy_batch(source(images), out=out)
    if before is not None:
        assert memoryview(out).tobytes() == before


def test_empty_images_from_a_generator_into_an_empty_out():
    """With an empty box every image is empty: out holds no bytes whatever
    their number, which the images then say, as a list's length does."""
    images = [Image.new("L", (2, 2)) for _ in range(3)]
    for source in (list, iter):
        got = fastpil.to_numpy_batch(source(images), box=(0, 0, 0, 0), out=bytearray(0))
        assert got.shape == (3, 0, 0)
