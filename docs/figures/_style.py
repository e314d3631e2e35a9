"""What every figure script shares: matplotlib settings, colours, drawing helpers.

The figures are drawn when the docs are built (docs/_ext/fastpil_docs.py runs
each script's ``render``), so they always show the current code's layout and
the committed measurements; nothing here is a hand-made image.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

# One colour per kind of byte, used by every memory diagram.
BYTE_COLOURS = {
    "R": "#f4a6a6",
    "G": "#a8dca8",
    "B": "#a6c8f4",
    "A": "#e0c3f0",
    "X": "#d9d9d9",  # padding: stored, never part of the array
    "L": "#f3dc9a",
    "I": "#f3dc9a",
    "?": "#ffffff",
}


def setup() -> None:
    plt.rcParams.update(
        {
            "font.size": 9,
            "font.family": "DejaVu Sans",
            # Text as paths: the SVG looks the same whatever fonts the
            # reader's browser has.
            "svg.fonttype": "path",
            "svg.hashsalt": "fastpil",
            "figure.facecolor": "white",
            "axes.facecolor": "white",
        }
    )


def save(figure: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # No date in the metadata: the same inputs give the same file.
    figure.savefig(path, metadata={"Date": None}, facecolor="white")
    plt.close(figure)
    return path


def canvas(width: float, height: float) -> tuple[plt.Figure, plt.Axes]:
    """A figure whose data coordinates are inches, origin bottom left."""
    figure = plt.figure(figsize=(width, height))
    axis = figure.add_axes((0, 0, 1, 1))
    axis.set_xlim(0, width)
    axis.set_ylim(0, height)
    axis.axis("off")
    return figure, axis


def byte_cell(
    axis: plt.Axes,
    x: float,
    y: float,
    label: str,
    width: float = 0.28,
    height: float = 0.3,
    colour: str | None = None,
    fontsize: float = 7,
) -> None:
    """One byte: a box coloured by its band, its name inside."""
    key = label[0] if label else "?"
    face = colour or BYTE_COLOURS.get(key, "#ffffff")
    axis.add_patch(Rectangle((x, y), width, height, facecolor=face, edgecolor="#555555", lw=0.6))
    axis.text(x + width / 2, y + height / 2, label, ha="center", va="center", fontsize=fontsize)


def box(
    axis: plt.Axes,
    x: float,
    y: float,
    width: float,
    height: float,
    text: str = "",
    face: str = "#ffffff",
    edge: str = "#333333",
    fontsize: float = 8,
    **kwargs: object,
) -> None:
    axis.add_patch(
        Rectangle((x, y), width, height, facecolor=face, edgecolor=edge, lw=0.9, **kwargs)
    )
    if text:
        axis.text(x + width / 2, y + height / 2, text, ha="center", va="center", fontsize=fontsize)


def arrow(
    axis: plt.Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    text: str = "",
    colour: str = "#333333",
    offset: tuple[float, float] = (0.05, 0.0),
    fontsize: float = 7.5,
    **kwargs: object,
) -> None:
    axis.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=9, color=colour, lw=1.0, **kwargs
        )
    )
    if text:
        axis.text(
            (start[0] + end[0]) / 2 + offset[0],
            (start[1] + end[1]) / 2 + offset[1],
            text,
            fontsize=fontsize,
            color=colour,
            va="center",
        )
