"""What the SSSE3 kernels of cpp/kernels.cpp do to the bytes of 16 pixels.

The diagrams are computed, not drawn by hand: the byte shuffles are simulated
here with the same masks kernels.cpp builds (interleaved_mask, planar_mask)
and the same shifts and unpacks, and each cell is labelled with the pixel and
band its byte came from.
"""

from __future__ import annotations

from pathlib import Path

from _style import arrow, byte_cell, canvas, save, setup

CELL = 0.3


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


def draw_register(axis, x: float, y: float, register: list[str], name: str) -> None:
    axis.text(x - 0.1, y + CELL / 2, name, ha="right", va="center", fontsize=7.5)
    for i, label in enumerate(register):
        shown = "" if label == "0" else label
        byte_cell(axis, x + CELL * i, y, shown, width=CELL - 0.02, fontsize=5.5)


def compaction(out_dir: Path) -> Path:
    inputs = [pixels(4 * k, "RGBX") for k in range(4)]
    mask = interleaved_mask([0, 1, 2], 3)
    a, b, c, d = (pshufb(r, mask) for r in inputs)
    outputs = [
        bitwise_or(a, shift_left(b, 12)),
        bitwise_or(shift_right(b, 4), shift_left(c, 8)),
        bitwise_or(shift_right(c, 8), shift_left(d, 4)),
    ]
    figure, axis = canvas(7.4, 5.4)
    x = 1.9
    axis.text(
        0.1, 5.2, "SSSE3 pick_4_to_3: 16 RGBX pixels → 48 RGB bytes", fontsize=9, weight="bold"
    )
    y = 4.45
    axis.text(0.1, y + 0.38, "four 16-byte loads from the chunk", fontsize=7.5, color="#555555")
    for k, register in enumerate(inputs):
        draw_register(axis, x, y - 0.36 * k, register, f"load {k}")
    y = 2.65
    axis.text(
        0.1,
        y + 0.38,
        "pshufb with one mask: 3 bytes of each pixel, packed",
        fontsize=7.5,
        color="#555555",
    )
    for k, register in enumerate([a, b, c, d]):
        draw_register(axis, x, y - 0.36 * k, register, f"shuffled {k}")
    arrow(axis, (x + 8 * CELL, 3.3), (x + 8 * CELL, 3.1), colour="#777777")
    y = 0.85
    axis.text(
        0.1,
        y + 0.38,
        "shifts and ORs splice them into three full 16-byte stores",
        fontsize=7.5,
        color="#555555",
    )
    for k, register in enumerate(outputs):
        draw_register(axis, x, y - 0.36 * k, register, f"store {k}")
    arrow(axis, (x + 8 * CELL, 1.5), (x + 8 * CELL, 1.3), colour="#777777")
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
    # Four output rows, not three: everything sits one row higher.
    lift = 0.36
    figure, axis = canvas(7.4, 5.4 + lift)
    x = 1.9
    axis.text(
        0.1,
        5.2 + lift,
        'SSSE3 split_4: 16 RGBA pixels → 4 planes (layout="CHW")',
        fontsize=9,
        weight="bold",
    )
    y = 4.45 + lift
    axis.text(0.1, y + 0.38, "four 16-byte loads from the chunk", fontsize=7.5, color="#555555")
    for k, register in enumerate(inputs):
        draw_register(axis, x, y - 0.36 * k, register, f"load {k}")
    y = 2.65 + lift
    axis.text(
        0.1,
        y + 0.38,
        "pshufb: each 32-bit word holds one channel of 4 pixels",
        fontsize=7.5,
        color="#555555",
    )
    for k, register in enumerate([a, b, c, d]):
        draw_register(axis, x, y - 0.36 * k, register, f"shuffled {k}")
    y = 0.85 + lift
    axis.text(
        0.1,
        y + 0.38,
        "4\N{MULTIPLICATION SIGN}4 transpose of 32-bit words (unpacklo/hi_epi32, then _epi64)",
        fontsize=7.5,
        color="#555555",
    )
    for k, register in enumerate(channels):
        draw_register(axis, x, y - 0.36 * k, register, f"plane {'RGBA'[k]}")
    return save(figure, out_dir / "planar.svg")


def render(out_dir: Path, docs: Path) -> list[Path]:
    setup()
    del docs
    return [compaction(out_dir), planar(out_dir)]
