"""What fastpil relies on in Pillow beyond its documented API, in one place.

Pillow offers no public way to get its raw codecs, the mode ``fromarray``
gives an array, which raw modes it maps rather than decodes, or whether an
image has been closed. The names below are Pillow's own, private ones, and
this is the only module that uses them: a Pillow upgrade is a review of this
file (every use has tests, which ``make test-matrix`` runs on the oldest and
newest Pillow fastpil supports).
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageFile, _imaging, _util

# Pillow's Image.fromarray and Image.__array_interface__, as they were when
# fastpil was imported: patch() replaces both, and what fastpil asks of
# Pillow must reach Pillow, not the patch.
fromarray = Image.fromarray
array_interface: Any = Image.Image.__dict__.get("__array_interface__")

# The raw codecs, straight from the C module: Image._getencoder and
# _getdecoder return the same ones unless a Python codec is registered under
# "raw" in ENCODERS or DECODERS, and cost a third of converting a small
# image to ask.
raw_encoder = _imaging.raw_encoder
raw_decoder = _imaging.raw_decoder
ENCODERS: dict[str, Any] = Image.ENCODERS
DECODERS: dict[str, Any] = Image.DECODERS


def getencoder(mode: str, rawmode: str) -> Any:
    """The "raw" encoder Pillow's own tobytes() would use."""
    return Image._getencoder(mode, "raw", rawmode)


def getdecoder(mode: str, rawmode: str) -> Any:
    """The "raw" decoder Pillow's own frombytes() would use."""
    return Image._getdecoder(mode, "raw", rawmode)


# The type of the C module's decoders, which read what decode() is given
# during the call and keep nothing of it.
PILLOW_DECODER = type(raw_decoder("L", "L"))

# (shape suffix, typestr) -> (mode, raw mode[, modes allowed]): how
# fromarray reads an array; and the raw modes whose bytes fromarray maps
# (an image over the array's own memory, read-only) instead of decoding.
FROMARRAY_TYPEMAP: dict[Any, Any] = Image._fromarray_typemap
MAPMODES: tuple[str, ...] = tuple(Image._MAPMODES)

# What a closed image's pixels (``im.im``) are: an object that raises one
# stored exception whenever it is used. Raising the same exception object
# again and again lengthens its traceback each time.
ClosedPixels = _util.DeferredError

# Modes Pillow stores in 4 bytes a pixel but whose raw mode of the same name
# packs 3: their 4-byte raw modes are plain row copies in Pillow's codecs,
# where the 3-byte ones go pixel by pixel. The encoder emits the padding byte
# as stored; the decoder needs it given (Pillow's 3-byte unpacker sets 255).
FOUR_BYTE_RAW = {"RGB": "RGBX", "YCbCr": "YCbCrX"}

# Pillow's codecs keep the bits of a row in a C int and refuse rows of more
# than INT_MAX // bits - 7 pixels (encode.c and decode.c, _setimage).
_INT_MAX = 2**31 - 1


def widest_row(bits_per_pixel: int) -> int:
    """The widest row, in pixels, Pillow's raw codecs take at this depth."""
    return _INT_MAX // bits_per_pixel - 7


# In the 4-byte raw modes of FOUR_BYTE_RAW: a quarter fewer pixels than in
# the 3-byte ones numpy.array and fromarray use.
WIDEST_FOUR_BYTE_ROW = widest_row(32)


def maps_memory(im: Image.Image) -> bool:
    """Whether ``im`` may be the pixels of memory someone else can write.

    Image.frombuffer and Image.fromarray map the buffer they are given
    (mapped modes, _pillow.MAPMODES) and mark the image read-only. A file
    image is read-only too until it is loaded, and after, when Pillow maps
    the file: its pixels are then a private, read-only map of the file.
    """
    if isinstance(im, ImageFile.ImageFile) or type(_stored_pixels(im)) is ClosedPixels:
        return False  # a closed image's readonly raises, as any use of it
    return bool(im.readonly)


def _stored_pixels(im: Image.Image) -> Any:
    """What ``im`` holds as its pixels, without loading or raising."""
    attributes = vars(im)
    return attributes.get("_im", attributes.get("im"))


def closed_error(im: Image.Image) -> ValueError | None:
    """A new error for ``im`` if it has been closed, else None.

    Pillow keeps one exception per closed image (in ``im._im`` since Pillow
    11, ``im.im`` before) and raises that same object whenever the image is
    used, each time lengthening its traceback: fastpil raises a new one, and
    leaves Pillow's without the traceback it gathered on the way.
    """
    pixels = _stored_pixels(im)
    if type(pixels) is not ClosedPixels:
        return None
    stored = pixels.ex
    stored.__traceback__ = None
    return ValueError(str(stored))
