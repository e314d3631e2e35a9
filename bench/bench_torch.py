"""fastpil's float pass against torchvision, the library it feeds.

    python bench/bench_torch.py [--quick] [--output DIR]   (make bench-torch)

Needs torch and torchvision (make bench-torch runs it in their venv). One
thread, as in a DataLoader worker (torch.set_num_threads(1)), contenders
interleaved as in bench.py (harness.py). Three parts:

single images
    RGB to a normalised (3, H, W) float32 tensor: torchvision's ToTensor +
    Normalize, its v2 pipeline, the same in NumPy, and fastpil, at 224² and
    1024².
batch
    64 RGB images of 224² into one (64, 3, 224, 224) float32 tensor:
    torch.stack of the ToTensor + Normalize pipeline against to_numpy_batch.
data loader
    A DataLoader with two worker processes over images held encoded in
    memory (JPEG 224², PNG 512²), decoding included, batches of 32:
    torchvision's pipeline in the dataset with the default collation against
    a dataset of decoded images and fastpil's collate function (the recipe in
    docs/examples/dataloader.py). Images per second over whole epochs, and
    what decoding alone costs per image, to say how much of an epoch it is.

to images
    A (3, H, W) uint8 tensor back to an RGB image, and 16 of them:
    torchvision's to_pil_image against fastpil.to_image(t.numpy(),
    layout="CHW") and fastpil.to_images.

fastpil.torch, against the targets of its design:

transform
    torchvision's conversion tails against fastpil.torch.fuse() of them and
    ImageToTensor: ToTensor + Normalize and v2's ToImage + ToDtype +
    Normalize at 224², and the same after CenterCrop(224) of a 341x256 image
    (what Resize(256) makes of a 500 x 375 one), fused into box=.
collate
    64 RGB images of 224² into one batch, as a DataLoader asks for it, with a
    fresh output tensor each call: timm's ToNumpy() per sample + fast_collate
    against fastpil.torch.collate (uint8), and v2's pipeline per sample (and
    ToTensor + Normalize) + default_collate against collate(float32, ...).
    A fresh 38.5 MiB float batch is faulted in page by page, which costs
    more than converting into it: the page faults per call are recorded, the
    same conversion into a reused tensor shows the split. Each is run in the
    main process's memory, in shared memory as in a worker (both collates
    make their batch there when get_worker_info() says so), and in a child
    process with torch's THP_MEM_ALLOC_ENABLE=1, which makes torch allocate
    large CPU tensors on transparent huge pages.
targets
    DataLoaders with 2 workers, batches of 64, decoding included, images per
    second over whole epochs (persistent workers, contenders interleaved
    epoch by epoch): JPEGs of 224² through v2's stock pipeline, the same
    fused, and uint8 collate with the batch normalised in the main process
    (as docs/examples/gpu_normalise.py does on a GPU; the main process copies
    every batch, as a move to a GPU reads it); then ImageNet-style
    JPEGs of 500 x 375 through Resize(256), CenterCrop(224) and the tail,
    with what each step costs one image in one thread.

Prints Markdown tables and writes torch.json (summaries) to --output.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy
import torch
import torchvision
from contenders import MEAN, STD, numpy_normalise, random_images
from harness import environment, interleaved, table
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import v2

import fastpil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "examples"))
import dataloader
import gpu_normalise
import timm
from timm.data.loader import fast_collate
from timm.data.transforms import ToNumpy

import fastpil.torch

# fastpil's float pass, as the tensor the pipelines give.
FLOAT = {"layout": "CHW", "dtype": numpy.float32, "scale": True, "mean": MEAN, "std": STD}
classic = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
version_2 = v2.Compose(
    [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)]
)


def numpy_pipeline(im: Image.Image) -> torch.Tensor:
    return torch.from_numpy(numpy_normalise(im))


def fastpil_tensor(im: Image.Image) -> torch.Tensor:
    return torch.from_numpy(fastpil.to_numpy(im, **FLOAT))


def to_pil(t: torch.Tensor) -> Image.Image:
    return torchvision.transforms.functional.to_pil_image(t)


def fastpil_image(t: torch.Tensor) -> Image.Image:
    return fastpil.to_image(t.numpy(), layout="CHW")


def fastpil_batch(images: list[Image.Image]) -> torch.Tensor:
    return torch.from_numpy(fastpil.to_numpy_batch(images, **FLOAT))


def stack_classic(images: list[Image.Image]) -> torch.Tensor:
    return torch.stack([classic(im) for im in images])


def random_rgb(size: tuple[int, int], seed: int) -> Image.Image:
    return random_images("RGB", size, 1, seed)[0]


def natural(size: tuple[int, int], seed: int) -> Image.Image:
    """Smooth content with some noise, which compresses as photographs do."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0 : size[1], 0 : size[0]]
    planes = [128 + 100 * numpy.sin(x / (17 + 5 * c) + y / (23 + 3 * c) + seed) for c in range(3)]
    a = numpy.stack(planes, axis=-1) + rng.normal(0, 8, (size[1], size[0], 3))
    return Image.fromarray(numpy.clip(a, 0, 255).astype(numpy.uint8))


def encoded(size: tuple[int, int], count: int, fmt: str, **options: Any) -> list[bytes]:
    """``count`` files of natural() images, one seed each, encoded in memory."""
    files = []
    for seed in range(count):
        buf = io.BytesIO()
        natural(size, seed).save(buf, fmt, **options)
        files.append(buf.getvalue())
    return files


def check(name: str, got: torch.Tensor, want: torch.Tensor) -> None:
    if got.shape != want.shape or not torch.allclose(got, want, rtol=1e-5, atol=1e-5):
        sys.exit(f"{name} does not give torchvision's result")


def timed(arg: Any, converts: dict[str, Any], quick: bool, rounds: int, block: int) -> dict:
    """Median ms and page faults per call, with the spread (min, IQR in %)."""
    samples = interleaved(arg, converts, 2 if quick else rounds, 2 if quick else block, "steady")
    return {name: s.summary() for name, s in samples.items()}


def single_images(quick: bool) -> list[dict]:
    results = []
    for side in (224, 1024):
        im = random_rgb((side, side), side)
        converts = {
            "ToTensor + Normalize": classic,
            "v2 pipeline": version_2,
            "NumPy": numpy_pipeline,
            "fastpil": fastpil_tensor,
        }
        want = classic(im)
        for name, convert in converts.items():
            check(name, convert(im), want)
        rounds, block = (15, 10) if side == 224 else (7, 5)
        results.append({"size": side, "summary": timed(im, converts, quick, rounds, block)})
    return results


def same_images(got: list[Image.Image], want: list[Image.Image]) -> bool:
    return all(
        (a.mode, a.size, a.tobytes()) == (b.mode, b.size, b.tobytes())
        for a, b in zip(got, want, strict=True)
    )


def to_images(quick: bool) -> list[dict]:
    """Tensors back to images: to_pil_image against to_image, one and 16."""
    results = []
    for side in (224, 1024):
        t = torch.from_numpy(numpy.asarray(random_rgb((side, side), side))).permute(2, 0, 1)
        t = t.contiguous()  # a (3, H, W) uint8 tensor, as a model gives it
        converts = {"to_pil_image": to_pil, "fastpil.to_image": fastpil_image}
        if not same_images([fastpil_image(t)], [to_pil(t)]):
            sys.exit("to_image does not give to_pil_image's image")
        rounds, block = (15, 10) if side == 224 else (7, 5)
        results.append({"size": side, "summary": timed(t, converts, quick, rounds, block)})
    batch = torch.stack(
        [torch.from_numpy(numpy.asarray(random_rgb((224, 224), s))) for s in range(16)]
    )
    batch = batch.permute(0, 3, 1, 2).contiguous()
    converts = {
        "[to_pil_image(t) for t in batch]": lambda b: [to_pil(t) for t in b],
        "fastpil.to_images": lambda b: fastpil.to_images(b.numpy(), layout="CHW"),
    }
    if not same_images(converts["fastpil.to_images"](batch), [to_pil(t) for t in batch]):
        sys.exit("to_images does not give to_pil_image's images")
    results.append({"size": 224, "images": 16, "summary": timed(batch, converts, quick, 7, 3)})
    return results


def batch(quick: bool) -> dict:
    images = [random_rgb((224, 224), seed) for seed in range(64)]
    converts = {
        "torch.stack of ToTensor + Normalize": stack_classic,
        "to_numpy_batch": fastpil_batch,
    }
    want = stack_classic(images)
    for name, convert in converts.items():
        check(name, convert(images), want)
    return {"images": 64, "size": 224, "summary": timed(images, converts, quick, 7, 2)}


class Decoded(torch.utils.data.Dataset):
    """torchvision's standard pipeline: decode, then ToTensor + Normalize."""

    def __init__(self, files: list[bytes]) -> None:
        self.files = files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        return classic(Image.open(io.BytesIO(self.files[index])).convert("RGB"))


def torchvision_loader(files: list[bytes], workers: int) -> torch.utils.data.DataLoader:
    return torch.utils.data.DataLoader(Decoded(files), batch_size=32, num_workers=workers)


def epoch_rate(make_loader: Any, files: list[bytes]) -> float:
    loader = make_loader(files)
    start = time.perf_counter()
    count = sum(len(b) for b in loader)
    return count / (time.perf_counter() - start)


def decode_ms(files: list[bytes]) -> float:
    start = time.perf_counter()
    for data in files:
        Image.open(io.BytesIO(data)).convert("RGB")
    return (time.perf_counter() - start) / len(files) * 1e3


def data_loaders(quick: bool) -> list[dict]:
    results = []
    for fmt, side, count in (("JPEG", 224, 1024), ("PNG", 512, 256)):
        files = encoded((side, side), count // 8 if quick else count, fmt)
        loaders = {
            "torchvision": lambda f: torchvision_loader(f, 2),
            "fastpil": lambda f: dataloader.loader(f, batch_size=32, workers=2),
        }
        rates: dict[str, list[float]] = {name: [] for name in loaders}
        for _ in range(1 if quick else 5):
            for name, make in loaders.items():
                rates[name].append(epoch_rate(make, files))
        sample = random_rgb((side, side), 0)
        per_image = {
            "decode": decode_ms(files[:64]),
            "ToTensor + Normalize": per_image_ms(classic, sample, quick)["median_ms"],
            "fastpil": per_image_ms(fastpil_tensor, sample, quick)["median_ms"],
        }
        results.append(
            {
                "format": fmt,
                "size": side,
                "images": len(files),
                "images_per_second": {n: statistics.median(r) for n, r in rates.items()},
                "one_thread_ms_per_image": per_image,
            }
        )
    return results


def per_image_ms(convert: Any, arg: Any, quick: bool) -> dict:
    return timed(arg, {"x": convert}, quick, 7, 10)["x"]


# ---------------------------------------------------------------------------
# fastpil.torch


def crop_pipelines() -> dict[str, Any]:
    return {
        "v1": T.Compose([T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)]),
        "v2": v2.Compose(
            [
                v2.CenterCrop(224),
                v2.ToImage(),
                v2.ToDtype(torch.float32, scale=True),
                v2.Normalize(MEAN, STD),
            ]
        ),
    }


def transform(quick: bool) -> list[dict]:
    """The tails one image at a time, each against its fused self."""
    image = fastpil.torch.ImageToTensor(dtype=torch.float32, scale=True, mean=MEAN, std=STD)
    crops = crop_pipelines()
    cases = [
        (
            "224²",
            random_rgb((224, 224), 1),
            {
                "ToTensor + Normalize": classic,
                "v2 ToImage + ToDtype + Normalize": version_2,
                "fuse(ToTensor + Normalize)": fastpil.torch.fuse(classic),
                "fuse(v2 tail)": fastpil.torch.fuse(version_2),
                "ImageToTensor": image,
            },
            [
                ("ToTensor + Normalize", "fuse(ToTensor + Normalize)"),
                ("v2 ToImage + ToDtype + Normalize", "fuse(v2 tail)"),
                ("v2 ToImage + ToDtype + Normalize", "ImageToTensor"),
            ],
        ),
        (
            "341x256, CenterCrop(224)",
            random_rgb((341, 256), 2),
            {
                "CenterCrop + ToTensor + Normalize": crops["v1"],
                "v2 CenterCrop + tail": crops["v2"],
                "fuse(CenterCrop + ToTensor + Normalize)": fastpil.torch.fuse(crops["v1"]),
                "fuse(v2 CenterCrop + tail)": fastpil.torch.fuse(crops["v2"]),
            },
            [
                ("CenterCrop + ToTensor + Normalize", "fuse(CenterCrop + ToTensor + Normalize)"),
                ("v2 CenterCrop + tail", "fuse(v2 CenterCrop + tail)"),
            ],
        ),
    ]
    results = []
    for label, im, converts, pairs in cases:
        want = next(iter(converts.values()))(im)
        for name, convert in converts.items():
            check(name, convert(im).as_subclass(torch.Tensor), want.as_subclass(torch.Tensor))
        results.append(
            {
                "case": label,
                "pairs": pairs,
                "summary": timed(im, converts, quick, 15, 20),
            }
        )
    return results


def labelled_batch() -> list[tuple[Image.Image, int]]:
    return [(random_rgb((224, 224), seed), seed % 1000) for seed in range(64)]


def collate_uint8(quick: bool, where: str) -> dict:
    to_numpy = ToNumpy()
    converts = {
        "ToNumpy + fast_collate": lambda b: fast_collate([(to_numpy(im), y) for im, y in b]),
        "collate": fastpil.torch.collate,
    }
    batch = labelled_batch()
    want = converts["ToNumpy + fast_collate"](batch)
    got = fastpil.torch.collate(batch)
    if not (torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])):
        sys.exit("collate does not give fast_collate's batch")
    return {
        "case": f"64 x 224², uint8, {where}",
        "pairs": [("ToNumpy + fast_collate", "collate")],
        "summary": timed(batch, converts, quick, 11, 3),
    }


def collate_float(quick: bool, where: str) -> dict:
    float_options = {"dtype": torch.float32, "scale": True, "mean": MEAN, "std": STD}
    reused = torch.empty((64, 3, 224, 224))

    def into_reused(b: list[tuple[Image.Image, int]]) -> torch.Tensor:
        fastpil.to_numpy_batch([im for im, _ in b], **FLOAT, out=reused.numpy())
        return reused

    collate = torch.utils.data.default_collate
    converts = {
        "v2 per sample + default_collate": lambda b: collate([(version_2(im), y) for im, y in b]),
        "ToTensor + Normalize + default_collate": lambda b: collate(
            [(classic(im), y) for im, y in b]
        ),
        "collate(float32)": functools.partial(fastpil.torch.collate, **float_options),
        "to_numpy_batch into a reused tensor": into_reused,
    }
    batch = labelled_batch()
    want = converts["ToTensor + Normalize + default_collate"](batch)[0]
    check("collate(float32)", converts["collate(float32)"](batch)[0], want)
    return {
        "case": f"64 x 224², float32, {where}",
        "pairs": [
            ("v2 per sample + default_collate", "collate(float32)"),
            ("ToTensor + Normalize + default_collate", "collate(float32)"),
        ],
        "summary": timed(batch, converts, quick, 11, 3),
    }


class AsInAWorker:
    """Makes torch.utils.data.get_worker_info() say "in a worker", so that
    default_collate and fastpil.torch.collate both make their batches in
    shared memory, as in a DataLoader worker process."""

    def __enter__(self) -> None:
        self.saved = torch.utils.data.get_worker_info
        torch.utils.data.get_worker_info = lambda: "a worker"

    def __exit__(self, *error: object) -> None:
        torch.utils.data.get_worker_info = self.saved


def collates(quick: bool) -> list[dict]:
    """Both collates in the main process's memory and in a worker's shared
    memory, and in a child process with torch's huge pages."""
    results = [collate_uint8(quick, "main process"), collate_float(quick, "main process")]
    with AsInAWorker():
        results += [collate_uint8(quick, "worker"), collate_float(quick, "worker")]
    env = {**os.environ, "THP_MEM_ALLOC_ENABLE": "1"}
    command = [sys.executable, __file__, "--collate-only"] + (["--quick"] if quick else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    for entry in json.loads(done.stdout):
        entry["case"] += ", THP_MEM_ALLOC_ENABLE=1"
        results.append(entry)
    return results


class Encoded(torch.utils.data.Dataset):
    """(image, label) samples decoded from JPEG bytes, then transformed."""

    def __init__(self, files: list[bytes], transform: Any) -> None:
        self.files, self.transform = files, transform

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        im = Image.open(io.BytesIO(self.files[index])).convert("RGB")
        return (im if self.transform is None else self.transform(im)), index % 1000


def epochs(loaders: dict[str, tuple[Any, Any]], count: int, rounds: int) -> dict[str, dict]:
    """Images per second of each loader, epochs interleaved, after one warm-up
    epoch each (persistent workers: their start is not timed)."""
    rates: dict[str, list[float]] = {name: [] for name in loaders}
    for turn in range(rounds + 1):
        names = list(loaders) if turn % 2 else list(reversed(loaders))
        for name in names:
            loader, after = loaders[name]
            start = time.perf_counter()
            for images, _ in loader:
                after(images)
            seconds = time.perf_counter() - start
            if turn:
                rates[name].append(count / seconds)
    return {
        name: {
            "median": statistics.median(r),
            "min": min(r),
            "max": max(r),
            "epochs": len(r),
        }
        for name, r in rates.items()
    }


def make_loader(dataset: Any, collate_fn: Any) -> torch.utils.data.DataLoader:
    return torch.utils.data.DataLoader(
        dataset, batch_size=64, num_workers=2, persistent_workers=True, collate_fn=collate_fn
    )


class Device:
    """What the model's side does with each batch, on the CPU: copy it, as
    .to("cuda") would, and normalise a uint8 one there, as
    docs/examples/gpu_normalise.py does. Into memory reused from batch to
    batch, as CUDA's caching allocator reuses its blocks: a fresh tensor's
    page faults belong to the CPU, not to a GPU."""

    def __init__(self) -> None:
        normalize = gpu_normalise.Normalize(MEAN, STD, "cpu")
        self.scale, self.offset = normalize.scale, normalize.offset
        self.floats = torch.empty((64, 3, 224, 224))
        self.bytes = torch.empty((64, 3, 224, 224), dtype=torch.uint8)

    def take_float(self, batch: torch.Tensor) -> None:
        self.floats[: len(batch)].copy_(batch)

    def take_uint8(self, batch: torch.Tensor) -> None:
        moved = self.bytes[: len(batch)]
        moved.copy_(batch)
        torch.addcmul(self.offset, moved, self.scale, out=self.floats[: len(batch)])


def targets(quick: bool) -> list[dict]:
    device = Device()
    keep, normalize = device.take_float, device.take_uint8

    results = []
    stock = version_2
    imagenet = v2.Compose([v2.Resize(256), *crop_pipelines()["v2"].transforms])
    cases = [
        ("224² JPEG", (224, 224), 128 if quick else 1024, None, stock, None),
        (
            "500x375 JPEG, Resize(256), CenterCrop(224)",
            (500, 375),
            64 if quick else 512,
            v2.Resize(256),
            imagenet,
            fastpil.torch.CenterBox(224),
        ),
    ]
    for label, size, count, resize, pipeline, box in cases:
        files = encoded(size, count, "JPEG", quality=90)
        loaders = {
            "stock v2": (make_loader(Encoded(files, pipeline), None), keep),
            "fused": (make_loader(Encoded(files, fastpil.torch.fuse(pipeline)), None), keep),
            "uint8 collate, normalised in the main process": (
                make_loader(
                    Encoded(files, resize), functools.partial(fastpil.torch.collate, box=box)
                ),
                normalize,
            ),
        }
        rates = epochs(loaders, count, 1 if quick else 7)
        loaders.clear()  # the last references: their persistent workers end
        im = Image.open(io.BytesIO(files[0])).convert("RGB")
        resized = resize(im) if resize is not None else im
        tail = crop_pipelines()["v2"] if box is not None else stock
        steps = {
            "decode": per_image_ms(
                lambda f: Image.open(io.BytesIO(f)).convert("RGB"), files[0], quick
            ),
            "Resize(256)": per_image_ms(resize, im, quick) if resize is not None else None,
            "stock tail": per_image_ms(tail, resized, quick),
            "fused tail": per_image_ms(fastpil.torch.fuse(tail), resized, quick),
        }
        results.append(
            {
                "case": label,
                "images": count,
                "kib_per_file": statistics.mean(len(f) for f in files) / 1024,
                "images_per_second": rates,
                "one_thread_ms": {k: v for k, v in steps.items() if v is not None},
            }
        )
    return results


def spread(entry: dict) -> str:
    return f"{entry['median_ms']:.4g} (±{entry['iqr_pct']:.0f}%, {entry['faults']:.0f} faults)"


def markdown(report: dict) -> str:
    """Every timed case, a row per contender with its ratios to fastpil's;
    then the DataLoaders' images per second."""
    rows = []
    for part in ("single", "batch", "to_image", "transform", "collate"):
        for entry in report[part] if isinstance(report[part], list) else [report[part]]:
            s = entry["summary"]
            names = list(s)
            # Without pairs, the last contender is fastpil's, the match of each other.
            pairs = entry.get("pairs") or [(n, names[-1]) for n in names[:-1]]
            case = entry.get("case") or f"{entry.get('images', 1)} of {entry['size']}²"
            for name in names:
                ratios = [
                    f"{s[name]['median_ms'] / s[ours]['median_ms']:.1f}x {ours}"
                    for theirs, ours in pairs
                    if theirs == name
                ]
                rows.append([part, case, name, spread(s[name]), ", ".join(ratios)])
    lines = [
        "\nmedian ms per call (IQR as % of the median, minor page faults per call)\n",
        *table(["part", "case", "contender", "ms", "time / fastpil's"], rows),
        "\nDataLoader, 2 workers, batches of 32, decoding included: images per second\n",
    ]
    rows = []
    for run in report["loader"]:
        rates = run["images_per_second"]
        files = f"{run['images']} {run['format']} of {run['size']}²"
        rows += [
            [files, n, f"{r:.0f}", f"{r / rates['torchvision']:.2f}x"] for n, r in rates.items()
        ]
        steps = ", ".join(f"{k} {v:.3g}" for k, v in run["one_thread_ms_per_image"].items())
        rows.append(["", f"one image, one thread, ms: {steps}", "", ""])
    lines += [
        *table(["files", "contender", "images/s", "vs torchvision"], rows),
        "\nDataLoader, 2 workers, batches of 64, decoding included: images per second "
        "(median of epochs, min-max)\n",
    ]
    rows = []
    for run in report["targets"]:
        rates = run["images_per_second"]
        files = f"{run['images']} {run['case']} ({run['kib_per_file']:.0f} KiB)"
        for name, r in rates.items():
            ratio = r["median"] / rates["stock v2"]["median"]
            rates_text = f"{r['median']:.0f} ({r['min']:.0f}-{r['max']:.0f})"
            rows.append([files, name, rates_text, f"{ratio:.2f}x"])
        steps = ", ".join(f"{k} {v['median_ms']:.3g}" for k, v in run["one_thread_ms"].items())
        rows.append(["", f"one image, one thread, ms: {steps}", "", ""])
    lines += table(["files", "contender", "images/s", "vs stock v2"], rows)
    return "\n".join(lines)


def cpu_model() -> dict[str, str]:
    """lscpu's model name with its family, model and stepping: a virtual
    machine's "model name" may name only the vendor's line."""
    try:
        done = subprocess.run(["lscpu"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return {}
    fields = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in done.stdout.splitlines())
    }
    wanted = ("Model name", "CPU family", "Model", "Stepping", "Hypervisor vendor")
    return {f"lscpu {k.lower()}": fields[k] for k in wanted if k in fields}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--output", type=Path, default=Path("../build/bench-torch"))
    parser.add_argument(
        "--collate-only",
        action="store_true",
        help="print the main process's collates as JSON (run in a child process)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.collate_only:
        where = "main process"
        print(json.dumps([collate_uint8(args.quick, where), collate_float(args.quick, where)]))
        return
    env = {
        **environment(),
        **cpu_model(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "timm": timm.__version__,
        "THP_MEM_ALLOC_ENABLE": os.environ.get("THP_MEM_ALLOC_ENABLE", "unset"),
    }
    print("Environment: " + ", ".join(f"{k} {v}" for k, v in env.items()))
    started = time.monotonic()
    report = {
        "environment": env,
        "single": single_images(args.quick),
        "batch": batch(args.quick),
        "to_image": to_images(args.quick),
        "loader": data_loaders(args.quick),
        "transform": transform(args.quick),
        "collate": collates(args.quick),
        "targets": targets(args.quick),
    }
    report["seconds"] = time.monotonic() - started
    print(markdown(report))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "torch.json").write_text(json.dumps(report, indent=1))
    print(f"\nsummaries: {args.output / 'torch.json'}; took {report['seconds']:.0f} s")


if __name__ == "__main__":
    main()
