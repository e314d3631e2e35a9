"""fastpil.torch as typed code uses it.

Checked with ``mypy --strict``, with torch's own types, by
tests/test_torch.py (make test-torch), against the installed package; pytest
does not collect it. Each ``type: ignore`` marks a call the types must
reject: an ignore that is no longer needed is itself an error under
``--strict``, so the types cannot silently loosen to ``Any``.
"""

from __future__ import annotations

import functools
from typing import Any, assert_type

import torch
from PIL import Image

from fastpil.torch import CenterBox, ImageToTensor, collate, fuse


def convert(im: Image.Image) -> torch.Tensor:
    transform = ImageToTensor(
        dtype=torch.float32,
        scale=True,
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
        box=CenterBox(224),
    )
    return transform.transform(im, {})


def boxes(im: Image.Image) -> tuple[int, int, int, int]:
    box = CenterBox((224, 200))
    assert_type(box.fits(im.size), bool)
    return box(im.size)


def loader_collate() -> functools.partial[Any]:
    return functools.partial(collate, dtype=torch.float16, scale=True, layout="HWC")


def pipeline(steps: Any) -> Any:
    return fuse(steps)


def refused() -> None:
    ImageToTensor(dtype="float32")  # type: ignore[arg-type]
    ImageToTensor(scale=1.5)  # type: ignore[arg-type]
    ImageToTensor(box=(1, 2, 3))  # type: ignore[arg-type]
    CenterBox("224")  # type: ignore[arg-type]
    collate([], layout=3)  # type: ignore[arg-type]
