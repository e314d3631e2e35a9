"""Buffers that touch an inaccessible page, so a kernel that reads or writes
one byte too far faults at once instead of passing silently."""

from __future__ import annotations

import ctypes
import mmap
import sys
from typing import Any

import numpy

PAGE = mmap.PAGESIZE
PROT_NONE = 0
AVAILABLE = sys.platform != "win32"

if AVAILABLE:
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.mmap.restype = ctypes.c_void_p
    _libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    _libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    _libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what} failed")


class GuardPages:
    """Allocates buffers flush against a PROT_NONE page; frees them all on close.

    Each buffer gets its own mapping: ``size`` bytes rounded up to whole pages,
    with an inaccessible page on either side. ``at="end"`` puts the last byte
    of the buffer just before the upper guard page, ``at="start"`` puts its
    first byte just after the lower one.
    """

    def __init__(self) -> None:
        self._mappings: list[tuple[int, int]] = []

    def buffer(self, size: int, at: str = "end", fill: int | None = None) -> numpy.ndarray:
        span = max(PAGE, -(-size // PAGE) * PAGE)
        total = span + 2 * PAGE
        base = _libc.mmap(
            None,
            total,
            mmap.PROT_READ | mmap.PROT_WRITE,
            mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
            -1,
            0,
        )
        if base in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap failed")
        self._mappings.append((base, total))
        _check(_libc.mprotect(base, PAGE, PROT_NONE), "mprotect")
        _check(_libc.mprotect(base + PAGE + span, PAGE, PROT_NONE), "mprotect")
        start = base + PAGE + (span - size if at == "end" else 0)
        # A zero-length ctypes array cannot export a buffer; an empty slice of
        # a one-byte one (inside the mapping) stands for it.
        raw = (ctypes.c_ubyte * max(size, 1)).from_address(start)
        array = numpy.frombuffer(raw, numpy.uint8)[:size]
        if fill is not None:
            array.fill(fill)
        return array

    def view(
        self, shape: tuple[int, ...], strides: tuple[int, ...], dtype: Any, at: str = "end"
    ) -> numpy.ndarray:
        """An array of ``shape`` and ``strides`` (in bytes, any sign, zero
        among them) over a buffer of exactly the bytes it covers, flush
        against a guard page, its elements random bytes."""
        dtype = numpy.dtype(dtype)
        low = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
        high = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
        size = high - low + dtype.itemsize
        raw = self.buffer(size, at)
        raw[:] = (numpy.arange(size, dtype=numpy.uint32) * 2654435761 >> 24).astype(numpy.uint8)
        return numpy.ndarray(shape, dtype, buffer=raw, offset=-low, strides=strides)

    def close(self) -> None:
        """Unmap every buffer. Nothing may use them afterwards."""
        while self._mappings:
            base, total = self._mappings.pop()
            _check(_libc.munmap(base, total), "munmap")
