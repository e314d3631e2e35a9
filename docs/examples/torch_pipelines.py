"""torchvision pipelines before and after fastpil: the PyTorch page's examples.

tests/test_torch.py runs them against torchvision.
"""

from __future__ import annotations

import functools

import torch
from torchvision.transforms import v2

import fastpil.torch

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)

# Before: ImageNet's evaluation transforms, as torchvision documents them.
before = v2.Compose(
    [
        v2.Resize(256),
        v2.CenterCrop(224),
        v2.ToImage(),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize(MEAN, STD),
    ]
)

# After: fuse() keeps Resize and turns the other four steps into one pass.
after = fastpil.torch.fuse(before)

# The same, written by hand: the crop is a box of the resized image.
by_hand = v2.Compose(
    [
        v2.Resize(256),
        fastpil.torch.ImageToTensor(
            dtype=torch.float32,
            scale=True,
            mean=MEAN,
            std=STD,
            box=fastpil.torch.CenterBox(224),
        ),
    ]
)

# For a DataLoader: the dataset resizes, the collate function crops and
# writes the whole batch, uint8, once (normalised where the model runs:
# gpu_normalise.py).
resize_only = v2.Resize(256)
collate_uint8 = functools.partial(fastpil.torch.collate, box=fastpil.torch.CenterBox(224))
# Or the float batch itself, normalised in the workers.
collate_float = functools.partial(
    fastpil.torch.collate,
    dtype=torch.float32,
    scale=True,
    mean=MEAN,
    std=STD,
    box=fastpil.torch.CenterBox(224),
)
