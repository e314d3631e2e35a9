"""Nothing leaks: memory and reference counts stay put over many conversions,
the failing ones included."""

from __future__ import annotations

import gc
import io
import itertools
import os
import sys
import tracemalloc

import numpy
import pytest
from encoders import real_encoder, use_encoders
from oracle import random_image
from PIL import Image

import fastpil

STATM = "/proc/self/statm"


def resident_bytes():
    with open(STATM) as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class BrokenEncoder:
    """Pillow's raw encoder, failing on its second chunk."""

    def __init__(self, real):
        self.real = real
        self.calls = 0

    def setimage(self, im, extents):
        return self.real.setimage(im, extents)

    def encode(self, bufsize):
        self.calls += 1
        if self.calls == 2:
            raise OSError("disk on fire")
        return self.real.encode(bufsize)

    def cleanup(self):
        return self.real.cleanup()


class Workload:
    """One conversion per call, cycling through successes and clean failures
    of every kind; each must end as expected."""

    def __init__(self, rng):
        self.im = random_image("RGB", (64, 48), rng)
        self.tall = random_image("L", (600, 400), rng)  # several chunks
        self.other = random_image("RGB", (64, 48), rng)
        self.out = numpy.empty((48, 64, 3), numpy.uint8)
        self.buffer = bytearray(64 * 48 * 3)
        self.batch_out = numpy.empty((2, 3, 48, 64), numpy.uint8)
        self.chw = fastpil.to_numpy(self.tall.convert("RGB"), layout="CHW")
        png = io.BytesIO()
        self.im.save(png, "PNG", compress_level=1)
        self.png = png.getvalue()
        self.truncated = self.png[: len(self.png) // 2]
        self.failed = 0
        self.operations = [
            self.new_array,
            self.into_out,
            self.into_bytearray,
            self.with_options,
            self.batch,
            self.batch_from_generator,
            self.lazy_file,
            self.patched_asarray,
            self.bad_out,
            self.bad_channels,
            self.not_an_image,
            self.truncated_file,
            self.encoder_fails,
            self.generator_raises,
            self.float_pass,
            self.to_image,
            self.to_image_refused,
            self.patched_fromarray,
        ]

    def new_array(self):
        fastpil.to_numpy(self.im)

    def into_out(self):
        fastpil.to_numpy(self.im, out=self.out)

    def into_bytearray(self):
        fastpil.to_numpy(self.im, out=self.buffer)

    def with_options(self):
        fastpil.to_numpy(self.im, channels="BGR", layout="CHW", box=(1, 2, 40, 30))

    def batch(self):
        fastpil.to_numpy_batch([self.im, self.other], out=self.batch_out, layout="CHW")

    def batch_from_generator(self):
        fastpil.to_numpy_batch(im for im in (self.im, self.other, self.im))

    def lazy_file(self):
        with Image.open(io.BytesIO(self.png)) as im:
            fastpil.to_numpy(im)

    def patched_asarray(self):
        with fastpil.patched():
            numpy.asarray(self.im)

    def expect(self, exc, match, call, *args, **kwargs):
        with pytest.raises(exc, match=match):
            call(*args, **kwargs)
        self.failed += 1

    def bad_out(self):
        self.expect(ValueError, "needs exactly", fastpil.to_numpy, self.im, out=bytearray(7))

    def bad_channels(self):
        self.expect(ValueError, "does not apply", fastpil.to_numpy, self.im, channels="RGBA")

    def not_an_image(self):
        self.expect(TypeError, "not bytes", fastpil.to_numpy, self.png)

    def truncated_file(self):
        with Image.open(io.BytesIO(self.truncated)) as im:
            self.expect(OSError, "truncated", fastpil.to_numpy, im)

    def encoder_fails(self):
        Image.ENCODERS["raw"] = lambda *args: BrokenEncoder(real_encoder(*args))
        try:
            self.expect(OSError, "disk on fire", fastpil.to_numpy, self.tall)
        finally:
            del Image.ENCODERS["raw"]

    def generator_raises(self):
        def images():
            yield self.im
            raise KeyError("no more")

        self.expect(KeyError, "no more", fastpil.to_numpy_batch, images())

    def float_pass(self):
        fastpil.to_numpy(self.im, layout="CHW", dtype=numpy.float16, scale=True, mean=0.5, std=0.2)

    def to_image(self):
        fastpil.to_image(self.chw, layout="CHW", channels="BGR")

    def to_image_refused(self):
        self.expect(
            ValueError,
            "each of its bands",
            fastpil.to_image,
            self.chw,
            channels="XY",
            layout="CHW",
        )

    def patched_fromarray(self):
        with fastpil.patched():
            Image.fromarray(self.chw.transpose(1, 2, 0))

    def run(self, count):
        for operation in itertools.islice(itertools.cycle(self.operations), count):
            operation()


# CPython's method cache (4096 entries, interpreter-wide) holds a reference
# to the attribute name last looked up in each: names made at run time, such
# as Pillow's f"chunk_{cid}", stay alive until their entry is reused. How much
# memory that keeps varies by build (about 80 KiB on free-threaded 3.13 over
# this workload, bounded however long it runs), so the cache is emptied
# before each reading. 3.13 renamed the call.
_clear_caches = getattr(sys, "_clear_internal_caches", None) or sys._clear_type_cache


def traced_memory():
    _clear_caches()
    return tracemalloc.get_traced_memory()[0]


def conversions_leave_no_trace(count, rng):
    """Run ``count`` conversions after a warm-up; return the growth of traced
    memory and of resident memory, in bytes."""
    work = Workload(rng)
    work.run(2_000)  # plans, Pillow's and the interpreter's caches, freelists
    watched = [work.im, work.im.im, work.out, work.buffer, work.batch_out]
    refcounts = [sys.getrefcount(x) for x in watched]
    gc.collect()
    tracemalloc.start()
    try:
        traced_before = traced_memory()
        resident_before = resident_bytes()
        work.failed = 0
        work.run(count)
        gc.collect()
        traced = traced_memory() - traced_before
        resident = resident_bytes() - resident_before
    finally:
        tracemalloc.stop()
    assert work.failed > count // 3, "the failing kinds of call did not run"
    assert [sys.getrefcount(x) for x in watched] == refcounts
    assert gc.garbage == []
    print(
        f"\n{count} conversions, {work.failed} failing cleanly: "
        f"traced memory {traced:+d} bytes, resident memory {resident:+d} bytes"
    )
    return traced, resident


pytestmark = pytest.mark.skipif(not os.path.exists(STATM), reason=f"reads {STATM}")


# AddressSanitizer (make sanitize) holds freed memory back in its quarantine,
# so resident memory grows there whatever fastpil does; traced memory (what
# Python allocates) is still checked.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def test_no_leak_over_a_few_thousand(rng, small_chunks):
    traced, resident = conversions_leave_no_trace(3_000, rng)
    # The interpreter's and Pillow's caches move by a few KiB either way.
    assert traced < 64 * 1024
    assert UNDER_ASAN or resident < 4 * 1024 * 1024


@pytest.mark.slow
def test_no_leak_over_100_000(rng, small_chunks):
    # One small object lost per conversion would be several MB here; one lost
    # by a single kind of failure, some hundreds of KiB.
    traced, resident = conversions_leave_no_trace(100_000, rng)
    assert traced < 64 * 1024
    assert resident < 8 * 1024 * 1024


def holders(objects):
    """How many references each item of ``objects`` has: 1 when the list
    holds the only one."""
    return [sys.getrefcount(objects[i]) - 1 for i in range(len(objects))]


def test_references_are_returned(monkeypatch, rng, small_chunks):
    """The image, its pixels, the encoder and out: the same reference counts
    after a conversion as before, whether it succeeds or fails."""
    im = random_image("RGB", (300, 500), rng)
    out = numpy.empty((500, 300, 3), numpy.uint8)
    fastpil.to_numpy(im)  # the plan, worked out with the real encoder
    encoders = []

    def keep(*args):
        encoders.append(real_encoder(*args))
        return encoders[-1]

    expected = numpy.array(im)
    watched = [im, im.im, out]
    before = [sys.getrefcount(x) for x in watched]
    # Pillow's encoder as fastpil gets it by default, then through a
    # registered Python encoder, which lets the test hold the encoders.
    fastpil.to_numpy(im, out=out)
    numpy.testing.assert_array_equal(out, expected)
    fastpil.to_numpy(im)
    assert [sys.getrefcount(x) for x in watched] == before
    use_encoders(monkeypatch, keep)
    fastpil.to_numpy(im, out=out)
    numpy.testing.assert_array_equal(out, expected)
    fastpil.to_numpy(im)
    assert holders(encoders) == [1, 1]
    encoders.clear()  # an encoder holds the pixels until it goes
    assert [sys.getrefcount(x) for x in watched] == before

    def breaks_on_second_chunk(*args):
        encoders.append(BrokenEncoder(real_encoder(*args)))
        return encoders[-1]

    use_encoders(monkeypatch, breaks_on_second_chunk)
    with pytest.raises(OSError, match="disk on fire"):
        fastpil.to_numpy(im, out=out)
    with pytest.raises(OSError, match="disk on fire"):
        fastpil.to_numpy(im)
    gc.collect()  # the exceptions' tracebacks held the frames for a while
    assert holders(encoders) == [1, 1]
    real_encoders = [e.real for e in encoders]
    encoders.clear()
    assert holders(real_encoders) == [1, 1]
    real_encoders.clear()
    assert [sys.getrefcount(x) for x in watched] == before
