"""The headline benchmark figure, drawn from docs/_static/bench/summary.json.

bench/bench.py draws every panel of a run (results.png, shown on the
performance page as it is); this figure is the one a reader needs first: RGB,
the plain conversion, time per megapixel against image size, in the two
memory states that bracket real programs.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
from _style import GREY, SMALL, save, setup

CONTENDERS = {
    "numpy.array": {"color": "#1f77b4", "marker": "o"},
    "numpy.asarray": {"color": "#ff7f0e", "marker": "s"},
    "asarray MAXBLOCK": {"color": "#d62728", "marker": "v"},
    "pure Python": {"color": "#9467bd", "marker": "D"},
    "fastpil": {"color": "#2ca02c", "marker": "^", "linewidth": 2.6},
    "fastpil out=": {"color": "#17becf", "marker": "<", "linewidth": 2.0},
    "floor": {"color": "#7f7f7f", "marker": ".", "linestyle": "--"},
}
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
        for name, style in CONTENDERS.items():
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
                    **style,
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
