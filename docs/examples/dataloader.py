"""Feeding a PyTorch DataLoader with fastpil: the recipe in the user guide.

The dataset returns decoded Pillow images; the collate function writes the
whole batch, normalised, straight into the tensor the model will take, with
one fastpil call: no per-image tensor, no torch.stack.
"""

from __future__ import annotations

import io

import numpy
import torch
from PIL import Image

import fastpil

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class EncodedImages(torch.utils.data.Dataset):
    """Images held as encoded bytes (JPEG, PNG, ...), decoded when asked for."""

    def __init__(self, files: list[bytes]) -> None:
        self.files = files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Image.Image:
        im = Image.open(io.BytesIO(self.files[index]))
        return im.convert("RGB") if im.mode != "RGB" else im


def collate(images: list[Image.Image]) -> torch.Tensor:
    """The batch as one (N, 3, H, W) float32 tensor, normalised, in one pass."""
    batch = torch.empty((len(images), 3, images[0].height, images[0].width))
    fastpil.to_numpy_batch(
        images,
        layout="CHW",
        dtype=numpy.float32,
        scale=True,
        mean=MEAN,
        std=STD,
        out=batch.numpy(),
    )
    return batch


def loader(
    files: list[bytes], batch_size: int = 32, workers: int = 2
) -> torch.utils.data.DataLoader:
    return torch.utils.data.DataLoader(
        EncodedImages(files), batch_size=batch_size, num_workers=workers, collate_fn=collate
    )
