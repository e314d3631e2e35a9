"""Where the time of one fastpil.to_numpy call goes.

    python docs/figures/profile_conversion.py --output docs/_static/profile

(`make profile-docs` runs exactly that.)

Measuring writes ``profile.json``, which is committed and which the docs
render (tables, inline numbers and the figure drawn by ``render()``). Three
measurements, all of RGB images, all with the installed fastpil:

stages
    Each step that ``to_numpy`` takes, done by hand with the same objects and
    timed with ``timeit``: checking the image and looking up the plan, Pillow's
    ``Image.core.raw_encoder`` and ``setimage``, ``numpy.empty``, the raw
    encoder's ``encode`` calls (Pillow's row
    copies into each chunk), fastpil's kernel over those chunks, and the
    encoder's ``cleanup``. Their sum is set against the whole call; what is
    left is the Cython shell and the C++ loop around them.
perf
    Linux ``perf record`` sampling the software ``cpu-clock`` event (no
    hardware counters needed) while one process converts the same image over
    and over, recording only the conversion loop (perf's control FIFO turns
    sampling on after the imports and the warm-up). Samples are grouped by
    shared object and symbol.
chunk sizes
    Pillow's raw encoder driven from Python with chunk sizes from 4 KiB to the
    whole image, once discarding each chunk and once also copying it into the
    destination array: the difference is what the copy costs, against where
    the chunk stands in the cache hierarchy.

Medians of repeated runs; the machine may be shared, so compare numbers
within one run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import timeit
from pathlib import Path
from typing import Any

SIZES = [(16, 16), (1024, 1024)]
# perf's child converts this image for PERF_SECONDS of sampling.
PERF_SIZE = (1024, 1024)
PERF_SECONDS = 4.0
# 16 MiB as RGBX, in rows of 4 KiB: chunks of 1 row up to the whole image.
SWEEP_SIZE = (1024, 4096)
SWEEP_CHUNKS_KIB = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16384]


def environment() -> dict[str, str]:
    """The benchmark's record of the machine and versions (bench/harness.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from harness import environment as bench_environment

    return bench_environment()


def test_image(size: tuple[int, int]) -> Any:
    """Random RGB content, as the benchmark uses."""
    import numpy
    from PIL import Image

    rng = numpy.random.default_rng(size[0] * 65537 + size[1])
    return Image.frombytes("RGB", size, rng.bytes(3 * size[0] * size[1]))


def best_per_call(statement: Any, calls: int, repeats: int) -> float:
    """Median over ``repeats`` of the seconds per call, ``calls`` calls each."""
    timer = timeit.Timer(statement)
    runs = sorted(t / calls for t in timer.repeat(repeat=repeats, number=calls))
    return runs[len(runs) // 2]


def stages(size: tuple[int, int]) -> dict[str, Any]:
    """Every step of to_numpy for one RGB image, timed on its own."""
    import numpy
    from PIL import Image

    import fastpil
    from fastpil import _core, _modes
    from fastpil._convert import _needs_load

    im = test_image(size)
    im.load()
    plan = _modes.plan("RGB")
    extents = (0, 0, *size)
    shape = plan.shape(*size)
    width, height = size
    in_row = 4 * width
    # The same chunk size as cpp/encode_loop.cpp: whole rows, about 64 KiB.
    rows_per_chunk = min(height, max(1, 65536 // in_row))
    bufsize = rows_per_chunk * in_row
    chunks = -(-height // rows_per_chunk)
    pixels_per_chunk = rows_per_chunk * width

    def encoder() -> Any:
        e = Image.core.raw_encoder("RGB", "RGBX")
        e.setimage(im.im, extents)
        return e

    def encode_all() -> None:
        e = encoder()
        while not e.encode(bufsize)[1]:
            pass
        e.cleanup()

    def encoder_only() -> None:
        encoder().cleanup()

    # The kernel as to_numpy runs it: each chunk, just written by the
    # encoder and so in cache, compacted into its own place in a full-size
    # destination array.
    chunk = encoder().encode(bufsize)[2]
    whole = memoryview(numpy.empty(shape, numpy.uint8)).cast("B")
    pieces = []
    for start in range(0, width * height, pixels_per_chunk):
        count = min(pixels_per_chunk, width * height - start)
        pieces.append((chunk[: 4 * count], whole[3 * start : 3 * (start + count)]))

    def kernel_all() -> None:
        for source, target in pieces:
            _core._transform(plan.transform, source, [target])

    # Enough calls that each repeat takes milliseconds, whatever the size.
    calls = max(3, min(20000, 2_000_000 // (width * height)))
    repeats = 25
    timed: dict[str, float] = {}

    def measure(name: str, statement: Any) -> None:
        timed[name] = best_per_call(statement, calls, repeats) * 1e6

    measure("to_numpy", lambda: fastpil.to_numpy(im))
    plans = _core.plans
    key = ("RGB", None, "HWC")
    measure(
        "check and plan",
        lambda: (
            isinstance(im, Image.Image),
            _needs_load(im),
            plans[key],
            im.im.mode == im.mode,
            (0, 0, *im.size),
        ),
    )
    # Not taken for an image made in memory (fastpil._convert._needs_load):
    # what it would cost.
    measure("im.load()", im.load)
    measure("box and shape", lambda: plan.shape(*size))
    # The same encoder, by the way Pillow's tobytes() gets it and by the way
    # fastpil does when no Python encoder is registered as "raw".
    measure("Image._getencoder", lambda: Image._getencoder("RGB", "raw", "RGBX"))
    measure("Image.core.raw_encoder", lambda: Image.core.raw_encoder("RGB", "RGBX"))
    measure("encoder, setimage, cleanup", encoder_only)
    measure("numpy.empty", lambda: numpy.empty(shape, numpy.uint8))
    measure("encoder with every encode call", encode_all)
    measure("kernel, every chunk", kernel_all)
    # A call of _core._transform that does nothing: its Python call cost is
    # in "kernel, every chunk" once per chunk but not in to_numpy, where the
    # C++ loop calls the kernel directly.
    empty_in, empty_out = b"", bytearray()
    measure(
        "empty _transform call",
        lambda: _core._transform(plan.transform, empty_in, [empty_out]),
    )

    steps = {
        "check, plan, box, shape": timed["check and plan"] + timed["box and shape"],
        "Image.core.raw_encoder": timed["Image.core.raw_encoder"],
        "setimage and cleanup": timed["encoder, setimage, cleanup"]
        - timed["Image.core.raw_encoder"],
        "numpy.empty": timed["numpy.empty"],
        "encode calls (Pillow's row copies)": timed["encoder with every encode call"]
        - timed["encoder, setimage, cleanup"],
        "kernel (4->3 compaction)": timed["kernel, every chunk"]
        - chunks * timed["empty _transform call"],
    }
    return {
        "size": list(size),
        "chunk_bytes": bufsize,
        "chunks": chunks,
        "calls_per_repeat": calls,
        "repeats": repeats,
        "timed_us": timed,
        "steps_us": steps,
        "total_us": timed["to_numpy"],
        "rest_us": timed["to_numpy"] - sum(steps.values()),
    }


def routes(size: tuple[int, int]) -> dict[str, Any]:
    """Where the time of each way to an array goes, for one RGB image.

    Pillow's encoder with its own raw mode "RGB" (a pixel-by-pixel packer)
    against "RGBX" (a row copy), both with every chunk discarded; tobytes()
    (the "RGB" chunks, joined); numpy.asarray and numpy.array; the floor
    (a fresh array and one copy into it); and fastpil.
    """
    import numpy
    from PIL import Image

    import fastpil

    im = test_image(size)
    im.load()
    width, height = size

    def encode_all(rawmode: str, pixel_bytes: int) -> None:
        bufsize = max(1, 65536 // (pixel_bytes * width)) * pixel_bytes * width
        e = Image.core.raw_encoder("RGB", rawmode)
        e.setimage(im.im, (0, 0, *size))
        while not e.encode(bufsize)[1]:
            pass

    source = numpy.array(im)

    def floor() -> None:
        result = numpy.empty(source.shape, source.dtype)
        numpy.copyto(result, source)

    calls = max(3, min(2000, 200_000_000 // (width * height * 100)))
    timed = {
        'encode, raw mode "RGB" (per pixel)': best_per_call(
            lambda: encode_all("RGB", 3), calls, 25
        ),
        'encode, raw mode "RGBX" (row copies)': best_per_call(
            lambda: encode_all("RGBX", 4), calls, 25
        ),
        "im.tobytes()": best_per_call(im.tobytes, calls, 25),
        "numpy.asarray(im)": best_per_call(lambda: numpy.asarray(im), calls, 25),
        "numpy.array(im)": best_per_call(lambda: numpy.array(im), calls, 25),
        "floor": best_per_call(floor, calls, 25),
        "fastpil.to_numpy(im)": best_per_call(lambda: fastpil.to_numpy(im), calls, 25),
    }
    return {"size": list(size), "timed_us": {k: v * 1e6 for k, v in timed.items()}}


PERF_CHILD = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from profile_conversion import test_image
    import fastpil

    im = test_image((int(sys.argv[2]), int(sys.argv[3])))
    for _ in range(50):
        fastpil.to_numpy(im)
    ctl = open(os.environ["PERF_CTL"], "w")
    ack = open(os.environ["PERF_ACK"])

    def command(text):
        ctl.write(text + "\\n")
        ctl.flush()
        ack.readline()

    command("enable")
    calls, end = 0, time.perf_counter() + float(sys.argv[4])
    while time.perf_counter() < end:
        for _ in range(20):
            fastpil.to_numpy(im)
        calls += 20
    command("disable")
    print(calls)
    """
)


def categorise(dso: str, symbol: str) -> str:
    """The part of the work a sampled function belongs to."""
    if dso.startswith("_core."):
        kernels = ("pick_", "split_", "bytes_to_bool", "convert", "pack_")
        if any(name in symbol for name in kernels):
            return "fastpil kernel"
        return "fastpil loop and shell"
    if dso.startswith("libc.") and ("memmove" in symbol or "memcpy" in symbol):
        return "memmove (Pillow's row copies)"
    if dso.startswith("_imaging."):
        return "Pillow encoder"
    if dso.startswith("libc."):
        return "C library (malloc, free, ...)"
    if dso.startswith("libpython") or dso == "python3" or dso.startswith("python"):
        return "Python interpreter"
    if "multiarray" in dso:
        return "NumPy"
    if dso.startswith("[kernel"):
        return "operating system kernel"
    return "other"


def perf_profile(size: tuple[int, int]) -> dict[str, Any] | str:
    """Samples of cpu-clock during the conversion loop, or why there are none."""
    perf = shutil.which("perf")
    if perf is None:
        return "perf is not installed"
    with tempfile.TemporaryDirectory() as tmp:
        ctl, ack, data = Path(tmp, "ctl"), Path(tmp, "ack"), Path(tmp, "perf.data")
        os.mkfifo(ctl)
        os.mkfifo(ack)
        child = [
            sys.executable,
            "-c",
            PERF_CHILD,
            str(Path(__file__).parent),
            str(size[0]),
            str(size[1]),
            str(PERF_SECONDS),
        ]
        # One thread in NumPy's BLAS: its idle worker threads would
        # otherwise show up as samples that have nothing to do with fastpil.
        env = dict(os.environ, PERF_CTL=str(ctl), PERF_ACK=str(ack), OPENBLAS_NUM_THREADS="1")
        record = [
            perf,
            "record",
            "--quiet",
            "-e",
            "cpu-clock",
            "-F",
            "4000",
            "--delay=-1",
            f"--control=fifo:{ctl},{ack}",
            "-o",
            str(data),
            "--",
            *child,
        ]
        # From the temporary directory, so that the child imports the
        # installed fastpil even when run from the source tree.
        done = subprocess.run(record, env=env, cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            return f"perf record failed: {done.stderr.strip()[-300:]}"
        calls = int(done.stdout.split()[-1])
        report = subprocess.run(
            [
                perf,
                "report",
                "-i",
                str(data),
                "--stdio",
                "--no-children",
                "--sort",
                "dso,symbol",
                "--percent-limit",
                "0",
                "-F",
                "overhead,sample,dso,symbol",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rows = []
    for line in report.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) < 4 or not parts[0].endswith("%"):
            continue
        percent, samples, dso, symbol = parts
        # "[.] name   -   -": drop the privilege marker and perf's IPC columns.
        symbol = re.split(r"\s{2,}", symbol.split("] ", 1)[-1].strip())[0]
        rows.append(
            {
                "percent": float(percent.rstrip("%")),
                "samples": int(samples),
                "dso": dso,
                "symbol": symbol,
                "category": categorise(dso, symbol),
            }
        )
    rows.sort(key=lambda row: -row["samples"])
    categories: dict[str, float] = {}
    for row in rows:
        categories[row["category"]] = categories.get(row["category"], 0.0) + row["percent"]
    return {
        "size": list(size),
        "seconds": PERF_SECONDS,
        "calls": calls,
        "samples": sum(row["samples"] for row in rows),
        "event": "cpu-clock",
        "categories": {
            name: round(percent, 2)
            for name, percent in sorted(categories.items(), key=lambda kv: -kv[1])
        },
        "top": rows[:15],
    }


def chunk_sweep(size: tuple[int, int]) -> dict[str, Any]:
    """Encode in chunks of every size, discarding them or copying them out."""
    import resource

    import numpy
    from PIL import Image

    im = test_image(size)
    im.load()
    width, height = size
    in_row = 4 * width
    destination = numpy.empty((height, width, 4), numpy.uint8)
    flat = memoryview(destination).cast("B")

    def run(bufsize: int, copy: bool) -> None:
        e = Image.core.raw_encoder("RGB", "RGBX")
        e.setimage(im.im, (0, 0, *size))
        offset = 0
        while True:
            _, status, chunk = e.encode(bufsize)
            if copy:
                flat[offset : offset + len(chunk)] = chunk
                offset += len(chunk)
            if status:
                break
        e.cleanup()

    points = []
    for kib in SWEEP_CHUNKS_KIB:
        bufsize = max(in_row, kib * 1024 // in_row * in_row)
        entry: dict[str, Any] = {"chunk_kib": bufsize / 1024}
        for copy in (False, True):
            run(bufsize, copy)  # warm-up
            times, faults = [], []
            for _ in range(15):
                f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                t0 = time.perf_counter()
                run(bufsize, copy)
                times.append(time.perf_counter() - t0)
                faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
            key = "encode_and_copy" if copy else "encode_only"
            entry[f"{key}_ms"] = float(numpy.median(times)) * 1e3
            entry[f"{key}_faults"] = float(numpy.median(faults))
        points.append(entry)
    return {"size": list(size), "bytes": height * in_row, "points": points}


def measure(output: Path) -> None:
    started = time.monotonic()
    result = {
        "command": "make profile-docs",
        "environment": environment(),
        "stages": [stages(size) for size in SIZES],
        "perf": perf_profile(PERF_SIZE),
        "chunk_sweep": chunk_sweep(SWEEP_SIZE),
        "routes": routes(PERF_SIZE),
    }
    result["seconds"] = time.monotonic() - started
    output.mkdir(parents=True, exist_ok=True)
    (output / "profile.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"{output / 'profile.json'} in {result['seconds']:.0f} s")


# ---------------------------------------------------------------------------
# The figure, drawn at docs build time from the committed profile.json.


def render(out_dir: Path, docs: Path) -> list[Path]:
    import matplotlib.pyplot as plt
    from _style import GREY, save, setup

    setup()
    data = json.loads((docs / "_static" / "profile" / "profile.json").read_text())
    written = []

    # Where one call's time goes, per image size: the steps as stacked bars.
    figure, axes = plt.subplots(1, len(data["stages"]), figsize=(9.2, 4.3))
    for axis, case in zip(axes, data["stages"], strict=True):
        steps = dict(case["steps_us"])
        steps["the rest: Cython shell, C++ loop"] = max(case["rest_us"], 0.0)
        total = case["total_us"]
        left = 0.0
        colours = plt.get_cmap("tab10")
        for i, (name, us) in enumerate(steps.items()):
            if us <= 0:
                continue
            axis.barh(0, us, left=left, color=colours(i), label=name, height=0.5)
            left += us
        axis.set_yticks([])
        axis.set_xlim(0, max(left, total) * 1.02)
        unit = "µs"
        axis.set_xlabel(f"{unit} per call")
        axis.set_title(
            f"RGB {case['size'][0]}x{case['size'][1]}: to_numpy takes {total:.3g} {unit}"
        )
        axis.axvline(total, color="black", linewidth=1, linestyle="--")
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    figure.tight_layout(rect=(0, 0.22, 1, 1))
    written.append(save(figure, out_dir / "profile_steps.svg"))

    sweep = data["chunk_sweep"]
    figure, axis = plt.subplots(figsize=(8.4, 5.1))
    kib = [p["chunk_kib"] for p in sweep["points"]]
    encode = [p["encode_only_ms"] for p in sweep["points"]]
    both = [p["encode_and_copy_ms"] for p in sweep["points"]]
    copy = [b - e for b, e in zip(both, encode, strict=True)]
    axis.plot(kib, both, marker="o", label="encode, then copy each chunk into the array")
    axis.plot(kib, encode, marker="s", label="encode only (chunks discarded)")
    axis.plot(kib, copy, marker="^", label="difference: the cost of the copy")
    env = data["environment"]
    beyond = []
    for level in ("L1", "L2", "L3"):
        text = env.get(f"{level} cache")
        if not text:
            continue
        size_kib = float(text[:-1]) * (1024 if text.endswith("M") else 1)
        shown = f"{size_kib / 1024:g} MiB" if size_kib >= 1024 else f"{size_kib:g} KiB"
        if size_kib > max(kib):
            # Off the scale: said in words rather than stretching the axis.
            beyond.append(f"{level} cache: {shown}")
            continue
        axis.axvline(size_kib, color="grey", linewidth=1, linestyle=":")
        # In the band left empty above the highest point (the y limit below),
        # on the side of the line away from the nearer edge.
        right_half = size_kib > (min(kib) * max(kib)) ** 0.5
        axis.annotate(
            f"{level} cache {shown}",
            (size_kib, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3 if right_half else 3, -4),
            textcoords="offset points",
            ha="right" if right_half else "left",
            va="top",
            color="dimgrey",
        )
    axis.set_xscale("log", base=2)
    axis.set_xticks([4, 16, 64, 256, 1024, 4096, 16384])
    axis.set_xticklabels(["4 KiB", "16 KiB", "64 KiB", "256 KiB", "1 MiB", "4 MiB", "16 MiB"])
    # Headroom over the data for the cache labels: no line runs under them.
    axis.set_ylim(0, max(*both, *encode, *copy) * 1.15)
    axis.set_xlabel("chunk size (bufsize passed to encoder.encode)")
    axis.set_ylabel("ms per image")
    width, height = sweep["size"]
    axis.set_title(f"RGB {width}x{height}: Pillow's raw encoder, driven from Python")
    axis.grid(True, alpha=0.3)
    # Below the plot, where no line can run under it.
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    if beyond:
        figure.text(
            0.5,
            0.015,
            ", ".join(beyond) + ": beyond the largest chunk, not drawn",
            ha="center",
            va="bottom",
            color=GREY,
        )
    figure.tight_layout(rect=(0, 0.035 if beyond else 0, 1, 1))
    written.append(save(figure, out_dir / "chunk_sizes.svg"))
    plt.close("all")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, required=True, help="where to write profile.json")
    measure(parser.parse_args().output)


if __name__ == "__main__":
    main()
