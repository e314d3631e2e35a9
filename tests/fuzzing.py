"""What the fuzz tests start from: small valid files of many formats and modes.

Shared by tests/test_fuzz.py (hypothesis) and tests/atheris_fuzz.py (atheris).
"""

from __future__ import annotations

import functools
import io

import numpy
from PIL import Image

SIZE = (23, 17)  # odd, and under one vector step per row for the small modes

# (format, mode, save options): every format this Pillow writes and reads
# that fastpil can meet in practice, in the modes each one keeps.
SEEDS = [
    ("PNG", "1", {}),
    ("PNG", "L", {}),
    ("PNG", "LA", {}),
    ("PNG", "P", {}),
    ("PNG", "RGB", {}),
    ("PNG", "RGBA", {}),
    ("PNG", "I;16", {}),
    ("JPEG", "L", {}),
    ("JPEG", "RGB", {}),
    ("JPEG", "RGB", {"progressive": True}),
    ("JPEG", "CMYK", {}),
    ("GIF", "P", {}),
    ("GIF", "L", {}),
    ("TIFF", "1", {}),
    ("TIFF", "L", {}),
    ("TIFF", "RGB", {}),
    ("TIFF", "RGBA", {}),
    ("TIFF", "CMYK", {}),
    ("TIFF", "YCbCr", {}),
    ("TIFF", "LAB", {}),
    ("TIFF", "I;16", {}),
    ("TIFF", "F", {}),
    ("TIFF", "RGB", {"compression": "tiff_lzw"}),
    ("TIFF", "L", {"compression": "packbits"}),
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


def _content(mode):
    rgb = Image.merge("RGB", [Image.effect_noise(SIZE, 60 + 10 * i) for i in range(3)])
    if mode in ("I;16", "I", "F"):
        wide = numpy.asarray(rgb.convert("L"), dtype=numpy.uint32) * 257
        return Image.fromarray(wide.astype(numpy.uint16)).convert(mode)
    if mode in ("RGBA", "LA"):
        return Image.merge("RGBA", [*rgb.split(), rgb.convert("L")]).convert(mode)
    return rgb.convert(mode)


@functools.cache
def seed_files():
    """Each seed written to bytes, as name -> bytes; formats this Pillow
    cannot write are left out."""
    files = {}
    for fmt, mode, options in SEEDS:
        buf = io.BytesIO()
        try:
            _content(mode).save(buf, fmt, **options)
        except (OSError, KeyError, ValueError):
            continue  # a codec this build of Pillow lacks
        name = f"{fmt}-{mode}-{'-'.join(f'{k}={v}' for k, v in options.items()) or 'plain'}"
        files[name] = buf.getvalue()
    return files


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
