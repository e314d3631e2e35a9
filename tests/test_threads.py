"""Eight threads converting at once: the same image, different images, with
and without ``out``, while plans are being worked out and the SIMD path
changes under them.

With the GIL, threads take turns at the switch interval, which is set to a
microsecond here so that they interleave as finely as CPython allows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import threading
import time

import numpy
import pytest
from oracle import random_image
from PIL import Image
from test_options import reference
from test_patch import assert_pillow_original

import fastpil
from fastpil import _core

THREADS = 8
ROUNDS = 25


@pytest.fixture(autouse=True)
def fine_interleaving():
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def run_together(work):
    """Run ``work(index)`` in THREADS threads started together; re-raise the
    first failure."""
    start = threading.Barrier(THREADS)
    errors = []

    def body(index):
        try:
            start.wait()
            work(index)
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# Options for each thread: every kind of kernel, so they run side by side.
OPTIONS = [
    {},
    {"channels": "BGR"},
    {"layout": "CHW"},
    {"channels": "G"},
    {"box": (3, 5, 200, 90)},
    {"channels": "BR", "layout": "CHW"},
    {},
    {"channels": "RGB", "layout": "CHW", "box": (0, 0, 33, 17)},
]


def test_same_image_with_and_without_out(rng):
    im = random_image("RGB", (333, 211), rng)
    expected = [reference(im, **OPTIONS[i]) for i in range(THREADS)]

    def work(index):
        options = OPTIONS[index]
        out = numpy.empty_like(expected[index])
        buffer = bytearray(expected[index].nbytes)
        for round_ in range(ROUNDS):
            if round_ % 3 == 0:
                result = fastpil.to_numpy(im, **options)
            elif round_ % 3 == 1:
                result = fastpil.to_numpy(im, out=out, **options)
                assert result is out
            else:
                result = fastpil.to_numpy(im, out=buffer, **options)
            numpy.testing.assert_array_equal(result, expected[index])
            out.fill(0)

    run_together(work)


MODES = ["RGB", "RGBA", "L", "1", "I;16B", "LA", "CMYK", "F"]


def test_different_images_and_batches(rng):
    images = [[random_image(mode, (97 + i, 61), rng) for i in range(3)] for mode in MODES]
    expected = [[numpy.array(im) for im in group] for group in images]

    def work(index):
        group, wanted = images[index], expected[index]
        for _ in range(ROUNDS):
            for im, want in zip(group, wanted, strict=True):
                result = fastpil.to_numpy(im)
                assert result.dtype == want.dtype
                numpy.testing.assert_array_equal(result, want)
            same_size = [group[0]] * 3
            batch = fastpil.to_numpy_batch(same_size)
            numpy.testing.assert_array_equal(batch, numpy.stack([wanted[0]] * 3))

    run_together(work)


def test_threads_filling_one_batch(rng):
    """Disjoint parts of one out array, each filled by its own thread."""
    images = [random_image("RGBA", (128, 64), rng) for _ in range(THREADS)]
    out = numpy.zeros((THREADS, 4, 64, 128), numpy.uint8)

    def work(index):
        for _ in range(ROUNDS):
            fastpil.to_numpy(images[index], out=out[index], layout="CHW")

    run_together(work)
    numpy.testing.assert_array_equal(
        out, numpy.stack([reference(im, layout="CHW") for im in images])
    )


def test_kernels_of_different_threads_run_at_once(rng):
    """Images large enough that threads converting together release the GIL
    around their kernels: kernels of different threads, and one thread's
    kernel with another's encoder, really run at the same time, into arrays
    of their own and into disjoint parts of one batch. Repeated until the
    kernels were seen to overlap, so that the test never passes without."""
    images = [random_image("RGB", (333 + 2 * i, 300), rng) for i in range(THREADS)]
    expected = [reference(im, **OPTIONS[i]) for i, im in enumerate(images)]
    same_size = [random_image("RGBA", (400, 300), rng) for _ in range(THREADS)]
    batch = numpy.zeros((THREADS, 4, 300, 400), numpy.uint8)
    wanted_batch = numpy.stack([reference(im, layout="CHW") for im in same_size])

    def work(index):
        for _ in range(4):
            result = fastpil.to_numpy(images[index], **OPTIONS[index])
            numpy.testing.assert_array_equal(result, expected[index])
            fastpil.to_numpy(same_size[index], out=batch[index], layout="CHW")

    _core._count_kernel_overlaps(True)
    try:
        before = _core._kernel_overlaps()
        for _ in range(50):
            run_together(work)
            if _core._kernel_overlaps() > before:
                break
    finally:
        _core._count_kernel_overlaps(False)
    assert _core._kernel_overlaps() > before, "no two kernels ever ran at once"
    numpy.testing.assert_array_equal(batch, wanted_batch)


def test_plans_worked_out_concurrently(monkeypatch, rng):
    """Every thread meets every (mode, channels, layout) for the first time at
    once: they race to work out and cache the same plans."""
    monkeypatch.setattr(_core, "plans", {})
    cases = [
        (mode, channels, layout)
        for mode, channels in [("RGB", None), ("RGB", "BGR"), ("RGBA", "ABGR"), ("LA", "A")]
        for layout in ("HWC", "CHW")
    ] + [("L", None, "HWC"), ("I;16", None, "HWC")]
    images = {mode: random_image(mode, (45, 13), rng) for mode, _, _ in cases}
    expected = {case: reference(images[case[0]], case[1], case[2]) for case in cases}

    def work(index):
        for case in cases[index:] + cases[:index]:
            mode, channels, layout = case
            result = fastpil.to_numpy(images[mode], channels=channels, layout=layout)
            numpy.testing.assert_array_equal(result, expected[case])

    run_together(work)
    assert len(_core.plans) == len(cases)


def test_simd_path_switched_while_converting(rng):
    """select_simd_path swaps one atomic pointer: every conversion uses one
    whole kernel table or another, and all of them give the same bytes."""
    im = random_image("RGBA", (517, 77), rng)
    expected = {layout: reference(im, "BGR", layout) for layout in ("HWC", "CHW")}
    paths = _core.simd_paths()
    before = _core.simd_path()
    stop = threading.Event()

    def switcher():
        while not stop.is_set():
            for path in paths:
                _core.select_simd_path(path)

    thread = threading.Thread(target=switcher)
    thread.start()
    try:

        def work(index):
            layout = "CHW" if index % 2 else "HWC"
            for _ in range(ROUNDS):
                result = fastpil.to_numpy(im, channels="BGR", layout=layout)
                numpy.testing.assert_array_equal(result, expected[layout])

        run_together(work)
    finally:
        stop.set()
        thread.join()
        _core.select_simd_path(before)


# Pillow < 10 has Image.__getattr__, a Python function that runs after the
# hidden __array_interface__ raises and before NumPy looks up __array__: a
# thread can switch there, and an unpatch in between leaves NumPy with
# neither (docs/reliability.md). fastpil cannot close that window there.
needs_pillow_without_getattr = pytest.mark.skipif(
    hasattr(Image.Image, "__getattr__"),
    reason="Pillow < 10: Image.__getattr__ runs Python code between NumPy's lookups",
)


@needs_pillow_without_getattr
def test_patch_toggled_while_converting(rng):
    """patch()/unpatch() in one thread while others convert through NumPy:
    every array is right, patched or not."""
    im = random_image("RGB", (64, 32), rng)
    expected = numpy.array(im)
    stop = threading.Event()

    def toggler():
        while not stop.is_set():
            with fastpil.patched():
                pass

    thread = threading.Thread(target=toggler)
    thread.start()
    try:

        def work(index):
            for _ in range(ROUNDS):
                result = numpy.asarray(im) if index % 2 else numpy.array(im)
                numpy.testing.assert_array_equal(result, expected)

        run_together(work)
    finally:
        stop.set()
        thread.join()
    assert_pillow_original()


@needs_pillow_without_getattr
def test_numpy_always_finds_a_conversion_while_the_patch_toggles():
    """Installing and removing the patch must never leave a moment when
    NumPy sees neither Pillow's __array_interface__ nor fastpil's __array__:
    it would then wrap the image in an object array."""
    im = Image.new("L", (4, 3), 9)
    stop = threading.Event()

    def toggler():
        while not stop.is_set():
            fastpil.patch()
            fastpil.unpatch()

    thread = threading.Thread(target=toggler)
    thread.start()
    try:
        for _ in range(20_000):
            assert numpy.asarray(im).dtype == numpy.uint8
    finally:
        stop.set()
        thread.join()
    assert_pillow_original()


def test_refusals_and_decodings_found_concurrently(monkeypatch, rng):
    """Every thread meets every kind of array for the first time at once, as
    to_image works out and caches what Pillow's fromarray makes of each kind
    and which it refuses: the same image or the same error as Pillow's."""
    from fastpil import _images

    monkeypatch.setattr(_images, "_decodings", {})
    kinds = [
        ("|u1", ()),
        ("|u1", (3,)),
        ("|u1", (4,)),
        ("<u2", ()),
        ("<i4", ()),
        ("<f4", ()),
        ("|b1", ()),
        ("|u1", (2,)),
        ("<i8", ()),  # refused
        ("|u1", (5,)),  # refused
        ("<c8", ()),  # refused
    ]
    arrays = [rng.integers(0, 2, (9, 7, *tail)).astype(dtype) for dtype, tail in kinds]
    expected = []
    for a in arrays:
        try:
            im = Image.fromarray(a)
        except TypeError as error:
            expected.append(type(error))
        else:
            expected.append((im.mode, im.size, im.tobytes()))

    def work(index):
        for i in list(range(index, len(arrays))) + list(range(index)):
            if isinstance(expected[i], type):
                with pytest.raises(expected[i], match="refuses"):
                    fastpil.to_image(arrays[i])
            else:
                im = fastpil.to_image(arrays[i])
                assert (im.mode, im.size, im.tobytes()) == expected[i]

    run_together(work)
    assert len(_images._decodings) == len(kinds)


def test_everything_at_once(rng):
    """Each thread does a different thing, over and over, at the same time:
    every API fastpil has, and the patch held and released, its install and
    removal racing NumPy's lookups and Image.fromarray's routing. Every
    result is the oracle's, patched or not."""
    im = random_image("RGB", (300, 200), rng)
    small = random_image("RGBA", (31, 17), rng)
    a = numpy.ascontiguousarray(numpy.array(im)[:, ::-1])
    want = numpy.array(im)
    want_small = numpy.array(small)
    want_float = reference(im, layout="CHW").astype(numpy.float32) / 255
    want_image = Image.fromarray(a).tobytes()
    stop = threading.Event()

    def convert(index):
        # Eight threads, seven kinds of work; the last toggles the patch.
        kind = index % 7
        for _ in range(ROUNDS):
            if kind == 0:
                numpy.testing.assert_array_equal(fastpil.to_numpy(im), want)
            elif kind == 1:
                numpy.testing.assert_array_equal(numpy.array(im), want)
                numpy.testing.assert_array_equal(numpy.asarray(small), want_small)
            elif kind == 2:
                got = fastpil.to_numpy(im, layout="CHW", dtype=numpy.float32, scale=True)
                numpy.testing.assert_allclose(got, want_float, rtol=1e-6)
            elif kind == 3:
                assert fastpil.to_image(a).tobytes() == want_image
            elif kind == 4:
                assert Image.fromarray(a).tobytes() == want_image
            elif kind == 5:
                batch = fastpil.to_numpy_batch([small] * 4)
                numpy.testing.assert_array_equal(batch, numpy.stack([want_small] * 4))
            else:
                with fastpil.patched():
                    numpy.testing.assert_array_equal(numpy.asarray(im), want)

    def work(index):
        if index == THREADS - 1:
            while not stop.is_set():
                fastpil.patch()
                fastpil.unpatch()
            return
        try:
            convert(index)
        finally:
            if index == 0:
                stop.set()

    run_together(work)
    assert_pillow_original()


def test_first_conversions_of_a_process_at_once(tmp_path):
    """Eight threads make a fresh process's first conversions together: the
    plans, the general path's first import and the kernel tables are all
    found at once. In a process of its own, so that nothing is found before."""
    code = """
import threading, numpy, fastpil
from PIL import Image
im = Image.linear_gradient("L").resize((300, 200)).convert("RGB")
want = numpy.array(im)
start = threading.Barrier(8)
errors = []
def work(index):
    start.wait()
    try:
        for _ in range(20):
            got = fastpil.to_numpy(im, layout="CHW", channels="BGR" if index % 2 else None)
            order = [2, 1, 0] if index % 2 else [0, 1, 2]
            assert (got == want.transpose(2, 0, 1)[order]).all()
            assert (fastpil.to_numpy(im, box=(1, 2, 30, 40)) == want[2:40, 1:30]).all()
    except BaseException as error:
        errors.append(error)
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
assert not errors, errors
print("ok")
"""
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,  # the installed fastpil, not the source tree
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "ok\n"


free_threaded = pytest.mark.skipif(
    not sysconfig.get_config_var("Py_GIL_DISABLED"),
    reason="a free-threaded interpreter only (make test-freethreaded)",
)


@free_threaded
def test_import_keeps_the_gil_off(tmp_path):
    """fastpil and every module it imports are declared free-threading
    compatible: importing them does not turn the GIL back on."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    code = "import sys, fastpil, fastpil._core; print(sys._is_gil_enabled())"
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "False\n"


@free_threaded
def test_no_gil_in_this_suite():
    """make test-freethreaded runs the suite without the GIL, so that the
    thread tests above really run Python in parallel."""
    assert not sys._is_gil_enabled()


def conversions_of_a_large_image():
    im = Image.effect_noise((4096, 4096), 40).convert("RGB")
    a = numpy.asarray(im).copy()
    return {
        "to_numpy": lambda: fastpil.to_numpy(im),
        "to_numpy_batch": lambda: fastpil.to_numpy_batch([im, im]),
        "float pass": lambda: fastpil.to_numpy(
            im, layout="CHW", dtype=numpy.float32, scale=True, mean=0.5, std=0.25
        ),
        "to_image": lambda: fastpil.to_image(a[:, ::-1]),
    }


def gaps_while(convert, seconds):
    """The gaps between the wake-ups of a thread that sleeps 0.5 ms at a time,
    while this one calls convert() for ``seconds``."""
    gaps = []
    stop = threading.Event()

    def sleeper():
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.0005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    thread = threading.Thread(target=sleeper)
    thread.start()
    try:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            convert()
    finally:
        stop.set()
        thread.join()
    return gaps


@pytest.mark.slow
def test_other_threads_run_during_a_large_conversion():
    """A Python thread that sleeps half a millisecond at a time wakes to the
    GIL within a small part of a conversion, not after all of it, while the
    main thread converts a 4096 x 4096 RGB image again and again. (The bound
    is loose for a noisy machine; make bench's latency scenario measures.)"""
    for name, convert in conversions_of_a_large_image().items():
        times = []
        for _ in range(3):
            start = time.perf_counter()
            convert()
            times.append(time.perf_counter() - start)
        one = sorted(times)[1]
        gaps = gaps_while(convert, max(1.0, 20 * one))
        median = sorted(gaps)[len(gaps) // 2]
        waited = f"{name}: other threads waited {median * 1e3:.1f} ms of {one * 1e3:.1f}"
        assert median < one / 3, waited
