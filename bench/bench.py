"""Compare fastpil.to_numpy with the other ways to turn a Pillow image into an array.

Every contender is checked against numpy.array(im) first. Then, for each size,
the contenders run interleaved in blocks (A x k, B x k, ... repeated for
several rounds; the first call of each block is dropped), so that all of
them see the same machine state and none inherits the pages another one has
just freed. Reported: the median time per call, and the median number of
minor page faults per call.

    python bench/bench.py                # RGB at the 2021 article's sizes
    python bench/bench.py --sizes 64 1024 --modes RGB L
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy
import PIL
from PIL import Image

import fastpil

ARTICLE_SIZES = [256, 512, 1024, 2048, 4096, 8192]


def pure_python_chunks(im: Image.Image) -> numpy.ndarray:
    """The 2021 technique: encode in 64 KiB chunks straight into numpy.empty."""
    im.load()
    encoder = Image._getencoder(im.mode, "raw", im.mode)
    encoder.setimage(im.im, (0, 0, *im.size))
    shape, typestr = Image._conv_type_shape(im)
    data = numpy.empty(shape, dtype=numpy.dtype(typestr))
    mem = data.data.cast("B", (data.data.nbytes,))
    bufsize, status, offset = 65536, 0, 0
    while not status:
        _, status, chunk = encoder.encode(bufsize)
        mem[offset : offset + len(chunk)] = chunk
        offset += len(chunk)
    if status < 0:
        raise RuntimeError(f"encoder error {status}")
    return data


CONTENDERS: dict[str, Callable[[Image.Image], numpy.ndarray]] = {
    "numpy.array": numpy.array,
    "numpy.asarray": numpy.asarray,
    "pure Python": pure_python_chunks,
    "fastpil": fastpil.to_numpy,
}


def random_image(mode: str, side: int) -> Image.Image:
    rng = numpy.random.default_rng(side)
    row = len(Image.new(mode, (side, 1)).tobytes())
    return Image.frombytes(mode, (side, side), rng.bytes(row * side))


def check(name: str, result: numpy.ndarray, im: Image.Image) -> None:
    expected = numpy.array(im)
    got = result.view(numpy.uint8)
    want = expected.view(numpy.uint8)
    if im.mode == "1":
        want = (want != 0).view(numpy.uint8)
        if name in ("numpy.array", "numpy.asarray", "pure Python"):
            got = (got != 0).view(numpy.uint8)
    if result.dtype != expected.dtype or not numpy.array_equal(got, want):
        sys.exit(f"{name} gives a different array for {im.mode} {im.size}")


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def measure(
    im: Image.Image, names: list[str], rounds: int, block: int
) -> dict[str, tuple[list[float], list[int]]]:
    """Time each contender in interleaved blocks; returns seconds and faults per call."""
    samples: dict[str, tuple[list[float], list[int]]] = {n: ([], []) for n in names}
    clock = time.perf_counter
    for _ in range(rounds):
        for name in names:
            convert = CONTENDERS[name]
            times, faults = samples[name]
            convert(im)  # first call of the block: dropped
            for _ in range(block):
                f0 = minor_faults()
                t0 = clock()
                convert(im)
                t1 = clock()
                faults.append(minor_faults() - f0)
                times.append(t1 - t0)
    return samples


def rounds_for(side: int, quick: bool) -> tuple[int, int]:
    """(rounds, calls per block): about the same work at every size."""
    pixels = side * side
    if quick:
        return 2, 3
    if pixels <= 512 * 512:
        return 20, 20
    if pixels <= 2048 * 2048:
        return 10, 8
    return 5, 3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=ARTICLE_SIZES)
    parser.add_argument("--modes", nargs="+", default=["RGB"])
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=CONTENDERS)
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    args = parser.parse_args(argv)

    print(
        f"Python {platform.python_version()}, NumPy {numpy.__version__}, "
        f"Pillow {PIL.__version__}, fastpil {fastpil.__version__} "
        f"({fastpil.simd_path()}), {platform.machine()}"
    )
    names = args.contenders
    header = ["mode", "size", *(f"{n} ms (faults)" for n in names)]
    if "fastpil" in names:
        header += [f"fastpil vs {n}" for n in names if n != "fastpil"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for mode in args.modes:
        for side in args.sizes:
            im = random_image(mode, side)
            for name in names:
                check(name, CONTENDERS[name](im), im)
            rounds, block = rounds_for(side, args.quick)
            samples = measure(im, names, rounds, block)
            medians = {n: statistics.median(samples[n][0]) for n in names}
            cells = [mode, f"{side}x{side}"]
            for n in names:
                faults = statistics.median(samples[n][1])
                cells.append(f"{medians[n] * 1e3:.4g} ({faults:.0f})")
            if "fastpil" in names:
                cells += [
                    f"{medians[n] / medians['fastpil']:.2f}x" for n in names if n != "fastpil"
                ]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
