"""Chunk size: the chunks scenario.

Each direction moves an image through chunks of whole rows: Pillow's raw
encoder fills a chunk that fastpil's kernel then writes into the array, and
on the way back fastpil's kernel fills a chunk that Pillow's raw decoder then
unpacks into the image. This scenario converts RGB images of several sizes
with the chunk aimed at several sizes (``_core._set_chunk_target``), the
targets taking turns in balanced orders within one process, beside the
default target and the pure-Python loop of the tutorial (64 KiB chunks).

    python bench/chunks.py                    # the table, and chunks.json
    python bench/bench.py --scenarios chunks  # the same, from the benchmark
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy
from contenders import bench_image, pure_python_chunks
from harness import interleaved, machine, table

import fastpil
from fastpil import _core

KIB = 1024
TARGETS = (64 * KIB, 128 * KIB, 256 * KIB, 512 * KIB, 1024 * KIB, 2048 * KIB)
SIDES = (256, 1024, 2048, 4096)


def _label(target: int) -> str:
    return f"{target // KIB} KiB" if target < 1024 * KIB else f"{target // (1024 * KIB)} MiB"


def measure(sides: tuple[int, ...] = SIDES, rounds: int = 6) -> list[dict[str, Any]]:
    """One row per direction, side and chunk target: ms per call and its spread."""
    rows = []
    try:
        for side in sides:
            im = bench_image("RGB", (side, side))
            a = numpy.array(im)
            block = max(3, min(40, int(4e7 // (side * side * 3))))
            ways: dict[str, tuple[Any, dict[str, Callable[[Any], Any]]]] = {
                "to_numpy": (im, {"pure Python (64 KiB)": pure_python_chunks}),
                "to_image": (a, {}),
            }
            for direction, (arg, extra) in ways.items():
                convert = fastpil.to_numpy if direction == "to_numpy" else fastpil.to_image
                converts = {_label(t): convert for t in TARGETS}
                converts["default"] = convert
                converts.update(extra)
                targets = {_label(t): t for t in TARGETS} | {"default": 0}

                def before_block(name: str, targets: dict[str, int] = targets) -> None:
                    _core._set_chunk_target(targets.get(name, 0))

                samples = interleaved(arg, converts, rounds, block, "steady", before_block)
                for name, s in samples.items():
                    rows.append(
                        {"direction": direction, "side": side, "chunk": name, **s.summary()}
                    )
    finally:
        _core._set_chunk_target(0)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    default = _label(_core._chunk_target())
    lines = [
        f"\nchunks: RGB, steady state, ms per call (IQR %); the default target here is "
        f"{default} (L2 {_core._l2_cache_bytes() // KIB} KiB as the platform reports it). "
        f"{machine()}\n",
    ]
    for direction in dict.fromkeys(r["direction"] for r in rows):
        mine = [r for r in rows if r["direction"] == direction]
        names = list(dict.fromkeys(r["chunk"] for r in mine))
        sides = list(dict.fromkeys(r["side"] for r in mine))
        body = []
        for name in names:
            cells = [name]
            for side in sides:
                (r,) = [r for r in mine if r["side"] == side and r["chunk"] == name]
                cells.append(f"{r['median_ms']:.3g} ({r['iqr_pct']:.0f}%)")
            body.append(cells)
        lines += [f"\n{direction}\n", *table(["chunk", *(f"{s}²" for s in sides)], body)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", type=int, nargs="+", default=list(SIDES))
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    rows = measure(tuple(args.sides), args.rounds)
    table = markdown(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table.lstrip() + "\n")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
