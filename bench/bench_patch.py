"""numpy.array(im) and numpy.asarray(im) with and without fastpil.patch().

Every contender is checked against numpy.array(im) without the patch first.
Then, for each size, the contenders run interleaved in blocks (A x k, B x k,
... repeated for several rounds, in orders where each contender follows every
other equally often; the patch is put in the state a contender needs before
its block, and the block's first call is dropped). Reported: the
median time per call and the median number of minor page faults per call,
and the ratios between them, all from the same run.

    python bench/bench_patch.py                 # RGB, 256x256 to 4096x4096
    python bench/bench_patch.py --sizes 64 1024 --modes RGB L
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NamedTuple

import harness
import numpy
from contenders import bench_image
from harness import interleaved, ms_faults, print_environment, row, table
from PIL import Image

import fastpil


class Contender(NamedTuple):
    convert: Callable[[Any], Any]
    patched: bool  # run with fastpil.patch() in effect


CONTENDERS = {
    "numpy.array": Contender(numpy.array, patched=False),
    "numpy.asarray": Contender(numpy.asarray, patched=False),
    "patched numpy.array": Contender(numpy.array, patched=True),
    "patched numpy.asarray": Contender(numpy.asarray, patched=True),
    "fastpil.to_numpy": Contender(fastpil.to_numpy, patched=False),
}
# (numerator, denominator): how many times slower the first is than the second.
RATIOS = [
    ("patched numpy.array", "fastpil.to_numpy"),
    ("patched numpy.asarray", "fastpil.to_numpy"),
    ("numpy.array", "patched numpy.array"),
    ("numpy.asarray", "patched numpy.asarray"),
]
WITHIN = 1.2  # patched numpy.array must stay within this factor of to_numpy


def set_patch(on: bool) -> None:
    if on:
        fastpil.patch()
    else:
        fastpil.unpatch()


def check(name: str, im: Image.Image) -> None:
    """Exit unless the contender gives numpy.array(im) without the patch."""
    contender = CONTENDERS[name]
    set_patch(False)
    expected = numpy.array(im)
    set_patch(contender.patched)
    result = contender.convert(im)
    set_patch(False)
    harness.check(name, result, expected, f"{im.mode} {im.size}")


def measure(
    arg: Any, contenders: dict[str, Contender], rounds: int, block: int
) -> tuple[list[str], dict[str, float]]:
    """Time each contender in interleaved blocks, the patch set as it needs
    before each: their cells of the table, and their medians."""
    try:
        samples = interleaved(
            arg,
            {name: c.convert for name, c in contenders.items()},
            rounds,
            block,
            "steady",
            before_block=lambda name: set_patch(contenders[name].patched),
        )
    finally:
        set_patch(False)
    summaries = {name: s.summary() for name, s in samples.items()}
    cells = [ms_faults(s) for s in summaries.values()]
    return cells, {name: s["median_ms"] for name, s in summaries.items()}


def header(labels: list[str], names: list[str], ratios: list[str]) -> None:
    print("\n".join(table([*labels, *(f"{n} ms (faults)" for n in names), *ratios], [])))


def rounds_for(side: int, quick: bool) -> tuple[int, int]:
    """(rounds, calls per block): about the same work at every size."""
    pixels = side * side
    if quick:
        return 2, 3
    # Rounds are a multiple of 10, the number of orders for 5 contenders.
    if pixels <= 512 * 512:
        return 20, 20
    if pixels <= 2048 * 2048:
        return 10, 8
    return 10, 3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--modes", nargs="+", default=["RGB"])
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    args = parser.parse_args(argv)

    print_environment()
    header(["mode", "size"], list(CONTENDERS), [f"{a} / {b}" for a, b in RATIOS])
    worst = 0.0
    for mode in args.modes:
        for side in args.sizes:
            im = bench_image(mode, (side, side))
            for name in CONTENDERS:
                check(name, im)
            cells, medians = measure(im, CONTENDERS, *rounds_for(side, args.quick))
            ratios = [f"{medians[a] / medians[b]:.2f}x" for a, b in RATIOS]
            print(row([mode, f"{side}x{side}", *cells, *ratios]), flush=True)
            worst = max(worst, medians["patched numpy.array"] / medians["fastpil.to_numpy"])
    verdict = "within" if worst <= WITHIN else "NOT within"
    note = ""
    if numpy.lib.NumpyVersion(numpy.__version__) < "2.1.0":
        note = ", which copies what __array__ returns to numpy.array"
    print(
        f"\npatched numpy.array is at worst {worst:.2f}x fastpil.to_numpy: "
        f"{verdict} {WITHIN}x (NumPy {numpy.__version__}{note})"
    )


if __name__ == "__main__":
    main()
