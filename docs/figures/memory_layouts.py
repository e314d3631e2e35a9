"""Diagrams of memory: how NumPy describes it, how Pillow stores an image,
where numpy.array copies it, what the buffer protocol describes, and the way
back to an image.

Drawn from the objects themselves where there are any (strides and data
pointers from NumPy, bytes per pixel and the padding byte from Pillow, the
block size of Pillow's arena, what a memoryview allows from trying it), and
from the numbers the code uses where there are not (the chunk size of
cpp/encode_loop.cpp and cpp/decode_loop.cpp), so that a change shows up here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy
from _style import (
    ACCENT,
    ALLOWED,
    BYTE_COLOURS,
    GREY,
    HEADING,
    LIGHT,
    MONO,
    PANEL_FACE,
    PILLOW_FACE,
    RESULT_FACE,
    SMALL,
    TEMPORARY_FACE,
    TEXT,
    arrow,
    box,
    bracket,
    byte_cell,
    canvas,
    heading,
    line_height,
    note,
    save,
    setup,
)
from matplotlib.patches import FancyArrowPatch, Rectangle
from PIL import Image, ImageFile

# Pillow's default arena: blocks of this size unless set_block_size or
# PILLOW_BLOCK_SIZE changed it (ImagingDefaultArena in src/libImaging/Storage.c).
PILLOW_BLOCK = Image.core.get_block_size()
# Pillow's tobytes() encodes chunks of ImageFile.MAXBLOCK bytes.
PILLOW_CHUNK = ImageFile.MAXBLOCK
# fastpil's chunks, in both directions (cpp/chunk_size.cpp): as large as the
# L2 cache, within these bounds.
FASTPIL_CHUNK = "L2's size, 64 KiB–1 MiB"
TIMES = "\N{MULTIPLICATION SIGN}"
MINUS = "\N{MINUS SIGN}"
MIB = 1024 * 1024
ORDINALS = {2: "second", 3: "third", 4: "fourth"}


def size_text(n: int) -> str:
    for unit, size in (("MiB", MIB), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def stored_pixel(mode: str) -> list[str]:
    """The bytes of one pixel as Pillow stores it: its 4-byte raw mode where
    the stored pixel has 4 bytes, named by band ("X" for padding)."""
    bands = Image.new(mode, (1, 1)).getbands()
    four_byte = {"RGB": "RGBX", "YCbCr": "RGBX", "LA": "LXXA", "RGBA": "RGBA"}
    if mode in four_byte:
        return list(four_byte[mode])
    itemsize = numpy.array(Image.new(mode, (1, 1))).dtype.itemsize
    return [bands[0][0]] * itemsize


def padding_values() -> tuple[int, int]:
    """The padding byte of an RGB pixel: as Pillow's unpacker of 3-byte RGB
    writes it, and as Image.new's default colour leaves it."""
    decoded = Image.frombytes("RGB", (1, 1), bytes(3)).tobytes("raw", "RGBX")[3]
    new = Image.new("RGB", (1, 1)).tobytes("raw", "RGBX")[3]
    return decoded, new


def lines_per_block(linesize: int) -> int:
    """As ImagingAllocateArray: as many whole rows as fit in a block, at least one."""
    return max(1, PILLOW_BLOCK // linesize)


def linesize(mode: str, width: int) -> int:
    """Bytes of one stored row: the 4-byte raw mode of an RGB row is a copy of it."""
    raw = "RGBX" if mode == "RGB" else mode
    return len(Image.new(mode, (width, 1)).tobytes("raw", raw))


def arc(
    axis,
    start: tuple[float, float],
    end: tuple[float, float],
    rad: float,
    colour: str = ACCENT,
) -> None:
    axis.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=9,
            color=colour,
            lw=0.9,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=1,
            shrinkB=1,
        )
    )


# ---------------------------------------------------------------------------
# NumPy's memory model


def strides(out_dir: Path) -> Path:
    # An array that owns its 18 bytes, each holding its offset.
    a = numpy.empty((2, 3, 3), numpy.uint8)
    a.reshape(-1)[:] = numpy.arange(a.size)
    bgr = a[..., ::-1]
    chw = a.transpose(2, 0, 1)
    base_address = a.__array_interface__["data"][0]

    def offset(view: numpy.ndarray) -> int:
        return view.__array_interface__["data"][0] - base_address

    def address_of(view: numpy.ndarray, index: tuple[int, ...]) -> int:
        return offset(view) + sum(i * s for i, s in zip(index, view.strides, strict=True))

    cell, x0 = 0.4, 1.0
    flat = a.reshape(-1)

    def centre(byte: int) -> float:
        return x0 + cell * byte + (cell - 0.04) / 2

    def bytes_row(y: float) -> None:
        axis.text(x0 - 0.15, y + 0.17, "memory", ha="right", va="center", fontsize=SMALL)
        for i, value in enumerate(flat):
            band = "RGB"[i % a.strides[1]]
            byte_cell(
                axis, x0 + cell * i, y, str(value), width=cell - 0.04, colour=BYTE_COLOURS[band]
            )

    def data_pointer(y: float, byte: int, label: str) -> None:
        x = centre(byte)
        arrow(axis, (x, y - 0.36), (x, y - 0.02), colour=ACCENT)
        axis.text(x, y - 0.4, label, ha="center", va="top", fontsize=SMALL, color=ACCENT)

    def geometry(y: float, name: str, view: numpy.ndarray, indices: str) -> None:
        terms = []
        for i, (letter, stride) in enumerate(zip(indices, view.strides, strict=True)):
            sign = MINUS if stride < 0 else "+"
            term = f"{abs(stride)}·{letter}" if abs(stride) != 1 else letter
            terms.append(f"{sign} {term}" if i or stride < 0 else term)
        lines = (
            f"shape {view.shape}   strides {view.strides}\n"
            f"{name}[{', '.join(indices)}] is the byte at data + {' '.join(terms)}"
        )
        note(axis, 3.0, y, lines, family=MONO)

    width, height = 8.8, 7.0
    figure, axis = canvas(width, height)

    # a itself.
    top = height - 0.15
    heading(axis, 0.2, top, f"a: a {a.shape} uint8 array, 18 bytes, each holding its offset")
    y = top - 1.0
    bytes_row(y)
    row_stride, pixel_stride, _ = a.strides
    for row in range(a.shape[0]):
        start = x0 + cell * row * row_stride
        bracket(axis, start, start + cell * row_stride - 0.04, y + 0.62, f"row y = {row}")
        for pixel in range(a.shape[1]):
            p0 = start + cell * pixel * pixel_stride
            bracket(
                axis, p0, p0 + cell * pixel_stride - 0.08, y + 0.42, f"x = {pixel}", depth=0.04
            )
    data_pointer(y, offset(a), "data")
    geometry(y - 0.3, "a", a, "yxc")

    # The BGR view: the same bytes, read from byte 2 backwards in each pixel.
    top = y - 1.05
    heading(axis, 0.2, top, "bgr = a[..., ::-1]: the same 18 bytes, read in another order")
    y = top - 0.95
    bytes_row(y)
    first_row = [address_of(bgr, (0, x, c)) for x in range(3) for c in range(3)]
    # Over each byte, the index c that reads it, 0-based like the byte
    # offsets and NumPy; an arrow over each pixel in the order c runs.
    for order, byte in enumerate(first_row):
        axis.text(
            centre(byte),
            y + 0.4,
            f"c={order % bgr.shape[2]}",
            ha="center",
            va="bottom",
            fontsize=SMALL,
            color=ACCENT,
        )
    for pixel in range(bgr.shape[1]):
        first, last = address_of(bgr, (0, pixel, 0)), address_of(bgr, (0, pixel, 2))
        arrow(
            axis,
            (centre(first) + 0.1, y + 0.72),
            (centre(last) - 0.1, y + 0.72),
            colour=ACCENT,
            mutation_scale=10,
            shrinkA=0,
            shrinkB=0,
        )
    note(
        axis,
        x0 + cell * (max(first_row) + 1) + 0.1,
        y + 0.72,
        "c of bgr[0, x, c] over each byte;\nrow 1 the same way, from byte "
        f"{address_of(bgr, (1, 0, 0))}",
        fontsize=SMALL,
        color=ACCENT,
    )
    data_pointer(y, offset(bgr), f"data = a's data + {offset(bgr)}")
    geometry(y - 0.3, "bgr", bgr, "yxc")

    # The CHW view: plane c is every third byte from byte c.
    top = y - 1.05
    heading(axis, 0.2, top, "chw = a.transpose(2, 0, 1): channels first, still the same bytes")
    y = top - 0.95
    bytes_row(y)
    plane = [address_of(chw, (0, yy, xx)) for yy in range(2) for xx in range(3)]
    for here, there in itertools.pairwise(plane):
        arc(axis, (centre(here), y + 0.36), (centre(there), y + 0.36), -0.45)
    for byte in plane:
        axis.add_patch(
            Rectangle(
                (x0 + cell * byte, y), cell - 0.04, 0.34, fill=False, edgecolor=ACCENT, lw=1.6
            )
        )
    note(
        axis,
        x0 + cell * (plane[-1] + 1) + 0.1,
        y + 0.72,
        f"chw[0]: every\n{ORDINALS[chw.strides[2]]} byte",
        fontsize=SMALL,
        color=ACCENT,
    )
    data_pointer(y, offset(chw), "data")
    geometry(y - 0.3, "chw", chw, "cyx")

    # The conclusion, from the objects.
    views = [("bgr", bgr), ("chw", chw)]
    assert all(numpy.shares_memory(v, a) and not v.flags.c_contiguous for _, v in views)
    copied = numpy.ascontiguousarray(chw)
    assert not numpy.shares_memory(copied, a)
    top = y - 1.05
    text = (
        "Both are views of a's memory (numpy.shares_memory); neither is C-contiguous.\n"
        "Where OpenCV or PyTorch needs contiguous memory, making it is a copy: "
        f"numpy.ascontiguousarray(chw)\nwrites all {copied.nbytes} bytes into new "
        f"memory, with strides {copied.strides}."
    )
    box(
        axis,
        0.2,
        top - 0.24 - 3 * line_height(),
        width - 0.4,
        0.24 + 3 * line_height(),
        face=PANEL_FACE,
    )
    note(axis, 0.35, top - 0.12, text)
    return save(figure, out_dir / "strides.svg")


# ---------------------------------------------------------------------------
# How Pillow stores pixels


def pillow_storage(out_dir: Path) -> Path:
    width, height = 8.8, 7.6
    figure, axis = canvas(width, height)
    size = (1024, 768)
    line = linesize("RGB", size[0])
    per_block = lines_per_block(line)
    blocks = -(-size[1] // per_block)
    pixelsize = line // size[0]

    # The image descriptor and its row pointers.
    top = height - 0.15
    heading(axis, 0.35, top - 0.12, "Imaging (one image)")
    fields = [
        'mode = "RGB"',
        f"xsize = {size[0]}",
        f"ysize = {size[1]}",
        f"pixelsize = {pixelsize}",
        f"linesize = {line}",
        f"lines_per_block = {per_block}",
        f"blocks_count = {blocks}",
    ]
    y = top - 0.5
    y -= note(axis, 0.35, y, "\n".join(fields), family=MONO) + 0.1
    y -= note(axis, 0.35, y, "image[y]: a pointer per row") + 0.1
    rows = [0, 1, 2, 3, None, size[1] - 1]
    step = 0.3
    row_y = [y - 0.26 - step * i for i in range(len(rows))]
    panel_bottom = row_y[-1] - 0.12
    box(axis, 0.2, panel_bottom, 2.75, top - panel_bottom, face=PANEL_FACE, zorder=0)
    for row, ry in zip(rows, row_y, strict=True):
        box(axis, 0.45, ry, 1.35, 0.26, "…" if row is None else f"image[{row}]", fontsize=SMALL)

    # Block 0 and its rows, level with their pointers.
    x = 3.4
    heading(
        axis, x, top - 0.12, f"block 0: whole rows, as many as fit in {size_text(PILLOW_BLOCK)}"
    )
    note(
        axis,
        x,
        top - 0.5,
        f"{size_text(PILLOW_BLOCK)} is the default block size of Pillow's arena "
        "(Image.core.set_block_size or PILLOW_BLOCK_SIZE change it). A row larger "
        f"than a block gets a block of its own, larger than {size_text(PILLOW_BLOCK)}.",
        width=72,
    )
    block_top = row_y[0] + 0.26 + 0.12
    box(
        axis,
        x,
        panel_bottom,
        5.2,
        block_top - panel_bottom,
        face="none",
        edge=ACCENT,
        linestyle="--",
    )
    for row, ry in zip(rows, row_y, strict=True):
        if row is None:
            axis.text(x + 1.8, ry + 0.13, "⋮", ha="center", va="center", fontsize=HEADING)
            continue
        box(
            axis,
            x + 0.12,
            ry,
            3.36,
            0.26,
            f"row {row}: {size[0]} pixels {TIMES} {pixelsize} bytes",
            face="#fdf1dc",
            fontsize=SMALL,
        )
        arrow(axis, (1.8, ry + 0.13), (x + 0.1, ry + 0.13), colour=LIGHT)
    note(
        axis,
        x + 3.62,
        block_top - 0.12,
        f"block 0:\n{size[1]} {TIMES} {size_text(line)}\n= {size_text(size[1] * line)}, "
        f"one\nallocation; rows\nevenly spaced,\n{size_text(line)} apart",
        fontsize=SMALL,
        color=ACCENT,
    )

    # Stored pixels by mode.
    top = panel_bottom - 0.3
    heading(axis, 0.2, top, "one stored pixel, by mode")
    decoded, new = padding_values()
    notes = {
        "L": "1 byte",
        "I;16": "2 bytes",
        "LA": "L, 2 unused, A",
        "RGB": "R, G, B, padding X",
        "RGBA": "4 bytes",
    }
    y = top - 0.7
    for mode, text in notes.items():
        axis.text(0.3, y + 0.17, f'"{mode}"', fontsize=TEXT, va="center", family=MONO)
        for j, name in enumerate(stored_pixel(mode)):
            byte_cell(axis, 1.05 + 0.4 * j, y, name)
        axis.text(2.75, y + 0.17, text, fontsize=TEXT, va="center")
        y -= 0.4
    note(
        axis,
        0.2,
        y + 0.25,
        f"X holds no fixed value: unpacking 3-byte RGB writes {decoded}, 4-byte raw "
        f'modes copy whatever the data held, Image.new("RGB", size) leaves {new}.',
        # Wrapped to the left column: the right one has its own note at this height.
        width=56,
        color=GREY,
    )

    # A larger image: several blocks, each its own allocation.
    big = 4096
    big_line = linesize("RGB", big)
    big_rows = lines_per_block(big_line)
    big_blocks = -(-big // big_rows)
    x = 4.75
    heading(
        axis,
        x,
        top,
        f"{big} {TIMES} {big} RGB, {size_text(big * big_line)}: {big_blocks} blocks",
    )
    y = top - 0.55
    gap = 0.14
    for k in range(big_blocks):
        by = y - 0.3 - k * (0.3 + gap)
        rows_text = f"rows {k * big_rows}-{min(big, (k + 1) * big_rows) - 1}"
        box(axis, x, by, 2.1, 0.3, f"block {k}: {rows_text}", face="#fdf1dc", fontsize=SMALL)
        if k:
            axis.add_patch(
                Rectangle(
                    (x + 0.1, by + 0.3 + 0.03),
                    1.9,
                    gap - 0.06,
                    facecolor="white",
                    edgecolor="#bbbbbb",
                    hatch="///",
                    lw=0.5,
                )
            )
    note(
        axis,
        x + 2.3,
        y,
        "each its own\nallocation,\nanywhere in\nmemory (hatched:\nother memory)",
        fontsize=SMALL,
        color=GREY,
    )
    note(
        axis,
        x,
        y - big_blocks * (0.3 + gap) - 0.02,
        "Rows are evenly spaced within a block, not across blocks: the image is "
        "not one evenly strided buffer.",
        width=52,
    )
    return save(figure, out_dir / "pillow_storage.svg")


def pillow_view(out_dir: Path) -> Path:
    size = (4, 2)
    im = Image.new("RGB", size)
    raw = im.tobytes("raw", "RGBX")
    line = len(raw) // size[1]
    stored = numpy.frombuffer(raw, numpy.uint8).reshape(size[1], size[0], line // size[0])
    view = stored[..., :3]
    interface = im.__array_interface__
    data = interface["data"]
    fresh = data is not im.__array_interface__["data"]

    width, height = 8.8, 6.2
    figure, axis = canvas(width, height)
    cell, x0 = 0.38, 2.35

    top = height - 0.15
    heading(axis, 0.2, top, f"Within one block: rows {line} bytes apart, so a view could skip X")
    names = stored_pixel("RGB")
    y_rows = [top - 1.0, top - 1.48]
    for row, y in enumerate(y_rows):
        label = "y = 0: image[0]" if row == 0 else f"y = {row}: image[0] + {row * line}"
        axis.text(x0 - 0.15, y + 0.17, label, ha="right", va="center", family=MONO)
        for i in range(line):
            name = names[i % len(names)]
            in_view = name != "X"
            byte_cell(
                axis,
                x0 + cell * i,
                y,
                name,
                width=cell - 0.04,
                colour=None if in_view else "white",
                edgecolor="#222222" if in_view else "#aaaaaa",
                lw=1.2 if in_view else 0.6,
                hatch=None if in_view else "///",
            )
    pixel = line // size[0]
    for p in range(size[0]):
        p0 = x0 + cell * pixel * p
        bracket(axis, p0, p0 + cell * pixel - 0.08, y_rows[0] + 0.42, f"x = {p}", depth=0.04)
    note(
        axis,
        0.2,
        y_rows[1] - 0.2,
        f"An (H, W, 3) view: shape {view.shape}, strides {view.strides}: element "
        f"[y, x, c] at image[0] + {view.strides[0]}·y + {view.strides[1]}·x + c.\n"
        "c stops at 2, so the X bytes (hatched) are never addressed, and nothing is copied.",
        width=104,
    )

    # Across blocks.
    top = y_rows[1] - 0.9
    heading(axis, 0.2, top, "Across blocks: separate allocations, reached through row pointers")
    y0 = top - 0.5
    pointers = []
    for i in range(4):
        y = y0 - 0.32 * i - 0.27
        box(axis, 0.35, y, 1.2, 0.27, f"image[{i}]", fontsize=SMALL)
        pointers.append(y + 0.135)
    axis.text(0.95, y0 - 1.33, "row pointers", ha="center", va="top", fontsize=SMALL, color=GREY)
    blocks = [(2.5, y0 - 0.02, "block 0"), (5.6, y0 - 0.66, "block 1,\nelsewhere\nin memory")]
    for k, (bx, by, name) in enumerate(blocks):
        box(axis, bx, by - 0.72, 2.95, 0.72, face="none", edge=ACCENT, linestyle="--")
        note(axis, bx + 2.08, by - 0.12, name, fontsize=SMALL, color=ACCENT)
        for r in range(2):
            ry = by - 0.03 - 0.3 * (r + 1)
            row = 2 * k + r
            box(
                axis,
                bx + 0.08,
                ry,
                1.9,
                0.25,
                f"row {row}: {line} bytes",
                face="#fdf1dc",
                fontsize=SMALL,
            )
            arrow(axis, (1.55, pointers[row]), (bx + 0.06, ry + 0.125), colour=LIGHT)
    note(
        axis,
        8.6,
        y0 + 0.02,
        "(two rows a block here;\na block holds as many as fit)",
        ha="right",
        multialignment="right",
        fontsize=SMALL,
        color=GREY,
    )
    note(
        axis,
        0.2,
        y0 - 1.6,
        f"Row 2 is wherever block 1 was allocated, not in general at image[1] + {line}: "
        "no one stride steps from block to block. "
        "Such an image is an array of pointers to rows, which PEP 3118's suboffsets "
        "can describe and NumPy refuses to import (BufferError).",
        width=104,
    )

    # What Pillow hands NumPy instead.
    top = y0 - 2.25
    text = (
        f'And Pillow lends NumPy no memory at all: im.__array_interface__["data"] is '
        f"im.tobytes(), a {type(data).__name__} object of {len(data)} bytes "
        f"({len(data) // (size[0] * size[1])} a pixel), "
        + ("a fresh copy each time it is read." if fresh else "made by tobytes().")
    )
    box(axis, 0.2, top - 0.62, width - 0.4, 0.62, face=PANEL_FACE)
    note(axis, 0.35, top - 0.12, text, width=104)
    return save(figure, out_dir / "pillow_view.svg")


# ---------------------------------------------------------------------------
# Copies, buffers, and the way back


FLOW_HEIGHT = 0.66


def flow(
    axis,
    top: float,
    drop: float,
    call: str,
    count: str,
    stages: list[tuple[float, float, str, str]],
    labels: list[str],
    reuse: int | None = None,
) -> float:
    """One row of a flow: the call it shows and its count of writes at ``top``;
    ``drop`` below, boxes (x, width, text, face) joined by numbered arrows,
    and the loop over box ``reuse``, the chunk reused for the next rows.
    Returns the height of the boxes."""
    heading(axis, 0.2, top, call, family=MONO)
    axis.text(8.6, top, count, ha="right", va="top", fontsize=TEXT, weight="bold")
    y = top - drop
    for x, w, text, face in stages:
        if text:
            box(axis, x, y, w, FLOW_HEIGHT, text, face=face)
    middle = y + FLOW_HEIGHT / 2
    for (x, w, _, _), (nx, _, _, _), label in zip(stages[:-1], stages[1:], labels, strict=True):
        arrow(axis, (x + w + 0.03, middle), (nx - 0.03, middle))
        axis.text((x + w + nx) / 2, middle + 0.08, label, ha="center", va="bottom")
    if reuse is None:
        return y
    x, w, _, _ = stages[reuse]
    axis.annotate(
        "",
        xy=(x + 0.25, y + FLOW_HEIGHT + 0.02),
        xytext=(x + w - 0.25, y + FLOW_HEIGHT + 0.02),
        arrowprops={
            "arrowstyle": "-|>",
            "connectionstyle": "arc3,rad=0.5",
            "color": LIGHT,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )
    axis.text(
        x + w - 0.12,
        y + FLOW_HEIGHT + 0.2,
        "reused for\nthe next rows",
        ha="left",
        va="bottom",
        fontsize=SMALL,
        color=GREY,
        linespacing=1.2,
    )
    return y


def copies(out_dir: Path) -> Path:
    width, height = 8.8, 5.6
    figure, axis = canvas(width, height)
    chunk = size_text(PILLOW_CHUNK)
    top = height - 0.15
    note(
        axis,
        0.2,
        top,
        "Counted: writes of the pixels. Each numbered step writes every pixel's bytes once.",
        color=GREY,
    )

    # numpy.array(im)
    stages = [
        (0.2, 1.45, "Pillow's rows\n4 bytes a pixel", PILLOW_FACE),
        (2.2, 1.9, "", TEMPORARY_FACE),
        (4.7, 1.6, "one bytes object:\nthe whole image", TEMPORARY_FACE),
        (6.9, 1.7, "ndarray\n(a new copy)", RESULT_FACE),
    ]
    call, count = "numpy.array(im)", "3 writes, each into memory as large as the image"
    y = flow(axis, top - 0.45, 1.05, call, count, stages, ["①", "②", "③"])
    for i, text in enumerate(["1", "2", "", "n"]):
        if text:
            box(
                axis, 2.2 + 0.5 * i, y, 0.4, FLOW_HEIGHT, text, face=TEMPORARY_FACE, fontsize=SMALL
            )
    axis.text(3.3, y + 0.33, "…", ha="center", va="center", fontsize=HEADING)
    axis.text(
        3.15,
        y - 0.08,
        f"chunks of ≈{chunk},\nall kept in a list",
        ha="center",
        va="top",
        fontsize=SMALL,
        linespacing=1.2,
    )
    note(
        axis,
        0.2,
        y - 0.55,
        "① Pillow's raw encoder packs the rows into the chunks "
        '(raw mode "RGB": pixel by pixel, 4 bytes to 3)\n'
        '② tobytes() joins the chunks into one bytes object: b"".join(chunks)\n'
        "③ numpy.array copies the joined bytes into a new array\n"
        "numpy.asarray(im) stops after ②: 2 writes, and a read-only array over the joined bytes",
    )

    # fastpil.to_numpy(im)
    stages = [
        (0.2, 1.45, "Pillow's rows\n4 bytes a pixel", PILLOW_FACE),
        (2.6, 1.6, "one chunk,\nas large as L2", TEMPORARY_FACE),
        (6.9, 1.7, "ndarray\n(numpy.empty)", RESULT_FACE),
    ]
    call, count = "fastpil.to_numpy(im)", "2 writes; only ②, into the array, is image-sized"
    y = flow(axis, y - 1.6, 1.45, call, count, stages, ["①", "② fastpil's kernel"], reuse=1)
    note(
        axis,
        0.2,
        y - 0.2,
        f'① the raw encoder writes a chunk of rows ({FASTPIL_CHUNK}; raw mode "RGBX": '
        "one memcpy per row)\n"
        "② fastpil's kernel reads the chunk back while it is still in cache and "
        "writes it into the array,\n    dropping the padding byte",
    )
    return save(figure, out_dir / "copies.svg")


def memoryview_trials() -> tuple[list[tuple[str, bool, str]], list[tuple[str, bool, str]]]:
    """What a 3-dimensional memoryview and its flat cast allow, found by trying."""

    def trial(statement: str, run: Callable[[], object], allowed: str) -> tuple[str, bool, str]:
        try:
            run()
        except Exception as error:  # what is refused, and CPython's words for it
            return statement, False, f'{type(error).__name__}("{error}")'
        return statement, True, allowed

    def fresh() -> memoryview:
        return memoryview(numpy.zeros((2, 3, 3), numpy.uint8))

    m = fresh()
    nd = [
        trial("m[0, 0, 0] = 7", lambda: m.__setitem__((0, 0, 0), 7), "allowed: one element"),
        trial("m[0, 0, 0]", lambda: m[0, 0, 0], "allowed: reads one element"),
        trial("m[0]", lambda: m[0], "allowed"),
        trial("m[0:1]", lambda: m[0:1], f"allowed: a {m[0:1].shape} view"),
        trial("m[0:1] = …", lambda: m.__setitem__(slice(0, 1), fresh()[1:2]), "allowed"),
    ]
    flat = fresh().cast("B")
    a = numpy.zeros((2, 3, 3), numpy.uint8)
    one = [
        trial(
            "flat[0:3] = chunk",
            lambda: flat.__setitem__(slice(0, 3), bytes(3)),
            "allowed: one memcpy",
        ),
        trial(
            "memoryview(a[..., ::-1]).cast('B')",
            lambda: memoryview(a[..., ::-1]).cast("B"),
            "allowed",
        ),
    ]
    return nd, one


def buffers(out_dir: Path) -> Path:
    width, height = 8.8, 5.65
    figure, axis = canvas(width, height)
    array = numpy.arange(2 * 3 * 3, dtype=numpy.uint8).reshape(2, 3, 3)
    view = memoryview(array)
    flat = view.cast("B")
    top = height - 0.15
    heading(
        axis, 0.2, top, f"m = memoryview(a), a of shape {array.shape}, uint8: {view.nbytes} bytes"
    )
    x0, y0, w = 0.45, top - 1.15, 0.44
    for i in range(array.size):
        byte_cell(axis, x0 + w * i, y0, "RGB"[i % 3], width=w - 0.04)
        axis.text(
            x0 + w * i + w / 2 - 0.02, y0 - 0.05, str(i), ha="center", va="top", fontsize=SMALL
        )
    # Brackets for rows and pixels, from the strides.
    row_stride, pixel_stride, _ = view.strides
    for row in range(array.shape[0]):
        start = x0 + w * row * row_stride
        bracket(axis, start, start + w * row_stride - 0.04, y0 + 0.62, f"row {row}")
        for pixel in range(array.shape[1]):
            p0 = start + w * pixel * pixel_stride
            bracket(axis, p0, p0 + w * pixel_stride - 0.08, y0 + 0.45, depth=0.04, colour=LIGHT)

    nd, one = memoryview_trials()

    def describe(x: float, name: str, v: memoryview, trials: list[tuple[str, bool, str]]) -> None:
        panel_top = y0 - 0.4
        box(axis, x, 0.15, 4.1, panel_top - 0.15, face=PANEL_FACE)
        heading(axis, x + 0.15, panel_top - 0.1, name, family=MONO, fontsize=TEXT)
        fields = [
            f"ndim     = {v.ndim}",
            f"shape    = {v.shape}",
            f"strides  = {v.strides}",
            f"itemsize = {v.itemsize}, format = {v.format!r}",
            f"len      = {v.nbytes} bytes",
        ]
        y = panel_top - 0.45
        y -= note(axis, x + 0.15, y, "\n".join(fields), family=MONO) + 0.12
        for statement, allowed, outcome in trials:
            axis.text(x + 0.15, y, statement, family=MONO, va="top", fontsize=TEXT)
            y -= line_height()
            y -= note(
                axis,
                x + 0.4,
                y,
                outcome if allowed else f"refused: {outcome}",
                width=52,
                fontsize=SMALL,
                color=ALLOWED if allowed else ACCENT,
            )
            y -= 0.05

    describe(0.2, "m: the Py_buffer", view, nd)
    describe(4.5, "flat = m.cast('B')", flat, one)
    return save(figure, out_dir / "buffers.svg")


def to_image(out_dir: Path) -> Path:
    import fastpil

    a = numpy.zeros((1, 1, 3), numpy.uint8)
    padding = fastpil.to_image(a[..., ::-1]).tobytes("raw", "RGBX")[3]
    width, height = 8.8, 4.7
    figure, axis = canvas(width, height)

    stages = [
        (0.2, 1.7, "a: a view\n(BGR, CHW, a crop)", RESULT_FACE),
        (3.55, 1.8, "a.tobytes():\na contiguous copy", TEMPORARY_FACE),
        (6.9, 1.7, "the image's rows\n4 bytes a pixel", PILLOW_FACE),
    ]
    call, count = "Image.fromarray(a), a not C-contiguous", "3 writes, all image-sized"
    y = flow(axis, height - 0.15, 1.0, call, count, stages, ["①", "②"])
    note(
        axis,
        0.2,
        y - 0.2,
        "① a.tobytes(): a copy of the whole array, 3 bytes a pixel (skipped if a is "
        "C-contiguous)\n"
        "   then Image.new fills the new image with 0: a write of the whole image\n"
        '② Pillow\'s raw decoder, raw mode "RGB": unpacks pixel by pixel, 3 bytes to 4',
    )

    stages = [
        (0.2, 1.7, "a: any strides,\nread in place", RESULT_FACE),
        (3.55, 1.8, f"one chunk (L2-sized):\nRGBX, X = {padding}", TEMPORARY_FACE),
        (6.9, 1.7, "the image's rows\n4 bytes a pixel", PILLOW_FACE),
    ]
    call, count = "fastpil.to_image(a)", "2 writes and the allocator's zeroing; ① stays in cache"
    y = flow(axis, y - 0.9, 1.45, call, count, stages, ["① pack kernel", "② decoder"], reuse=1)
    note(
        axis,
        0.2,
        y - 0.2,
        "Image.new(mode, size, None) leaves the pixels to the allocator, which zeroes reused "
        "memory\n    (a write) and leaves fresh pages to be zeroed by the kernel when "
        "first touched\n"
        "① fastpil's pack kernel gathers pixels into the chunk in Pillow's layout: RGB "
        f"becomes RGBX,\n    X = {padding}, as Pillow's unpacker of 3-byte RGB sets it\n"
        '② Pillow\'s raw decoder, raw mode "RGBX": a row copy, chunk to image, row by row',
    )
    return save(figure, out_dir / "to_image.svg")


def render(out_dir: Path, docs: Path) -> list[Path]:
    setup()
    del docs
    return [
        strides(out_dir),
        pillow_storage(out_dir),
        pillow_view(out_dir),
        copies(out_dir),
        buffers(out_dir),
        to_image(out_dir),
    ]
