"""How each Pillow mode becomes an array.

For every mode: the dtype and band count ``numpy.array(im)`` gives, the raw
mode fastpil asks Pillow's encoder for, and the chunk transform that turns
that raw mode into the array's bytes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy
from PIL import Image, ImageMode

from . import _core
from ._core import Transform

# Pillow stores these 3-band modes as 4 bytes per pixel. Their 4-byte raw
# modes are plain row copies inside Pillow, while the 3-byte ones go pixel by
# pixel; dropping the padding byte in a vectorised kernel is faster.
_PADDED_RAWMODES = {"RGB": "RGBX", "YCbCr": "YCbCrX"}


class Layout(NamedTuple):
    dtype: numpy.dtype
    bands: int
    rawmode: str
    transform: Transform


def _find_layout(mode: str) -> Layout:
    try:
        descriptor = ImageMode.getmode(mode)
    except KeyError:
        msg = f"mode {mode!r} has no NumPy equivalent (numpy.array() cannot convert it either)"
        raise ValueError(msg) from None
    if mode == "1":
        # Raw mode "L" gives one byte of 0 or 255 per pixel, as numpy.array()
        # gets it; NumPy's bools must be 0 or 1.
        rawmode, transform = "L", Transform.bytes_to_bool
    elif mode in _PADDED_RAWMODES:
        rawmode, transform = _PADDED_RAWMODES[mode], Transform.compact_rgbx_to_rgb
    else:
        rawmode, transform = mode, Transform.copy
    found = Layout(numpy.dtype(descriptor.typestr), len(descriptor.bands), rawmode, transform)
    # Convert a small image once, so that a mode whose raw bytes do not fill
    # the array numpy.array() describes (Pillow < 12 has modes that pack 2 bytes
    # per pixel but claim 3 bands) is refused here and never read out of bounds.
    probe = Image.new(mode, (3, 2))
    shape = (2, 3) if found.bands == 1 else (2, 3, found.bands)
    try:
        _core.convert(probe.im, mode, rawmode, transform, shape, found.dtype)
    except (OSError, RuntimeError, ValueError) as error:
        msg = (
            f"mode {mode!r} cannot be converted to {found.bands} band(s) of "
            f"{found.dtype} through raw mode {rawmode!r}: {error}"
        )
        raise ValueError(msg) from None
    return found


_layouts: dict[str, Layout] = {}


def layout(mode: str) -> Layout:
    """The layout for ``mode``, worked out once per mode and process."""
    try:
        return _layouts[mode]
    except KeyError:
        pass
    # Threads racing here compute equal values; the last store wins.
    found = _layouts[mode] = _find_layout(mode)
    return found
