"""fastpil as typed code uses it.

Checked with ``mypy --strict`` against the installed package (``make
dist-check``), which proves the wheel ships its type information; pytest does
not collect it. Each ``type: ignore`` marks a call the types must reject:
under ``--strict`` an ignore that is no longer needed is itself an error, so
the types cannot silently loosen to ``Any``.
"""

from __future__ import annotations

import mmap
from multiprocessing import shared_memory
from typing import assert_type

import numpy
import numpy.typing as npt
from PIL import Image

import fastpil


def load(path: str) -> npt.NDArray[numpy.uint8]:
    with Image.open(path) as im:
        return fastpil.to_numpy(im)


def refill(im: Image.Image, out: npt.NDArray[numpy.uint8]) -> numpy.ndarray:
    return fastpil.to_numpy(im, out=out)


def into_buffers(im: Image.Image) -> list[numpy.ndarray]:
    nbytes = fastpil.to_numpy(im).nbytes
    shared = shared_memory.SharedMemory(create=True, size=nbytes)
    try:
        with mmap.mmap(-1, nbytes) as mapped:
            results = [
                fastpil.to_numpy(im, out=bytearray(nbytes)),
                fastpil.to_numpy(im, out=mapped).copy(),
                fastpil.to_numpy(im, out=shared.buf).copy(),
            ]
    finally:
        shared.close()
        shared.unlink()
    return results


def describe() -> str:
    assert_type(fastpil.__version__, str)
    assert_type(fastpil.simd_path(), str)
    assert_type(fastpil.to_numpy(Image.new("L", (2, 2))), numpy.ndarray)
    return f"fastpil {fastpil.__version__} ({fastpil.simd_path()})"


def rejected(im: Image.Image) -> None:
    fastpil.to_numpy(b"not an image")  # type: ignore[arg-type]
    fastpil.to_numpy(im, None)  # type: ignore[call-arg]
    fastpil.to_numpy(im, output=None)  # type: ignore[call-arg]
    fastpil.simd_path("avx2")  # type: ignore[call-arg]
    fastpil.from_numpy(numpy.zeros(3))  # type: ignore[attr-defined]
