"""Arrays and their views back to images: the views scenario.

``Image.fromarray`` of a view that is not C-contiguous copies it with NumPy
(``tobytes()``) and then maps or decodes the copy; fastpil packs it into
Pillow's raw layout chunk by chunk. This scenario times, for every dtype
``fromarray`` takes (and the modes asked for by name) and the views people
make of an array (flips, mirrors, rotations, transposes, crops, every second
pixel, channel reversals and subsets, planar memory seen as HWC):

fromarray
    Pillow's own ``Image.fromarray(v)``.
patched
    ``Image.fromarray(v)`` under ``fastpil.patch()``.
to_image
    ``fastpil.to_image(v)``.
owning
    Pillow's fastest way to an image that owns its pixels and is writable:
    ``fromarray(v)`` where that decodes, ``fromarray(v).copy()`` where it maps.

For arrays larger than a MiB each contender runs in an interpreter of its
own (``fromarray`` frees the ``tobytes()`` copy of a large array, and
returning those pages to the kernel slows the next allocation of whichever
contender comes next); the interpreters take turns, in balanced orders, for
several rounds, each timing every case in blocks of calls. Smaller arrays
free nothing large, and their contenders take turns in one interpreter,
which compares microseconds more faithfully. The table gives the median of the rounds'
medians and their min-max, and each ratio is of medians from the same run.

    python bench/views.py                 # 16x16 and 1024x1024
    python bench/views.py --sides 4096    # any sides
    python bench/bench.py --scenarios views
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy
from harness import balanced_orders, interleaved, machine, table

CONTENDERS = ("fromarray", "patched", "to_image", "owning")
SIDES = (16, 1024)

# (name, dtype, channels, mode asked for): every kind of array fromarray takes.
KINDS: list[tuple[str, str, int, str | None]] = [
    ("bool", "|b1", 0, None),
    ("uint8", "|u1", 0, None),
    ("uint8 P", "|u1", 0, "P"),
    ("uint8 LA", "|u1", 2, None),
    ("uint8 RGB", "|u1", 3, None),
    ("uint8 YCbCr", "|u1", 3, "YCbCr"),
    ("uint8 RGBA", "|u1", 4, None),
    ("uint8 CMYK", "|u1", 4, "CMYK"),
    ("uint16", "=u2", 0, None),
    (">u2", ">u2", 0, None),
    ("int32", "=i4", 0, None),
    ("float32", "=f4", 0, None),
]


def _crop(a: numpy.ndarray) -> numpy.ndarray:
    h, w = a.shape[:2]
    return a[h // 10 : h - h // 10, w // 20 : w - w // 20]


def _planar(a: numpy.ndarray) -> numpy.ndarray:
    # (C, H, W) memory, as a PyTorch tensor's, seen as (H, W, C).
    return numpy.ascontiguousarray(numpy.moveaxis(a, -1, 0)).transpose(1, 2, 0)


# name -> (view, whether it needs channels)
VIEWS: dict[str, tuple[Callable[[numpy.ndarray], numpy.ndarray], bool]] = {
    "contiguous": (lambda a: a, False),
    "a[::-1]": (lambda a: a[::-1], False),
    "a[:, ::-1]": (lambda a: a[:, ::-1], False),
    "a[::-1, ::-1]": (lambda a: a[::-1, ::-1], False),
    "crop": (_crop, False),
    "a[::2, ::2]": (lambda a: a[::2, ::2], False),
    "transpose": (lambda a: a.swapaxes(0, 1), False),
    "rot90": (numpy.rot90, False),
    "rot90 k=3": (lambda a: numpy.rot90(a, 3), False),
    "a[..., ::-1]": (lambda a: a[..., ::-1], True),
    "CHW memory": (_planar, True),
}


def cases(sides: tuple[int, ...]) -> list[tuple[int, str, str]]:
    return [
        (side, kind[0], view)
        for side in sides
        for kind in KINDS
        for view, (_, needs_channels) in VIEWS.items()
        if kind[2] or not needs_channels
    ]


def make_array(side: int, kind: str) -> tuple[numpy.ndarray, str | None]:
    (found,) = [k for k in KINDS if k[0] == kind]
    _, dtype, channels, mode = found
    shape = (side, side + side // 4 + 1, channels) if channels else (side, side + side // 4 + 1)
    rng = numpy.random.default_rng(side)
    data = rng.integers(0, 256, int(numpy.prod(shape)) * numpy.dtype(dtype).itemsize, numpy.uint8)
    a = data.view(dtype).reshape(shape)
    if a.dtype.kind == "f":
        a = numpy.nan_to_num(a)
    if a.dtype == bool:
        a = data.reshape(shape) > 127
    return a, mode


def _converter(contender: str, mode: str | None) -> Callable[[numpy.ndarray], Any]:
    from PIL import Image

    import fastpil
    from fastpil import _pillow

    if contender == "fromarray":
        return lambda v: _pillow.fromarray(v, mode)
    if contender == "patched":
        fastpil.patch()
        return lambda v: Image.fromarray(v, mode)
    if contender == "to_image":
        return lambda v: fastpil.to_image(v, mode)

    def owning(v: numpy.ndarray) -> Any:
        im = _pillow.fromarray(v, mode)
        return im.copy() if im.readonly else im

    return owning


def run_contender(contender: str, sides: tuple[int, ...], repeats: int) -> dict[str, float]:
    """In this interpreter: the median ms per call of every case, over
    ``repeats`` timings of a batch of calls (as many as take about a
    millisecond, for small arrays, whose calls take microseconds)."""
    medians = {}
    for side, kind, view in cases(sides):
        a, mode = make_array(side, kind)
        v = VIEWS[view][0](a)
        convert = _converter(contender, mode)
        start = time.perf_counter()
        convert(v)
        once = time.perf_counter() - start
        calls = max(1, min(1000, int(1e-3 / max(once, 1e-7))))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(calls):
                convert(v)
            times.append((time.perf_counter() - start) / calls)
        medians[f"{side}|{kind}|{view}"] = float(numpy.median(times)) * 1e3
    return medians


def check(sides: tuple[int, ...]) -> None:
    """Every contender makes the image fromarray makes, before anything is timed."""
    from PIL import Image

    import fastpil
    from fastpil import _pillow

    for side, kind, view in cases(sides):
        a, mode = make_array(side, kind)
        v = VIEWS[view][0](a)
        expected = _pillow.fromarray(v, mode)
        for contender in CONTENDERS:
            if contender == "fromarray":
                continue
            with fastpil.patched():
                im = (
                    _converter(contender, mode)(v)
                    if contender != "patched"
                    else Image.fromarray(v, mode)
                )
            same = (im.mode, im.size, im.tobytes()) == (
                expected.mode,
                expected.size,
                expected.tobytes(),
            )
            if not same:
                raise AssertionError(
                    f"{contender} differs from fromarray at {side}, {kind}, {view}"
                )
        fastpil.unpatch()


# Arrays up to this many bytes free nothing large: their contenders take
# turns in one interpreter, where a few microseconds are compared more
# faithfully than across interpreters.
INTERLEAVED_BYTES = 1 << 20


def _interleaved(side: int, rounds: int, block: int) -> dict[str, list[dict[str, float]]]:
    """The cases of one size, each contender's medians per round: case by
    case, the contenders take turns in this interpreter in balanced orders,
    in blocks of ``block`` calls (harness.interleaved)."""
    import fastpil

    per_round: dict[str, list[dict[str, float]]] = {
        c: [{} for _ in range(rounds)] for c in CONTENDERS
    }
    fastpil.patch()
    try:
        for _, kind, view in cases((side,)):
            a, mode = make_array(side, kind)
            v = VIEWS[view][0](a)
            converts = {c: _converter(c, mode) for c in CONTENDERS}
            samples = interleaved(v, converts, rounds, block, "steady")
            for contender, found in samples.items():
                for turn in range(rounds):
                    times = found.seconds[turn * block : (turn + 1) * block]
                    per_round[contender][turn][f"{side}|{kind}|{view}"] = (
                        float(numpy.median(times)) * 1e3
                    )
    finally:
        fastpil.unpatch()
    return per_round


def measure(
    sides: tuple[int, ...] = SIDES, rounds: int = 5, block: int = 15
) -> list[dict[str, Any]]:
    """One row per case: each contender's median of round medians, min and max."""
    check(tuple(min(s, 64) for s in sides))
    per_round: dict[str, list[dict[str, float]]] = {
        c: [{} for _ in range(rounds)] for c in CONTENDERS
    }
    large = []
    for side in sides:
        if side * side * 4 * 4 <= INTERLEAVED_BYTES:
            for contender, found in _interleaved(side, rounds, block).items():
                for turn in range(rounds):
                    per_round[contender][turn].update(found[turn])
        else:
            large.append(side)
    orders = balanced_orders(len(CONTENDERS))
    for turn in range(rounds if large else 0):
        for contender in (CONTENDERS[i] for i in orders[turn % len(orders)]):
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    contender,
                    "--block",
                    str(block),
                    "--sides",
                    *map(str, large),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            per_round[contender][turn].update(json.loads(done.stdout))
    rows = []
    for side, kind, view in cases(sides):
        key = f"{side}|{kind}|{view}"
        row: dict[str, Any] = {"side": side, "kind": kind, "view": view}
        for contender in CONTENDERS:
            values = [r[key] for r in per_round[contender]]
            row[contender] = {
                "median_ms": float(numpy.median(values)),
                "min_ms": min(values),
                "max_ms": max(values),
            }
        rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]], full: bool = False) -> str:
    """Per size, three matrices of view x kind of array (the ratios of
    medians), or with ``full`` every median with its spread."""

    def ms(r: dict[str, Any], c: str) -> float:
        return float(r[c]["median_ms"])

    contiguous = {
        (r["side"], r["kind"]): ms(r, "to_image") for r in rows if r["view"] == "contiguous"
    }
    ratios = {
        "Image.fromarray under patch(): Pillow's time / patched time (below 1: slower)": (
            lambda r: ms(r, "fromarray") / ms(r, "patched")
        ),
        "fastpil.to_image: time of Pillow's owning image / to_image's (below 1: slower)": (
            lambda r: ms(r, "owning") / ms(r, "to_image")
        ),
        "fastpil.to_image of the view: time / to_image of the contiguous array": (
            lambda r: ms(r, "to_image") / contiguous[r["side"], r["kind"]]
        ),
    }
    lines = [
        "\nviews: arrays and views of them to images (above a MiB, each way in an "
        f"interpreter of its own), ratios of median times in one run. {machine()}\n"
    ]
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    views = list(dict.fromkeys(r["view"] for r in rows))
    for side in dict.fromkeys(r["side"] for r in rows):
        here = {(r["view"], r["kind"]): r for r in rows if r["side"] == side}
        for title, ratio in ratios.items():
            body = [
                [
                    view,
                    *(f"{ratio(here[view, k]):.2f}" if (view, k) in here else "" for k in kinds),
                ]
                for view in views
            ]
            lines += [
                f"\n{title}, {side}x{side + side // 4 + 1}\n",
                *table(["view", *kinds], body),
            ]
    if full:
        body = [
            [
                str(r["side"]),
                r["kind"],
                r["view"],
                *(
                    f"{ms(r, c):.3g} ({r[c]['min_ms']:.3g}-{r[c]['max_ms']:.3g})"
                    for c in CONTENDERS
                ),
            ]
            for r in rows
        ]
        lines += [
            "\nms per call, median of the rounds' medians (min-max)\n",
            *table(["size", "array", "view", *CONTENDERS], body),
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", type=int, nargs="+", default=list(SIDES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=15, help="timings per case and round")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path, help="also write the ratio tables here")
    parser.add_argument("--full", action="store_true", help="print every median too")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_contender(args.child, tuple(args.sides), args.block)))
        return
    rows = measure(tuple(args.sides), args.rounds, args.block)
    table = markdown(rows)
    print(markdown(rows, args.full))
    if args.markdown:
        args.markdown.write_text(table.lstrip() + "\n")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
