# Types of the compiled shell fastpil/_core.pyx.
import enum
from collections.abc import Sequence
from typing import Any

import numpy
from typing_extensions import disjoint_base

__version__: str

class Kind(enum.IntEnum):
    copy = 0
    to_bool = 1
    interleaved = 2
    planar = 3

@disjoint_base
class Transform:
    kind: Kind
    pixel_bytes: int
    pattern: bytes
    def __init__(self, kind: Kind | int, pixel_bytes: int = 1, pattern: bytes = b"") -> None: ...

def convert(
    imaging: Any,
    mode: str,
    rawmode: str,
    transform: Transform,
    extents: tuple[int, int, int, int],
    shape: tuple[int, ...],
    dtype: numpy.dtype[Any],
    out: numpy.ndarray[Any, Any] | None = None,
) -> numpy.ndarray[Any, Any]: ...
def simd_paths() -> tuple[str, ...]: ...
def simd_path() -> str: ...
def select_simd_path(name: str) -> None: ...
def _transform(transform: Transform, src: Any, dst: Sequence[Any]) -> None: ...
