"""Pillow images to NumPy arrays and back in one pass: exact, writable, fast."""

from __future__ import annotations

import os

from . import _core
from ._convert import to_numpy_batch
from ._core import to_numpy
from ._images import to_image, to_images
from ._patch import patch, patched, unpatch

__version__: str = _core.__version__
__all__ = [
    "__version__",
    "patch",
    "patched",
    "simd_path",
    "to_image",
    "to_images",
    "to_numpy",
    "to_numpy_batch",
    "unpatch",
]


def simd_path() -> str:
    """Name the instruction set fastpil's kernels use in this process.

    The fastest one the CPU supports is chosen at import: ``"avx2"``,
    ``"ssse3"`` or ``"scalar"`` on x86-64, ``"neon"`` or ``"scalar"`` on
    aarch64. Setting the environment variable ``FASTPIL_SIMD`` to one of these
    names before the import forces that one; naming one the CPU cannot run
    makes the import fail.

    Returns
    -------
    str
    """
    return _core.simd_path()


def _apply_simd_environment() -> None:
    name = os.environ.get("FASTPIL_SIMD")
    if name:
        try:
            _core.select_simd_path(name)
        except ValueError as error:
            raise ImportError(f"FASTPIL_SIMD={name!r}: {error}") from None


_apply_simd_environment()
