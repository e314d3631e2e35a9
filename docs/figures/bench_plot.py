"""The headline benchmark figure, drawn from docs/_static/bench/summary.json.

bench/bench.py draws every panel of a run (results.png, shown on the
performance page as it is); this figure is the one a reader needs first: RGB,
the plain conversion, time per megapixel against image size, in the two
memory states that bracket real programs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt
from _style import GREY, SMALL, save, setup

# Each contender is drawn as in results.png: one palette, bench/palette.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from palette import style

# The contenders of this figure, in the legend's order.
CONTENDERS = [
    "numpy.array",
    "numpy.asarray",
    "asarray MAXBLOCK",
    "pure Python",
    "fastpil",
    "fastpil out=",
    "floor",
]
STATES = ["steady", "fresh pages"]


def render(out_dir: Path, docs: Path) -> list[Path]:
    setup()
    summary = json.loads((docs / "_static" / "bench" / "summary.json").read_text())
    figure, axes = plt.subplots(1, len(STATES), figsize=(9.2, 5.0), sharey=True)
    for axis, state in zip(axes, STATES, strict=True):
        cases = sorted(
            (
                r
                for r in summary["results"]
                if (r["scenario"], r["mode"], r["state"]) == ("to_numpy", "RGB", state)
            ),
            key=lambda r: r["size"][0] * r["size"][1],
        )
        for name in CONTENDERS:
            points = [
                (r["size"][0] * r["size"][1] / 1e6, r["summary"][name]["median_ms"])
                for r in cases
                if name in r["summary"]
            ]
            if points:
                axis.plot(
                    [mp for mp, _ in points],
                    [ms / mp for mp, ms in points],
                    label=name,
                    **style(name),
                )
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(f"RGB, {state}")
        axis.set_xlabel("image size, megapixels")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("median ms per megapixel (lower is faster)")
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=4, frameon=False)
    env = summary["environment"]
    figure.text(
        0.5,
        0.01,
        f"Python {env['python']}, NumPy {env['numpy']}, Pillow {env['pillow']}, "
        f"fastpil {env['fastpil']} ({env['simd_path']}), {env['cpu']}, {env['cpus']} CPUs",
        ha="center",
        fontsize=SMALL,
        color=GREY,
    )
    figure.tight_layout(rect=(0, 0.04, 1, 0.89))
    return [save(figure, out_dir / "bench_rgb.svg")]
