"""How the benchmark measures.

Contenders run in one process, interleaved in blocks: A x k, B x k, ... with the
first call of every block dropped, in orders where each contender follows
every other equally often, and the whole repeated for several rounds. Every
timed call also records the minor page faults it caused. Four memory states
are measured:

steady
    Whatever state the allocator settles in when the same conversion runs
    over and over, as in a data loader. glibc raises its mmap threshold after
    the first large free, so outputs below 32 MiB are then served from memory
    that is already mapped: no page faults. Which contender benefits depends
    on what the others leave behind; see "alone".
alone
    The same repeated calls, each contender in a new interpreter of its own,
    as in a program that only ever converts one way. numpy.array, for one,
    frees its temporary ``bytes`` in a way that lets glibc trim the heap, so
    on its own it pays page faults on every call that it avoids when
    interleaved with others.
fresh pages
    Before each timed call, glibc's ``malloc_trim(0)`` hands freed memory back
    to the kernel, so every allocation the call makes must be faulted in anew,
    as in a process that does other work between conversions.
fresh process
    A single call in a new interpreter, after the imports and after making the
    image, with the memory freed while making it handed back to the kernel
    (``malloc_trim(0)``): what a short script pays, the same for every
    contender.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy
import PIL
from PIL import Image

import fastpil

STATES = ("steady", "alone", "fresh pages", "fresh process")


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    faults: list[float] = field(default_factory=list)

    def median(self) -> float:
        return float(numpy.median(self.seconds))

    def summary(self) -> dict[str, float]:
        q1, median, q3 = numpy.percentile(self.seconds, [25, 50, 75])
        return {
            "median_ms": median * 1e3,
            "min_ms": min(self.seconds) * 1e3,
            "iqr_pct": (q3 - q1) / median * 100 if median else 0.0,
            "faults": float(numpy.median(self.faults)),
            "calls": len(self.seconds),
        }


def _malloc_trim() -> Callable[[], None] | None:
    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or name is None:
        return None
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "malloc_trim"):
        return None
    trim = libc.malloc_trim
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


malloc_trim = _malloc_trim()


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_call(
    convert: Callable[[Any], Any], arg: Any, record: Samples, clock: Any = time.perf_counter
) -> None:
    """Add one call's seconds and minor page faults to ``record``; freeing
    the result is not part of the conversion. (``clock`` is a local: no
    lookup inside the timed span.)"""
    f0 = minor_faults()
    t0 = clock()
    result = convert(arg)
    t1 = clock()
    f1 = minor_faults()
    del result
    record.seconds.append(t1 - t0)
    record.faults.append(f1 - f0)


def balanced_orders(n: int) -> list[list[int]]:
    """Orders of n contenders in which each directly follows every other equally often.

    A block that follows a slow conversion runs slower for a while (allocator
    and cache state), so no contender may always have the same predecessor,
    as it would if the order were only rotated. This is a Williams design:
    n orders for even n, 2n for odd n.
    """
    first, low, high = [0], 1, n - 1
    while low <= high:
        first.append(low)
        low += 1
        if low <= high:
            first.append(high)
            high -= 1
    orders = [[(k + shift) % n for k in first] for shift in range(n)]
    if n % 2:
        orders += [order[::-1] for order in orders]
    return orders


def interleaved(
    arg: Any,
    converts: dict[str, Callable[[Any], Any]],
    rounds: int,
    block: int,
    state: str,
    before_block: Callable[[str], None] | None = None,
) -> dict[str, Samples]:
    """Time each conversion of ``arg`` in interleaved blocks, in the 'steady' or
    'fresh pages' state; ``before_block(name)`` runs untimed before each block."""
    if state == "fresh pages" and malloc_trim is None:
        raise RuntimeError("the fresh pages state needs glibc's malloc_trim")
    trim = malloc_trim if state == "fresh pages" else None
    samples = {name: Samples() for name in converts}
    names = list(converts)
    orders = balanced_orders(len(names))
    for turn in range(rounds):
        for name in (names[i] for i in orders[turn % len(orders)]):
            convert, record = converts[name], samples[name]
            if before_block is not None:
                before_block(name)
            convert(arg)  # the first call of a block is dropped
            for _ in range(block):
                if trim is not None:
                    trim()
                time_call(convert, arg, record)
    return samples


def check(name: str, result: Any, expected: Any, what: str) -> None:
    """Exit unless ``result`` equals ``expected`` (bools as values, whatever their bytes).

    A list or tuple of arrays (one per image) is checked against each image of
    ``expected`` in turn."""
    if isinstance(result, Image.Image):
        if not (
            isinstance(expected, Image.Image)
            and (result.mode, result.size) == (expected.mode, expected.size)
            and result.tobytes() == expected.tobytes()
        ):
            sys.exit(f"{name} does not give the expected image for {what}")
        return
    if isinstance(result, (list, tuple)):
        if len(result) != len(expected):
            sys.exit(f"{name} gives {len(result)} arrays, not {len(expected)}, for {what}")
        for one, wanted in zip(result, expected, strict=True):
            check(name, one, wanted, what)
        return
    same = result.dtype == expected.dtype and result.shape == expected.shape
    if same and result.dtype.kind == "f":
        # Copies of float images must be bit-exact (NaNs included); floats
        # computed in other orders round differently: near enough.
        tolerance = 2e-3 if result.dtype == numpy.float16 else 1e-5
        same = result.tobytes() == expected.tobytes() or numpy.allclose(
            result, expected, rtol=tolerance, atol=tolerance
        )
    elif same and result.dtype == bool:
        same = numpy.array_equal(result.view(numpy.uint8) != 0, expected.view(numpy.uint8) != 0)
    elif same:
        same = numpy.array_equal(result.view(numpy.uint8), expected.view(numpy.uint8))
    if not same:
        sys.exit(f"{name} does not give the expected result for {what}")


def in_new_process(
    mode: str, size: tuple[int, int], name: str, processes: int, calls: int
) -> Samples:
    """``calls`` timed calls in each of ``processes`` new interpreters (see main())."""
    samples = Samples()
    for _ in range(processes):
        done = subprocess.run(
            [sys.executable, __file__, mode, str(size[0]), str(size[1]), name, str(calls)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout)
        samples.seconds += result["seconds"]
        samples.faults += result["faults"]
    return samples


def ms_faults(summary: dict[str, float], digits: int = 4) -> str:
    """A table cell: median ms per call ±its interquartile range as a share
    of it (minor page faults per call)."""
    return (
        f"{summary['median_ms']:.{digits}g} ±{summary['iqr_pct']:.0f}% ({summary['faults']:.0f})"
    )


def spreads_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two summaries' middle halves (median ± half the IQR) overlap:
    then neither is faster, whatever the ratio of their medians."""
    half_a = a["median_ms"] * a["iqr_pct"] / 200
    half_b = b["median_ms"] * b["iqr_pct"] / 200
    return abs(a["median_ms"] - b["median_ms"]) <= half_a + half_b


def row(cells: list[str]) -> str:
    """One line of a Markdown table."""
    return "| " + " | ".join(cells) + " |"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a Markdown table."""
    return [row(header), "|" + "---|" * len(header), *map(row, rows)]


def environment() -> dict[str, str]:
    """Versions, CPU and memory settings, recorded with every run."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    env = {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "fastpil": fastpil.__version__,
        "simd_path": fastpil.simd_path(),
        "cpu": cpu,
        "cpus": str(os.cpu_count()),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "libc": " ".join(platform.libc_ver()),
    }
    for module in ("pyarrow", "cv2", "matplotlib"):
        try:
            env[module] = __import__(module).__version__
        except ImportError:
            env[module] = "not installed"
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if thp.exists():
        env["transparent_hugepage"] = thp.read_text().strip()
    # Where a chunk, an image and a result fit decides much of the timing.
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        if (index / "type").read_text().strip() != "Instruction":
            level = (index / "level").read_text().strip()
            env[f"L{level} cache"] = (index / "size").read_text().strip()
    return env


def machine() -> str:
    """One line naming what a measurement ran on."""
    env = environment()
    return (
        f"{env['cpu']}, {env['cpus']} cores, L2 {env.get('L2 cache', 'unknown')}; "
        f"Python {env['python']}, NumPy {env['numpy']}, Pillow {env['pillow']}, "
        f"fastpil's {env['simd_path']} kernels"
    )


def print_environment(**extra: str) -> dict[str, str]:
    env = {**environment(), **extra}
    print("Environment: " + ", ".join(f"{k} {v}" for k, v in env.items()))
    return env


def main() -> None:
    """Time conversions in this new interpreter: python harness.py MODE W H CONTENDER CALLS.

    With CALLS = 1, times the very first call (the fresh process state). With
    more, makes one untimed call first and then times CALLS calls, with
    nothing else running in the process (the alone state). Prints
    {"seconds": [...], "faults": [...]} as JSON for in_new_process().
    """
    from contenders import CONTENDERS, bench_image

    mode, width, height, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    calls = int(sys.argv[5])
    im = bench_image(mode, (width, height))
    convert = CONTENDERS[name].prepare(im)
    if isinstance(convert, str):
        sys.exit(convert)
    if calls > 1:
        convert(im)
    elif malloc_trim is not None:
        # Making the image frees temporaries as large as it, already faulted
        # in: without this, whichever contender allocates first in the timed
        # call is served those pages, and another's set-up takes them.
        malloc_trim()
    samples = Samples()
    for _ in range(calls):
        time_call(convert, im, samples)
    print(json.dumps(asdict(samples)))


if __name__ == "__main__":
    main()
