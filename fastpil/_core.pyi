# Types of the compiled shell fastpil/_core.pyx.
import enum
from collections.abc import Sequence
from typing import Any

import numpy
from PIL import Image
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
    def floating(self) -> bool: ...
    @property
    def planes(self) -> int: ...
    # Built once, in __new__ (Cython's __cinit__): __init__ takes nothing.
    def __new__(
        cls,
        kind: Kind | int,
        pixel_bytes: int = 1,
        pattern: bytes = b"",
        *,
        sample: Sample | int = ...,
        output: Output | int = ...,
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
    @property
    def widest(self) -> int: ...
    @property
    def divisor(self) -> float: ...
    @property
    def floating(self) -> bool: ...
    def __new__(
        cls,
        mode: str,
        rawmode: str,
        transform: Transform,
        dtype: Any,
        channels: int,
        planar: bool,
        packed_pixel: int,
        *,
        widest: int = ...,
        divisor: float = ...,
    ) -> Self: ...
    def shape(self, width: int, height: int) -> tuple[int, ...]: ...

_Normalisation = tuple[tuple[float, ...], tuple[float, ...]] | None

plans: dict[tuple[Any, ...], Plan]

def to_numpy(
    im: Image.Image,
    *,
    out: Any = None,
    channels: str | Sequence[str] | None = None,
    layout: str = "HWC",
    box: tuple[int, int, int, int] | None = None,
    dtype: Any = None,
    scale: bool = False,
    mean: Any = None,
    std: Any = None,
) -> numpy.ndarray: ...
def to_array(
    plan: Plan,
    imaging: Any,
    extents: tuple[int, int, int, int],
    out: numpy.ndarray[Any, Any] | None = None,
    normalisation: _Normalisation = None,
) -> numpy.ndarray: ...
def into_buffer(
    plan: Plan,
    imaging: Any,
    extents: tuple[int, int, int, int],
    dest: Any,
    offset: int,
    normalisation: _Normalisation = None,
) -> None: ...
def decode_array(
    imaging: Any, mode: str, rawmode: str, array: Any, bands: tuple[int, ...], fill: bool
) -> None: ...
def packing(array: Any, bands: tuple[int, ...], fill: bool) -> str: ...
def pack_array(array: Any, bands: tuple[int, ...], fill: bool, out: Any) -> None: ...
SMALL_ARRAY: int
pillow_takes_contiguous: dict[tuple[Any, int, int, str | None], bool]

def fromarray(obj: Any, mode: str | None = None) -> Any: ...
def simd_paths() -> tuple[str, ...]: ...
def simd_path() -> str: ...
def select_simd_path(name: str) -> None: ...
def _transform(
    transform: Transform,
    src: Any,
    dst: Sequence[Any],
    affine: tuple[Sequence[float], Sequence[float]] | None = None,
) -> None: ...
def _count_kernel_overlaps(on: bool) -> None: ...
def _kernel_overlaps() -> int: ...
def _chunk_target() -> int: ...
def _set_chunk_target(size: int) -> None: ...
def _l2_cache_bytes() -> int: ...
