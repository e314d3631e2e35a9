"""How each Pillow mode becomes an array: plans.

For every (mode, channels, layout), and with a float dtype and scale: the
dtype of the result, its channel axis, the raw mode fastpil asks Pillow's
encoder for, and the chunk transform that turns that raw mode into the
result's bytes. The values of mean and std are no part of a plan: they are
checked for every conversion (normalisation()), and the shell makes them each
channel's scale and offset.
"""

from __future__ import annotations

import math
import numbers
import reprlib
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy
from PIL import Image, ImageMode

from . import _core, _pillow
from ._core import Kind, Output, Plan, Sample, Transform

# The layouts of an array's axes: the channel axis last, or first.
LAYOUTS = ("HWC", "CHW")

# How Pillow's raw encoder emits each multi-band mode most cheaply: the raw
# mode, and its bytes per pixel. Byte i of an emitted pixel is band i of the
# mode. RGB and YCbCr are asked for in their 4-byte raw modes, which are plain
# row copies inside Pillow, where the 3-byte ones go pixel by pixel: a
# vectorised kernel drops the padding byte instead.
_MULTIBAND_RAW = {
    **{mode: (raw, 4) for mode, raw in _pillow.FOUR_BYTE_RAW.items()},
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


class _Pixels(NamedTuple):
    """What the encoder is asked for, and which of its bytes are the channels."""

    rawmode: str
    pixel_bytes: int  # bytes of one pixel in rawmode
    pattern: bytes | None  # byte of the pixel each channel takes; None: the whole pixel
    channels: int  # of the result; 0: no channel axis (a single band, HWC)
    planar: bool


def _pixels(mode: str, bands: tuple[str, ...], dtype: Any, channels: Any, layout: str) -> _Pixels:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    planar = layout == "CHW"
    if mode in _MULTIBAND_RAW:
        rawmode, pixel_bytes = _MULTIBAND_RAW[mode]
        pattern = (
            bytes(range(len(bands)))
            if channels is None
            else _channel_pattern(mode, bands, channels)
        )
        return _Pixels(rawmode, pixel_bytes, pattern, len(pattern), planar)
    # Pillow's own raw mode, as numpy.array() gets it: the image's bands, one
    # sample of `dtype` each. A single band may be given a channel axis of
    # one, first, as PyTorch expects of CHW.
    single = len(bands) == 1
    if channels is not None or (planar and not single):
        what = f"channels={channels!r}" if channels is not None else f"layout={layout!r}"
        which = "has no channel axis" if single else "fastpil converts as is"
        msg = (
            f"{what} does not apply to mode {mode!r}, which {which}; "
            f"it applies to the multi-band modes {', '.join(sorted(_MULTIBAND_RAW))}"
            + (' (layout="CHW" to all single-band modes)' if single else "")
        )
        raise ValueError(msg)
    # Raw mode "L" gives mode 1 as bytes of 0 or 255, as numpy.array() gets it.
    rawmode = "L" if mode == "1" else mode
    pixel_bytes = 1 if mode == "1" else dtype.itemsize * len(bands)
    count = 1 if planar else (0 if single else len(bands))
    return _Pixels(rawmode, pixel_bytes, None, count, planar)


def _widest(rawmode: str) -> int:
    """The widest row a plan for ``rawmode`` converts (for_wide_rows says why)."""
    return _pillow.WIDEST_FOUR_BYTE_ROW if rawmode in _THREE_BYTE_RAW else sys.maxsize


def _integer_plan(mode: str, dtype: Any, pixels: _Pixels) -> Plan:
    rawmode, pixel_bytes, pattern, count, planar = pixels
    widest = _widest(rawmode)
    if pattern is None:
        # NumPy's bools must be 0 or 1; raw mode "L" gives 0 or 255.
        kind = Kind.to_bool if mode == "1" else Kind.copy
        transform = Transform(kind)
        return Plan(mode, rawmode, transform, dtype, count, planar, pixel_bytes, widest=widest)
    if planar:
        transform = Transform(Kind.planar, pixel_bytes, pattern)
    elif pattern == bytes(range(pixel_bytes)):
        # Every byte of the encoded pixel, in order: the bytes are the array's.
        transform = Transform(Kind.copy)
    else:
        transform = Transform(Kind.interleaved, pixel_bytes, pattern)
    return Plan(mode, rawmode, transform, dtype, count, planar, pixel_bytes, widest=widest)


# The 4-byte raw modes fastpil asks for, and the 3-byte ones of the same
# bands that numpy.array asks for.
_THREE_BYTE_RAW = {raw: mode for mode, raw in _pillow.FOUR_BYTE_RAW.items()}
_wide_plans: dict[Plan, Plan] = {}


def for_wide_rows(plan: Plan) -> Plan:
    """The plan to use instead of ``plan`` for rows wider than ``plan.widest``.

    Rows of more than about 2**26 pixels are too wide for Pillow's codecs in a
    4-byte raw mode but not in the 3-byte one numpy.array uses: for those, the
    same conversion from the 3-byte raw mode (through Pillow's per-pixel
    packer, slower but converting what numpy.array converts).
    """
    found = _wide_plans.get(plan)
    if found is not None:
        return found
    t = plan.transform
    pattern = t.pattern
    kind = t.kind
    if kind == Kind.interleaved and pattern == b"\0\1\2":
        kind, pattern = Kind.copy, b""  # the 3-byte pixels are the array's
    transform = Transform(kind, 3, pattern, sample=t.sample, output=t.output)
    found = Plan(
        plan.mode,
        _THREE_BYTE_RAW[plan.rawmode],
        transform,
        plan.dtype,
        plan.channels,
        plan.planar,
        3,
        divisor=plan.divisor,
    )
    with _plans_lock:
        _wide_plans[plan] = found
    return found


# Floating dtypes the float pass writes, and the Output each one is.
_FLOAT_OUTPUTS = {
    numpy.dtype(numpy.float32): Output.float32,
    numpy.dtype(numpy.float16): Output.float16,
}

# Modes whose values have no full scale to divide by, and why.
_NO_SCALE = {
    "1": "its values are already 0 and 1",
    "P": "its values are palette indices, not intensities",
    "PA": "its P band holds palette indices, not intensities",
    "I": "its 32-bit signed integers have no full scale",
    "F": "its values are floats already",
}


def _sample(mode: str, dtype: Any) -> tuple[Sample, float]:
    """How the float kernels read ``dtype``, and the largest value of that type."""
    if dtype.kind in "ub" and dtype.itemsize == 1:
        return Sample.u8, 255.0
    native = dtype.byteorder in ("=", "|") or dtype.byteorder == (
        "<" if sys.byteorder == "little" else ">"
    )
    if dtype.kind == "u" and dtype.itemsize == 2:
        return (Sample.u16 if native else Sample.u16_swapped), 65535.0
    if native and dtype.kind == "i" and dtype.itemsize == 4:
        return Sample.i32, 1.0
    if native and dtype.kind == "f" and dtype.itemsize == 4:
        return Sample.f32, 1.0
    msg = f"mode {mode!r} ({dtype}) cannot be converted to floats here"
    raise ValueError(msg)


# Types of numbers taken as they come: every other is checked the long way.
_PLAIN_NUMBERS = {float, int}


def _per_channel(name: str, value: Any, count: int, default: float) -> tuple[float, ...]:
    """``value``, a number or a sequence of numbers, as one float per channel.

    Runs for every conversion with float options: plain floats and ints, and
    tuples and lists of them, take the short way.
    """
    if value is None:
        return (default,) * count
    kind = type(value)
    try:
        if kind is float or kind is int:
            values: tuple[float, ...] = (float(value),)
        elif (kind is tuple or kind is list) and {type(v) for v in value} <= _PLAIN_NUMBERS:
            values = tuple(map(float, value))
        else:
            values = tuple(_numbers(name, value, count))
    except OverflowError:
        raise ValueError(f"{name}={reprlib.repr(value)} is too large for a float") from None
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"{name}={value!r} must be finite")
        if v == 0.0 and name == "std":
            raise ValueError(f"std={value!r} must not be zero")
    if len(values) == count:
        return values
    if len(values) == 1 and kind is not tuple and kind is not list:
        return values * count  # one number for every channel
    msg = (
        f"{name}={value!r} has {len(values)} values; the result has {count} "
        f"channel{'s' if count != 1 else ''}: give one number, or one per channel"
    )
    raise ValueError(msg)


def _numbers(name: str, value: Any, count: int) -> list[float]:
    """_per_channel's values other than plain numbers and their tuples and
    lists: NumPy's numbers and arrays, say. One number is a list of one."""
    if isinstance(value, numpy.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (numbers.Real, numpy.bool_)):
        return [_number(name, value, value, count)]
    # Any sequence of numbers (a 1-d array, say); not a string, bytes or a
    # mapping, whose items are not the numbers meant.
    if isinstance(value, (str, bytes, bytearray, memoryview, Mapping)) or not (
        isinstance(value, Sequence) or (isinstance(value, numpy.ndarray) and value.ndim == 1)
    ):
        raise _not_numbers(name, value, count)
    return [_number(name, v, value, count) for v in value]


def _number(name: str, value: Any, given: Any, count: int) -> float:
    """``value`` as a float, if it is a real number (and not a bool)."""
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, numbers.Real):
        raise _not_numbers(name, given, count)
    return float(value)


def _not_numbers(name: str, value: Any, count: int) -> TypeError:
    return TypeError(
        f"{name} must be a number or {count} numbers, one per channel, not {reprlib.repr(value)}"
    )


def _find_plan(
    mode: str, channels: Any, layout: str, dtype: Any, scale: Any, normalised: bool
) -> Plan:
    own, bands = _describe(mode)
    pixels = _pixels(mode, bands, own, channels, layout)
    if not isinstance(scale, (bool, numpy.bool_)):
        raise TypeError(f"scale must be True or False, not {scale!r}")
    try:
        wanted = own if dtype is None else numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype={dtype!r} is not a NumPy dtype") from None
    if wanted == own and not scale and not normalised:
        return _integer_plan(mode, own, pixels)
    if wanted.kind != "f":
        if wanted != own:
            msg = (
                f"dtype={dtype!r}: mode {mode!r} converts to its own dtype ({own}) or to a "
                f"floating one ({', '.join(map(str, _FLOAT_OUTPUTS))})"
            )
            raise ValueError(msg)
        raise _needs_float()
    if wanted not in _FLOAT_OUTPUTS:
        msg = (
            f"dtype={dtype!r}: the float pass writes "
            f"{' or '.join(map(str, _FLOAT_OUTPUTS))}, not {wanted}"
        )
        raise ValueError(msg)
    if scale and mode in _NO_SCALE:
        msg = f"scale=True has no meaning for mode {mode!r}: {_NO_SCALE[mode]}"
        raise ValueError(msg)
    sample, largest = _sample(mode, own)
    pattern = pixels.pattern
    if pattern is None:
        # The whole pixel, in order: one sample, or the bytes of a mode with
        # no channel pattern of its own (BGR;24).
        pattern = bytes(range(pixels.pixel_bytes)) if sample == Sample.u8 else b"\0"
    kind = Kind.float_planar if pixels.planar else Kind.float_interleaved
    transform = Transform(
        kind, pixels.pixel_bytes, pattern, sample=sample, output=_FLOAT_OUTPUTS[wanted]
    )
    # Mode 1 arrives as bytes of 0 or 255 for values 0 and 1.
    divisor = (largest if scale else 1.0) * (255.0 if mode == "1" else 1.0)
    return Plan(
        mode,
        pixels.rawmode,
        transform,
        wanted,
        pixels.channels,
        pixels.planar,
        pixels.pixel_bytes,
        widest=_widest(pixels.rawmode),
        divisor=divisor,
    )


def _needs_float() -> ValueError:
    return ValueError(
        f"scale, mean and std need a floating dtype: dtype={' or '.join(map(str, _FLOAT_OUTPUTS))}"
    )


def _check(mode: str, plan: Plan) -> None:
    """Convert a small image once, so a bad plan is refused before any real work.

    Pillow < 12 has modes (BGR;15, BGR;16) that pack 2 bytes per pixel but
    claim 3 bands: numpy.array() reads past their data. Here their raw bytes do
    not fill the array, and the mode is refused instead of read out of bounds.
    """
    probe = Image.new(mode, (3, 2))
    count = plan.channels or 1
    normalisation = ((0.0,) * count, (1.0,) * count) if plan.floating else None
    try:
        _core.to_array(plan, probe.im, (0, 0, 3, 2), None, normalisation)
    except (OSError, RuntimeError, ValueError) as error:
        msg = (
            f"mode {mode!r} cannot be converted to {plan.channels or 1} band(s) of "
            f"{plan.dtype} through raw mode {plan.rawmode!r}: {error}"
        )
        raise ValueError(msg) from None


# Plans are kept in _core.plans, where to_numpy's compiled fast path looks for
# the plain ones: keyed by (mode, channels, layout) without float options, by
# (mode, channels, layout, dtype, scale, normalised) with them; discrete
# choices only, as many as a program uses. Read without the lock (a dict lookup is atomic, with
# or without the GIL); filled under it, so that each plan is worked out and
# checked once.
_plans_lock = threading.Lock()


def plan(
    mode: str,
    channels: Any = None,
    layout: str = "HWC",
    dtype: Any = None,
    scale: Any = False,
    normalised: bool = False,
) -> Plan:
    """The plan for these options, worked out once per process; ``normalised``
    when a mean or a std is given (their values are no part of a plan)."""
    if dtype is None and scale is False and not normalised:
        key: tuple[Any, ...] = (mode, channels, layout)
    elif scale is True or scale is False or isinstance(scale, numpy.bool_):
        key = (mode, channels, layout, dtype, bool(scale), normalised)
    else:
        return _find_plan(mode, channels, layout, dtype, scale, normalised)  # refuses 1 for True
    try:
        found = _core.plans.get(key)
    except TypeError:
        # A list of band names, say: its tuple is a key. Options that cannot
        # be one (a set of names, an unhashable dtype) are never valid, and
        # _find_plan says why.
        try:
            key = (mode, tuple(channels), *key[2:])
            found = _core.plans.get(key)
        except TypeError:
            return _find_plan(mode, channels, layout, dtype, scale, normalised)
    if found is not None:
        return found
    with _plans_lock:
        found = _core.plans.get(key)
        if found is None:
            found = _find_plan(mode, channels, layout, dtype, scale, normalised)
            _check(mode, found)
            _core.plans[key] = found
    return found


def normalisation(
    plan: Plan, mean: Any, std: Any
) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """``mean`` and ``std`` checked, as a float per channel each (None for a
    plan without floats): the shell turns them into each channel's scale and
    offset. Worked out for every conversion: a program may give each image
    its own."""
    if not plan.floating:
        if mean is not None or std is not None:
            raise _needs_float()
        return None
    count = plan.channels or 1
    return _per_channel("mean", mean, count, 0.0), _per_channel("std", std, count, 1.0)
