"""How each Pillow mode becomes an array.

For every (mode, channels, layout): the dtype of the result, its channel axis,
the raw mode fastpil asks Pillow's encoder for, and the chunk transform that
turns that raw mode into the result's bytes.
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


# Pillow's codecs take rows of at most this many pixels in a 4-byte raw mode,
# a quarter fewer than in the 3-byte one numpy.array uses (_pillow.widest_row).
_WIDEST_FOUR_BYTE_ROW = _pillow.widest_row(32)


def _widest(rawmode: str) -> int:
    """The widest row a plan for ``rawmode`` converts (for_wide_rows says why)."""
    return _WIDEST_FOUR_BYTE_ROW if rawmode in _THREE_BYTE_RAW else sys.maxsize


def _integer_plan(mode: str, dtype: Any, pixels: _Pixels) -> Plan:
    rawmode, pixel_bytes, pattern, count, planar = pixels
    widest = _widest(rawmode)
    if pattern is None:
        # NumPy's bools must be 0 or 1; raw mode "L" gives 0 or 255.
        kind = Kind.to_bool if mode == "1" else Kind.copy
        return Plan(mode, rawmode, Transform(kind), dtype, count, planar, pixel_bytes, widest=widest)
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
    transform = Transform(
        kind, 3, pattern, sample=t.sample, output=t.output, scale=t.scale, offset=t.offset
    )
    found = Plan(
        plan.mode,
        _THREE_BYTE_RAW[plan.rawmode],
        transform,
        plan.dtype,
        plan.channels,
        plan.planar,
        3,
    )
    with _plans_lock:
        if len(_wide_plans) < _FLOAT_PLANS_KEPT:
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


def _number(name: str, value: Any) -> float:
    """``value`` as a float, if it is a real number (and not a bool)."""
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name}={reprlib.repr(value)} is too large for a float") from None


def _per_channel(name: str, value: Any, count: int, default: float) -> tuple[float, ...]:
    """``value``, a number or a sequence of numbers, as one float per channel."""
    if value is None:
        return (default,) * count
    wrong = f"{name} must be a number or {count} numbers, one per channel, not {reprlib.repr(value)}"
    if isinstance(value, numpy.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (numbers.Real, numpy.bool_)):
        try:
            values = [_number(name, value)] * count
        except TypeError:
            raise TypeError(wrong) from None
    else:
        # Any sequence of numbers (a list, a tuple, a 1-d array); not a
        # string, bytes or a mapping, whose items are not the numbers meant.
        if isinstance(value, (str, bytes, bytearray, memoryview, Mapping)) or not (
            isinstance(value, Sequence)
            or (isinstance(value, numpy.ndarray) and value.ndim == 1)
        ):
            raise TypeError(wrong)
        try:
            values = [_number(name, v) for v in value]
        except TypeError:
            raise TypeError(wrong) from None
        if len(values) != count:
            msg = (
                f"{name}={value!r} has {len(values)} values; the result has {count} "
                f"channel{'s' if count != 1 else ''}: give one number, or one per channel"
            )
            raise ValueError(msg)
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{name}={value!r} must be finite")
    if name == "std" and 0.0 in values:
        raise ValueError(f"std={value!r} must not be zero")
    return tuple(values)


def _find_plan(
    mode: str,
    channels: Any,
    layout: str,
    dtype: Any = None,
    scale: bool = False,
    mean: Any = None,
    std: Any = None,
) -> Plan:
    own, bands = _describe(mode)
    pixels = _pixels(mode, bands, own, channels, layout)
    if not isinstance(scale, (bool, numpy.bool_)):
        raise TypeError(f"scale must be True or False, not {scale!r}")
    floating = scale or mean is not None or std is not None
    try:
        wanted = own if dtype is None else numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype={dtype!r} is not a NumPy dtype") from None
    if wanted == own and not floating:
        return _integer_plan(mode, own, pixels)
    if wanted.kind != "f":
        if wanted != own:
            msg = (
                f"dtype={dtype!r}: mode {mode!r} converts to its own dtype ({own}) or to a "
                f"floating one ({', '.join(map(str, _FLOAT_OUTPUTS))})"
            )
        else:
            msg = (
                "scale, mean and std need a floating dtype: "
                f"dtype={' or '.join(map(str, _FLOAT_OUTPUTS))}"
            )
        raise ValueError(msg)
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
    count = max(pixels.channels, 1)
    means = _per_channel("mean", mean, count, 0.0)
    stds = _per_channel("std", std, count, 1.0)
    # Mode 1 arrives as bytes of 0 or 255 for values 0 and 1.
    divisor = (largest if scale else 1.0) * (255.0 if mode == "1" else 1.0)
    factors = tuple(1.0 / (divisor * s) for s in stds)
    offsets = tuple(-m / s for m, s in zip(means, stds, strict=True))
    biggest = float(numpy.finfo(numpy.float32).max)
    if not all(abs(v) <= biggest for v in (*factors, *offsets)):
        msg = (
            f"mean={mean!r} and std={std!r}: the kernels compute in float32, where "
            f"1 / std and mean / std must stay below {biggest:.3g}"
        )
        raise ValueError(msg)
    pattern = pixels.pattern
    if pattern is None:
        # The whole pixel, in order: one sample, or the bytes of a mode with
        # no channel pattern of its own (BGR;24).
        pattern = bytes(range(pixels.pixel_bytes)) if sample == Sample.u8 else b"\0"
    kind = Kind.float_planar if pixels.planar else Kind.float_interleaved
    transform = Transform(
        kind,
        pixels.pixel_bytes,
        pattern,
        sample=sample,
        output=_FLOAT_OUTPUTS[wanted],
        scale=factors,
        offset=offsets,
    )
    return Plan(
        mode,
        pixels.rawmode,
        transform,
        wanted,
        pixels.channels,
        pixels.planar,
        pixels.pixel_bytes,
        widest=_widest(pixels.rawmode),
    )


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


def plan(
    mode: str,
    channels: Any = None,
    layout: str = "HWC",
    dtype: Any = None,
    scale: bool = False,
    mean: Any = None,
    std: Any = None,
) -> Plan:
    """The plan for these options, worked out once per process."""
    if dtype is not None or scale is not False or mean is not None or std is not None:
        return _float_plan(mode, channels, layout, dtype, scale, mean, std)
    try:
        return _plans[mode, channels, layout]
    except KeyError:
        key = (mode, channels, layout)
    except TypeError:
        # A list of band names, say: a tuple of them is a key for the cache.
        # Options that cannot be one (a set of names) are never valid, and
        # _find_plan says why.
        key = (mode, _hashable(channels), layout)
        try:
            found = _plans.get(key)
        except TypeError:
            return _find_plan(mode, channels, layout)
        if found is not None:
            return found
    return _cached(_plans, key, lambda: _find_plan(mode, channels, layout), mode)


# Plans with a dtype, scale, mean or std: as many as a program uses different
# means and standard deviations, which may be one per image. Kept in a cache
# of their own, emptied when it reaches this size.
_FLOAT_PLANS_KEPT = 256
_float_plans: dict[tuple[Any, ...], Plan] = {}


# The types of numbers that can be a cache key as they are: an int and a
# float that compare equal give the same plan, and bool, which would compare
# equal to 1 but is refused, is not among them.
_PLAIN_NUMBERS = (int, float)


def _plain(value: Any) -> Any:
    """``value`` as a cache key when it is None, a plain number or a tuple or
    list of them; else None (a key is then built the long way)."""
    kind = type(value)
    if value is None or kind in _PLAIN_NUMBERS:
        return value
    if kind is tuple or kind is list:
        for v in value:
            if type(v) not in _PLAIN_NUMBERS:
                return None
        return tuple(value)
    return None


def _float_plan(
    mode: str, channels: Any, layout: str, dtype: Any, scale: Any, mean: Any, std: Any
) -> Plan:
    # The common call, the same plain numbers every time: its arguments are
    # the key. Building the key the long way costs more than converting a
    # small image.
    plain_mean, plain_std = _plain(mean), _plain(std)
    if (
        type(scale) is bool
        and (mean is None or plain_mean is not None)
        and (std is None or plain_std is not None)
        and (channels is None or type(channels) is str)
    ):
        plain_key = ("plain", mode, channels, layout, dtype, scale, plain_mean, plain_std)
        try:
            found = _float_plans.get(plain_key)
        except TypeError:
            pass  # an unhashable dtype: refused below
        else:
            if found is not None:
                return found
            return _cached_float_plan(plain_key, mode, channels, layout, dtype, scale, mean, std)
    if type(scale) is not bool:
        if not isinstance(scale, numpy.bool_):
            return _find_plan(mode, channels, layout, dtype, scale, mean, std)  # refuses it
        scale = bool(scale)
    try:
        key = (
            mode,
            _hashable(channels),
            layout,
            dtype,
            scale,
            _number_key(mean),
            _number_key(std),
        )
        found = _float_plans.get(key)
    except TypeError:
        # Options that cannot be a key are not valid, and _find_plan says why.
        return _find_plan(mode, channels, layout, dtype, scale, mean, std)
    if found is not None:
        return found
    return _cached_float_plan(key, mode, channels, layout, dtype, scale, mean, std)


def _cached_float_plan(key: Any, mode: str, *options: Any) -> Plan:
    """The plan cached under ``key``, worked out from ``options`` if none is,
    in a cache that is emptied when it is full."""

    def fresh() -> Plan:
        if len(_float_plans) >= _FLOAT_PLANS_KEPT:
            _float_plans.clear()
        return _find_plan(mode, *options)

    return _cached(_float_plans, key, fresh, mode)


def _number_key(value: Any) -> Any:
    """``value`` (a number or numbers) as a cache key that tells True from 1."""
    if isinstance(value, (bool, numpy.bool_)):
        return ("bool", bool(value))
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (Sequence, numpy.ndarray)) and not isinstance(value, (str, bytes)):
        return tuple(_number_key(v) for v in value)
    return value


def _hashable(value: Any) -> Any:
    """A list (of band names, of means) as a tuple, for a cache key."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return tuple(value)
    if isinstance(value, numpy.ndarray):
        return tuple(value.tolist())
    return value


def _cached(cache: dict[Any, Plan], key: Any, find: Any, mode: str) -> Plan:
    with _plans_lock:
        found = cache.get(key)
        if found is None:
            found = find()
            _check(mode, found)
            cache[key] = found
    return found
