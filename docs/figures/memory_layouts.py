"""Diagrams of memory: how Pillow stores an image, where numpy.array copies it,
and what the buffer protocol describes.

Drawn from the numbers the code uses where there are any (bytes per pixel
from Pillow's raw encoder, the chunk size of cpp/encode_loop.cpp, the block
size of Pillow's default arena), so that a change shows up here.
"""

from __future__ import annotations

from pathlib import Path

import numpy
from _style import arrow, box, byte_cell, canvas, save, setup
from PIL import Image

# Pillow's default arena hands out blocks of 16 MiB (ImagingDefaultArena in
# src/libImaging/Storage.c); cpp/encode_loop.cpp aims its chunks at 64 KiB.
PILLOW_BLOCK = 16 * 1024 * 1024
CHUNK_TARGET = 64 * 1024
TIMES = "\N{MULTIPLICATION SIGN}"


def stored_pixel(mode: str) -> list[str]:
    """The bytes of one pixel as Pillow stores it: its 4-byte raw mode where
    the stored pixel has 4 bytes, named by band ("X" for padding)."""
    bands = Image.new(mode, (1, 1)).getbands()
    four_byte = {"RGB": "RGBX", "YCbCr": "RGBX", "LA": "LXXA", "RGBA": "RGBA"}
    if mode in four_byte:
        return list(four_byte[mode])
    itemsize = numpy.array(Image.new(mode, (1, 1))).dtype.itemsize
    return [bands[0][0]] * itemsize


def pillow_storage(out_dir: Path) -> Path:
    figure, axis = canvas(8.4, 4.9)
    # The image descriptor and its row pointers.
    box(axis, 0.2, 1.2, 2.2, 3.3, face="#f7f7f7")
    axis.text(1.3, 4.3, "Imaging (one image)", ha="center", fontsize=9, weight="bold")
    fields = [
        'mode = "RGB"',
        "xsize = 1024, ysize = 768",
        "pixelsize = 4",
        "linesize = 4096 bytes",
        f"lines_per_block = {PILLOW_BLOCK // 4096}",
    ]
    for i, text in enumerate(fields):
        axis.text(0.35, 3.95 - 0.25 * i, text, fontsize=7.5, family="monospace")
    axis.text(0.35, 2.55, "image[y]: one pointer per row", fontsize=7.5)
    for i in range(6):
        label = f"image[{i}]" if i < 4 else ("…" if i == 4 else "image[767]")
        box(axis, 0.45, 2.2 - 0.17 * i, 1.1, 0.15, label, face="#ffffff", fontsize=6.5)

    # Blocks of rows.
    axis.text(3.1, 4.3, "blocks: rows in chunks of up to 16 MiB", fontsize=9, weight="bold")
    rows_y = [3.85, 3.65, 3.45, 3.25]
    for i, y in enumerate(rows_y):
        box(
            axis,
            3.1,
            y,
            4.9,
            0.17,
            f"row {i}: 1024 pixels {TIMES} 4 bytes",
            face="#fdf1dc",
            fontsize=6.5,
        )
        arrow(axis, (1.55, 2.275 - 0.17 * i), (3.08, y + 0.085), colour="#777777")
    axis.text(5.55, 3.05, "⋮", ha="center", fontsize=10)
    box(axis, 3.05, 2.8, 5.0, 1.28, face="none", edge="#c0392b", linestyle="--")
    axis.text(
        7.95,
        2.87,
        f"block 0 (rows 0-767 fit: 768 {TIMES} 4 KiB = 3 MiB)",
        ha="right",
        fontsize=6.5,
    )
    axis.text(
        3.1,
        2.5,
        "A large image takes several blocks, anywhere in memory: the image is\n"
        "not one contiguous buffer, so nothing can simply point NumPy at it.",
        fontsize=7.5,
        va="top",
    )

    # Stored pixels by mode.
    axis.text(3.1, 1.8, "one stored pixel, by mode", fontsize=9, weight="bold")
    y = 1.4
    for mode in ["L", "I;16", "LA", "RGB", "RGBA"]:
        cells = stored_pixel(mode)
        axis.text(3.1, y + 0.15, f'"{mode}"', fontsize=8, va="center", family="monospace")
        for j, name in enumerate(cells):
            byte_cell(axis, 3.75 + 0.3 * j, y, name)
        note = {
            "L": "1 byte",
            "I;16": "2 bytes",
            "LA": "4 bytes: L, 2 unused, A",
            "RGB": "4 bytes: R, G, B and a padding byte",
            "RGBA": "4 bytes",
        }[mode]
        axis.text(3.75 + 0.3 * 4 + 0.15, y + 0.15, note, fontsize=7.5, va="center")
        y -= 0.33
    return save(figure, out_dir / "pillow_storage.svg")


def copies(out_dir: Path) -> Path:
    figure, axis = canvas(8.6, 4.4)
    blue, orange, green = "#dbe9f6", "#fde2c4", "#d8f0d2"

    def stage(x: float, y: float, w: float, text: str, face: str) -> None:
        box(axis, x, y, w, 0.55, text, face=face, fontsize=7.5)

    axis.text(0.1, 4.15, "numpy.array(im)", fontsize=10, weight="bold", family="monospace")
    stage(0.1, 3.2, 1.35, "Pillow's rows\n(4 bytes/pixel)", blue)
    for i in range(3):
        box(axis, 2.05 + 0.42 * i, 3.2, 0.36, 0.55, f"{i + 1}", face=orange, fontsize=7)
    axis.text(3.35, 3.47, "…", fontsize=10, va="center")
    box(axis, 3.6, 3.2, 0.36, 0.55, "n", face=orange, fontsize=7)
    axis.text(2.0, 2.95, "list of 64 KiB bytes objects", fontsize=6.5)
    stage(4.55, 3.2, 1.45, "one bytes object\nthe whole image", orange)
    stage(6.8, 3.2, 1.6, "ndarray\n(a new copy)", green)
    arrow(axis, (1.45, 3.47), (2.03, 3.47), "①", offset=(-0.12, 0.18))
    arrow(axis, (3.96, 3.47), (4.53, 3.47), "②", offset=(-0.12, 0.18))
    arrow(axis, (6.0, 3.47), (6.78, 3.47), "③", offset=(-0.12, 0.18))
    axis.text(
        0.1,
        2.45,
        "① the raw encoder packs rows into chunks (RGB: pixel by pixel, 4 → 3 bytes)\n"
        '② tobytes() joins the chunks: b"".join(chunks)\n'
        "③ numpy.array copies the bytes it was given (numpy.asarray stops before ③:\n"
        "    a read-only view of the joined bytes)",
        fontsize=7.5,
        va="top",
    )

    axis.text(0.1, 1.35, "fastpil.to_numpy(im)", fontsize=10, weight="bold", family="monospace")
    stage(0.1, 0.4, 1.35, "Pillow's rows\n(4 bytes/pixel)", blue)
    box(
        axis,
        2.35,
        0.4,
        1.3,
        0.55,
        f"one chunk\n≈{CHUNK_TARGET // 1024} KiB, in cache",
        face=orange,
    )
    stage(6.8, 0.4, 1.6, "ndarray\n(numpy.empty)", green)
    arrow(axis, (1.45, 0.67), (2.33, 0.67), "①", offset=(-0.12, 0.18))
    arrow(axis, (3.65, 0.67), (6.78, 0.67), "② kernel, chunk by chunk", offset=(-0.9, 0.18))
    axis.annotate(
        "",
        xy=(2.6, 0.95),
        xytext=(3.4, 0.95),
        arrowprops={"arrowstyle": "->", "connectionstyle": "arc3,rad=1.2", "color": "#777777"},
    )
    axis.text(3.0, 1.25, "reused for the next rows", fontsize=6.5, ha="center", color="#555555")
    axis.text(
        0.1,
        0.25,
        "① the raw encoder copies rows as they are (RGBX: memcpy)   "
        "② read back while still in cache, written once into the array",
        fontsize=7.5,
        va="top",
    )
    return save(figure, out_dir / "copies.svg")


def buffers(out_dir: Path) -> Path:
    figure, axis = canvas(8.4, 3.5)
    array = numpy.arange(2 * 3 * 3, dtype=numpy.uint8).reshape(2, 3, 3)
    view = memoryview(array)
    flat = view.cast("B")
    axis.text(
        0.1, 3.25, "numpy.empty((2, 3, 3), numpy.uint8): 18 bytes", fontsize=9, weight="bold"
    )
    x0, y0, w = 0.3, 2.5, 0.42
    for i in range(array.size):
        byte_cell(axis, x0 + w * i, y0, "RGB"[i % 3], width=w - 0.02, height=0.35, fontsize=8)
        axis.text(x0 + w * i + w / 2 - 0.01, y0 - 0.12, str(i), ha="center", fontsize=6.5)
    # Brackets for rows and pixels, from the strides.
    row_stride, pixel_stride, _ = view.strides
    for row in range(array.shape[0]):
        start = x0 + w * row * row_stride
        end = start + w * row_stride - 0.02
        axis.plot([start, start, end, end], [2.95, 3.0, 3.0, 2.95], color="#333333", lw=0.8)
        axis.text((start + end) / 2, 3.05, f"row {row}", ha="center", fontsize=7)
        for pixel in range(array.shape[1]):
            p0 = start + w * pixel * pixel_stride
            p1 = p0 + w * pixel_stride - 0.04
            axis.plot([p0, p0, p1, p1], [2.88, 2.91, 2.91, 2.88], color="#777777", lw=0.6)

    def describe(x: float, title: str, v: memoryview, extra: str) -> None:
        lines = [
            title,
            f"ndim     = {v.ndim}",
            f"shape    = {v.shape}",
            f"strides  = {v.strides}",
            f"itemsize = {v.itemsize}, format = {v.format!r}",
            f"len      = {v.nbytes} bytes",
            extra,
        ]
        box(axis, x, 0.15, 3.9, 1.95, face="#f7f7f7")
        for i, text in enumerate(lines):
            axis.text(
                x + 0.12,
                1.9 - 0.25 * i,
                text,
                fontsize=7.5 if i else 8,
                family="monospace" if 0 < i < 6 else None,
                weight="bold" if i == 0 else None,
                va="center",
            )

    describe(0.1, "memoryview(array): the Py_buffer", view, "slice assignment: refused (ndim 3)")
    describe(4.3, "memoryview(array).cast('B')", flat, "flat[i:j] = chunk: one memcpy")
    return save(figure, out_dir / "buffers.svg")


def render(out_dir: Path, docs: Path) -> list[Path]:
    setup()
    del docs
    return [pillow_storage(out_dir), copies(out_dir), buffers(out_dir)]
