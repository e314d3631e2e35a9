"""The image files the tests decode: one noise generator, one list of files.

Every file is written by the tests themselves, from noisy content so that
compression leaves something to check and every part of the file carries
pixels. tests/test_files.py decodes each one, tests/test_corrupt.py truncates
and corrupts them, and the fuzzers (tests/test_fuzz.py, tests/atheris_fuzz.py)
start from them.
"""

from __future__ import annotations

import functools
import io
import warnings

import numpy
from PIL import Image

SIZE = (23, 17)  # odd, and under one vector step per row for the small modes

# (format, mode, save options): every format this Pillow writes and reads
# that fastpil can meet in practice, in the modes each one keeps, compressed
# and not.
FILES = [
    ("PNG", "1", {}),
    ("PNG", "L", {}),
    ("PNG", "LA", {}),
    ("PNG", "P", {}),
    ("PNG", "RGB", {}),
    ("PNG", "RGBA", {}),
    ("PNG", "I;16", {}),
    ("JPEG", "L", {}),
    ("JPEG", "L", {"progressive": True}),
    ("JPEG", "RGB", {}),
    ("JPEG", "RGB", {"progressive": True}),
    ("JPEG", "CMYK", {}),
    ("GIF", "P", {}),
    ("GIF", "L", {}),
    ("TIFF", "1", {}),
    ("TIFF", "1", {"compression": "group4"}),
    ("TIFF", "L", {}),
    ("TIFF", "L", {"compression": "tiff_deflate"}),
    ("TIFF", "L", {"compression": "packbits"}),
    ("TIFF", "RGB", {}),
    ("TIFF", "RGB", {"compression": "tiff_lzw"}),
    ("TIFF", "RGBA", {}),
    ("TIFF", "CMYK", {}),
    ("TIFF", "YCbCr", {}),
    ("TIFF", "LAB", {}),
    ("TIFF", "I;16", {}),
    ("TIFF", "F", {}),
    ("BMP", "1", {}),
    ("BMP", "L", {}),
    ("BMP", "P", {}),
    ("BMP", "RGB", {}),
    ("BMP", "RGBA", {}),
    ("WEBP", "RGB", {}),
    ("WEBP", "RGBA", {"lossless": True}),
    ("PPM", "1", {}),
    ("PPM", "L", {}),
    ("PPM", "RGB", {}),
    ("PPM", "I;16", {}),
    ("TGA", "RGB", {}),
    ("TGA", "RGBA", {"compression": "tga_rle"}),
    ("PCX", "RGB", {}),
    ("PCX", "P", {}),
    ("SGI", "RGB", {}),
    ("SGI", "L", {}),
    ("QOI", "RGBA", {}),
    ("ICO", "RGBA", {}),
    ("DDS", "RGBA", {}),
    ("MSP", "1", {}),
    ("XBM", "1", {}),
    ("SPIDER", "F", {}),
]


def file_id(fmt: str, mode: str, options: dict) -> str:
    return f"{fmt}-{mode}-{'-'.join(f'{k}={v}' for k, v in options.items()) or 'plain'}"


def noise(mode: str, size: tuple[int, int] = SIZE) -> Image.Image:
    """Noisy content in ``mode``: every band varies, 16-bit ones over their range."""
    rgb = Image.merge("RGB", [Image.effect_noise(size, 60 + 10 * i) for i in range(3)])
    if mode in ("I;16", "I", "F"):
        wide = numpy.asarray(rgb.convert("L"), dtype=numpy.uint16) * 257
        return Image.fromarray(wide).convert(mode)
    if mode in ("RGBA", "LA"):
        return Image.merge("RGBA", [*rgb.split(), rgb.convert("L")]).convert(mode)
    return rgb.convert(mode)


def encode(fmt: str, mode: str, options: dict, size: tuple[int, int] = SIZE) -> bytes | None:
    """The file, or None when this Pillow cannot write it (a codec it lacks)
    or cannot read back what it wrote (Pillow 9.5's TIFF YCbCr)."""
    buf = io.BytesIO()
    try:
        noise(mode, size).save(buf, fmt, **options)
        readable(buf.getvalue())
    except (OSError, KeyError, ValueError):
        return None
    return buf.getvalue()


def readable(data: bytes) -> None:
    """Raise unless this Pillow decodes ``data``, whatever pixel limit a test
    has set (a file over it is readable all the same)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as written:
                written.load()
        except Image.DecompressionBombError:
            pass


@functools.cache
def seed_files() -> dict[str, bytes]:
    """Each file this Pillow can write, as id -> bytes, for the fuzzers."""
    found = {file_id(*spec): encode(*spec) for spec in FILES}
    return {name: data for name, data in found.items() if data is not None}


def mutate(data, edits):
    """Apply ``edits``, each (kind, position as a fraction of the length,
    payload bytes): overwrite, insert, delete or truncate there."""
    for kind, where, payload in edits:
        at = int(where * len(data))
        if kind == "overwrite":
            data = data[:at] + payload + data[at + len(payload) :]
        elif kind == "insert":
            data = data[:at] + payload + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + len(payload) :]
        else:
            data = data[:at]
    return data
