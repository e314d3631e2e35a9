"""Conversions in several threads at once, for the threads scenario of
bench.py, and run alone, the scaling table of ``make bench-freethreaded``.

A contender here converts a block of images per call, with a pool of
threads that wait between blocks: with one thread, it converts each of two
distinct images ``calls`` times, alternating; with two, each thread converts
its own image ``calls`` times. Both do the same work, so the ratio of their
times is the ratio of throughputs. The threads stay alive between blocks, so
creating them is not timed; the main thread waits for a block in a barrier,
which releases the GIL.

A block lasts about BLOCK_SECONDS for one thread, so that it measures the
steady state of threads converting one image after another: when two threads
start together, one of them may first wait up to CPython's switch interval
(5 ms) for the GIL before both are converting.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

BLOCK_SECONDS = 0.2

Convert = Callable[[Any], Any]


class Pool:
    """``count`` threads that run one block of conversions each time they are called."""

    def __init__(self, count: int) -> None:
        self.start = threading.Barrier(count + 1)
        self.done = threading.Barrier(count + 1)
        self.jobs: list[tuple[Convert, list[Any]]] = []
        # The last two results of each thread, for checking.
        self.last: list[tuple[Any, Any]] = [(None, None)] * count
        self.failure: BaseException | None = None
        for index in range(count):
            threading.Thread(target=self._work, args=(index,), daemon=True).start()

    def _work(self, index: int) -> None:
        while True:
            self.start.wait()
            convert, images = self.jobs[index]
            try:
                for im in images:
                    self.last[index] = (self.last[index][1], convert(im))
            except BaseException as error:  # reported by run()
                self.failure = error
            self.done.wait()

    def run(self, jobs: list[tuple[Convert, list[Any]]]) -> None:
        self.jobs = jobs
        self.start.wait()
        self.done.wait()
        if self.failure is not None:
            raise self.failure


_calls: dict[tuple[Convert, tuple[int, int]], int] = {}


def calls_per_block(convert: Convert, pair: tuple[Any, Any]) -> int:
    """Conversions of each image per block: about BLOCK_SECONDS of work for
    one thread, worked out once per converter and size, so that the one-thread
    and two-thread contenders of a converter do the same work."""
    key = (convert, pair[0].size)
    if key not in _calls:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            convert(pair[0])
            times.append(time.perf_counter() - start)
        _calls[key] = max(2, round(BLOCK_SECONDS / (2 * sorted(times)[1])))
    return _calls[key]


def one_thread(convert: Convert) -> Callable[[Any], Convert]:
    """Prepare a contender: one thread converts both images, in turn."""

    def prepare(pair: tuple[Any, Any]) -> Convert:
        pool = Pool(1)
        calls = calls_per_block(convert, pair)

        def block(pair: tuple[Any, Any]) -> tuple[Any, ...]:
            pool.run([(convert, [pair[i % 2] for i in range(2 * calls)])])
            return pool.last[0]  # the last of each image

        block.images = 2 * calls  # type: ignore[attr-defined]
        return block

    return prepare


def two_threads(convert: Convert) -> Callable[[Any], Convert]:
    """Prepare a contender: two threads, each converting its own image."""

    def prepare(pair: tuple[Any, Any]) -> Convert:
        pool = Pool(2)
        calls = calls_per_block(convert, pair)

        def block(pair: tuple[Any, Any]) -> tuple[Any, ...]:
            pool.run([(convert, [pair[0]] * calls), (convert, [pair[1]] * calls)])
            return (pool.last[0][1], pool.last[1][1])

        block.images = 2 * calls  # type: ignore[attr-defined]
        return block

    return prepare


# Run alone (python bench/threads.py): how two threads scale over one, for
# each conversion fastpil makes and the NumPy or Pillow call it replaces, on a
# free-threaded interpreter or one with a GIL. One thread converts two
# distinct images in turn, two threads one image each, the same work; a
# repeat times every contender's one- and two-thread blocks back to back,
# interleaved with the other contenders', so that a busy machine slows all of
# them alike; the table gives the median ratio over repeats and its range,
# and how many CPUs the process kept busy meanwhile: on a machine shared with
# other work, two threads can scale no further than the CPUs they get.

# The float pass: ImageNet's normalisation, as bench/contenders.py's.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def _rgb_images(side: int) -> tuple[Any, Any]:
    import numpy
    from PIL import Image

    rng = numpy.random.default_rng(side)
    return tuple(  # type: ignore[return-value]
        Image.frombytes("RGB", (side, side), rng.bytes(3 * side * side)) for _ in range(2)
    )


Contender = tuple[str, str, Convert, Callable[[Any], Any], tuple[Any, Any]]


def _contenders(side: int) -> list[Contender]:
    """(conversion, contender, convert, reference, the two inputs)."""
    import numpy
    from PIL import Image

    import fastpil

    images = _rgb_images(side)
    arrays = tuple(numpy.array(im) for im in images)
    # One destination per image, so that two threads never share one: out=
    # separates the conversion from the allocation of fresh memory (whose
    # page faults the kernel serialises per process).
    outs = {id(im): numpy.empty_like(a) for im, a in zip(images, arrays, strict=True)}
    mean32 = numpy.array(MEAN, numpy.float32)[:, None, None]
    std32 = numpy.array(STD, numpy.float32)[:, None, None]

    def numpy_float(im: Any) -> Any:
        a = numpy.array(im).transpose(2, 0, 1).astype(numpy.float32)
        a *= numpy.float32(1 / 255)
        a -= mean32
        a /= std32
        return a

    def fastpil_float(im: Any) -> Any:
        return fastpil.to_numpy(
            im, layout="CHW", dtype=numpy.float32, scale=True, mean=MEAN, std=STD
        )

    def fastpil_out(im: Any) -> Any:
        return fastpil.to_numpy(im, out=outs[id(im)])

    def pixels(im: Any) -> Any:
        return numpy.asarray(im)

    def python_loop(_: Any) -> int:
        total = 0
        for i in range(side * 8):
            total += i
        return total

    return [
        # The yardstick: pure Python, which shares nothing between threads.
        # Two threads of it scale by the CPUs free for them, and by nothing
        # without them; with a GIL, not at all.
        ("(yardstick)", "a Python loop", python_loop, python_loop, images),
        ("to_numpy", "numpy.array", numpy.array, numpy.array, images),
        ("to_numpy", "fastpil.to_numpy", fastpil.to_numpy, numpy.array, images),
        ("to_numpy", "fastpil.to_numpy(out=)", fastpil_out, numpy.array, images),
        ("float pass", "NumPy, 4 passes", numpy_float, fastpil_float, images),
        ("float pass", "fastpil.to_numpy float32", fastpil_float, fastpil_float, images),
        ("to_image", "Image.fromarray", Image.fromarray, pixels, arrays),
        ("to_image", "fastpil.to_image", fastpil.to_image, pixels, arrays),
    ]


def _check(name: str, got: Any, want: Any) -> None:
    import numpy

    if not isinstance(got, numpy.ndarray):
        got = numpy.asarray(got)
    want = numpy.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        raise AssertionError(f"{name}: {got.dtype}{got.shape}, not {want.dtype}{want.shape}")
    if got.dtype.kind == "f":
        numpy.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=name)
    else:
        numpy.testing.assert_array_equal(got, want, err_msg=name)


def _timed(block: Convert, pair: tuple[Any, Any]) -> tuple[float, float, float]:
    """Wall seconds, minor page faults and CPU seconds (of all threads) of a block."""
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    cpu = time.process_time()
    start = time.perf_counter()
    block(pair)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return seconds, faults, cpu


def gil_state() -> str:
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    if is_enabled is None:
        return "with a GIL"
    return "free-threaded, GIL " + ("on" if is_enabled() else "off")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def scaling(sides: list[int], repeats: int, only: list[str] | None) -> list[dict[str, Any]]:
    rows = []
    for side in sides:
        contenders = [c for c in _contenders(side) if only is None or c[0] in only]
        prepared = []
        for conversion, name, convert, reference, pair in contenders:
            blocks = (one_thread(convert)(pair), two_threads(convert)(pair))
            wanted = tuple(reference(x) for x in pair)
            for block in blocks:
                last = block(pair)
                for got, want in zip(last, wanted, strict=True):
                    _check(f"{name}, {side}", got, want)
            prepared.append((conversion, name, blocks, pair))
        samples: dict[str, list[dict[str, float]]] = {}
        for _ in range(repeats):
            for _conversion, name, (one, two), pair in prepared:
                t1, f1, c1 = _timed(one, pair)
                t2, f2, c2 = _timed(two, pair)
                images = one.images  # type: ignore[attr-defined]
                samples.setdefault(name, []).append(
                    {
                        "one ms": t1 / images * 1e3,
                        "two ms": t2 / images * 1e3,
                        "faults one": f1 / images,
                        "faults two": f2 / images,
                        # CPUs busy on average: at most 1 for one thread; below
                        # 2 for two threads where they wait for each other (a
                        # lock, the kernel's memory map) or for other programs.
                        "cpus one": c1 / t1,
                        "cpus two": c2 / t2,
                        "scaling": t1 / t2,
                    }
                )
        for conversion, name, _blocks, _pair in prepared:
            got = samples[name]
            ratios = sorted(x["scaling"] for x in got)
            row = {"side": side, "conversion": conversion, "contender": name}
            row.update({key: statistics.median(x[key] for x in got) for key in got[0]})
            row.update(low=ratios[0], high=ratios[-1])
            rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| size | conversion | contender | 1 thread ms/image | 2 threads ms/image "
        "| scaling (median) | range | CPUs busy, 1 / 2 threads "
        "| page faults/image, 1 / 2 threads |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['side']}² | {r['conversion']} | {r['contender']} | {r['one ms']:.3f} "
            f"| {r['two ms']:.3f} | {r['scaling']:.2f}x | {r['low']:.2f}-{r['high']:.2f} "
            f"| {r['cpus one']:.2f} / {r['cpus two']:.2f} "
            f"| {r['faults one']:.0f} / {r['faults two']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Two threads against one, converting distinct RGB images."
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 256² only, 2 repeats")
    parser.add_argument("--sizes", nargs="+", type=int, default=[256, 1024, 2048])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--conversions", nargs="+", choices=["(yardstick)", "to_numpy", "float pass", "to_image"]
    )
    args = parser.parse_args(argv)
    if args.quick:
        global BLOCK_SECONDS
        BLOCK_SECONDS = 0.02
        args.sizes, args.repeats = args.sizes[:1], 2
    import numpy
    import PIL

    import fastpil

    print(
        f"Python {platform.python_version()} ({gil_state()}), NumPy {numpy.__version__}, "
        f"Pillow {PIL.__version__}, fastpil {fastpil.__version__}; {cpu_model()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
        f"{args.repeats} repeats of blocks of about {BLOCK_SECONDS * 1e3:.0f} ms\n"
    )
    rows = scaling(args.sizes, args.repeats, args.conversions)
    print(table(rows))
    print(f"\nload average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
