"""What every figure script shares: matplotlib settings, colours, drawing helpers.

The figures are drawn when the docs are built (docs/_ext/fastpil_docs.py runs
each script's ``render``), so they always show the current code's layout and
the committed measurements; nothing here is a hand-made image.

The pages show each SVG at its natural size, 96 px per inch, in a column about
900 px wide, never scaled up: so no figure is wider than 9.3 in, and no text
is smaller than 9 pt (12 px). The sizes below are the only ones the figures
use; change them here, not at each call.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

# Type sizes, in points (1/72 in: 9 pt is 12 px on the page).
TITLE = 12.5  # a figure's title
HEADING = 11  # a part of a figure
TEXT = 10  # labels and notes
SMALL = 9  # the least: byte names, offsets, tick labels
MONO = "DejaVu Sans Mono"
# The height of one line of text, in inches, at matplotlib's line spacing.
LINE_SPACING = 1.25

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
# Boxes of the flow diagrams: Pillow's memory, temporary bytes, the result.
PILLOW_FACE = "#dbe9f6"
TEMPORARY_FACE = "#fde2c4"
RESULT_FACE = "#d8f0d2"
PANEL_FACE = "#f7f7f7"
INK = "#333333"
GREY = "#555555"
LIGHT = "#777777"
ACCENT = "#c0392b"  # what the eye should follow: pointers, read order
ALLOWED = "#1e7b34"


def setup() -> None:
    plt.rcParams.update(
        {
            "font.size": TEXT,
            "font.family": "DejaVu Sans",
            "axes.titlesize": HEADING,
            "axes.labelsize": TEXT,
            "xtick.labelsize": SMALL,
            "ytick.labelsize": SMALL,
            "legend.fontsize": SMALL,
            "text.color": INK,
            # Text as paths: the SVG looks the same whatever fonts the
            # reader's browser has.
            "svg.fonttype": "path",
            "svg.hashsalt": "fastpil",
            "figure.facecolor": "white",
            "axes.facecolor": "white",
        }
    )


def save(figure: plt.Figure, path: Path) -> Path:
    width = figure.get_size_inches()[0]
    if width > 9.3:
        raise ValueError(f"{path.name} is {width:.2f} in wide: the page column takes 9.3 in")
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


def line_height(fontsize: float = TEXT) -> float:
    """Inches from one line of text to the next."""
    return fontsize * LINE_SPACING / 72


def title(axis: plt.Axes, x: float, y: float, text: str, **kwargs: object) -> None:
    """A figure's title; ``y`` is its top."""
    axis.text(x, y, text, fontsize=TITLE, weight="bold", va="top", **kwargs)


def heading(axis: plt.Axes, x: float, y: float, text: str, **kwargs: object) -> None:
    """The title of one part of a figure; ``y`` is its top."""
    kwargs.setdefault("fontsize", HEADING)
    axis.text(x, y, text, weight="bold", va="top", **kwargs)


def note(
    axis: plt.Axes,
    x: float,
    y: float,
    text: str,
    width: int | None = None,
    fontsize: float = TEXT,
    **kwargs: object,
) -> float:
    """A paragraph whose top is at ``y``, wrapped at ``width`` characters per
    line (each line of ``text`` on its own); returns the height it takes."""
    lines = []
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip())]
        lines += (
            textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False)
            if width
            else [line]
        )
    axis.text(
        x,
        y,
        "\n".join(lines),
        fontsize=fontsize,
        va="top",
        linespacing=LINE_SPACING,
        **kwargs,
    )
    return len(lines) * line_height(fontsize)


def byte_cell(
    axis: plt.Axes,
    x: float,
    y: float,
    label: str,
    width: float = 0.36,
    height: float = 0.34,
    colour: str | None = None,
    fontsize: float = SMALL,
    **kwargs: object,
) -> None:
    """One byte: a box coloured by its band, its name inside."""
    key = label[0] if label else "?"
    face = colour or BYTE_COLOURS.get(key, "#ffffff")
    kwargs.setdefault("edgecolor", GREY)
    kwargs.setdefault("lw", 0.6)
    axis.add_patch(Rectangle((x, y), width, height, facecolor=face, **kwargs))
    axis.text(x + width / 2, y + height / 2, label, ha="center", va="center", fontsize=fontsize)


def box(
    axis: plt.Axes,
    x: float,
    y: float,
    width: float,
    height: float,
    text: str = "",
    face: str = "#ffffff",
    edge: str = INK,
    fontsize: float = TEXT,
    **kwargs: object,
) -> None:
    axis.add_patch(
        Rectangle((x, y), width, height, facecolor=face, edgecolor=edge, lw=0.9, **kwargs)
    )
    if text:
        axis.text(
            x + width / 2,
            y + height / 2,
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            linespacing=LINE_SPACING,
        )


def arrow(
    axis: plt.Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    text: str = "",
    colour: str = INK,
    offset: tuple[float, float] = (0.05, 0.0),
    fontsize: float = TEXT,
    **kwargs: object,
) -> None:
    kwargs.setdefault("lw", 1.0)
    kwargs.setdefault("mutation_scale", 12)
    axis.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", color=colour, **kwargs))
    if text:
        axis.text(
            (start[0] + end[0]) / 2 + offset[0],
            (start[1] + end[1]) / 2 + offset[1],
            text,
            fontsize=fontsize,
            color=colour,
            va="center",
        )


def bracket(
    axis: plt.Axes,
    x0: float,
    x1: float,
    y: float,
    text: str = "",
    depth: float = 0.06,
    colour: str = INK,
    fontsize: float = SMALL,
    below: bool = False,
) -> None:
    """A square bracket over (or under) x0..x1 at height y, its label centred."""
    tip = y - depth if not below else y + depth
    axis.plot([x0, x0, x1, x1], [tip, y, y, tip], color=colour, lw=0.8)
    if text:
        axis.text(
            (x0 + x1) / 2,
            y + (0.04 if not below else -0.04),
            text,
            ha="center",
            va="bottom" if not below else "top",
            fontsize=fontsize,
            color=colour,
        )
