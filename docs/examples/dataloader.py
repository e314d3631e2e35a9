"""Feeding a PyTorch DataLoader with fastpil: the recipe in the user guide.

The dataset returns decoded Pillow images; the collate function writes the
whole batch, normalised, straight into the tensor the model will take, with
one fastpil call: no per-image tensor, no torch.stack. In a worker process
that tensor is made in shared memory, so that sending it to the main process
copies nothing.
"""

from __future__ import annotations

import io
import math

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


def empty_batch(shape: tuple[int, ...]) -> torch.Tensor:
    """A float32 tensor to collate into: in shared memory in a worker.

    A worker sends each batch to the main process through shared memory, and
    a tensor made anywhere else is copied there first: one more write of the
    whole batch, into fresh pages. torch's own default_collate makes its batch
    in shared memory to begin with, as here; torch has no public call for it.
    """
    if torch.utils.data.get_worker_info() is None:
        return torch.empty(shape)
    storage = torch.UntypedStorage._new_shared(4 * math.prod(shape))
    return torch.empty(0).set_(storage).view(shape)


def collate(images: list[Image.Image]) -> torch.Tensor:
    """The batch as one (N, 3, H, W) float32 tensor, normalised, in one pass."""
    batch = empty_batch((len(images), 3, images[0].height, images[0].width))
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
