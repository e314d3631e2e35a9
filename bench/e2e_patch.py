"""End to end: imageio's Pillow plugin reading image files, with and without fastpil.patch().

imageio.v3.imread(..., plugin="pillow") decodes with Pillow and then calls
numpy.asarray(image); as Pillow's array is read-only, it copies it once more
with numpy.array to hand back a writable array. Under fastpil.patch() the
numpy.asarray call gives a writable array at once, so both the tobytes() pass
and the extra copy go. The code that runs is imageio's own, unchanged.

Files are encoded in memory (BMP: no compression; PNG; JPEG at quality 90)
from a smooth RGB picture with some noise. "decode only" is
Image.open(...).load(), the part no conversion can speed up. Same method as
bench_patch.py: interleaved blocks in balanced orders, first call of each
block dropped, medians, minor page faults per call.

    python bench/e2e_patch.py
    python bench/e2e_patch.py --sizes 1024 --formats PNG
"""

from __future__ import annotations

import argparse
import io
import sys

import imageio
import imageio.v3 as iio
import numpy
from bench_patch import Contender, header, measure, set_patch
from harness import print_environment, row
from PIL import Image

FORMATS = {"BMP": {}, "PNG": {}, "JPEG": {"quality": 90}}


def picture(side: int) -> Image.Image:
    """Smooth gradients and waves plus noise: compresses like a photograph, roughly."""
    rng = numpy.random.default_rng(side)
    y, x = numpy.mgrid[0:side, 0:side] / side
    channels = [
        128 + 100 * numpy.sin(6 * x + 2 * y),
        255 * x * y,
        128 + 90 * numpy.cos(9 * y - 3 * x * x),
    ]
    rgb = numpy.stack(channels, axis=-1) + rng.normal(0, 6, (side, side, 3))
    return Image.fromarray(numpy.clip(rgb, 0, 255).astype(numpy.uint8))


def encode(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **FORMATS[fmt])
    return buf.getvalue()


def imread(data: bytes) -> numpy.ndarray:
    return iio.imread(data, plugin="pillow")


def decode_only(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im


CONTENDERS = {
    "decode only": Contender(decode_only, patched=False),
    "imread": Contender(imread, patched=False),
    "imread patched": Contender(imread, patched=True),
}


def check(data: bytes, fmt: str, side: int) -> None:
    set_patch(False)
    expected = imread(data)
    set_patch(True)
    try:
        got = imread(data)
    finally:
        set_patch(False)
    same = got.dtype == expected.dtype and numpy.array_equal(got, expected)
    if not same or not got.flags.writeable:
        sys.exit(f"imread under fastpil.patch() differs for {fmt} {side}x{side}")


def rounds_for(side: int, quick: bool) -> tuple[int, int]:
    """(rounds, calls per block); 6 orders for 3 contenders."""
    if quick:
        return 2, 2
    if side <= 1024:
        return 12, 6
    return 6, 3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    args = parser.parse_args(argv)

    print_environment(imageio=imageio.__version__)
    header(["format", "size", "file MB"], list(CONTENDERS), ["imread / imread patched"])
    for side in args.sizes:
        im = picture(side)
        for fmt in args.formats:
            data = encode(im, fmt)
            check(data, fmt, side)
            cells, medians = measure(data, CONTENDERS, *rounds_for(side, args.quick))
            ratio = f"{medians['imread'] / medians['imread patched']:.2f}x"
            size = f"{len(data) / 1e6:.1f}"
            print(row([fmt, f"{side}x{side}", size, *cells, ratio]), flush=True)


if __name__ == "__main__":
    main()
