"""Every way to get what fastpil gives, that fastpil is compared with.

A scenario is one job: the plain conversion (numpy.array's result), or one of
to_numpy's options (BGR, CHW, a crop box, a batch), each with the NumPy or
OpenCV expression it replaces. A contender is a function of the scenario's
input (an image, or a list of images for the batch). `prepare(input)`
returns the function to time, or a string saying why it cannot run (the
benchmark shows the reason instead of a number). Preparation is not timed: it
is where a contender allocates the destination it may reuse, or sets the
global knob it relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy
import PIL
from PIL import Image, ImageFile
from threads import one_thread, two_threads

import fastpil

Convert = Callable[[Any], numpy.ndarray]


@dataclass(frozen=True)
class Contender:
    name: str
    description: str
    prepare: Callable[[Any], Convert | str]
    # Checked against numpy.array of the input rather than the scenario's
    # result: the plain conversion, timed beside an option to show its cost.
    baseline: bool = False
    # Checked against this instead of the scenario's result, when given.
    expect: Callable[[Any], Any] | None = None


def random_images(mode: str, size: tuple[int, int], count: int, seed: int) -> list[Image.Image]:
    """``count`` distinct images of random content (a flat colour would
    compress the work away)."""
    rng = numpy.random.default_rng(seed)
    row = len(Image.new(mode, (size[0], 1)).tobytes())
    return [Image.frombytes(mode, size, rng.bytes(row * size[1])) for _ in range(count)]


def bench_image(mode: str, size: tuple[int, int]) -> Image.Image:
    return random_images(mode, size, 1, size[0] * 65537 + size[1])[0]


def expected_layout(im: Image.Image) -> tuple[tuple[int, ...], numpy.dtype]:
    reference = numpy.array(Image.new(im.mode, (1, 1)))
    return (im.height, im.width, *reference.shape[2:]), reference.dtype


def pure_python_chunks(im: Image.Image) -> numpy.ndarray:
    """The chunk technique in Python, as the tutorial (docs/tutorial.md)
    writes it: raw encoder chunks of whole rows copied into numpy.empty."""
    im.load()
    rawmode = "L" if im.mode == "1" else im.mode
    encoder = Image.core.raw_encoder(im.mode, rawmode)
    encoder.setimage(im.im, (0, 0, *im.size))
    shape, dtype = expected_layout(im)
    data = numpy.empty(shape, dtype=dtype)
    flat = memoryview(data).cast("B")
    row = data.nbytes // im.height
    bufsize = max(1, 65536 // row) * row
    offset = 0
    while True:
        _, status, chunk = encoder.encode(bufsize)
        if status < 0:
            raise RuntimeError(f"encoder error {status}")
        flat[offset : offset + len(chunk)] = chunk
        offset += len(chunk)
        if status:
            break
    if offset != data.nbytes:
        raise RuntimeError(f"{offset} of {data.nbytes} bytes written")
    return data


def frombuffer_tobytes(im: Image.Image) -> numpy.ndarray:
    shape, dtype = expected_layout(im)
    data = im.tobytes("raw", "L") if im.mode == "1" else im.tobytes()
    return numpy.frombuffer(data, dtype=dtype).reshape(shape)


def prepare_maxblock(im: Image.Image) -> Convert | str:
    major, minor = (int(part) for part in PIL.__version__.split(".")[:2])
    if (major, minor) < (11, 3):
        return f"Pillow {PIL.__version__} < 11.3 ignores MAXBLOCK in tobytes()"
    shape, dtype = expected_layout(im)
    needed = max(ImageFile.MAXBLOCK, int(numpy.prod(shape)) * dtype.itemsize)

    def asarray_one_chunk(im: Image.Image) -> numpy.ndarray:
        saved = ImageFile.MAXBLOCK
        ImageFile.MAXBLOCK = needed
        try:
            return numpy.asarray(im)
        finally:
            ImageFile.MAXBLOCK = saved

    return asarray_one_chunk


def prepare_arrow(im: Image.Image) -> Convert | str:
    try:
        import pyarrow
    except ImportError:
        return "pyarrow is not installed"
    if not hasattr(im, "__arrow_c_array__"):
        return f"Pillow {PIL.__version__} has no Arrow export"
    try:
        pyarrow.array(im)
    except ValueError as error:
        return f"no Arrow export: {error} (the image spans several of Pillow's blocks)"
    shape, dtype = expected_layout(im)
    bands = shape[2] if len(shape) == 3 else 1

    def arrow_contiguous(im: Image.Image) -> numpy.ndarray:
        exported = pyarrow.array(im)
        if bands > 1:
            pixels = exported.flatten().to_numpy(zero_copy_only=True)
            view = pixels.reshape(im.height, im.width, 4)[..., :bands]
        else:
            view = exported.to_numpy(zero_copy_only=True).view(dtype).reshape(shape)
        if im.mode == "1":
            return view != 0
        # A view of Pillow's memory when no copy is needed (read-only), else one copy.
        return numpy.ascontiguousarray(view)

    return arrow_contiguous


def prepare_out(im: Image.Image) -> Convert:
    shape, dtype = expected_layout(im)
    out = numpy.empty(shape, dtype)
    out.fill(0)  # the pages are resident before timing starts

    def to_numpy_out(im: Image.Image) -> numpy.ndarray:
        return fastpil.to_numpy(im, out=out)

    return to_numpy_out


def empty_and_copy(source: numpy.ndarray) -> Convert:
    """The floor: a fresh array of the result, and one copy into it from
    ``source``, the result made beforehand."""
    shape, dtype = source.shape, source.dtype

    def floor(arg: Any) -> numpy.ndarray:
        result = numpy.empty(shape, dtype)
        numpy.copyto(result, source)
        return result

    return floor


def contenders(*found: Contender) -> dict[str, Contender]:
    return {c.name: c for c in found}


def always(convert: Convert) -> Callable[[Any], Convert]:
    """Prepare a contender that needs no preparation."""
    return lambda im: convert


CONTENDERS = contenders(
    Contender("numpy.array", "numpy.array(im)", always(numpy.array)),
    Contender("numpy.asarray", "numpy.asarray(im) (read-only)", always(numpy.asarray)),
    Contender(
        "frombuffer",
        "numpy.frombuffer(im.tobytes()).reshape(...) (read-only)",
        always(frombuffer_tobytes),
    ),
    Contender(
        "asarray MAXBLOCK",
        "numpy.asarray(im) with ImageFile.MAXBLOCK raised to the image size (read-only)",
        prepare_maxblock,
    ),
    Contender(
        "pure Python",
        "the tutorial's chunk technique in Python: encoder chunks copied into numpy.empty",
        always(pure_python_chunks),
    ),
    Contender(
        "Arrow",
        "pyarrow.array(im) made a contiguous ndarray (copies only when it must)",
        prepare_arrow,
    ),
    Contender("fastpil", "fastpil.to_numpy(im)", always(fastpil.to_numpy)),
    Contender("fastpil out=", "fastpil.to_numpy(im, out=preallocated)", prepare_out),
    Contender(
        "floor",
        "numpy.empty of the result plus one copy from an existing array",
        lambda im: empty_and_copy(fastpil.to_numpy(im)),
    ),
)


# Every mode the installed Pillow can make an image of, as the tests take them.
SMALL_MODES = sorted(
    {*Image.MODES, "I;16", "I;16L", "I;16B", "I;16N"} - {"BGR;15", "BGR;16", "BGR;24"}
)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    reference: Callable[[Any], numpy.ndarray]  # the result every contender must give
    contenders: dict[str, Contender]
    # (label, slower, faster): the table shows slower's time / faster's time.
    ratios: list[tuple[str, str, str]]
    modes: list[str]
    make_input: Callable[[str, tuple[int, int]], Any] = bench_image
    sizes: list[str] = field(default_factory=lambda: ["256", "1024", "2048"])


def with_cv2(convert: Callable[[Any, Any], numpy.ndarray]) -> Callable[[Any], Convert | str]:
    """Prepare an OpenCV contender: convert(cv2, im), or why it cannot run."""

    def prepare(im: Any) -> Convert | str:
        try:
            import cv2
        except ImportError:
            return "OpenCV (opencv-python-headless) is not installed"
        return lambda im: convert(cv2, im)

    return prepare


PLAIN = Contender(
    "fastpil",
    "fastpil.to_numpy(im), for the cost of the option",
    always(fastpil.to_numpy),
    baseline=True,
)


def option_scenario(
    name: str,
    description: str,
    mode: str,
    option: dict[str, str],
    numpy_way: tuple[str, str, Convert],
    others: tuple[Contender, ...] = (),
    cv2_code: str | None = None,
) -> Scenario:
    """fastpil.to_numpy(im, **option) against NumPy's way, ``(name,
    expression, function)``, whose result made contiguous is the reference;
    then any ``others``, OpenCV's ``cv2.cvtColor(numpy.array(im),
    cv2.<cv2_code>)``, and the plain conversion (the option's own cost)."""
    [(key, value)] = option.items()
    ours = f"fastpil {value}"
    numpy_name, expression, convert = numpy_way
    found = [Contender(numpy_name, expression, always(convert)), *others]
    ratios = [("fastpil vs numpy", numpy_name, ours)]
    if cv2_code is not None:
        found.append(
            Contender(
                "cv2.cvtColor",
                f"cv2.cvtColor(numpy.array(im), cv2.{cv2_code})",
                with_cv2(lambda cv2, im: cv2.cvtColor(numpy.array(im), getattr(cv2, cv2_code))),
            )
        )
        ratios.append(("fastpil vs cv2", "cv2.cvtColor", ours))
    found += [
        Contender(
            ours,
            f'fastpil.to_numpy(im, {key}="{value}")',
            always(partial(fastpil.to_numpy, **option)),
        ),
        PLAIN,
    ]
    ratios.append((f"{value} / plain", ours, "fastpil"))
    return Scenario(
        name,
        description,
        lambda im: numpy.ascontiguousarray(convert(im)),
        contenders(*found),
        ratios,
        [mode],
    )


def centre_box(im: Image.Image) -> tuple[int, int, int, int]:
    """The middle half of the image in each direction."""
    w, h = im.size
    return (w // 4, h // 4, w // 4 + w // 2, h // 4 + h // 2)


def crop_then(convert: Convert, box: tuple[int, int, int, int]) -> Convert:
    return lambda im: convert(im.crop(box))


def box_option(box: tuple[int, int, int, int]) -> Convert:
    return lambda im: fastpil.to_numpy(im, box=box)


def batch_of(count: int) -> Callable[[str, tuple[int, int]], list[Image.Image]]:
    """Make inputs of ``count`` distinct images of random content."""
    return lambda mode, size: random_images(mode, size, count, count)


def two_images(mode: str, size: tuple[int, int]) -> tuple[Image.Image, Image.Image]:
    first, second = random_images(mode, size, 2, 2)
    return first, second


def each_of(convert: Convert) -> Callable[[Any], tuple[numpy.ndarray, ...]]:
    return lambda images: tuple(convert(im) for im in images)


# The float pass: RGB to CHW float, scaled to [0, 1] and normalised with
# ImageNet's means and standard deviations, as models trained on it expect.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def normalised(im: Image.Image, dtype: Any = numpy.float64) -> numpy.ndarray:
    """The float pass's result computed in float64 (then rounded to ``dtype``)."""
    a = numpy.array(im).transpose(2, 0, 1) / 255.0
    mean = numpy.array(MEAN)[:, None, None]
    std = numpy.array(STD)[:, None, None]
    return numpy.ascontiguousarray((a - mean) / std).astype(dtype)


def numpy_normalise(im: Image.Image) -> numpy.ndarray:
    """What NumPy code writes: an array, a planar copy in float32, three passes."""
    a = numpy.array(im).transpose(2, 0, 1).astype(numpy.float32)
    a /= 255
    a -= numpy.array(MEAN, numpy.float32)[:, None, None]
    a /= numpy.array(STD, numpy.float32)[:, None, None]
    return a


def fastpil_then_multiply(im: Image.Image) -> numpy.ndarray:
    """fastpil's uint8 planes, then one more pass to scale them into float32."""
    planes = fastpil.to_numpy(im, layout="CHW")
    return numpy.multiply(planes, numpy.float32(1 / 255), dtype=numpy.float32)


def scaled(im: Image.Image) -> numpy.ndarray:
    return (numpy.array(im).transpose(2, 0, 1) / 255.0).astype(numpy.float32)


def fastpil_normalise(dtype: Any) -> Convert:
    return lambda im: fastpil.to_numpy(
        im, layout="CHW", dtype=dtype, scale=True, mean=MEAN, std=STD
    )


def stack_of(convert: Convert) -> Convert:
    return lambda images: numpy.stack([convert(im) for im in images])


# The way back: arrays to images (to_image) against Image.fromarray.


def random_array(mode: str, size: tuple[int, int]) -> numpy.ndarray:
    """An (H, W, C) uint8 array of random content, C the mode's bands."""
    channels = len(Image.new(mode, (1, 1)).getbands())
    rng = numpy.random.default_rng(size[0] * 7919 + size[1])
    return rng.integers(0, 256, (size[1], size[0], channels), dtype=numpy.uint8)


def bgr_array(mode: str, size: tuple[int, int]) -> numpy.ndarray:
    """What OpenCV holds: the channels of random_array in the order B, G, R."""
    return numpy.ascontiguousarray(random_array(mode, size)[..., ::-1])


def chw_array(mode: str, size: tuple[int, int]) -> numpy.ndarray:
    """What PyTorch holds: random_array's channels as planes."""
    return numpy.ascontiguousarray(random_array(mode, size).transpose(2, 0, 1))


def middle(a: numpy.ndarray) -> numpy.ndarray:
    """A crop view: the middle of the array, as the issue's 800 x 950 of 1024²."""
    h, w = a.shape[:2]
    return a[h * 100 // 1024 : h * 900 // 1024, w * 50 // 1024 : w * 1000 // 1024]


def prepare_image_floor(a: numpy.ndarray) -> Convert:
    """Pillow at its cheapest: a new image, and rows of 4-byte pixels
    (already in its layout) copied in by the raw decoder."""
    size = (a.shape[1], a.shape[0])
    rgbx = numpy.concatenate([a, numpy.full((*a.shape[:2], 1), 255, numpy.uint8)], axis=2)
    data = rgbx.tobytes()
    return lambda a: Image.frombytes("RGB", size, data, "raw", "RGBX")


def patched_fromarray(view: Callable[[numpy.ndarray], numpy.ndarray]) -> Convert:
    """Image.fromarray as fastpil.patch() installs it, of a view."""
    from fastpil._core import fromarray

    return lambda a: fromarray(view(a))


def image_scenario(name, description, make_input, view, ours, extra=(), sizes=None, mode="RGB"):
    """A scenario of making an RGB image of ``view(a)``: fromarray of the
    view, fromarray under the patch, and fastpil's ``ours``."""
    return Scenario(
        name,
        description,
        lambda a: Image.fromarray(numpy.ascontiguousarray(view(a))),
        contenders(
            Contender(
                "fromarray", "Image.fromarray(view)", always(lambda a: Image.fromarray(view(a)))
            ),
            *extra,
            Contender(
                "patched fromarray",
                "Image.fromarray(view) under fastpil.patch()",
                always(patched_fromarray(view)),
            ),
            Contender("to_image", ours[0], always(ours[1])),
        ),
        [
            ("to_image vs fromarray", "fromarray", "to_image"),
            ("patched vs fromarray", "fromarray", "patched fromarray"),
            *(("to_image vs " + c.name, c.name, "to_image") for c in extra),
        ],
        [mode],
        make_input=make_input,
        sizes=sizes or ["16", "256", "1024"],
    )


IMAGE_SCENARIOS = [
    image_scenario(
        "to_image",
        "an RGB image of a contiguous (H, W, 3) array",
        random_array,
        lambda a: a,
        ("fastpil.to_image(a)", fastpil.to_image),
        extra=(
            Contender(
                "floor",
                'Image.frombytes("RGB", size, rgbx, "raw", "RGBX"): a new image and a row '
                "copy of pixels already in Pillow's layout",
                prepare_image_floor,
            ),
            Contender(
                "a.copy()",
                "a.copy(): one copy of the array",
                always(lambda a: a.copy()),
                expect=lambda a: a,
            ),
        ),
    ),
    image_scenario(
        "to_image crop",
        "an RGB image of a crop view of an (H, W, 3) array",
        random_array,
        middle,
        ("fastpil.to_image(a[crop])", lambda a: fastpil.to_image(middle(a))),
    ),
    image_scenario(
        "to_image BGR",
        "an RGB image of an OpenCV (BGR) array",
        bgr_array,
        lambda a: a[..., ::-1],
        ('fastpil.to_image(bgr, channels="BGR")', lambda a: fastpil.to_image(a, channels="BGR")),
        extra=(
            Contender(
                "cv2.cvtColor",
                "Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))",
                with_cv2(lambda cv2, a: Image.fromarray(cv2.cvtColor(a, cv2.COLOR_BGR2RGB))),
            ),
        ),
    ),
    image_scenario(
        "to_image RGBA",
        "an RGBA image of a contiguous (H, W, 4) array: fromarray shares the array's memory "
        "(a read-only image), fastpil copies it",
        random_array,
        lambda a: a,
        ("fastpil.to_image(a)", fastpil.to_image),
        mode="RGBA",
    ),
    image_scenario(
        "to_image CHW",
        "an RGB image of a (3, H, W) array, as a tensor holds it",
        chw_array,
        lambda a: a.transpose(1, 2, 0),
        ('fastpil.to_image(chw, layout="CHW")', lambda a: fastpil.to_image(a, layout="CHW")),
    ),
]

OPTION_SCENARIOS = [
    option_scenario(
        "BGR",
        "OpenCV's channel order for an RGB image",
        "RGB",
        {"channels": "BGR"},
        (
            "numpy [..., ::-1]",
            "numpy.ascontiguousarray(numpy.array(im)[..., ::-1])",
            lambda im: numpy.ascontiguousarray(numpy.array(im)[..., ::-1]),
        ),
        cv2_code="COLOR_RGB2BGR",
    ),
    option_scenario(
        "BGRA",
        "OpenCV's channel order for an RGBA image",
        "RGBA",
        {"channels": "BGRA"},
        (
            "numpy [..., [2, 1, 0, 3]]",
            "numpy.array(im)[..., [2, 1, 0, 3]]",
            lambda im: numpy.array(im)[..., [2, 1, 0, 3]],
        ),
        cv2_code="COLOR_RGBA2BGRA",
    ),
    option_scenario(
        "drop alpha",
        "the RGB channels of an RGBA image",
        "RGBA",
        {"channels": "RGB"},
        (
            "numpy [..., :3]",
            "numpy.ascontiguousarray(numpy.array(im)[..., :3])",
            lambda im: numpy.ascontiguousarray(numpy.array(im)[..., :3]),
        ),
        others=(
            Contender(
                "im.convert",
                'numpy.array(im.convert("RGB"))',
                always(lambda im: numpy.array(im.convert("RGB"))),
            ),
        ),
        cv2_code="COLOR_RGBA2RGB",
    ),
    option_scenario(
        "CHW",
        "PyTorch's planar layout",
        "RGB",
        {"layout": "CHW"},
        (
            "numpy transpose",
            "numpy.ascontiguousarray(numpy.array(im).transpose(2, 0, 1))",
            lambda im: numpy.ascontiguousarray(numpy.array(im).transpose(2, 0, 1)),
        ),
    ),
]

# Many images into one array: NumPy's way and fastpil's.
STACK = Contender(
    "stack of numpy.array",
    "numpy.stack([numpy.array(im) for im in images])",
    always(stack_of(numpy.array)),
)
BATCH = Contender(
    "to_numpy_batch", "fastpil.to_numpy_batch(images)", always(fastpil.to_numpy_batch)
)


def threaded(label: str, call: str, convert: Convert) -> list[Contender]:
    """``convert`` of two images by one thread in turn, and by two at once."""
    return [
        Contender(
            f"{label}, 1 thread", f"one thread: {call} of each image in turn", one_thread(convert)
        ),
        Contender(
            f"{label}, 2 threads",
            f"two threads: {call} of an image each, at once",
            two_threads(convert),
        ),
    ]


SCENARIOS = {
    s.name: s
    for s in [
        *IMAGE_SCENARIOS,
        Scenario(
            "to_numpy",
            "the array numpy.array(im) gives",
            numpy.array,
            CONTENDERS,
            [
                ("fastpil vs numpy.array", "numpy.array", "fastpil"),
                ("fastpil vs pure Python", "pure Python", "fastpil"),
                ("fastpil / floor", "fastpil", "floor"),
                ("out= / floor", "fastpil out=", "floor"),
            ],
            ["RGB", "L", "RGBA", "I;16", "F", "1"],
        ),
        *OPTION_SCENARIOS,
        Scenario(
            "box",
            "the middle half of the image in each direction",
            lambda im: numpy.array(im.crop(centre_box(im))),
            contenders(
                Contender(
                    "numpy.array(im.crop)",
                    "numpy.array(im.crop(box))",
                    lambda im: crop_then(numpy.array, centre_box(im)),
                ),
                Contender(
                    "fastpil box",
                    "fastpil.to_numpy(im, box=box)",
                    lambda im: box_option(centre_box(im)),
                ),
            ),
            [("fastpil vs numpy", "numpy.array(im.crop)", "fastpil box")],
            ["RGB"],
        ),
        Scenario(
            "batch",
            "64 images in one (64, H, W, C) array",
            stack_of(numpy.array),
            contenders(
                STACK,
                Contender(
                    "stack of to_numpy",
                    "numpy.stack([fastpil.to_numpy(im) for im in images])",
                    always(stack_of(fastpil.to_numpy)),
                ),
                BATCH,
            ),
            [("batch vs numpy", "stack of numpy.array", "to_numpy_batch")],
            ["RGB"],
            make_input=batch_of(64),
            sizes=["256", "1024"],
        ),
        Scenario(
            "normalize",
            "RGB to normalised CHW float32, as a model's input",
            lambda im: normalised(im, numpy.float32),
            contenders(
                Contender(
                    "numpy",
                    "numpy.array(im).transpose(2, 0, 1).astype(float32), /= 255, -= mean, /= std",
                    always(numpy_normalise),
                ),
                Contender(
                    "fastpil CHW + multiply",
                    'fastpil.to_numpy(im, layout="CHW"), then numpy.multiply(u8, 1/255) '
                    "into float32 (scaled, not normalised)",
                    always(fastpil_then_multiply),
                    expect=scaled,
                ),
                Contender(
                    "fastpil float32",
                    'fastpil.to_numpy(im, layout="CHW", dtype=float32, scale=True, mean=, std=)',
                    always(fastpil_normalise(numpy.float32)),
                ),
                Contender(
                    "fastpil float16",
                    "the same with dtype=float16",
                    always(fastpil_normalise(numpy.float16)),
                    expect=lambda im: normalised(im, numpy.float16),
                ),
                Contender(
                    "float floor",
                    "numpy.empty of the float32 result plus one copy from an existing array",
                    lambda im: empty_and_copy(normalised(im, numpy.float32)),
                ),
            ),
            [
                ("fastpil vs numpy", "numpy", "fastpil float32"),
                ("fastpil vs two passes", "fastpil CHW + multiply", "fastpil float32"),
                ("float32 / floor", "fastpil float32", "float floor"),
                ("float16 / float32", "fastpil float16", "fastpil float32"),
            ],
            ["RGB"],
            sizes=["64", "224", "256", "1024", "2048", "4096"],
        ),
        Scenario(
            "small batch",
            "256 small images in one (256, H, W, C) array",
            stack_of(numpy.array),
            contenders(
                STACK,
                Contender(
                    "loop of to_numpy",
                    "[fastpil.to_numpy(im) for im in images], arrays of their own",
                    always(lambda images: [fastpil.to_numpy(im) for im in images]),
                ),
                BATCH,
            ),
            [
                ("batch vs numpy", "stack of numpy.array", "to_numpy_batch"),
                ("batch vs loop", "loop of to_numpy", "to_numpy_batch"),
            ],
            ["RGB"],
            make_input=batch_of(256),
            sizes=["32"],
        ),
        Scenario(
            "small",
            "a small image of every mode: the fixed cost of a call",
            numpy.array,
            contenders(*(CONTENDERS[n] for n in ("numpy.asarray", "numpy.array", "fastpil"))),
            [
                ("fastpil vs numpy.asarray", "numpy.asarray", "fastpil"),
                ("fastpil vs numpy.array", "numpy.array", "fastpil"),
            ],
            SMALL_MODES,
            sizes=["16"],
        ),
        Scenario(
            "threads",
            "two distinct images converted by one thread in turn, or by two threads at once",
            each_of(numpy.array),
            contenders(
                *threaded("numpy.array", "numpy.array", numpy.array),
                *threaded("fastpil", "fastpil.to_numpy", fastpil.to_numpy),
            ),
            [
                ("fastpil scaling", "fastpil, 1 thread", "fastpil, 2 threads"),
                ("numpy.array scaling", "numpy.array, 1 thread", "numpy.array, 2 threads"),
                ("fastpil vs numpy.array", "numpy.array, 2 threads", "fastpil, 2 threads"),
            ],
            ["RGB"],
            make_input=two_images,
            sizes=["256", "512", "1024", "2048", "4096"],
        ),
    ]
}
