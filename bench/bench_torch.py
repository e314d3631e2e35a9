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

Prints Markdown tables and writes torch.json (summaries) to --output.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy
import torch
import torchvision
from harness import interleaved
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import v2

import fastpil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "examples"))
import dataloader

from bench import environment

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)

classic = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
version_2 = v2.Compose(
    [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)]
)


def numpy_pipeline(im: Image.Image) -> torch.Tensor:
    a = numpy.array(im).transpose(2, 0, 1).astype(numpy.float32)
    a /= 255
    a -= numpy.array(MEAN, numpy.float32)[:, None, None]
    a /= numpy.array(STD, numpy.float32)[:, None, None]
    return torch.from_numpy(a)


def fastpil_tensor(im: Image.Image) -> torch.Tensor:
    return torch.from_numpy(
        fastpil.to_numpy(im, layout="CHW", dtype=numpy.float32, scale=True, mean=MEAN, std=STD)
    )


def to_pil(t: torch.Tensor) -> Image.Image:
    return torchvision.transforms.functional.to_pil_image(t)


def fastpil_image(t: torch.Tensor) -> Image.Image:
    return fastpil.to_image(t.numpy(), layout="CHW")


def fastpil_batch(images: list[Image.Image]) -> torch.Tensor:
    return torch.from_numpy(
        fastpil.to_numpy_batch(
            images, layout="CHW", dtype=numpy.float32, scale=True, mean=MEAN, std=STD
        )
    )


def stack_classic(images: list[Image.Image]) -> torch.Tensor:
    return torch.stack([classic(im) for im in images])


def random_rgb(size: tuple[int, int], seed: int) -> Image.Image:
    rng = numpy.random.default_rng(seed)
    return Image.frombytes("RGB", size, rng.bytes(3 * size[0] * size[1]))


def natural(size: tuple[int, int], seed: int) -> Image.Image:
    """Smooth content with some noise, which compresses as photographs do."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0 : size[1], 0 : size[0]]
    planes = [128 + 100 * numpy.sin(x / (17 + 5 * c) + y / (23 + 3 * c) + seed) for c in range(3)]
    a = numpy.stack(planes, axis=-1) + rng.normal(0, 8, (size[1], size[0], 3))
    return Image.fromarray(numpy.clip(a, 0, 255).astype(numpy.uint8))


def check(name: str, got: torch.Tensor, want: torch.Tensor) -> None:
    if got.shape != want.shape or not torch.allclose(got, want, rtol=1e-5, atol=1e-5):
        sys.exit(f"{name} does not give torchvision's result")


def timed(arg: Any, converts: dict[str, Any], quick: bool, rounds: int, block: int) -> dict:
    samples = interleaved(arg, converts, 2 if quick else rounds, 2 if quick else block, "steady")
    return {
        name: {"median_ms": s.median() * 1e3, "faults": float(numpy.median(s.faults))}
        for name, s in samples.items()
    }


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
        files = []
        for seed in range(count // 8 if quick else count):
            buf = io.BytesIO()
            natural((side, side), seed).save(buf, fmt)
            files.append(buf.getvalue())
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
            "ToTensor + Normalize": _per_call(classic, sample),
            "fastpil": _per_call(fastpil_tensor, sample),
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


def _per_call(convert: Any, im: Image.Image) -> float:
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(20):
            convert(im)
        times.append((time.perf_counter() - start) / 20)
    return statistics.median(times) * 1e3


def markdown(report: dict) -> str:
    lines = ["\nRGB to normalised (3, H, W) float32, one image: median ms per call\n"]
    names = list(report["single"][0]["summary"])
    lines += ["| size | " + " | ".join(names) + " | fastpil vs ToTensor | fastpil vs v2 |"]
    lines += ["|" + "---|" * (len(names) + 3)]
    for row in report["single"]:
        s = {n: v["median_ms"] for n, v in row["summary"].items()}
        cells = [f"{s[n]:.4g}" for n in names]
        ratios = [s["ToTensor + Normalize"] / s["fastpil"], s["v2 pipeline"] / s["fastpil"]]
        lines.append(
            f"| {row['size']}² | "
            + " | ".join(cells)
            + " | "
            + " | ".join(f"{r:.1f}x" for r in ratios)
            + " |"
        )
    lines += [
        "\nA (3, H, W) uint8 tensor back to an RGB image: median ms per call\n",
        "| tensors | to_pil_image | fastpil | ratio |",
        "|---|---|---|---|",
    ]
    for row in report["to_image"]:
        slow, fast = (v["median_ms"] for v in row["summary"].values())
        label = f"{row.get('images', 1)} of {row['size']}²"
        lines.append(f"| {label} | {slow:.4g} | {fast:.4g} | {slow / fast:.1f}x |")
    b = {n: v["median_ms"] for n, v in report["batch"]["summary"].items()}
    slow, fast = b["torch.stack of ToTensor + Normalize"], b["to_numpy_batch"]
    lines += [
        "\n64 images of 224² into one (64, 3, 224, 224) float32 tensor: median ms per batch\n",
        "| torch.stack of ToTensor + Normalize | to_numpy_batch | ratio |",
        "|---|---|---|",
        f"| {slow:.4g} | {fast:.4g} | {slow / fast:.1f}x |",
        "\nDataLoader, 2 workers, batches of 32, decoding included: images per second\n",
        "| files | torchvision | fastpil | ratio | one thread, ms per image: decode, "
        "ToTensor + Normalize, fastpil |",
        "|---|---|---|---|---|",
    ]
    for row in report["loader"]:
        r, t = row["images_per_second"], row["one_thread_ms_per_image"]
        lines.append(
            f"| {row['images']} {row['format']} of {row['size']}² | {r['torchvision']:.0f} | "
            f"{r['fastpil']:.0f} | {r['fastpil'] / r['torchvision']:.2f}x | "
            f"{t['decode']:.3g}, {t['ToTensor + Normalize']:.3g}, {t['fastpil']:.3g} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--output", type=Path, default=Path("../build/bench-torch"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    env = {**environment(), "torch": torch.__version__, "torchvision": torchvision.__version__}
    print("Environment: " + ", ".join(f"{k} {v}" for k, v in env.items()))
    started = time.monotonic()
    report = {
        "environment": env,
        "single": single_images(args.quick),
        "batch": batch(args.quick),
        "to_image": to_images(args.quick),
        "loader": data_loaders(args.quick),
    }
    report["seconds"] = time.monotonic() - started
    print(markdown(report))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "torch.json").write_text(json.dumps(report, indent=1))
    print(f"\nsummaries: {args.output / 'torch.json'}; took {report['seconds']:.0f} s")


if __name__ == "__main__":
    main()
