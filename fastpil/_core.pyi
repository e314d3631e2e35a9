# Types of the compiled shell fastpil/_core.pyx.
import enum
from collections.abc import Sequence
from typing import Any

import numpy
from typing_extensions import Self, disjoint_base

__version__: str

class Kind(enum.IntEnum):
    copy = 0
    to_bool = 1
    interleaved = 2
    planar = 3
    float_interleaved = 4
    float_planar = 5

class Sample(enum.IntEnum):
    u8 = 0
    u16 = 1
    u16_swapped = 2
    i32 = 3
    f32 = 4

class Output(enum.IntEnum):
    float32 = 0
    float16 = 1

@disjoint_base
class Transform:
    @property
    def kind(self) -> Kind: ...
    @property
    def pixel_bytes(self) -> int: ...
    @property
    def pattern(self) -> bytes: ...
    @property
    def sample(self) -> Sample: ...
    @property
    def output(self) -> Output: ...
    @property
    def scale(self) -> tuple[float, ...]: ...
    @property
    def offset(self) -> tuple[float, ...]: ...
    # Built once, in __new__ (Cython's __cinit__): __init__ takes nothing.
    def __new__(
        cls,
        kind: Kind | int,
        pixel_bytes: int = 1,
        pattern: bytes = b"",
        *,
        sample: Sample | int = ...,
        output: Output | int = ...,
        scale: Sequence[float] = (),
        offset: Sequence[float] = (),
    ) -> Self: ...

@disjoint_base
class Plan:
    @property
    def mode(self) -> str: ...
    @property
    def rawmode(self) -> str: ...
    @property
    def transform(self) -> Transform: ...
    @property
    def dtype(self) -> numpy.dtype[Any]: ...
    @property
    def channels(self) -> int: ...
    @property
    def planar(self) -> bool: ...
    @property
    def packed_pixel(self) -> int: ...
    def __new__(
        cls,
        mode: str,
        rawmode: str,
        transform: Transform,
        dtype: Any,
        channels: int,
        planar: bool,
        packed_pixel: int,
    ) -> Self: ...
    def shape(self, width: int, height: int) -> tuple[int, ...]: ...

def convert(
    plan: Plan,
    imaging: Any,
    extents: tuple[int, int, int, int],
    out: numpy.ndarray[Any, Any] | None = None,
) -> numpy.ndarray[Any, Any]: ...
def convert_into(
    plan: Plan, imaging: Any, extents: tuple[int, int, int, int], dest: Any, offset: int
) -> None: ...
def decode_array(
    imaging: Any, mode: str, rawmode: str, array: Any, bands: tuple[int, ...], fill: bool
) -> None: ...
def simd_paths() -> tuple[str, ...]: ...
def simd_path() -> str: ...
def select_simd_path(name: str) -> None: ...
def _transform(transform: Transform, src: Any, dst: Sequence[Any]) -> None: ...
def _kernel_overlaps() -> int: ...
