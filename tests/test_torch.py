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

import functools
import importlib
import io
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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
from torchvision import tv_tensors
from torchvision.transforms import v2

from fastpil.torch import CenterBox, Fused, ImageToTensor, collate, fuse

REQUIRE_TORCH = bool(os.environ.get("FASTPIL_REQUIRE_TORCH"))
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"

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


def example(name: str) -> ModuleType:
    """A module of docs/examples, which the docs include."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_the_dataloader_recipe(rng):
    """docs/examples/dataloader.py, as the user guide shows it: two worker
    processes, batches written whole by the collate function."""
    dataloader = example("dataloader")
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


# ---------------------------------------------------------------------------
# fastpil.torch: the transform, fuse() and collate() against torchvision's
# transforms and torch's and timm's collates.


def optional(name: str) -> ModuleType:
    """A module only some tests need (timm, mypy): required where torch is."""
    if REQUIRE_TORCH:
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=f"needs {name} (make test-torch)")


# Per mode: a mean and std with one value per channel, and the largest value
# that scaling divides by (v2's ToDtype and ConvertImageDtype divide I;16 by
# 65535; ToTensor does not scale it, so it is no oracle for I;16).
NORMALISED = {
    "L": ((0.5,), (0.25,), 255),
    "RGB": (MEAN, STD, 255),
    "RGBA": ((*MEAN, 0.4), (*STD, 0.2), 255),
    "I;16": ((0.5,), (0.2,), 65535),
}
# The 8-bit modes whose values ToTensor divides by 255; every other mode goes
# through the replaced steps of a fused pipeline.
EIGHT_BIT = ("L", "LA", "La", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV")


def planes(im):
    """numpy.array(im) as (C, H, W)."""
    a = numpy.array(im)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def per_channel(values, count):
    return tuple(values) * count if len(values) == 1 else tuple(values)


def check_tensor(ours, theirs, a, largest, mean, std):
    """``ours`` against torchvision's ``theirs`` for samples ``a``: type, dtype,
    shape, a contiguous result, and the float bounds of ``check``."""
    assert type(ours) is type(theirs), (type(ours), type(theirs))
    assert ours.dtype == theirs.dtype == torch.float32
    assert ours.is_contiguous()
    count = a.shape[0]
    check(
        ours.as_subclass(torch.Tensor).numpy(),
        theirs.as_subclass(torch.Tensor),
        a,
        largest,
        per_channel(mean, count),
        per_channel(std, count),
    )


def same_bits(ours, theirs):
    """Equal tensors, NaN payloads included: type, dtype, shape and bytes."""
    assert type(ours) is type(theirs), (type(ours), type(theirs))
    assert ours.dtype == theirs.dtype
    assert ours.shape == theirs.shape
    if ours.dtype == torch.bool:
        # numpy.array stores mode 1's True as 0xFF, fastpil as 1: equal values.
        assert torch.equal(ours, theirs)
        return
    plain = (t.as_subclass(torch.Tensor).contiguous() for t in (ours, theirs))
    assert numpy.array_equal(*(t.view(-1).view(torch.uint8).numpy() for t in plain))


def v1_pil_pipeline(mean, std):
    return T.Compose([T.PILToTensor(), T.ConvertImageDtype(torch.float32), T.Normalize(mean, std)])


PIPELINES = {"ToTensor": classic, "PILToTensor": v1_pil_pipeline, "v2": version_2}


@pytest.mark.parametrize("size", [(1, 1), (31, 17), (224, 224)])
@pytest.mark.parametrize(
    ("mode", "pipeline"),
    # ToTensor gives I;16 as unscaled int16: no oracle (test_fused_tails runs it).
    [(m, p) for m in NORMALISED for p in PIPELINES if (m, p) != ("I;16", "ToTensor")],
)
def test_image_to_tensor_matches_the_pipelines(mode, pipeline, size, rng):
    mean, std, largest = NORMALISED[mode]
    im = random_image(mode, size, rng)
    ours = ImageToTensor(dtype=torch.float32, scale=True, mean=mean, std=std)(im)
    theirs = PIPELINES[pipeline](mean, std)(im)
    assert isinstance(ours, tv_tensors.Image)
    check_tensor(ours.as_subclass(type(theirs)), theirs, planes(im), largest, mean, std)


# Every mode torch has a dtype for (I;16B is big-endian).
TENSOR_MODES = [m for m in Image.MODES if m != "I;16B"]


@pytest.mark.parametrize("mode", TENSOR_MODES)
@pytest.mark.parametrize("size", [(1, 1), (13, 7)])
def test_without_options_it_is_to_image(mode, size, rng):
    im = random_image(mode, size, rng)
    ours = ImageToTensor()(im)
    same_bits(ours, v2.ToImage()(im))
    same_bits(ours.as_subclass(torch.Tensor), T.PILToTensor()(im))
    assert ours.is_contiguous()


def test_float16_is_within_one_of_its_units(rng):
    im = random_image("RGB", (64, 48), rng)
    ours = ImageToTensor(dtype=torch.float16, scale=True, mean=MEAN, std=STD)(im)
    assert ours.dtype == torch.float16
    reference = classic(MEAN, STD)(im).numpy()
    unit = numpy.spacing(numpy.abs(reference).astype(numpy.float16)).astype(float)
    assert (numpy.abs(ours.numpy().astype(float) - reference) <= unit).all()


def test_channels_layout_and_box(rng):
    im = random_image("RGBA", (41, 29), rng)
    box = (3, 2, 30, 21)
    hwc = ImageToTensor(channels="BGR", layout="HWC", box=box)(im)
    assert torch.equal(hwc, torch.from_numpy(numpy.array(im.crop(box))[..., [2, 1, 0]].copy()))
    ours = ImageToTensor(
        dtype=torch.float32, scale=True, mean=MEAN, std=STD, channels="RGB", box=box
    )
    cropped = im.crop(box).convert("RGB")
    check_tensor(ours(im), version_2(MEAN, STD)(cropped), planes(cropped), 255, MEAN, STD)


@pytest.mark.parametrize(
    "image_size", [(341, 256), (256, 341), (257, 300), (225, 231), (224, 224), (500, 375)]
)
@pytest.mark.parametrize("crop", [224, (100, 51), [7]])
def test_center_box_is_center_crop(image_size, crop, rng):
    """Halves round to even, as CenterCrop's int(round(...)) does."""
    im = random_image("RGB", image_size, rng)
    box = CenterBox(crop)(im.size)
    for center_crop in (T.CenterCrop(crop), v2.CenterCrop(crop)):
        assert im.crop(box).tobytes() == center_crop(im).tobytes()
    ours = ImageToTensor(box=CenterBox(crop))(im)
    assert torch.equal(ours, v2.Compose([v2.CenterCrop(crop), v2.ToImage()])(im))


def test_center_box_does_not_pad():
    with pytest.raises(ValueError, match="larger than the 200x300 image: CenterCrop pads"):
        CenterBox(224)((200, 300))
    assert not CenterBox((10, 20)).fits((19, 40))
    assert CenterBox((10, 20)).fits((20, 10))
    with pytest.raises(ValueError, match="size must be an int or"):
        CenterBox((1, 2, 3))


def boxes_and_mask(size):
    width, height = size
    boxes = tv_tensors.BoundingBoxes(
        [[1, 2, 10, 12], [5, 5, width - 1, height - 1]], format="XYXY", canvas_size=(height, width)
    )
    mask = tv_tensors.Mask(torch.arange(height * width, dtype=torch.int64).reshape(height, width))
    return boxes, mask


def test_v2_samples_convert_images_and_pass_the_rest(rng):
    im = random_image("RGB", (40, 30), rng)
    boxes, mask = boxes_and_mask(im.size)
    label = torch.tensor(3)
    convert = ImageToTensor(dtype=torch.float32, scale=True, mean=MEAN, std=STD)
    theirs = version_2(MEAN, STD)
    a = planes(im)
    out = convert(im, boxes, mask, label)
    reference = theirs(im, boxes, mask, label)
    check_tensor(out[0], reference[0], a, 255, MEAN, STD)
    assert out[1] is boxes
    assert out[2] is mask
    assert out[3] is label
    for ours, want in zip(out[1:], reference[1:], strict=True):
        same_bits(ours, want)
    sample = {"image": im, "target": {"boxes": boxes, "masks": mask, "labels": [1, 2]}}
    out = convert(sample)
    check_tensor(out["image"], theirs(sample)["image"], a, 255, MEAN, STD)
    assert out["target"]["boxes"] is boxes
    assert out["target"]["labels"] == [1, 2]
    # box= crops images alone, not the boxes or masks of the sample.
    cropped = ImageToTensor(box=CenterBox(20))(im, boxes)
    assert cropped[0].shape == (3, 20, 20)
    assert cropped[1] is boxes


def test_options_are_checked(rng):
    with pytest.raises(ValueError, match="dtype must be None"):
        ImageToTensor(dtype=torch.float64)
    with pytest.raises(ValueError, match="layout must be one of"):
        ImageToTensor(layout="CWH")
    with pytest.raises(TypeError, match="scale must be True or False"):
        ImageToTensor(scale=1)
    with pytest.raises(TypeError, match="box must be 4 integers"):
        ImageToTensor(box=(1, 2))
    for mean in ("abc", "123", b"\1\2\3", {1: 2, 3: 4, 5: 6}, {1, 2, 3}):
        with pytest.raises(TypeError, match="mean must be a number or a sequence"):
            ImageToTensor(dtype=torch.float32, mean=mean)
    with pytest.raises(TypeError, match="mean must be a number or 3 numbers"):
        ImageToTensor(dtype=torch.float32, mean=(1, "2", 3))(random_image("RGB", (4, 3), rng))
    tensor_mean = ImageToTensor(dtype=torch.float32, mean=torch.tensor(MEAN))
    assert tensor_mean.options["mean"] == tuple(torch.tensor(MEAN).tolist())
    with pytest.raises(ValueError, match="converts to its own dtype"):
        ImageToTensor(dtype=torch.uint8)(random_image("I;16", (4, 3), rng))
    with pytest.raises(ValueError, match=r"mean=.* has 3 values; the result has 1 channel"):
        ImageToTensor(dtype=torch.float32, mean=MEAN)(random_image("L", (4, 3), rng))


# ---------------------------------------------------------------------------
# fuse()

TAILS = ("ToTensor", "PILToTensor", "v2")


def make_tail(kind, crop, normalize):
    """The conversion tail ``kind``, after a CenterCrop(crop) unless None, with
    Normalize(*normalize) unless None, in the Compose of its kind."""
    v1_kind = kind != "v2"
    steps = []
    if crop is not None:
        steps.append(T.CenterCrop(crop) if v1_kind else v2.CenterCrop(crop))
    if kind == "ToTensor":
        steps.append(T.ToTensor())
    elif kind == "PILToTensor":
        steps += [T.PILToTensor(), T.ConvertImageDtype(torch.float32)]
    else:
        steps += [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
    if normalize is not None:
        steps.append(T.Normalize(*normalize) if v1_kind else v2.Normalize(*normalize))
    return (T.Compose if v1_kind else v2.Compose)(steps)


def outcome(pipeline, *inputs):
    """What the pipeline returns, or the exception it raises."""
    try:
        return pipeline(*inputs)
    except Exception as error:  # compared by the caller, type and message
        return error


def assert_same_outcome(ours, theirs):
    """Equal results, or the same exception; floats compared elsewhere."""
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), (ours, theirs)
        assert str(ours) == str(theirs)
    else:
        same_bits(ours, theirs)


NORMALIZE = {"none": None, "one": ((0.5,), (0.25,)), "three": (MEAN, STD)}


@pytest.mark.parametrize("normalize", list(NORMALIZE))
@pytest.mark.parametrize("crop", [None, 20, (15, 22)])
@pytest.mark.parametrize("kind", TAILS)
def test_fused_tails(kind, crop, normalize, rng):
    """Each tail, fused, against itself over every mode and sizes the crop fits
    and does not fit: fastpil's pass within the float bounds where it applies,
    the replaced steps' own result (or error) everywhere else."""
    pipeline = make_tail(kind, crop, NORMALIZE[normalize])
    fused = fuse(pipeline)
    assert type(fused) is type(pipeline)
    [step] = fused.transforms
    assert isinstance(step, Fused)
    assert step.replaced == tuple(pipeline.transforms)
    fast_modes = set(EIGHT_BIT) | (set() if kind == "ToTensor" else {"I;16"})
    center = None if crop is None else CenterBox(crop)
    mean, std = NORMALIZE[normalize] or ((0.0,), (1.0,))
    fast_runs = 0
    for mode in TENSOR_MODES:
        for size in [(31, 27), (40, 17), (22, 22), (1, 1)]:
            im = random_image(mode, size, rng)
            theirs, ours = outcome(pipeline, im), outcome(fused, im)
            bands = len(im.getbands())
            fast = (
                mode in fast_modes
                and len(mean) in (1, bands)
                and (center is None or center.fits(im.size))
            )
            if not fast:
                assert_same_outcome(ours, theirs)
                continue
            fast_runs += 1
            cropped = im if center is None else im.crop(center(im.size))
            largest = 65535 if mode == "I;16" else 255
            check_tensor(ours, theirs, planes(cropped), largest, mean, std)
    assert fast_runs >= 8


def names(pipeline):
    """The steps of a fused pipeline: a Fused step as the names it replaced."""
    return [
        [type(s).__name__ for s in step.replaced] if isinstance(step, Fused) else step
        for step in pipeline.transforms
    ]


class OwnToTensor(T.ToTensor):
    """A subclass may do anything: fuse() leaves it alone."""


def test_fuse_leaves_alone_what_it_cannot_fuse(rng):
    zero_std = T.Normalize(MEAN, (0.2, 0.0, 0.2))
    tiny_std = T.Normalize(MEAN, (1e-44,) * 3)
    flat_mean = T.Normalize([[0.5]], [[0.2]])
    v1_normalize = T.Normalize(MEAN, STD)
    float_crop = T.CenterCrop((20.5, 20))
    v1_crop = T.CenterCrop(20)
    resize, flip = T.Resize(30), T.RandomHorizontalFlip(p=0.0)
    own = OwnToTensor()
    cases = [
        (T.Compose([T.ToTensor(), zero_std]), [["ToTensor"], zero_std]),
        (T.Compose([T.ToTensor(), tiny_std]), [["ToTensor"], tiny_std]),
        (T.Compose([T.ToTensor(), flat_mean]), [["ToTensor"], flat_mean]),
        (T.Compose([own, v1_normalize]), [own, v1_normalize]),
        (T.Compose([float_crop, T.ToTensor()]), [float_crop, ["ToTensor"]]),
        (
            v2.Compose([v1_crop, v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]),
            [v1_crop, ["ToImage", "ToDtype"]],
        ),
        (
            v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v1_normalize]),
            [["ToImage", "ToDtype"], v1_normalize],
        ),
        (
            T.Compose([resize, flip, T.ToTensor(), v1_normalize]),
            [resize, flip, ["ToTensor", "Normalize"]],
        ),
    ]
    for pipeline, expected in cases:
        assert names(fuse(pipeline)) == expected, pipeline
    untouched = [
        v2.Compose([v2.ToImage(), v2.ToDtype(torch.float16, scale=True), v2.Normalize(MEAN, STD)]),
        v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32), v2.Normalize(MEAN, STD)]),
        v2.Compose(
            [
                v2.ToImage(),
                v2.ToDtype({tv_tensors.Image: torch.float32, "others": None}, scale=True),
            ]
        ),
        T.Compose([T.PILToTensor(), T.ConvertImageDtype(torch.float64), T.Normalize(MEAN, STD)]),
        T.Compose([T.PILToTensor(), T.Normalize(MEAN, STD)]),
    ]
    for pipeline in untouched:
        assert names(fuse(pipeline)) == list(pipeline.transforms), pipeline
    im = random_image("RGB", (33, 31), rng)
    for pipeline, _ in cases:
        theirs, ours = outcome(pipeline, im), outcome(fuse(pipeline), im)
        if isinstance(theirs, Exception) or not theirs.is_floating_point():
            assert_same_outcome(ours, theirs)
        else:
            assert torch.allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_fuse_keeps_the_pipeline_and_says_what_it_fused(caplog):
    pipeline = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
    steps = list(pipeline.transforms)
    with caplog.at_level(logging.INFO, logger="fastpil.torch"):
        fused = fuse(pipeline)
    assert pipeline.transforms == steps
    assert fused.transforms[0] is steps[0]
    [record] = caplog.records
    assert record.getMessage().startswith(
        "fused CenterCrop(size=(224, 224)), ToTensor(), Normalize(mean=(0.485, 0.456, 0.406)"
    )
    assert "into ImageToTensor(dtype=torch.float32, scale=True, mean=(0.485, 0.456, 0.406)" in (
        record.getMessage()
    )
    conversion = fused.transforms[1].conversion
    assert conversion.options["box"] == CenterBox(224)


def test_fuse_takes_compose_only():
    for pipeline in (
        torch.nn.Sequential(T.Normalize(MEAN, STD)),
        [T.ToTensor()],
        type("OwnCompose", (T.Compose,), {})([T.ToTensor()]),
    ):
        with pytest.raises(TypeError, match=r"fuse\(\) takes a torchvision\.transforms\.Compose"):
            fuse(pipeline)


def test_fuse_reaches_nested_composes(rng):
    inner = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
    pipeline = v2.Compose([v2.RandomHorizontalFlip(p=0.0), inner, v2.Normalize(MEAN, STD)])
    fused = fuse(pipeline)
    assert names(fused.transforms[1]) == [["ToImage", "ToDtype"]]
    im = random_image("RGB", (20, 10), rng)
    check_tensor(fused(im), pipeline(im), planes(im), 255, MEAN, STD)


@pytest.mark.parametrize("crop", [None, 24])
def test_fused_v2_samples(crop, rng):
    pipeline = make_tail("v2", crop, (MEAN, STD))
    fused = fuse(pipeline)
    im = random_image("RGB", (40, 30), rng)
    boxes, mask = boxes_and_mask(im.size)
    keypoints = tv_tensors.KeyPoints([[3, 4], [30, 20]], canvas_size=(30, 40))
    extra = torch.arange(6)
    a = planes(im if crop is None else im.crop(CenterBox(crop)(im.size)))
    for sample in (
        (im, boxes, mask, 7),
        ({"image": im, "boxes": boxes, "masks": mask, "keypoints": keypoints, "extra": extra},),
    ):
        theirs, ours = pipeline(*sample), fused(*sample)
        flat_theirs, _ = torch.utils._pytree.tree_flatten(theirs)
        flat_ours, _ = torch.utils._pytree.tree_flatten(ours)
        for got, want in zip(flat_ours, flat_theirs, strict=True):
            if isinstance(want, tv_tensors.Image):
                check_tensor(got, want, a, 255, MEAN, STD)
            elif isinstance(want, torch.Tensor):
                same_bits(got, want)
            else:
                assert got == want
    # Samples the replaced steps would treat otherwise go through them.
    for sample in (
        (numpy.array(im), boxes),
        (im, tv_tensors.Image(torch.zeros(3, 4, 5, dtype=torch.uint8))),
        (torch.zeros(3, 30, 40, dtype=torch.uint8), boxes),
        (im.convert("P"), boxes),
    ):
        theirs, ours = outcome(pipeline, *sample), outcome(fused, *sample)
        if isinstance(theirs, Exception):
            assert_same_outcome(ours, theirs)
            continue
        for got, want in zip(ours, theirs, strict=True):
            same_bits(got, want)


def test_fused_tail_follows_the_default_dtype(rng):
    pipeline = make_tail("ToTensor", None, (MEAN, STD))
    fused = fuse(pipeline)
    im = random_image("RGB", (9, 8), rng)
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        same_bits(fused(im), pipeline(im))
        assert fused(im).dtype == torch.float64
    finally:
        torch.set_default_dtype(before)


def test_fused_pipelines_pickle(rng):
    """For DataLoader workers started by spawn or forkserver."""
    pipeline = fuse(make_tail("v2", 20, (MEAN, STD)))
    again = pickle.loads(pickle.dumps(pipeline))
    im = random_image("RGB", (30, 25), rng)
    same_bits(again(im), pipeline(im))


def test_the_pipelines_example(rng):
    """docs/examples/torch_pipelines.py: before, after fuse(), by hand, and
    the collate functions, on an ImageNet-style image."""
    pipelines = example("torch_pipelines")
    assert names(pipelines.after)[1] == ["CenterCrop", "ToImage", "ToDtype", "Normalize"]
    for size in [(500, 375), (375, 500), (300, 300), (200, 150)]:
        im = random_image("RGB", size, rng)
        want = pipelines.before(im)
        resized = pipelines.resize_only(im)
        a = planes(resized.crop(CenterBox(224)(resized.size)))
        for ours in (pipelines.after(im), pipelines.by_hand(im)):
            check_tensor(ours, want, a, 255, MEAN, STD)
        batch = [(resized, 0), (pipelines.resize_only(im.transpose(Image.FLIP_LEFT_RIGHT)), 1)]
        images, labels = pipelines.collate_uint8(batch)
        assert torch.equal(images[0], torch.from_numpy(a))
        floats, _ = pipelines.collate_float(batch)
        check_tensor(floats[0], want.as_subclass(torch.Tensor), a, 255, MEAN, STD)
        assert labels.tolist() == [0, 1]


# ---------------------------------------------------------------------------
# collate()


def labelled(mode, count, rng, size=(23, 17)):
    return [(random_image(mode, size, rng), i % 3) for i in range(count)]


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_uint8_collate_is_timm_fast_collate(mode, rng):
    timm_loader = optional("timm.data.loader")
    to_numpy = optional("timm.data.transforms").ToNumpy()
    batch = labelled(mode, 5, rng)
    images, labels = timm_loader.fast_collate([(to_numpy(im), label) for im, label in batch])
    ours = collate(batch)
    assert isinstance(ours, list)  # default_collate's container for tuples
    same_bits(ours[0], images)
    same_bits(ours[1], labels)


@pytest.mark.parametrize("pipeline", list(PIPELINES))
def test_float_collate_is_default_collate(pipeline, rng):
    batch = labelled("RGB", 4, rng)
    transform = PIPELINES[pipeline](MEAN, STD)
    options = {"dtype": torch.float32, "scale": True, "mean": MEAN, "std": STD}
    images, labels = collate(batch, **options)
    theirs, their_labels = torch.utils.data.default_collate(
        [(transform(im), label) for im, label in batch]
    )
    same_bits(labels, their_labels)
    assert images.shape == theirs.shape
    assert images.is_contiguous()
    for (im, _), ours, want in zip(batch, images, theirs, strict=True):
        check_tensor(ours, want, planes(im), 255, MEAN, STD)
    # Dict samples, and images alone.
    dicts = [{"image": im, "label": label, "name": f"{i}"} for i, (im, label) in enumerate(batch)]
    collated = collate(dicts, **options)
    assert torch.equal(collated["image"], images)
    assert collated["name"] == ["0", "1", "2", "3"]
    same_bits(collated["label"], their_labels)
    assert torch.equal(collate([im for im, _ in batch], **options), images)


def test_collate_crops_images_of_different_sizes(rng):
    images = [random_image("RGB", size, rng) for size in [(341, 256), (256, 300), (257, 257)]]
    batch = collate(images, box=CenterBox(224))
    assert batch.shape == (3, 3, 224, 224)
    for im, ours in zip(images, batch, strict=True):
        assert torch.equal(ours, v2.Compose([v2.CenterCrop(224), v2.ToImage()])(im))
    with pytest.raises(ValueError, match="out has shape"):
        collate(images)
    with pytest.raises(ValueError, match="a batch needs them all alike"):
        collate([images[2], images[2].convert("L")])


class Labelled(torch.utils.data.Dataset):
    """Images with a label, as tuples or as dicts."""

    def __init__(self, images, as_dict):
        self.images, self.as_dict = images, as_dict

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        if self.as_dict:
            return {"image": self.images[index], "label": index}
        return self.images[index], index


@pytest.mark.parametrize("as_dict", [False, True], ids=["tuple", "dict"])
@pytest.mark.parametrize("dtype", [None, torch.float32], ids=["uint8", "float32"])
def test_collate_in_worker_processes(dtype, as_dict, rng):
    """Two workers: the batches equal those made in the main process, and
    reach it in shared memory, as default_collate's do."""
    images = [random_image("RGB", (24, 20), rng) for _ in range(10)]
    dataset = Labelled(images, as_dict)
    options = {} if dtype is None else {"dtype": dtype, "scale": True, "mean": MEAN, "std": STD}

    def in_worker(samples):
        # Whether the batch was made in shared memory can only be seen where
        # it was made: the main process receives every tensor in shared memory.
        batch = collate(samples, **options)
        images = batch["image"] if as_dict else batch[0]
        return batch, images.is_shared(), torch.utils.data.get_worker_info() is not None

    loader = torch.utils.data.DataLoader(
        dataset, batch_size=4, num_workers=2, collate_fn=in_worker
    )
    received = list(loader)
    assert [(shared, worker) for _, shared, worker in received] == [(True, True)] * 3
    batches = [batch for batch, _, _ in received]
    for start, batch in zip(range(0, 10, 4), batches, strict=True):
        want = collate([dataset[i] for i in range(start, min(start + 4, 10))], **options)
        if as_dict:
            got_images, got_labels = batch["image"], batch["label"]
            want_images, want_labels = want["image"], want["label"]
        else:
            (got_images, got_labels), (want_images, want_labels) = batch, want
        same_bits(got_images, want_images)
        same_bits(got_labels, want_labels)
        assert not want_images.is_shared()


def test_collate_in_spawned_workers(rng):
    """Workers started by spawn (forkserver is Python 3.14's default) get the
    collate function with its options by pickling."""
    dataloader = example("dataloader")
    files = encoded("PNG", (30, 20), 4, rng)
    loader = torch.utils.data.DataLoader(
        dataloader.EncodedImages(files),
        batch_size=4,
        num_workers=1,
        multiprocessing_context="spawn",
        collate_fn=functools.partial(collate, box=CenterBox((10, 12))),
    )
    # The spawned worker imports the dataset's module from the same path.
    sys.path.insert(0, str(EXAMPLES))
    try:
        [batch] = list(loader)
    finally:
        sys.path.remove(str(EXAMPLES))
    want = collate([Image.open(io.BytesIO(f)) for f in files], box=CenterBox((10, 12)))
    same_bits(batch, want)


def test_the_gpu_recipe_on_the_cpu(rng):
    """docs/examples/gpu_normalise.py with device="cpu": uint8 batches from two
    workers, normalised after the move, equal default_collate of the stock
    transforms within the float bounds."""
    recipe = example("gpu_normalise")
    images = [random_image("RGB", (32, 24), rng) for _ in range(6)]
    dataset = Labelled(images, as_dict=False)
    batches = list(recipe.batches(dataset, MEAN, STD, device="cpu", batch_size=4, workers=2))
    assert [tuple(b.shape) for b, _ in batches] == [(4, 3, 24, 32), (2, 3, 24, 32)]
    theirs, labels = torch.utils.data.default_collate(
        [(version_2(MEAN, STD)(im), i) for i, im in enumerate(images)]
    )
    ours = torch.cat([b for b, _ in batches])
    assert torch.equal(torch.cat([b for _, b in batches]), labels)
    for im, got, want in zip(images, ours, theirs, strict=True):
        check_tensor(got, want, planes(im), 255, MEAN, STD)


# ---------------------------------------------------------------------------
# Packaging: torch stays optional, and the typed API type-checks.


def test_import_fastpil_does_not_import_torch(tmp_path):
    code = (
        "import sys, fastpil; assert fastpil.to_numpy; "
        "sys.exit('torch' in sys.modules or 'torchvision' in sys.modules)"
    )
    # Away from the source tree, whose fastpil has no compiled modules.
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


def test_the_typed_api_under_mypy(tmp_path):
    """mypy --strict accepts the installed fastpil.torch, with torch's types,
    and typed code that uses it (tests/torch_usage.py)."""
    optional("mypy")
    usage = Path(__file__).parent / "torch_usage.py"
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache")]
    for target in (["-p", "fastpil"], [str(usage)]):
        result = subprocess.run(
            [*command, *target], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
