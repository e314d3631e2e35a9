"""fastpil for PyTorch: a transform, ``fuse()`` for torchvision pipelines, and a collate.

``import fastpil.torch`` needs torch and torchvision (``pip install
fastpil[torch]``); ``import fastpil`` alone never imports them.

`ImageToTensor`
    A torchvision transform (v1 and v2) that turns a Pillow image into a
    tensor in one pass: dtype, scale, mean and std, channels, box, layout.
`fuse`
    Rewrites a ``transforms.Compose`` or ``v2.Compose`` so that its
    conversion tail (``ToTensor()``, ``Normalize()``, ... with or without a
    ``CenterCrop`` before them) runs as one fastpil pass, computing the same
    tensors.
`collate`
    A ``collate_fn`` for ``torch.utils.data.DataLoader``: the images of a
    batch written once into one tensor, in shared memory in a worker, every
    other field collated by ``default_collate``.
"""

from __future__ import annotations

import functools
import logging
import math
import numbers
import operator
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy
import PIL.Image
import PIL.ImageMode

# torch ships its types; torchvision does not (its modules are Any to a type
# checker), and where neither is installed both are Any. The ignores are for
# whichever of these cases applies.
import torch  # type: ignore[import-not-found,unused-ignore]
import torch.utils.data  # type: ignore[import-not-found,unused-ignore]

# How v2.Transform flattens a sample, so that Fused rebuilds it alike.
from torch.utils._pytree import (  # type: ignore[import-not-found,unused-ignore]
    tree_flatten,
    tree_unflatten,
)

# default_collate is collate() with default_collate_fn_map; torch's docs of
# default_collate extend it so, with a map of their own.
from torch.utils.data._utils.collate import (  # type: ignore[import-not-found,unused-ignore]
    collate as _collate,
)
from torch.utils.data._utils.collate import (  # type: ignore[import-not-found,unused-ignore]
    default_collate_fn_map,
)
from torchvision import transforms as v1  # type: ignore[import-untyped,import-not-found,unused-ignore]
from torchvision import tv_tensors  # type: ignore[import-untyped,import-not-found,unused-ignore]
from torchvision.transforms import v2  # type: ignore[import-untyped,import-not-found,unused-ignore]

from . import _modes
from ._convert import to_numpy_batch
from ._core import to_numpy

__all__ = ["CenterBox", "Fused", "ImageToTensor", "collate", "fuse"]

logger = logging.getLogger(__name__)

Box = tuple[int, int, int, int]
# A box, or a function of the image's (width, height) that gives one.
BoxOption = Box | Callable[[tuple[int, int]], Box] | None

# What each dtype option asks fastpil for. None: the image's own dtype.
_NUMPY_DTYPES: dict[Any, Any] = {
    None: None,
    torch.uint8: numpy.uint8,
    torch.uint16: numpy.uint16,
    torch.float32: numpy.float32,
    torch.float16: numpy.float16,
}
# The tensor dtype of each array dtype fastpil writes (torch has no
# big-endian dtypes: mode I;16B has none).
_TORCH_DTYPES: dict[numpy.dtype[Any], Any] = {
    numpy.dtype(numpy.bool_): torch.bool,
    numpy.dtype(numpy.uint8): torch.uint8,
    numpy.dtype(numpy.uint16): torch.uint16,
    numpy.dtype(numpy.int32): torch.int32,
    numpy.dtype(numpy.float32): torch.float32,
    numpy.dtype(numpy.float16): torch.float16,
}
_LAYOUTS = ("CHW", "HWC")


def _numbers(name: str, value: Any) -> Any:
    """``value`` (a mean or a std) as fastpil takes it: a tensor's values as a
    tuple. What is not a number or a sequence of them is refused here, the
    rest when fastpil converts (which checks each value)."""
    if value is None or isinstance(value, numbers.Real):
        return value
    if isinstance(value, torch.Tensor):
        value = value.tolist()
        return value if isinstance(value, float) else tuple(value)
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Sequence):
        msg = f"{name} must be a number or a sequence of numbers, not {value!r}"
        raise TypeError(msg)
    return tuple(value)


def _box(box: Any) -> BoxOption:
    if box is None or callable(box):
        return box  # type: ignore[no-any-return]
    try:
        left, upper, right, lower = (operator.index(v) for v in box)
    except (TypeError, ValueError):
        msg = f"box must be 4 integers, a function of the image's size, or None; not {box!r}"
        raise TypeError(msg) from None
    return (left, upper, right, lower)


class _Options:
    """The conversion options, checked once, as fastpil's keyword arguments."""

    __slots__ = ("box", "kwargs")

    def __init__(
        self,
        dtype: Any,
        scale: bool,
        mean: Any,
        std: Any,
        channels: str | Sequence[str] | None,
        box: Any,
        layout: str,
    ) -> None:
        try:
            numpy_dtype = _NUMPY_DTYPES[dtype]
        except (KeyError, TypeError):
            msg = (
                "dtype must be None (the image's own), torch.uint8, torch.uint16, "
                f"torch.float32 or torch.float16; not {dtype!r}"
            )
            raise ValueError(msg) from None
        if not isinstance(scale, bool):
            raise TypeError(f"scale must be True or False, not {scale!r}")
        if layout not in _LAYOUTS:
            raise ValueError(f"layout must be one of {_LAYOUTS}, not {layout!r}")
        if channels is not None and not isinstance(channels, str):
            channels = tuple(channels)
        self.box = _box(box)
        self.kwargs: dict[str, Any] = {
            "channels": channels,
            "layout": layout,
            "dtype": numpy_dtype,
            "scale": scale,
            "mean": _numbers("mean", mean),
            "std": _numbers("std", std),
        }

    def box_for(self, size: tuple[int, int]) -> Box | None:
        box = self.box
        return box(size) if callable(box) else box

    def tensor(self, im: PIL.Image.Image) -> torch.Tensor:
        """The image as a plain tensor (over a new array's memory)."""
        box = self.box
        if callable(box):
            box = box(im.size)
        return torch.from_numpy(to_numpy(im, box=box, **self.kwargs))

    def batch(self, images: Sequence[PIL.Image.Image]) -> torch.Tensor:
        """The images as one tensor, made in shared memory in a DataLoader worker."""
        first = images[0]
        if not isinstance(first, PIL.Image.Image):
            raise TypeError(f"collate takes Pillow images, not {type(first).__name__}")
        mode, size = first.mode, first.size
        box = self.box_for(size)
        left, upper, right, lower = box if box is not None else (0, 0, *size)
        kw = self.kwargs
        normalised = kw["mean"] is not None or kw["std"] is not None
        plan = _modes.plan(
            mode, kw["channels"], kw["layout"], kw["dtype"], kw["scale"], normalised
        )
        out = _empty((len(images), *plan.shape(right - left, lower - upper)), plan.dtype)
        array = out.numpy()
        if all(isinstance(im, PIL.Image.Image) and im.size == size for im in images):
            to_numpy_batch(images, out=array, box=box, **kw)
        else:
            # Sizes differ, as after Resize(256) of images of other shapes,
            # but the boxes may not: each image into its own slice.
            for im, each in zip(images, array, strict=True):
                to_numpy(im, out=each, box=self.box_for(im.size), **kw)
        return out


def _empty(shape: tuple[int, ...], dtype: numpy.dtype[Any]) -> torch.Tensor:
    """A tensor to write a batch into: in shared memory in a DataLoader worker.

    A worker sends each batch to the main process through shared memory, and
    a tensor made anywhere else is copied there first, one more write of the
    whole batch. default_collate makes its batch in shared memory to begin
    with (with the storage's _new_shared, as here); torch has no public call
    for it.
    """
    try:
        tensor_dtype = _TORCH_DTYPES[dtype]
    except KeyError:
        raise TypeError(f"the images convert to {dtype}, which torch has no dtype for") from None
    nbytes = math.prod(shape) * dtype.itemsize
    if torch.utils.data.get_worker_info() is None or nbytes == 0:
        return torch.empty(shape, dtype=tensor_dtype)
    storage = torch.UntypedStorage._new_shared(nbytes)  # type: ignore[no-untyped-call,unused-ignore]
    return torch.empty(0, dtype=tensor_dtype).set_(storage).view(shape)


class CenterBox:
    """The box torchvision's ``CenterCrop(size)`` crops, as a ``box=`` option.

    Called with an image's ``(width, height)``, it returns ``(left, upper,
    right, lower)``, rounded as ``CenterCrop`` rounds (``int(round((H - h) /
    2))``, so a half rounds to even). fastpil does not pad: where the crop is
    larger than the image, on which ``CenterCrop`` pads with zeros, it raises
    ``ValueError``.

    Parameters
    ----------
    size : int or sequence of int
        ``CenterCrop``'s: ``(height, width)``, or one number for both.
    """

    def __init__(self, size: int | Sequence[int]) -> None:
        if isinstance(size, numbers.Integral):
            height = width = int(size)
        elif isinstance(size, Sequence) and len(size) in (1, 2):
            height, width = (operator.index(size[0]), operator.index(size[-1]))
        else:
            raise ValueError(f"size must be an int or (height, width), not {size!r}")
        if height < 0 or width < 0:
            raise ValueError(f"size must not be negative: {size!r}")
        self.height, self.width = height, width

    def fits(self, size: tuple[int, int]) -> bool:
        """Whether the crop lies within an image of this ``(width, height)``.

        Parameters
        ----------
        size : tuple of 2 ints
            The image's ``(width, height)``.

        Returns
        -------
        bool
        """
        return self.width <= size[0] and self.height <= size[1]

    def __call__(self, size: tuple[int, int]) -> Box:
        width, height = size
        if not self.fits(size):
            msg = (
                f"a center crop of {self.width}x{self.height} is larger than the "
                f"{width}x{height} image: CenterCrop pads it with zeros, fastpil does not"
            )
            raise ValueError(msg)
        # round() of a float, as CenterCrop's int(round(...)): halves to even.
        top = round((height - self.height) / 2.0)
        left = round((width - self.width) / 2.0)
        return (left, top, left + self.width, top + self.height)

    def __repr__(self) -> str:
        return f"CenterBox(size=({self.height}, {self.width}))"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CenterBox):
            return NotImplemented
        return (self.height, self.width) == (other.height, other.width)

    def __hash__(self) -> int:
        return hash((self.height, self.width))


def _short(value: Any) -> str:
    """A float32 value, as fuse() passes Normalize's, as its shortest decimal."""
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_short, value)) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float) and float(numpy.float32(value)) == value:
        return str(numpy.float32(value))
    return repr(value)


def _options_repr(**options: Any) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in options.items() if v is not None)


class ImageToTensor(v2.Transform):  # type: ignore[misc,unused-ignore]
    """Pillow images to tensors in one pass, as a torchvision transform.

    In a v2 pipeline, every Pillow image in a sample (a tuple, a dict, nested
    containers) becomes a ``tv_tensors.Image``; everything else, boxes,
    masks, labels and tensors included, passes through untouched. In a v1
    pipeline it takes the image alone, as ``ToTensor()`` does, and returns a
    ``tv_tensors.Image`` too (a ``torch.Tensor``; ``v2.ToPureTensor()`` or
    ``t.as_subclass(torch.Tensor)`` makes it a plain one).

    The tensor owns its memory (the array fastpil wrote, shared with
    ``torch.from_numpy``) and is contiguous. With ``dtype=torch.float32``,
    ``scale=True`` and ``mean``, ``std`` it holds what ``ToTensor()`` and
    ``Normalize(mean, std)`` (or v2's ``ToImage()``, ``ToDtype(torch.float32,
    scale=True)``, ``Normalize``) give, within the float tolerance the
    "PyTorch" page of the docs states; with no options, what
    ``v2.ToImage()`` and ``PILToTensor()`` give, exactly.

    Parameters
    ----------
    dtype : torch.dtype, optional
        None (the default): the image's own dtype, ``torch.uint8`` for 8-bit
        images, as ``PILToTensor()`` gives; ``torch.float32`` or
        ``torch.float16`` for floats (scaled and normalised as below);
        ``torch.uint8`` or ``torch.uint16`` to insist on one.
    scale : bool, optional
        Divide by the largest value of the image's integer type: 255, or
        65535 for mode ``I;16`` (as v2's ``ToDtype(..., scale=True)``).
    mean, std : float or sequence of float, optional
        Subtract ``mean``, then divide by ``std``: one number, or one per
        channel of the result.
    channels : str or sequence of str, optional
        The bands to keep, in order (``"RGB"`` drops alpha): see
        `fastpil.to_numpy`.
    box : tuple of 4 ints, or callable, optional
        ``(left, upper, right, lower)``: convert only this region. A function
        of the image's ``(width, height)`` gives a box per image:
        ``CenterBox(224)`` is ``CenterCrop(224)`` without the cropped image.
        Images alone are cropped, not boxes or masks in the same sample.
    layout : {"CHW", "HWC"}, optional
        ``"CHW"`` (the default): channels first, as torchvision's transforms
        give them.

    Raises
    ------
    TypeError, ValueError
        An option is not one of these; at conversion, what
        `fastpil.to_numpy` raises (an option that does not apply to the
        image's mode, a box outside it).
    """

    _transformed_types = (PIL.Image.Image,)

    def __init__(
        self,
        *,
        dtype: torch.dtype | None = None,
        scale: bool = False,
        mean: float | Sequence[float] | None = None,
        std: float | Sequence[float] | None = None,
        channels: str | Sequence[str] | None = None,
        box: BoxOption = None,
        layout: str = "CHW",
    ) -> None:
        super().__init__()
        self._options = _Options(dtype, scale, mean, std, channels, box, layout)
        self.options = {
            "dtype": dtype,
            "scale": scale,
            "mean": self._options.kwargs["mean"],
            "std": self._options.kwargs["std"],
            "channels": channels,
            "box": self._options.box,
            "layout": layout,
        }

    def forward(self, *inputs: Any) -> Any:
        # A lone image, the common call, skips the flattening of a sample.
        if len(inputs) == 1 and isinstance(inputs[0], PIL.Image.Image):
            return self.transform(inputs[0], {})
        return super().forward(*inputs)

    def transform(self, image: Any, params: dict[str, Any]) -> torch.Tensor:
        """Convert one image (called by ``forward`` for each image in a sample).

        Parameters
        ----------
        image : PIL.Image.Image
            The image.
        params : dict
            Unused: this transform has no random parameters.

        Returns
        -------
        torch.Tensor
            A ``tv_tensors.Image``.
        """
        result: torch.Tensor = self._options.tensor(image).as_subclass(tv_tensors.Image)
        return result

    def extra_repr(self) -> str:
        o = self.options
        return _options_repr(
            dtype=o["dtype"],
            scale=o["scale"] or None,
            mean=o["mean"],
            std=o["std"],
            channels=o["channels"],
            box=o["box"],
            layout=o["layout"] if o["layout"] != "CHW" else None,
        )


# ---------------------------------------------------------------------------
# fuse()

# Modes whose tensors the fused steps compute as the replaced ones do: the
# 8-bit modes that ToTensor divides by 255 (not 1, P, PA, whose values are not
# intensities, nor I and F, which it does not scale), and, for the
# tails that scale by the dtype's range (PILToTensor + ConvertImageDtype,
# ToImage + ToDtype), I;16, which they divide by 65535. Any other mode runs
# the replaced steps.
_EIGHT_BIT = frozenset(
    m
    for m in PIL.Image.MODES
    if PIL.ImageMode.getmode(m).typestr == "|u1" and m not in ("P", "PA")
)
# Pillow's I;16 is little-endian; torch reads it as uint16 only on such hosts.
_SIXTEEN_BIT = frozenset({"I;16"} if sys.byteorder == "little" else ())


class Fused(v2.Transform):  # type: ignore[misc,unused-ignore]
    """Steps `fuse` replaced, and the one fastpil pass that does their work.

    For the images it can convert as the replaced steps do (a Pillow image of
    an 8-bit mode, or ``I;16`` where the tail scales it, with as many means as
    channels or one, within the image where there is a crop), it runs
    ``conversion``. For anything else (another mode, a crop larger than the
    image, a tensor, a sample holding an ndarray, a ``tv_tensors.Image`` or a
    video) it runs the ``replaced`` steps, so that it computes what they
    compute, errors included.

    Attributes
    ----------
    replaced : tuple
        The steps of the original pipeline, in order.
    conversion : ImageToTensor
        The transform that does their work.
    """

    def __init__(
        self,
        replaced: Sequence[Any],
        conversion: ImageToTensor,
        *,
        center: CenterBox | None,
        crops_others: bool,
        modes: frozenset[str],
        samples: bool,
        default_float: bool,
    ) -> None:
        super().__init__()
        self.replaced = tuple(replaced)
        self.conversion = conversion
        self._center = center
        # Whether the first replaced step, a v2 CenterCrop, is to crop the
        # boxes, masks and keypoints of a sample.
        self._crops_others = crops_others
        self._modes = modes
        self._samples = samples
        self._default_float = default_float
        mean, std = conversion.options["mean"], conversion.options["std"]
        self._counts = {len(v) if isinstance(v, tuple) else 1 for v in (mean, std) if v}
        self._fast_modes: dict[str, bool] = {}

    def _fast(self, im: Any) -> bool:
        try:
            fast = self._fast_modes[im.mode]
        except KeyError:
            mode = im.mode
            fast = mode in self._modes and all(
                n in (1, len(PIL.ImageMode.getmode(mode).bands)) for n in self._counts
            )
            self._fast_modes[mode] = fast
        center = self._center
        return fast and (center is None or center.fits(im.size))

    def _original(self, *inputs: Any) -> Any:
        # As v2.Compose runs steps (v1's Compose is the case of one input).
        needs_unpacking = len(inputs) > 1
        outputs: Any = None
        for step in self.replaced:
            outputs = step(*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs

    def forward(self, *inputs: Any) -> Any:
        if self._default_float and torch.get_default_dtype() != torch.float32:
            # ToTensor gives the default float dtype, which fastpil does not write.
            return self._original(*inputs)
        if len(inputs) == 1 and isinstance(inputs[0], PIL.Image.Image):
            if not self._fast(inputs[0]):
                return self._original(*inputs)
            tensor = self.conversion._options.tensor(inputs[0])
            if self._samples:
                image: torch.Tensor = tensor.as_subclass(tv_tensors.Image)
                return image
            return tensor
        if not self._samples:
            return self._original(*inputs)
        return self._sample(inputs)

    def _sample(self, inputs: tuple[Any, ...]) -> Any:
        flat, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        images = 0
        for leaf in flat:
            if isinstance(leaf, PIL.Image.Image):
                if not self._fast(leaf):
                    return self._original(*inputs)
                images += 1
            elif isinstance(leaf, (numpy.ndarray, tv_tensors.Image, tv_tensors.Video)):
                # ToImage converts arrays, and ToDtype and Normalize images
                # and videos: not this pass's work.
                return self._original(*inputs)
        if not images:
            # ToImage would convert the first plain tensor as an image.
            return self._original(*inputs)
        convert = self.conversion._options.tensor
        crop = self.replaced[0] if self._crops_others else None
        out = []
        for leaf in flat:
            if isinstance(leaf, PIL.Image.Image):
                out.append(convert(leaf).as_subclass(tv_tensors.Image))
            elif crop is not None and isinstance(leaf, tv_tensors.TVTensor):
                # Boxes, masks and keypoints: CenterCrop's alone of the
                # replaced steps (ToDtype and Normalize pass them through).
                out.append(crop(leaf))
            else:
                out.append(leaf)
        return tree_unflatten(out, spec)

    def extra_repr(self) -> str:
        return "replaced=[" + ", ".join(repr(s) for s in self.replaced) + "]"


def _float32_values(value: Any) -> float | tuple[float, ...] | None:
    """Normalize's mean or std as torchvision uses them: in float32."""
    try:
        t = torch.as_tensor(value, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        return None
    if t.ndim > 1 or t.numel() == 0 or not bool(torch.isfinite(t).all()):
        return None
    values = t.tolist()
    if isinstance(values, float):
        return values
    return values[0] if len(values) == 1 else tuple(values)


def _normalize_options(step: Any) -> tuple[Any, Any] | None:
    """Normalize's mean and std as fastpil takes them, or None where fastpil
    would not compute what Normalize does (a zero or huge std, ...)."""
    mean, std = _float32_values(step.mean), _float32_values(step.std)
    if mean is None or std is None:
        return None
    means = mean if isinstance(mean, tuple) else (mean,)
    stds = std if isinstance(std, tuple) else (std,)
    if 0.0 in stds:
        return None
    # fastpil computes x * (1 / (255 std)) - mean / std with float32 factors
    # (I;16's 1 / (65535 std) is smaller), and refuses factors beyond float32.
    biggest = float(numpy.finfo(numpy.float32).max)
    if any(abs(1.0 / (255.0 * s)) > biggest for s in stds) or any(
        abs(m / s) > biggest for m in means for s in stds
    ):
        return None
    return mean, std


def _center_box(step: Any) -> CenterBox | None:
    try:
        height, width = step.size
        return CenterBox((operator.index(height), operator.index(width)))
    except (TypeError, ValueError):
        return None


def _match(steps: Sequence[Any], start: int) -> tuple[int, Fused] | None:
    """The fusable tail at ``steps[start:]``: how many steps, and their fusion."""
    i = start
    crop_step, crop = None, None
    if type(steps[i]) in (v1.CenterCrop, v2.CenterCrop):
        crop = _center_box(steps[i])
        if crop is None:
            return None
        crop_step = steps[i]
        i += 1
    kinds = [type(s) for s in steps[i : i + 2]]
    if kinds[:1] == [v1.ToTensor]:
        i, modes, samples, default_float = i + 1, _EIGHT_BIT, False, True
    elif kinds == [v1.PILToTensor, v1.ConvertImageDtype] and steps[i + 1].dtype is torch.float32:
        i, modes, samples, default_float = i + 2, _EIGHT_BIT | _SIXTEEN_BIT, False, False
    elif (
        kinds == [v2.ToImage, v2.ToDtype]
        and steps[i + 1].dtype is torch.float32
        and steps[i + 1].scale is True
    ):
        i, modes, samples, default_float = i + 2, _EIGHT_BIT | _SIXTEEN_BIT, True, False
    else:
        return None
    # A tail that takes samples takes v2's CenterCrop and Normalize only: v1's
    # refuse samples.
    if samples and crop_step is not None and type(crop_step) is not v2.CenterCrop:
        return None
    mean = std = None
    normalizers = (v2.Normalize,) if samples else (v1.Normalize, v2.Normalize)
    if i < len(steps) and type(steps[i]) in normalizers:
        options = _normalize_options(steps[i])
        if options is not None:
            mean, std = options
            i += 1
    conversion = ImageToTensor(dtype=torch.float32, scale=True, mean=mean, std=std, box=crop)
    fused = Fused(
        steps[start:i],
        conversion,
        center=crop,
        crops_others=samples and crop_step is not None,
        modes=modes,
        samples=samples,
        default_float=default_float,
    )
    return i - start, fused


def fuse(pipeline: Any) -> Any:
    """The pipeline with its conversion tails fused into one fastpil pass.

    Finds, in the steps of ``pipeline`` (and of Compose steps within it), each
    run of

    - ``ToTensor()``, ``Normalize(mean, std)``;
    - ``PILToTensor()``, ``ConvertImageDtype(torch.float32)``, ``Normalize``;
    - ``v2.ToImage()``, ``v2.ToDtype(torch.float32, scale=True)``,
      ``v2.Normalize``;

    each with or without its ``Normalize`` and with or without a
    ``CenterCrop`` just before (which becomes ``box=``), and replaces it by a
    `Fused` step that computes the same tensors, within the float tolerance
    the docs state. Every other step stays as it is, and so do steps whose
    parameters fastpil would not compute alike (subclasses, another dtype, a
    zero ``std``, a non-integer crop size). At run time, an image the fused
    step cannot convert as the original steps would (another mode, a crop
    larger than the image, a tensor) goes through the original steps.

    Each fusion is logged at INFO level on the ``fastpil.torch`` logger, and
    the fused steps keep what they replaced (`Fused.replaced`).

    Parameters
    ----------
    pipeline : torchvision.transforms.Compose or torchvision.transforms.v2.Compose
        Not changed.

    Returns
    -------
    Compose
        A new Compose of the same class.

    Raises
    ------
    TypeError
        ``pipeline`` is not one of these Compose classes.
    """
    kind = type(pipeline)
    if kind not in (v1.Compose, v2.Compose):
        msg = (
            "fuse() takes a torchvision.transforms.Compose or a v2.Compose, "
            f"not {kind.__module__}.{kind.__qualname__}"
        )
        raise TypeError(msg)
    steps = list(pipeline.transforms)
    result: list[Any] = []
    i = 0
    while i < len(steps):
        if type(steps[i]) in (v1.Compose, v2.Compose):
            result.append(fuse(steps[i]))
            i += 1
            continue
        found = _match(steps, i)
        if found is None:
            result.append(steps[i])
            i += 1
            continue
        length, fused = found
        logger.info(
            "fused %s into %r", ", ".join(repr(s) for s in fused.replaced), fused.conversion
        )
        result.append(fused)
        i += length
    return kind(result)


# ---------------------------------------------------------------------------
# collate()


def _collate_images(
    images: Sequence[PIL.Image.Image], *, options: _Options, collate_fn_map: Any
) -> torch.Tensor:
    return options.batch(images)


def collate(
    batch: Sequence[Any],
    *,
    dtype: torch.dtype | None = None,
    scale: bool = False,
    mean: float | Sequence[float] | None = None,
    std: float | Sequence[float] | None = None,
    channels: str | Sequence[str] | None = None,
    box: BoxOption = None,
    layout: str = "CHW",
) -> Any:
    """Collate samples of Pillow images into a batch, each image written once.

    A ``collate_fn`` for ``torch.utils.data.DataLoader``: samples that are
    images, or tuples, lists or dicts holding images, become what
    ``default_collate`` makes of them, with the images of each field written
    by fastpil into one ``(N, C, H, W)`` tensor (``(N, H, W, C)`` with
    ``layout="HWC"``) and every other field collated by ``default_collate``
    itself. In a worker process the tensor is made in shared memory, as
    ``default_collate`` makes its own, so that it reaches the main process
    without a copy. Set the options with ``functools.partial``.

    With no options the batch is the images' own dtype, ``torch.uint8`` for
    8-bit images: what timm's ``fast_collate`` gives after ``ToNumpy()``, a
    quarter of the bytes of float32 to send from the workers and to the GPU,
    where the docs show how to normalise it. With ``dtype=torch.float32,
    scale=True, mean=..., std=...``: what ``default_collate`` gives after
    ``ToTensor()`` and ``Normalize()``, within the docs' float tolerance.

    Parameters
    ----------
    batch : sequence
        The samples, as the dataset returned them.
    dtype, scale, mean, std, channels, box, layout
        As for `ImageToTensor`, applied to every image in the samples. A
        ``box`` function (``CenterBox(224)``) lets images of different sizes
        make one batch.

    Returns
    -------
    object
        A tensor for samples that are images; else ``default_collate``'s
        structure (a list for tuples, a dict for dicts) holding the tensors.

    Raises
    ------
    TypeError, ValueError
        As `ImageToTensor`; and where the images of a field do not give
        tensors of one shape and dtype.
    """
    options = _Options(dtype, scale, mean, std, channels, box, layout)
    collate_fn_map: dict[type | tuple[type, ...], Callable[..., Any]] = {
        PIL.Image.Image: functools.partial(_collate_images, options=options),
        **default_collate_fn_map,
    }
    return _collate(batch, collate_fn_map=collate_fn_map)
