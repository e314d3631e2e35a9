"""to_numpy(im, out=...): every kind of destination, good and bad."""

from __future__ import annotations

import array
import mmap
from multiprocessing import shared_memory

import numpy
import pytest
from oracle import MODES, assert_matches_numpy, random_image
from PIL import Image

import fastpil

SENTINEL = 0x5A


def needed(im):
    return numpy.array(im)


@pytest.mark.parametrize("mode", MODES)
def test_ndarray_out_is_returned_filled(mode, rng):
    im = random_image(mode, (31, 7), rng)
    ref = needed(im)
    out = numpy.empty_like(ref)
    out.view(numpy.uint8).fill(SENTINEL)
    result = fastpil.to_numpy(im, out=out)
    assert result is out
    assert_matches_numpy(result, im)


@pytest.mark.parametrize("mode", ["RGB", "1", "I;16B", "F", "LA"])
def test_bytearray_out(mode, rng):
    im = random_image(mode, (29, 5), rng)
    ref = needed(im)
    buf = bytearray([SENTINEL]) * ref.nbytes
    result = fastpil.to_numpy(im, out=buf)
    assert numpy.shares_memory(result, numpy.frombuffer(buf, numpy.uint8))
    assert not result.flags.owndata
    assert_matches_numpy(result, im, owndata=False)
    assert bytes(buf) == result.tobytes()


def test_mmap_out(rng):
    im = random_image("RGB", (64, 48), rng)
    size = needed(im).nbytes
    with mmap.mmap(-1, size) as m:
        result = fastpil.to_numpy(im, out=m)
        assert_matches_numpy(result, im, owndata=False)
        assert m[:size] == result.tobytes()
        del result


def test_shared_memory_out(rng):
    im = random_image("RGBA", (40, 30), rng)
    size = needed(im).nbytes
    shm = shared_memory.SharedMemory(create=True, size=size)
    try:
        # SharedMemory may round its size up to a page; a slice is exact.
        result = fastpil.to_numpy(im, out=shm.buf[:size])
        assert_matches_numpy(result, im, owndata=False)
        assert bytes(shm.buf[:size]) == result.tobytes()
        del result
    finally:
        shm.close()
        shm.unlink()


def test_memoryview_and_array_out(rng):
    im = random_image("I", (10, 3), rng)
    target = array.array("i", [0]) * 30
    result = fastpil.to_numpy(im, out=memoryview(target))
    assert_matches_numpy(result, im, owndata=False)
    assert target.tobytes() == result.tobytes()


def test_memmap_out(tmp_path, rng):
    im = random_image("L", (17, 9), rng)
    out = numpy.lib.format.open_memmap(tmp_path / "a.npy", mode="w+", dtype="u1", shape=(9, 17))
    assert fastpil.to_numpy(im, out=out) is out
    out.flush()
    assert_matches_numpy(numpy.load(tmp_path / "a.npy"), im, owndata=False)


def test_empty_image_with_out():
    im = Image.new("RGB", (0, 4))
    out = numpy.empty((4, 0, 3), numpy.uint8)
    assert fastpil.to_numpy(im, out=out) is out
    result = fastpil.to_numpy(im, out=bytearray())
    assert result.shape == (4, 0, 3)


def bad_outs():
    """(description, factory for out given the needed array, exception, message)."""
    return [
        ("too few bytes", lambda r: bytearray(r.nbytes - 1), ValueError, "needs exactly"),
        ("too many bytes", lambda r: bytearray(r.nbytes + 1), ValueError, "needs exactly"),
        ("wrong shape", lambda r: numpy.zeros(r.shape[::-1], r.dtype), ValueError, "needs shape"),
        ("flat ndarray", lambda r: numpy.zeros(r.size, r.dtype), ValueError, "needs shape"),
        ("wrong dtype", lambda r: numpy.zeros(r.shape, numpy.int16), ValueError, "dtype"),
        (
            "wrong byte order",
            lambda r: numpy.zeros(r.shape, r.dtype.newbyteorder()),
            ValueError,
            "dtype",
        ),
        ("read-only ndarray", lambda r: readonly(numpy.zeros_like(r)), ValueError, "read-only"),
        ("bytes", lambda r: bytes(r.nbytes), ValueError, "read-only"),
        (
            "read-only memoryview",
            lambda r: memoryview(bytearray(r.nbytes)).toreadonly(),
            ValueError,
            "read-only",
        ),
        (
            "Fortran order",
            lambda r: numpy.asfortranarray(numpy.zeros(r.shape, r.dtype)),
            ValueError,
            "C-contiguous",
        ),
        (
            "strided view",
            lambda r: numpy.zeros((r.shape[0] * 2, *r.shape[1:]), r.dtype)[::2],
            ValueError,
            "C-contiguous",
        ),
        (
            "strided memoryview",
            lambda r: memoryview(bytearray(r.nbytes * 2))[::2],
            ValueError,
            "C-contiguous",
        ),
        ("list", lambda r: [0] * r.nbytes, TypeError, "buffer protocol"),
        ("int", lambda r: r.nbytes, TypeError, "buffer protocol"),
        ("str", lambda r: "x" * r.nbytes, TypeError, "buffer protocol"),
    ]


def readonly(a):
    a.flags.writeable = False
    return a


@pytest.mark.parametrize(
    ("what", "make", "exc", "match"), bad_outs(), ids=[b[0] for b in bad_outs()]
)
def test_bad_out_is_rejected_untouched(what, make, exc, match, rng):
    im = random_image("I;16B", (21, 6), rng)
    ref = needed(im)
    out = make(ref)
    before = memoryview(out).tobytes() if _is_buffer(out) else None
    with pytest.raises(exc, match=match):
        fastpil.to_numpy(im, out=out)
    if before is not None:
        assert memoryview(out).tobytes() == before


def _is_buffer(obj):
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def test_out_message_says_what_is_needed(rng):
    im = random_image("RGB", (4, 3), rng)
    with pytest.raises(ValueError, match=r"needs shape \(3, 4, 3\) and dtype uint8"):
        fastpil.to_numpy(im, out=numpy.zeros((3, 4), numpy.uint8))
    with pytest.raises(ValueError, match=r"out holds 35 bytes; .* needs exactly 36"):
        fastpil.to_numpy(im, out=bytearray(35))


def test_bytearray_can_grow_after_conversion(rng):
    im = random_image("L", (4, 4), rng)
    buf = bytearray(16)
    result = fastpil.to_numpy(im, out=buf)
    del result
    buf.extend(b"more")  # no buffer export outlives the returned array
    assert len(buf) == 20


@pytest.mark.parametrize(
    "options",
    [{}, {"layout": "CHW"}, {"channels": "ABGR"}, {"box": (5, 3, 25, 30)}],
    ids=["HWC", "CHW", "ABGR", "box"],
)
@pytest.mark.parametrize("shift", [0, -1, 1], ids=["same rows", "a row before", "a row after"])
def test_out_over_the_image_s_own_memory(options, shift, rng):
    """out is the memory the image is made of (Image.frombuffer maps it), or
    overlaps it a row before or after, where writing runs ahead of reading:
    the result is what the image held before the call, as numpy.array(im)
    would give."""
    memory = rng.integers(0, 256, (36, 40, 4), dtype=numpy.uint8)
    im = Image.frombuffer("RGBA", (40, 30), memory[3:33], "raw", "RGBA", 0, 1)
    want = fastpil.to_numpy(im.copy(), **options)
    start = (3 + shift) * 40 * 4
    out = memory.reshape(-1)[start : start + want.size].reshape(want.shape)
    got = fastpil.to_numpy(im, out=out, **options)
    assert got is out
    numpy.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("order", ["forwards", "backwards"])
@pytest.mark.parametrize("source", [list, iter], ids=["list", "generator"])
def test_batch_out_over_the_images_own_memory(order, source, rng):
    """Each image of a batch maps one slot of out: in reverse order, image i
    is written where image n - 1 - i lives."""
    out = rng.integers(0, 256, (4, 30, 40, 4), dtype=numpy.uint8)
    images = [Image.frombuffer("RGBA", (40, 30), out[i], "raw", "RGBA", 0, 1) for i in range(4)]
    if order == "backwards":
        images.reverse()
    want = numpy.stack([numpy.array(im) for im in images])
    got = fastpil.to_numpy_batch(source(images), out=out)
    if source is list or order == "forwards":
        numpy.testing.assert_array_equal(got, want)
    else:
        # From a generator each image is read when it comes: those whose
        # memory an earlier image was written to are read as they are then.
        numpy.testing.assert_array_equal(got[:2], want[:2])
