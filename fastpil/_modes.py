"""How each Pillow mode becomes an array.

For every (mode, channels, layout): the dtype of the result, its channel axis,
the raw mode fastpil asks Pillow's encoder for, and the chunk transform that
turns that raw mode into the result's bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy
from PIL import Image, ImageMode

from . import _core
from ._core import Kind, Plan, Transform

LAYOUTS = ("HWC", "CHW")

# How Pillow's raw encoder emits each multi-band mode most cheaply: the raw
# mode, and its bytes per pixel. Byte i of an emitted pixel is band i of the
# mode. Pillow stores RGB and YCbCr as 4 bytes per pixel; their 4-byte raw
# modes are plain row copies inside Pillow, while the 3-byte ones go pixel by
# pixel, so a vectorised kernel drops the padding byte instead.
_MULTIBAND_RAW = {
    "RGB": ("RGBX", 4),
    "YCbCr": ("YCbCrX", 4),
    "RGBA": ("RGBA", 4),
    "RGBa": ("RGBa", 4),
    "RGBX": ("RGBX", 4),
    "CMYK": ("CMYK", 4),
    "LAB": ("LAB", 3),
    "HSV": ("HSV", 3),
    "LA": ("LA", 2),
    "La": ("La", 2),
    "PA": ("PA", 2),
}


def _describe(mode: str) -> tuple[numpy.dtype[Any], tuple[str, ...]]:
    try:
        descriptor = ImageMode.getmode(mode)
    except KeyError:
        msg = f"mode {mode!r} has no NumPy equivalent (numpy.array() cannot convert it either)"
        raise ValueError(msg) from None
    return numpy.dtype(descriptor.typestr), tuple(descriptor.bands)


def _channel_pattern(mode: str, bands: tuple[str, ...], channels: Any) -> bytes:
    """Byte positions, within an encoded pixel, of the requested channels."""
    if isinstance(channels, Sequence):  # a str is a sequence of one-letter names
        names = list(channels)
    else:
        msg = (
            f"channels must be a string or a sequence of band names, not {type(channels).__name__}"
        )
        raise TypeError(msg)
    wrong = [name for name in names if name not in bands]
    if wrong or not 1 <= len(names) <= 4:
        msg = (
            f"channels={channels!r} does not apply to mode {mode!r}: pick 1 to 4 of its bands "
            f"{bands} in any order"
            + (
                " (as a tuple, since some band names have several letters)"
                if any(len(b) > 1 for b in bands)
                else ""
            )
        )
        raise ValueError(msg)
    return bytes(bands.index(name) for name in names)


def _find_plan(mode: str, channels: Any, layout: str) -> Plan:
    dtype, bands = _describe(mode)
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    if mode not in _MULTIBAND_RAW:
        # Pillow's own raw mode, as numpy.array() gets it: the image's bands,
        # one sample of `dtype` each.
        if channels is not None or layout != "HWC":
            what = f"channels={channels!r}" if channels is not None else f"layout={layout!r}"
            which = "has no channel axis" if len(bands) == 1 else "fastpil converts as is"
            msg = (
                f"{what} does not apply to mode {mode!r}, which {which}; "
                f"it applies to the multi-band modes {', '.join(sorted(_MULTIBAND_RAW))}"
            )
            raise ValueError(msg)
        if mode == "1":
            # Raw mode "L" gives one byte of 0 or 255 per pixel, as numpy.array()
            # gets it; NumPy's bools must be 0 or 1.
            return Plan(mode, "L", Transform(Kind.to_bool), dtype, 0, False, 1)
        count = len(bands) if len(bands) > 1 else 0
        packed = dtype.itemsize * len(bands)
        return Plan(mode, mode, Transform(Kind.copy), dtype, count, False, packed)
    rawmode, pixel_bytes = _MULTIBAND_RAW[mode]
    pattern = (
        bytes(range(len(bands))) if channels is None else _channel_pattern(mode, bands, channels)
    )
    if layout == "CHW":
        transform = Transform(Kind.planar, pixel_bytes, pattern)
        return Plan(mode, rawmode, transform, dtype, len(pattern), True, pixel_bytes)
    if pattern == bytes(range(pixel_bytes)):
        # Every byte of the encoded pixel, in order: the bytes are the array's.
        return Plan(mode, rawmode, Transform(Kind.copy), dtype, len(bands), False, pixel_bytes)
    transform = Transform(Kind.interleaved, pixel_bytes, pattern)
    return Plan(mode, rawmode, transform, dtype, len(pattern), False, pixel_bytes)


def _check(mode: str, plan: Plan) -> None:
    """Convert a small image once, so a bad plan is refused before any real work.

    Pillow < 12 has modes (BGR;15, BGR;16) that pack 2 bytes per pixel but
    claim 3 bands: numpy.array() reads past their data. Here their raw bytes do
    not fill the array, and the mode is refused instead of read out of bounds.
    """
    probe = Image.new(mode, (3, 2))
    try:
        _core.convert(plan, probe.im, (0, 0, 3, 2))
    except (OSError, RuntimeError, ValueError) as error:
        msg = (
            f"mode {mode!r} cannot be converted to {plan.channels or 1} band(s) of "
            f"{plan.dtype} through raw mode {plan.rawmode!r}: {error}"
        )
        raise ValueError(msg) from None


# Read without the lock (a dict lookup is atomic, with or without the GIL);
# filled under it, so that each plan is worked out and checked once.
_plans: dict[tuple[str, Any, str], Plan] = {}
_plans_lock = threading.Lock()


def plan(mode: str, channels: Any = None, layout: str = "HWC") -> Plan:
    """The plan for these options, worked out once per process."""
    try:
        return _plans[mode, channels, layout]
    except KeyError:
        key = (mode, channels, layout)
    except TypeError:
        # A list of band names, say: a tuple of them is a key for the cache.
        # Options that cannot be one (a set of names) are never valid, and
        # _find_plan says why.
        key = (mode, tuple(channels) if isinstance(channels, Sequence) else channels, layout)
        try:
            found = _plans.get(key)
        except TypeError:
            return _find_plan(mode, channels, layout)
        if found is not None:
            return found
    with _plans_lock:
        found = _plans.get(key)
        if found is None:
            found = _find_plan(mode, channels, layout)
            _check(mode, found)
            _plans[key] = found
    return found
