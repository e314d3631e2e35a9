"""What the SSSE3 kernels of cpp/kernels.cpp do to the bytes of 16 pixels.

The diagrams are computed, not drawn by hand: the byte shuffles are simulated
here with the same masks kernels.cpp builds (interleaved_mask, planar_mask)
and the same shifts and unpacks, and each cell is labelled with the pixel and
band its byte came from.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from _style import GREY, LIGHT, TEXT, arrow, byte_cell, canvas, note, save, setup, title


def pshufb(register: list[str], mask: list[int]) -> list[str]:
    """_mm_shuffle_epi8: output byte i takes input byte mask[i], or 0 if negative."""
    return [register[m] if m >= 0 else "0" for m in mask]


def interleaved_mask(index: list[int], out: int) -> list[int]:
    """As kernels.cpp's interleaved_mask: 4 pixels of 4 bytes -> `out` bytes each."""
    mask = [-1] * 16
    for pixel in range(4):
        for channel in range(out):
            mask[pixel * out + channel] = pixel * 4 + index[channel]
    return mask


def planar_mask(index: list[int]) -> list[int]:
    """As kernels.cpp's planar_mask for 4-byte pixels: 32-bit word j = channel j."""
    mask = [0] * 16
    for channel in range(4):
        for pixel in range(4):
            mask[channel * 4 + pixel] = pixel * 4 + index[channel]
    return mask


def shift_left(register: list[str], count: int) -> list[str]:
    """_mm_slli_si128: bytes move to higher addresses; zeros come in."""
    return ["0"] * count + register[: 16 - count]


def shift_right(register: list[str], count: int) -> list[str]:
    return register[count:] + ["0"] * count


def bitwise_or(x: list[str], y: list[str]) -> list[str]:
    return [b if a == "0" else a for a, b in zip(x, y, strict=True)]


def words(register: list[str]) -> list[list[str]]:
    return [register[4 * i : 4 * i + 4] for i in range(4)]


def unpack(x: list[str], y: list[str], high: bool, width: int) -> list[str]:
    """_mm_unpacklo/hi_epi32 (width 4) and _epi64 (width 8)."""
    half = 8 if high else 0
    out: list[str] = []
    for i in range(0, 8, width):
        out += x[half + i : half + i + width] + y[half + i : half + i + width]
    return out


def pixels(first: int, bands: str) -> list[str]:
    """Four pixels of RGBX/RGBA bytes, labelled band + pixel number."""
    return [f"{band}{first + p}" for p in range(4) for band in bands]


CELL = 0.4  # one byte, in inches
ROW = 0.42  # from one register to the next
LEFT = 1.5  # where the bytes start: the register names go before


def draw_register(axis, y: float, register: list[str], name: str) -> None:
    axis.text(LEFT - 0.12, y + 0.17, name, ha="right", va="center", fontsize=TEXT)
    for i, label in enumerate(register):
        shown = "" if label == "0" else label
        byte_cell(axis, LEFT + CELL * i, y, shown, width=CELL - 0.04)


def draw_steps(
    title_text: str, steps: list[tuple[str, list[tuple[str, list[str]]]]]
) -> plt.Figure:
    """A title, then each step: its caption and its registers, top to bottom,
    an arrow from each step to the next."""
    caption, gap, between = 0.2, 0.1, 0.34  # caption height, to the bytes, step to step
    rows = sum(len(registers) for _, registers in steps)
    body = len(steps) * (caption + gap) + rows * ROW + (len(steps) - 1) * between
    height = 0.65 + body + 0.1
    figure, axis = canvas(LEFT + 16 * CELL + 0.25, height)
    title(axis, 0.15, height - 0.12, title_text)
    y = height - 0.65  # the top of what comes next
    for k, (text, registers) in enumerate(steps):
        if k:
            middle = LEFT + 8 * CELL - 0.02
            arrow(axis, (middle, y + 0.02), (middle, y - between + 0.06), colour=LIGHT)
            y -= between
        note(axis, 0.15, y, text, color=GREY)
        y -= caption + gap
        for name, register in registers:
            draw_register(axis, y - 0.34, register, name)
            y -= ROW
    return figure


def compaction(out_dir: Path) -> Path:
    inputs = [pixels(4 * k, "RGBX") for k in range(4)]
    mask = interleaved_mask([0, 1, 2], 3)
    a, b, c, d = (pshufb(r, mask) for r in inputs)
    outputs = [
        bitwise_or(a, shift_left(b, 12)),
        bitwise_or(shift_right(b, 4), shift_left(c, 8)),
        bitwise_or(shift_right(c, 8), shift_left(d, 4)),
    ]
    figure = draw_steps(
        "SSSE3 pick_4_to_3: 16 RGBX pixels → 48 RGB bytes",
        [
            (
                "four 16-byte loads from the chunk",
                [(f"load {k}", r) for k, r in enumerate(inputs)],
            ),
            (
                "pshufb with one mask: 3 bytes of each pixel, packed",
                [(f"shuffled {k}", r) for k, r in enumerate([a, b, c, d])],
            ),
            (
                "shifts and ORs splice them into three full 16-byte stores",
                [(f"store {k}", r) for k, r in enumerate(outputs)],
            ),
        ],
    )
    return save(figure, out_dir / "compaction.svg")


def planar(out_dir: Path) -> Path:
    inputs = [pixels(4 * k, "RGBA") for k in range(4)]
    mask = planar_mask([0, 1, 2, 3])
    a, b, c, d = (pshufb(r, mask) for r in inputs)
    ab_low, cd_low = unpack(a, b, False, 4), unpack(c, d, False, 4)
    ab_high, cd_high = unpack(a, b, True, 4), unpack(c, d, True, 4)
    channels = [
        unpack(ab_low, cd_low, False, 8),
        unpack(ab_low, cd_low, True, 8),
        unpack(ab_high, cd_high, False, 8),
        unpack(ab_high, cd_high, True, 8),
    ]
    figure = draw_steps(
        'SSSE3 split_4: 16 RGBA pixels → 4 planes (layout="CHW")',
        [
            (
                "four 16-byte loads from the chunk",
                [(f"load {k}", r) for k, r in enumerate(inputs)],
            ),
            (
                "pshufb: each 32-bit word holds one channel of 4 pixels",
                [(f"shuffled {k}", r) for k, r in enumerate([a, b, c, d])],
            ),
            (
                "4\N{MULTIPLICATION SIGN}4 transpose of 32-bit words "
                "(unpacklo/hi_epi32, then _epi64)",
                [(f"plane {'RGBA'[k]}", r) for k, r in enumerate(channels)],
            ),
        ],
    )
    return save(figure, out_dir / "planar.svg")


def render(out_dir: Path, docs: Path) -> list[Path]:
    setup()
    del docs
    return [compaction(out_dir), planar(out_dir)]
