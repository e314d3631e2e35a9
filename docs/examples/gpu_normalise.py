"""uint8 batches from the workers, normalised on the device the model runs on.

A uint8 batch is a quarter of the bytes of a float32 one, through the
workers' shared memory and over PCIe: send that, then normalise it there,
in one multiply-add per value, the one fastpil's float pass computes. With
device="cpu" it runs anywhere, which is how tests/test_torch.py runs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

import fastpil.torch


class Normalize:
    """((x / 255) - mean) / std, computed as x * scale + offset."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], device: str) -> None:
        m = torch.tensor(mean, dtype=torch.float64).view(1, -1, 1, 1)
        s = torch.tensor(std, dtype=torch.float64).view(1, -1, 1, 1)
        # The factors in float64, then rounded once, as fastpil rounds them.
        self.scale = (1 / (255 * s)).to(device, torch.float32)
        self.offset = (-m / s).to(device, torch.float32)

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        batch = batch.to(self.scale.device, non_blocking=True)
        return torch.addcmul(self.offset, batch, self.scale)


def batches(
    dataset: torch.utils.data.Dataset,  # of (image, label)
    mean: Sequence[float],
    std: Sequence[float],
    device: str = "cuda",
    batch_size: int = 64,
    workers: int = 2,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    normalize = Normalize(mean, std, device)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=fastpil.torch.collate,  # uint8 (N, C, H, W)
        pin_memory=device != "cpu",  # lets non_blocking copies overlap
    )
    for images, labels in loader:
        yield normalize(images), labels.to(device, non_blocking=True)
