# Types of the compiled shell fastpil/_core.pyx.
import enum
from typing import Any

import numpy

__version__: str

class Transform(enum.IntEnum):
    copy = 0
    compact_rgbx_to_rgb = 1
    bytes_to_bool = 2

def convert(
    imaging: Any,
    mode: str,
    rawmode: str,
    transform: Transform,
    shape: tuple[int, ...],
    dtype: numpy.dtype[Any],
    out: numpy.ndarray[Any, Any] | None = None,
) -> numpy.ndarray[Any, Any]: ...
def simd_paths() -> tuple[str, ...]: ...
def simd_path() -> str: ...
def select_simd_path(name: str) -> None: ...
def _transform(transform: Transform, src: Any, dst: Any) -> None: ...
