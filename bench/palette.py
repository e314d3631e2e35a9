"""How each contender is drawn, in every plot of the benchmarks.

bench/bench.py draws results.png with it and docs/figures/bench_plot.py the
docs' headline figure, so a contender looks the same wherever it is shown. No
imports: the docs build loads this file without the benchmark's dependencies.

The hues are the Okabe-Ito palette, told apart with any colour vision. A
family of related contenders shares one hue and differs by line style and
marker, so the hues stay few enough to be distinct: fastpil's ways are
vermilion, NumPy's blue, the lower bounds grey.
"""

from __future__ import annotations

FASTPIL = "#d55e00"  # vermilion
NUMPY = "#0072b2"  # blue
FLOOR = "#666666"
OTHERS = ["#e69f00", "#009e73", "#cc79a7", "#000000"]  # orange, green, purple, black

CONTENDER_STYLES: dict[str, dict[str, object]] = {
    # The plain conversion (bench/contenders.py CONTENDERS).
    "fastpil": {"color": FASTPIL, "marker": "^", "linewidth": 2.6},
    "fastpil out=": {"color": FASTPIL, "marker": "<", "linestyle": "--", "linewidth": 2.0},
    "numpy.array": {"color": NUMPY, "marker": "o"},
    "numpy.asarray": {"color": NUMPY, "marker": "s", "linestyle": "--"},
    "asarray MAXBLOCK": {"color": NUMPY, "marker": "v", "linestyle": ":"},
    "frombuffer": {"color": OTHERS[0], "marker": "D"},
    "Arrow": {"color": OTHERS[1], "marker": "X"},
    "pure Python": {"color": OTHERS[2], "marker": "P"},
    "floor": {"color": FLOOR, "marker": ".", "linestyle": "--"},
    # Normalised CHW float32 (the normalize scenario).
    "numpy": {"color": NUMPY, "marker": "o"},
    "fastpil float32": {"color": FASTPIL, "marker": "*", "linewidth": 2.6, "markersize": 9},
    "fastpil float16": {"color": FASTPIL, "marker": "h", "linestyle": "-."},
    "fastpil CHW + multiply": {"color": FASTPIL, "marker": "p", "linestyle": ":"},
    "float floor": {"color": FLOOR, "marker": ".", "linestyle": "--"},
}

_SPARE_MARKERS = "osDv<>ph*"
_SPARE_LINES = ["-", "--", "-.", ":"]


def style(name: str) -> dict[str, object]:
    """Matplotlib keywords for drawing ``name``'s line. A contender not listed
    above still gets its family's hue when its name says it (fastpil, numpy),
    and otherwise one of the spare hues, the same on every run."""
    if name in CONTENDER_STYLES:
        return dict(CONTENDER_STYLES[name])
    key = sum(name.encode())
    extra = {"marker": _SPARE_MARKERS[key % len(_SPARE_MARKERS)]}
    if name.startswith("fastpil"):
        colour = FASTPIL
    elif name.startswith("numpy"):
        colour = NUMPY
    else:
        colour = OTHERS[key % len(OTHERS)]
    extra["linestyle"] = _SPARE_LINES[key // len(_SPARE_MARKERS) % len(_SPARE_LINES)]
    return {"color": colour, **extra}
