"""fastpil.patch(): numpy.array(im) and numpy.asarray(im) through fastpil.

The reference is numpy.array(im) with the patch off, so every expected value
is computed outside any patch; the autouse fixture checks that no test leaves
the patch on.
"""

from __future__ import annotations

import copy
import doctest
import gc
import io
import pickle
import subprocess
import sys
import threading
import time
import warnings
import weakref

import numpy
import pytest
from oracle import MODES, assert_matches_numpy, random_image
from PIL import Image

import fastpil
from fastpil import _images, _patch, _pillow

ORIGINAL_ARRAY_INTERFACE = Image.Image.__dict__["__array_interface__"]
NUMPY_2 = numpy.lib.NumpyVersion(numpy.__version__) >= "2.0.0"
needs_numpy_2 = pytest.mark.skipif(not NUMPY_2, reason="the copy keyword arrived in NumPy 2.0")


def is_patched() -> bool:
    return Image.Image.__dict__["__array_interface__"] is not ORIGINAL_ARRAY_INTERFACE


def assert_pillow_original() -> None:
    """Image as Pillow made it, but for the __array__ that unpatch() leaves in
    place when no GIL runs (_patch._update says why), which must then answer
    as Pillow would."""
    assert Image.Image.__dict__["__array_interface__"] is ORIGINAL_ARRAY_INTERFACE
    left = Image.Image.__dict__.get("__array__")
    if _patch._gil_enabled():
        assert left is None
    else:
        assert left in (None, _patch.__array__)
        assert not _patch._in_effect


@pytest.fixture(autouse=True)
def _never_leave_patched():
    assert_pillow_original()
    yield
    leaked = is_patched()
    if leaked:
        with _patch._lock:
            _patch._held_by_patch = False
            _patch._blocks = 0
            _patch._update()
    assert not leaked, "the test left fastpil.patch() in effect"
    assert_pillow_original()


def unpatched(convert, im, *args, **kwargs):
    assert not is_patched()
    return convert(im, *args, **kwargs)


def test_pillow_has_array_interface_and_no_array():
    # What patch() relies on: Pillow offers only __array_interface__.
    assert isinstance(ORIGINAL_ARRAY_INTERFACE, property)
    assert not any("__array__" in vars(kind) for kind in Image.Image.__mro__[1:])
    assert Image.Image.__dict__.get("__array__") in (None, _patch.__array__)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [(0, 0), (0, 3), (5, 0), (1, 1), (17, 3), (257, 263)])
def test_every_mode_equals_unpatched(mode, size, rng):
    im = random_image(mode, size, rng)
    with fastpil.patched():
        from_array = numpy.array(im)
        from_asarray = numpy.asarray(im)
    # assert_matches_numpy calls numpy.array(im) itself: outside the block it is Pillow's.
    assert_matches_numpy(from_array, im)
    assert_matches_numpy(from_asarray, im, writeable=False)
    assert not numpy.shares_memory(from_array, from_asarray)


def test_lazily_opened_file():
    buf = io.BytesIO()
    Image.effect_noise((61, 47), 60).convert("RGB").save(buf, "PNG")
    with Image.open(io.BytesIO(buf.getvalue())) as im:
        with fastpil.patched():
            result = numpy.asarray(im)
        assert_matches_numpy(result, im, writeable=False)


def test_asarray_is_read_only_and_array_writable_as_in_pillow():
    """imageio's pillow plugin, for one, relies on numpy.asarray(im) being
    read-only (its writeable_output=False)."""
    im = Image.new("RGB", (4, 4), (1, 2, 3))
    assert not unpatched(numpy.asarray, im).flags.writeable
    assert unpatched(numpy.array, im).flags.writeable
    with fastpil.patched():
        viewed = numpy.asarray(im)
        copied = numpy.array(im)
    assert not viewed.flags.writeable
    assert viewed.flags.owndata  # fastpil's own array, not a view of bytes
    assert copied.flags.writeable
    copied[0, 0] = 9
    assert im.getpixel((0, 0)) == (1, 2, 3)


DTYPES = ["float64", "float32", "int16", "uint8", "int64", "bool", "complex64", "object", "S", "U"]


def recording_warnings(convert, *args, **kwargs):
    """The result of convert(*args, **kwargs) and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = convert(*args, **kwargs)
    return result, [(w.category, str(w.message)) for w in caught]


def expected_with_dtype(convert, im, *args, **kwargs):
    """Pillow's answer and its warnings; for mode 1, from valid bools (see oracle)."""
    if im.mode == "1":
        clean = unpatched(numpy.array, im).view(numpy.uint8) != 0
        want, caught = recording_warnings(convert, clean, *args, **kwargs)
        # Read-only where Pillow's own is (a view of bytes, when no cast).
        pillows, _ = recording_warnings(unpatched, convert, im, *args, **kwargs)
        want = want.copy()
        want.flags.writeable = pillows.flags.writeable
        return want, caught
    return recording_warnings(unpatched, convert, im, *args, **kwargs)


def assert_equal_arrays(got, want):
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    assert got.flags.writeable == want.flags.writeable
    assert got.flags.c_contiguous
    if want.dtype == object:
        assert got.tolist() == want.tolist()
    else:
        assert numpy.array_equal(got, want)


@pytest.mark.parametrize("mode", ["1", "L", "RGB", "RGBA", "I", "F", "I;16B", "LA"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_argument(mode, dtype, rng):
    # Random float bytes include NaN and infinities: casts to integers warn,
    # and must warn alike.
    im = random_image(mode, (9, 5), rng)
    want_array, want_array_warnings = expected_with_dtype(numpy.array, im, dtype)
    want_asarray, want_asarray_warnings = expected_with_dtype(numpy.asarray, im, dtype=dtype)
    with fastpil.patched():
        got_array, got_array_warnings = recording_warnings(numpy.array, im, dtype)
        got_asarray, got_asarray_warnings = recording_warnings(numpy.asarray, im, dtype=dtype)
    assert_equal_arrays(got_array, want_array)
    assert_equal_arrays(got_asarray, want_asarray)
    assert got_array_warnings == want_array_warnings
    assert got_asarray_warnings == want_asarray_warnings


def test_dtype_argument_of_a_nested_sequence(rng):
    images = [random_image("RGB", (6, 4), rng) for _ in range(3)]
    try:
        want, want_warnings = recording_warnings(unpatched, numpy.array, images, numpy.float32)
    except ValueError:
        # NumPy 1.x cannot: it warns that an Image is not a sequence, then
        # fails on the shape. It must fail alike with the patch.
        if NUMPY_2:
            raise
        with fastpil.patched(), pytest.raises(ValueError, match="inhomogeneous shape"):
            recording_warnings(numpy.array, images, numpy.float32)
        return
    with fastpil.patched():
        got, got_warnings = recording_warnings(numpy.array, images, numpy.float32)
        stacked = numpy.stack(images)
    assert_equal_arrays(got, want)
    assert got_warnings == want_warnings
    assert_equal_arrays(stacked, unpatched(numpy.stack, images))


@pytest.mark.parametrize("copy_arg", [True, pytest.param(None, marks=needs_numpy_2)])
@pytest.mark.parametrize("dtype", [None, "uint8", "float32"])
def test_copy_true_or_none(copy_arg, dtype, rng):
    im = random_image("RGB", (7, 3), rng)
    want = unpatched(numpy.array, im, dtype, copy=copy_arg)
    with fastpil.patched():
        first = numpy.array(im, dtype, copy=copy_arg)
        second = numpy.array(im, dtype, copy=copy_arg)
    assert_equal_arrays(first, want)
    assert not numpy.shares_memory(first, second)


@needs_numpy_2
@pytest.mark.parametrize("convert", [numpy.array, numpy.asarray])
def test_copy_false_without_a_cast_succeeds_as_in_pillow(convert, rng):
    # Pillow's conversion views a fresh bytes object, so NumPy needs no copy;
    # fastpil's array is just as fresh.
    im = random_image("RGBA", (7, 3), rng)
    want = unpatched(convert, im, copy=False)
    with fastpil.patched():
        got = convert(im, copy=False)
        same_dtype = convert(im, dtype=numpy.uint8, copy=False)
    assert_equal_arrays(got, want)
    assert_equal_arrays(same_dtype, want)


@needs_numpy_2
@pytest.mark.parametrize("convert", [numpy.array, numpy.asarray])
def test_copy_false_with_a_cast_raises_as_in_pillow(convert):
    im = Image.new("L", (3, 2))
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        unpatched(convert, im, dtype=numpy.float64, copy=False)
    with fastpil.patched(), pytest.raises(ValueError, match="Unable to avoid copy"):
        convert(im, dtype=numpy.float64, copy=False)


def test_dunder_array_called_directly(rng):
    im = random_image("I;16", (5, 4), rng)
    want = unpatched(numpy.array, im)
    viewed = want.copy()
    viewed.flags.writeable = False  # what NumPy keeps unless it asked for a copy
    with fastpil.patched():
        assert_equal_arrays(im.__array__(), viewed)
        assert_equal_arrays(im.__array__("float32"), want.astype(numpy.float32))
        assert_equal_arrays(im.__array__(numpy.dtype("<u2"), copy=True), want)
        with pytest.raises(ValueError, match=r"converts to uint16, not int32"):
            im.__array__(numpy.int32, copy=False)


def test_errors_propagate_like_unpatched():
    closed = Image.new("RGB", (3, 3))
    closed.close()
    with pytest.raises(ValueError, match="closed image"):
        unpatched(numpy.array, closed)
    with fastpil.patched(), pytest.raises(ValueError, match="closed image"):
        numpy.array(closed)


def test_truncated_file_raises_like_unpatched():
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(buf, "PNG")
    truncated = buf.getvalue()[: len(buf.getvalue()) // 2]
    with Image.open(io.BytesIO(truncated)) as im, pytest.raises(OSError, match="truncated"):
        unpatched(numpy.asarray, im)
    with (
        Image.open(io.BytesIO(truncated)) as im,
        fastpil.patched(),
        pytest.raises(OSError, match="truncated"),
    ):
        numpy.asarray(im)


def test_array_interface_is_hidden_while_patched():
    im = Image.new("RGB", (2, 2))
    # Pillow < 10 has Image.__getattr__, which Python calls after the
    # property's AttributeError; it raises one with just the name.
    if hasattr(Image.Image, "__getattr__"):
        message = "^__array_interface__$"
    else:
        message = r"hidden while fastpil's patch is in effect"
    with fastpil.patched():
        assert not hasattr(im, "__array_interface__")
        with pytest.raises(AttributeError, match=message):
            im.__array_interface__  # noqa: B018
    assert im.__array_interface__["shape"] == (2, 2, 3)


@pytest.mark.parametrize("mode", ["1", "L", "RGB", "RGBA", "I", "F", "I;16", "LA"])
def test_fromarray_round_trip_while_patched(mode, rng):
    im = random_image(mode, (13, 7), rng)
    want = Image.fromarray(unpatched(numpy.asarray, im))
    with fastpil.patched():
        back = Image.fromarray(numpy.asarray(im))
        back_from_array = Image.fromarray(numpy.array(im))
    for got in (back, back_from_array):
        assert (got.mode, got.size) == (want.mode, want.size)
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("mode", ["1", "P", "RGB", "I;16"])
def test_pickle_and_copy_while_patched(mode, rng):
    im = random_image(mode, (11, 6), rng)
    if mode == "P":
        im.putpalette(bytes(range(256)) * 3)
    with fastpil.patched():
        restored = pickle.loads(pickle.dumps(im))
        copied = copy.deepcopy(im)
        assert restored == im
        assert copied == im
        arrays = pickle.loads(pickle.dumps([numpy.asarray(im), numpy.array(im)]))
    for array in arrays:
        assert_matches_numpy(array, im)


def test_unpatch_restores_the_exact_attributes():
    fastpil.patch()
    assert is_patched()
    assert Image.Image.__dict__["__array_interface__"] is not ORIGINAL_ARRAY_INTERFACE
    fastpil.unpatch()
    assert_pillow_original()
    im = Image.new("L", (3, 2), 5)
    assert not numpy.asarray(im).flags.writeable  # Pillow's own view again


def test_patch_and_unpatch_are_idempotent():
    fastpil.unpatch()
    assert_pillow_original()
    fastpil.patch()
    fastpil.patch()
    assert is_patched()
    fastpil.unpatch()
    assert_pillow_original()
    fastpil.unpatch()
    assert_pillow_original()


def test_patch_reaches_subclasses_and_images_made_before():
    im = Image.new("RGB", (3, 3))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    with Image.open(buf) as png, fastpil.patched():
        assert type(png) is not Image.Image
        # fastpil's arrays own their memory; Pillow's view bytes objects.
        assert numpy.asarray(png).flags.owndata
        assert numpy.asarray(im).flags.owndata


def test_nested_blocks():
    with fastpil.patched():
        assert is_patched()
        with fastpil.patched():
            assert is_patched()
        assert is_patched()
    assert_pillow_original()


def test_exception_inside_block_unpatches():
    with pytest.raises(KeyError, match="inner"), fastpil.patched(), fastpil.patched():
        raise KeyError("inner")
    assert_pillow_original()


def test_exception_inside_inner_block_keeps_outer():
    with fastpil.patched():
        with pytest.raises(RuntimeError, match="boom"), fastpil.patched():
            raise RuntimeError("boom")
        assert is_patched()
    assert_pillow_original()


def test_patch_inside_block_outlives_it():
    with fastpil.patched():
        fastpil.patch()
    assert is_patched()
    fastpil.unpatch()
    assert_pillow_original()


def test_patch_before_block_outlives_it():
    fastpil.patch()
    with fastpil.patched():
        pass
    assert is_patched()
    fastpil.unpatch()
    assert_pillow_original()


def test_unpatch_inside_block_waits_for_the_block():
    with fastpil.patched():
        fastpil.patch()
        fastpil.unpatch()
        assert is_patched()
    assert_pillow_original()


def test_patched_as_decorator():
    @fastpil.patched()
    def convert(im):
        assert is_patched()
        return numpy.asarray(im)

    assert convert(Image.new("L", (2, 2))).flags.owndata  # fastpil's, not a view
    assert_pillow_original()


def test_blocks_in_many_threads(rng, monkeypatch):
    im = random_image("RGB", (33, 9), rng)
    want = unpatched(numpy.array, im)
    threads_count, rounds = 6, 50

    # Sleeping in every class attribute write hands the GIL to another thread
    # in the middle of an install or a restore, where a race would show.
    def slow(write):
        def wrapper(*args):
            time.sleep(1e-5)
            write(*args)
            time.sleep(1e-5)

        return wrapper

    monkeypatch.setattr(_patch, "setattr", slow(setattr), raising=False)
    monkeypatch.setattr(_patch, "delattr", slow(delattr), raising=False)
    start = threading.Barrier(threads_count)
    failures: list[str] = []

    def work(index: int) -> None:
        start.wait()
        for round_ in range(rounds):
            with fastpil.patched():
                result = numpy.asarray(im)
                if not result.flags.owndata or not numpy.array_equal(result, want):
                    failures.append(f"thread {index}, round {round_}: not fastpil's array")
            if index % 2:
                # Holders of the global patch come and go around the blocks.
                fastpil.patch()
                fastpil.unpatch()
            # Outside any block now and then, so the patch is often removed
            # and installed again.
            time.sleep(1e-4 * (index % 3))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[:5]
    assert_pillow_original()


def test_no_reference_cycles():
    # Pillow 8.3's __array__ built a class per call; the cycle kept every
    # image's bytes alive until the garbage collector ran.
    im = Image.new("RGB", (64, 64), (1, 2, 3))
    gc.collect()
    gc.disable()
    try:
        with fastpil.patched():
            results = [
                numpy.array(im),
                numpy.asarray(im),
                numpy.array(im, numpy.float32),
                numpy.asarray(im, dtype=numpy.int16),
            ]
        refs = [weakref.ref(result) for result in results]
        del results
        alive = [ref for ref in refs if ref() is not None]
        garbage = gc.collect()
    finally:
        gc.enable()
    assert not alive, "an array outlived its last reference"
    assert garbage == 0, f"{garbage} objects were left in reference cycles"


def test_docstring_examples_run():
    result = doctest.testmod(_patch, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


RECURSION_SCRIPT = """
import sys, threading
import numpy
from PIL import Image
import fastpil

sys.setrecursionlimit(10_000)
fastpil.patch()
im = Image.fromarray(numpy.zeros((4, 6, 3), numpy.uint8))
assert (im.mode, im.size) == ("RGB", (6, 4))

# A thread with a small stack, meeting another kind of array for the first time.
threading.stack_size(1 << 20)
failures = []
def convert():
    try:
        Image.fromarray(numpy.zeros((4, 6), numpy.uint16))
    except BaseException as error:
        failures.append(error)
thread = threading.Thread(target=convert)
thread.start()
thread.join()
assert not failures, failures
"""


def test_patched_fromarray_does_not_recurse_with_a_deep_stack_allowed(tmp_path):
    """Working out what fromarray makes of a new kind of array asks Pillow's
    own fromarray, never the patch's (which would ask again, until the
    interpreter's stack overflowed)."""
    done = subprocess.run(
        [sys.executable, "-c", RECURSION_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # the installed fastpil, not the source tree
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_patched_fromarray_asks_pillow_once_per_kind(monkeypatch):
    calls = []
    pillows = _pillow.fromarray

    def counting(*args, **kwargs):
        calls.append(args)
        return pillows(*args, **kwargs)

    monkeypatch.setattr(_pillow, "fromarray", counting)
    monkeypatch.setattr(_images, "_decodings", {})
    a = numpy.zeros((200, 201, 3), numpy.uint8)[::-1]  # an image fastpil makes
    with fastpil.patched():
        first = Image.fromarray(a)
        second = Image.fromarray(a)
    assert len(calls) == 1  # the probe of the first call
    assert first.tobytes() == second.tobytes() == unpatched(Image.fromarray, a).tobytes()


@pytest.mark.parametrize(
    "refused",
    [
        # Large enough for the patch to look at (smaller ones go straight to
        # Pillow's fromarray).
        numpy.zeros((200, 201, 5), numpy.uint8),  # 5 channels
        numpy.zeros((200, 201), numpy.complex64),
        numpy.zeros((200, 201, 4, 1), numpy.uint8),
    ],
    ids=["5 channels", "complex", "4 dimensions"],
)
def test_a_refusal_is_pillows_and_costs_what_pillows_does(monkeypatch, refused):
    with pytest.raises(Exception) as plain:  # noqa: PT011 - whatever Pillow raises
        unpatched(Image.fromarray, refused)
    found = []
    find = _images._find_decoding
    monkeypatch.setattr(_images, "_find_decoding", lambda *a: found.append(a) or find(*a))
    monkeypatch.setattr(_images, "_decodings", {})
    with fastpil.patched():
        for _ in range(5):
            with pytest.raises(plain.type) as patched:
                Image.fromarray(refused)
            assert str(patched.value) == str(plain.value)
    assert len(found) == 1  # worked out once, then remembered


def test_fromarray_of_an_image_fails_as_in_pillow():
    im = Image.new("RGB", (3, 2))
    with pytest.raises(Exception) as plain:  # noqa: PT011 - whatever Pillow raises
        unpatched(Image.fromarray, im)
    with fastpil.patched(), pytest.raises(plain.type) as patched:
        Image.fromarray(im)
    assert str(patched.value) == str(plain.value)


@needs_numpy_2
@pytest.mark.parametrize("mode", MODES)
def test_array_answers_as_pillow_once_unpatched(mode, rng):
    """fastpil's __array__, once the patch is removed (where it outlives
    unpatch(): without a GIL), gives what NumPy makes of Pillow's interface,
    for every dtype and copy argument NumPy passes."""
    im = random_image(mode, (7, 5), rng)
    fastpil.patch()
    fastpil.unpatch()
    assert not _patch._in_effect
    for dtype in (None, numpy.float32):
        for copy_ in (None, True, False):
            if copy_ is False and dtype is not None and numpy.asarray(im).dtype != dtype:
                # A cast cannot be avoided: NumPy refuses, and so must __array__.
                with pytest.raises(ValueError, match="copy"):
                    numpy.asarray(im, dtype, copy=copy_)
                with pytest.raises(ValueError, match="copy"):
                    _patch.__array__(im, dtype, copy_)
                continue
            want = numpy.asarray(im, dtype, copy=copy_)
            got = _patch.__array__(im, dtype, copy_)
            assert got.dtype == want.dtype
            assert got.shape == want.shape
            numpy.testing.assert_array_equal(got, want)
            assert got.flags.writeable == want.flags.writeable


def test_numpy_after_unpatch_uses_pillows_interface():
    """Whether or not __array__ stayed, NumPy converts through Pillow's
    __array_interface__ once unpatched: the read-only view of tobytes()."""
    im = Image.new("RGB", (3, 2), (1, 2, 3))
    with fastpil.patched():
        assert numpy.asarray(im).flags.owndata
    view = numpy.asarray(im)
    assert not view.flags.owndata
    assert not view.flags.writeable
    assert view.tobytes() == im.tobytes()
