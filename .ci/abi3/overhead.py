"""Per-call cost of fastpil built per CPython version against other builds.

Run with the interpreter that has the per-version build installed as
``fastpil``; ``DIR`` holds the other builds as packages named ``fastpil_abi3``
(the stable-ABI build) and ``fastpil_callobject`` (a per-version build of the
limited-API-compatible C++ alone). All run in one process, interleaved in
blocks: every round times a block of calls of each contender, in alternating
order; a block's first call is dropped and its mean is one sample. Reports
medians, the spread, minor page faults per call and paired per-round ratios.

    python overhead.py DIR [ROUNDS]
"""

from __future__ import annotations

import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from types import ModuleType

import numpy
import PIL
from PIL import Image

import fastpil

CALLS_PER_BLOCK = 200
IMAGES = [("RGB", 16), ("RGB", 64), ("L", 16)]


def load_builds(directory: str) -> dict[str, ModuleType]:
    sys.path.insert(0, directory)
    import fastpil_abi3
    import fastpil_callobject

    builds = {"per-version": fastpil, "abi3": fastpil_abi3, "callobject": fastpil_callobject}
    for name, module in builds.items():
        is_abi3 = module._core.__file__.endswith(".abi3.so")
        if is_abi3 != (name == "abi3"):
            sys.exit(f"{name} is the wrong build: {module._core.__file__}")
    return builds


def contenders(builds: dict[str, ModuleType], im: Image.Image) -> dict[str, Callable[[], object]]:
    """to_numpy, and the compiled shell's convert alone, for each build."""
    found: dict[str, Callable[[], object]] = {}
    width, height = im.size
    for name, module in builds.items():
        layout = module._modes.layout(im.mode)
        shape = (height, width) if layout.bands == 1 else (height, width, layout.bands)
        args = (im.im, im.mode, layout.rawmode, layout.transform, shape, layout.dtype, None)
        found[f"to_numpy {name}"] = lambda module=module: module.to_numpy(im)
        found[f"convert {name}"] = lambda module=module, args=args: module._core.convert(*args)
    return found


def measure(funcs: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    faults: dict[str, list[float]] = {name: [] for name in funcs}
    names = list(funcs)
    clock = time.perf_counter
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            call = funcs[name]
            call()
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = clock()
            for _ in range(CALLS_PER_BLOCK):
                call()
            t1 = clock()
            f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            samples[name].append((t1 - t0) / CALLS_PER_BLOCK * 1e6)
            faults[name].append((f1 - f0) / CALLS_PER_BLOCK)
    return {**samples, **{f"faults {name}": values for name, values in faults.items()}}


def main() -> None:
    builds = load_builds(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(
        f"Python {platform.python_version()}, NumPy {numpy.__version__}, "
        f"Pillow {PIL.__version__}, {platform.machine()}, SIMD path {fastpil.simd_path()}, "
        f"{rounds} rounds of {CALLS_PER_BLOCK} calls per contender"
    )
    print("| image | call | build | median us | IQR us | faults/call | vs per-version |")
    print("|---|---|---|---|---|---|---|")
    for mode, side in IMAGES:
        rng = numpy.random.default_rng(side)
        bands = (side, side, 3) if mode == "RGB" else (side, side)
        im = Image.fromarray(rng.integers(0, 256, bands, dtype=numpy.uint8), mode)
        funcs = contenders(builds, im)
        for name, call in funcs.items():
            if not numpy.array_equal(call(), numpy.array(im)):
                sys.exit(f"{name} gives a different array")
        results = measure(funcs, rounds)
        for call_kind in ("to_numpy", "convert"):
            base = results[f"{call_kind} per-version"]
            for build in builds:
                times = results[f"{call_kind} {build}"]
                q1, _, q3 = statistics.quantiles(times, n=4)
                faults = statistics.median(results[f"faults {call_kind} {build}"])
                if build == "per-version":
                    ratio = ""
                else:
                    # Paired by round, so that drifts in machine load cancel.
                    paired = [t / b for t, b in zip(times, base, strict=True)]
                    ratio = f"{statistics.median(paired):.3f}"
                print(
                    f"| {mode} {side}x{side} | {call_kind} | {build} | "
                    f"{statistics.median(times):.3f} | {q3 - q1:.3f} | {faults:.2f} | {ratio} |"
                )


if __name__ == "__main__":
    main()
