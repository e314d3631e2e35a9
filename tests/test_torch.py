"""PyTorch as a real client: fastpil against torchvision's own transforms.

Needs torch and torchvision, which fastpil does not depend on: `make
test-torch` installs them in a venv of their own and sets
FASTPIL_REQUIRE_TORCH=1, so that there these tests fail rather than skip.

The oracles (TORCHVISION facts, checked by running it): for 8-bit images,
transforms.ToTensor() followed by Normalize(), and the v2 pipeline ToImage(),
ToDtype(float32, scale=True), Normalize(); for I;16 only the v2 pipeline
(ToTensor gives an unscaled int16 tensor there). torchvision computes in
float32 too, a division and a subtraction, so neither side is exact: each is
checked against the float64 result within its bound, and the two against each
other within the sum of the bounds.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import numpy
import pytest
from oracle import random_image
from PIL import Image

import fastpil

if os.environ.get("FASTPIL_REQUIRE_TORCH"):
    import torch
    import torchvision
else:
    torch = pytest.importorskip("torch", reason="torch is not installed (make test-torch)")
    torchvision = pytest.importorskip("torchvision", reason="needs torchvision (make test-torch)")

from torchvision import transforms as T
from torchvision.transforms import v2

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
FASTPIL_BOUND = 3  # ulp, at the magnitude of the terms (the docs' bound)
TORCHVISION_BOUND = 3  # what torchvision's float32 ToTensor/ToDtype and Normalize keep to

torch.set_num_threads(1)  # as in a DataLoader worker


def classic(mean, std):
    return T.Compose([T.ToTensor(), T.Normalize(mean, std)])


def version_2(mean, std):
    return v2.Compose(
        [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)]
    )


def exact(a, largest, mean, std):
    """The float64 result and its terms' magnitude, for (C, H, W) samples ``a``."""
    m = numpy.asarray(mean, numpy.float64)[:, None, None]
    s = numpy.asarray(std, numpy.float64)[:, None, None]
    scaled = a.astype(numpy.float64) / largest
    return (scaled - m) / s, numpy.maximum(numpy.abs(scaled), numpy.abs(m)) / s


def ulps(got, want, terms):
    unit = numpy.spacing(terms.astype(numpy.float32)).astype(numpy.float64)
    return float((numpy.abs(numpy.asarray(got, numpy.float64) - want) / unit).max(initial=0))


def check(ours, theirs, a, largest, mean, std):
    assert ours.dtype == numpy.float32
    assert ours.shape == tuple(theirs.shape)
    want, terms = exact(a, largest, mean, std)
    theirs = theirs.numpy()
    assert ulps(ours, want, terms) <= FASTPIL_BOUND
    assert ulps(theirs, want, terms) <= TORCHVISION_BOUND
    assert ulps(ours, theirs, terms) <= FASTPIL_BOUND + TORCHVISION_BOUND


CASES = [
    # (mode, channels=, the image torchvision is given, samples, largest, mean, std)
    ("RGB", None, lambda im: im, lambda a: a, 255, MEAN, STD),
    ("RGBA", "RGB", lambda im: im.convert("RGB"), lambda a: a[:3], 255, MEAN, STD),
    ("L", None, lambda im: im, lambda a: a, 255, (0.5,), (0.25,)),
]


@pytest.mark.parametrize(
    ("mode", "channels", "theirs", "samples", "largest", "mean", "std"), CASES
)
@pytest.mark.parametrize("pipeline", [classic, version_2], ids=["ToTensor", "v2"])
@pytest.mark.parametrize("size", [(1, 1), (31, 17), (224, 224)])
def test_single_images_match_torchvision(
    mode, channels, theirs, samples, largest, mean, std, pipeline, size, rng
):
    im = random_image(mode, size, rng)
    ours = fastpil.to_numpy(
        im, channels=channels, layout="CHW", dtype=numpy.float32, scale=True, mean=mean, std=std
    )
    reference = pipeline(mean, std)(theirs(im))
    a = samples(numpy.array(im).reshape(size[1], size[0], -1).transpose(2, 0, 1))
    check(ours, reference, a, largest, mean, std)


def test_16_bit_images_match_v2(rng):
    """ToTensor gives I;16 as unscaled int16; v2 scales it by 65535."""
    im = random_image("I;16", (37, 23), rng)
    ours = fastpil.to_numpy(
        im, layout="CHW", dtype=numpy.float32, scale=True, mean=(0.5,), std=(0.2,)
    )
    reference = version_2((0.5,), (0.2,))(im)
    assert reference.dtype == torch.float32
    check(ours, reference, numpy.array(im)[None], 65535, (0.5,), (0.2,))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_a_batch_written_into_a_tensor(dtype, rng):
    images = [random_image("RGB", (64, 48), rng) for _ in range(5)]
    batch = torch.empty((5, 3, 48, 64), dtype=dtype)
    numpy_dtype = numpy.float32 if dtype == torch.float32 else numpy.float16
    result = fastpil.to_numpy_batch(
        images,
        layout="CHW",
        dtype=numpy_dtype,
        scale=True,
        mean=MEAN,
        std=STD,
        out=batch.numpy(),
    )
    assert numpy.shares_memory(result, batch.numpy())
    reference = torch.stack([classic(MEAN, STD)(im) for im in images])
    if dtype == torch.float32:
        for i, im in enumerate(images):
            a = numpy.array(im).transpose(2, 0, 1)
            check(batch[i].numpy(), reference[i], a, 255, MEAN, STD)
    else:
        # float16 holds 11 bits: within one of its units of torchvision's float32.
        unit = numpy.spacing(numpy.abs(reference.numpy()).astype(numpy.float16)).astype(float)
        difference = numpy.abs(batch.numpy().astype(float) - reference.numpy())
        assert (difference <= unit).all()


def test_from_numpy_shares_the_result(rng):
    im = random_image("RGB", (20, 10), rng)
    x = fastpil.to_numpy(im, layout="CHW", dtype=numpy.float32, scale=True, mean=MEAN, std=STD)
    t = torch.from_numpy(x)
    assert t.shape == (3, 10, 20)
    assert t.is_contiguous()
    t[0, 0, 0] = 42
    assert x[0, 0, 0] == 42


def encoded(fmt, size, count, rng):
    files = []
    for _ in range(count):
        buf = io.BytesIO()
        random_image("RGB", size, rng).save(buf, fmt)
        files.append(buf.getvalue())
    return files


def test_the_dataloader_recipe(rng):
    """docs/examples/dataloader.py, as the user guide shows it: two worker
    processes, batches written whole by the collate function."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "examples"))
    try:
        import dataloader
    finally:
        sys.path.pop(0)
    files = encoded("PNG", (40, 30), 10, rng)
    batches = list(dataloader.loader(files, batch_size=4, workers=2))
    assert [tuple(b.shape) for b in batches] == [(4, 3, 30, 40), (4, 3, 30, 40), (2, 3, 30, 40)]
    everything = torch.cat(batches)
    reference = torch.stack(
        [classic(MEAN, STD)(Image.open(io.BytesIO(f)).convert("RGB")) for f in files]
    )
    for i, f in enumerate(files):
        a = numpy.array(Image.open(io.BytesIO(f))).transpose(2, 0, 1)
        check(everything[i].numpy(), reference[i], a, 255, MEAN, STD)
    # A worker collates into shared memory, which reaches the main process
    # without a copy; the main process into ordinary memory.
    in_worker = torch.utils.data.DataLoader(
        dataloader.EncodedImages(files),
        batch_size=4,
        num_workers=1,
        collate_fn=lambda images: dataloader.collate(images).is_shared(),
    )
    assert list(in_worker) == [True, True, True]
    assert not dataloader.collate([Image.open(io.BytesIO(files[0]))]).is_shared()


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_to_image_replaces_to_pil_image(channels, rng):
    """On Pillow >= 11.3 torchvision's to_pil_image calls tobytes() and
    Image.frombuffer itself, so no patch of fromarray reaches it: to_image
    of the tensor's array is the replacement, image for image."""
    t = torch.from_numpy(rng.integers(0, 256, (channels, 37, 53), dtype=numpy.uint8))
    theirs = torchvision.transforms.functional.to_pil_image(t)
    ours = fastpil.to_image(t.numpy(), layout="CHW")
    assert (ours.mode, ours.size, ours.tobytes()) == (theirs.mode, theirs.size, theirs.tobytes())
    batch = torch.stack([t, t.flip(1)])
    images = fastpil.to_images(batch.numpy(), layout="CHW")
    for im, each in zip(images, batch, strict=True):
        theirs = torchvision.transforms.functional.to_pil_image(each)
        assert im.tobytes() == theirs.tobytes()
