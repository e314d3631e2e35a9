"""patch, unpatch, patched: NumPy converts Pillow images through fastpil.

NumPy turns an object into an array through the first of these it finds: the
buffer protocol, ``__array_struct__``, ``__array_interface__``, ``__array__``.
Pillow's ``Image`` offers ``__array_interface__``, a dict holding
``im.tobytes()``: ``numpy.asarray(im)`` views those bytes (read-only) and
``numpy.array(im)`` copies them once more. Any array-interface answer costs
``numpy.array(im)`` that extra copy, because NumPy must copy what it views.
Only ``__array__`` can hand NumPy a finished array: since NumPy 2.1 an
``__array__`` called with ``copy=True`` is trusted to have copied and its
result is not copied again.

So the patch sets ``Image.__array__`` to a method that calls
``fastpil.to_numpy`` and hides ``Image.__array_interface__`` (reading it raises
AttributeError, which NumPy takes as "not offered"). Nothing else in Pillow
depends on it: ``Image.fromarray`` reads the interface of the array it is
given, not of an image, and pickling goes through ``Image.__getstate__``,
which calls ``tobytes()``.
"""

from __future__ import annotations

import contextlib
import operator
import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy
from PIL import Image

from . import _core, _pillow
from ._core import to_numpy
from ._images import fromarray_faster


def __array__(self: Image.Image, dtype: Any = None, copy: bool | None = None) -> numpy.ndarray:
    """The array ``numpy.array(self, dtype)`` gives, converted by fastpil.

    Installed as ``PIL.Image.Image.__array__`` by ``fastpil.patch()``.

    Parameters
    ----------
    dtype : numpy.dtype, optional
        Cast to this dtype, with ``numpy.array``'s (unsafe) casting rules.
    copy : bool, optional
        NumPy's ``copy`` argument. The result is always a new array that
        shares memory with nothing, as Pillow's own conversion is, so every
        value is honoured except ``copy=False`` with a ``dtype`` that needs a
        cast: that raises ValueError, as NumPy does without the patch. Unless
        NumPy asks for a copy, the array is read-only, as the view of
        ``tobytes()`` that ``numpy.asarray(im)`` gives without the patch is.
    """
    if not _in_effect:
        return _as_pillow_would(self, dtype, copy)
    array = to_numpy(self)
    if dtype is not None:
        dtype = numpy.dtype(dtype)
        if array.dtype != dtype:
            if copy is False:
                msg = (
                    "Unable to avoid copy while creating an array as requested: "
                    f"a mode {self.mode!r} image converts to {array.dtype}, not {dtype}"
                )
                raise ValueError(msg)
            return array.astype(dtype)
    if copy is not True:
        # NumPy before 2.1 never says copy=True, and copies what it is given
        # for numpy.array: only numpy.asarray keeps this array, read-only.
        array.flags.writeable = False
    return array


# While patched, Image.__array_interface__ is a property whose getter raises
# AttributeError. NumPy looks up __array_interface__ and then __array__ in C;
# if the getter ran Python code, another thread could unpatch in between
# (removing __array__ once the interface was found missing), and NumPy, finding
# neither, would wrap the image in an object array. operator.attrgetter of a
# name no image has raises from C, so with the GIL nothing runs in between.
# (Its message is that name, which may not contain a dot.)
_HIDDEN_NAME = (
    "__array_interface__ (hidden while fastpil's patch is in effect, so that NumPy "
    "converts images through __array__ with fastpil; use numpy asarray(im), or call "
    "fastpil's unpatch() first)"
)
_HIDDEN_ARRAY_INTERFACE = property(operator.attrgetter(_HIDDEN_NAME))


class _Unpatched:
    """An image as Pillow's fromarray sees one without the patch: with the
    ``__array_interface__`` the patch hides, and everything else the image's.
    Made through unpatched(), whose classes bear the image class's name, so
    that Pillow's errors name it as they would without the patch."""

    __slots__ = ("_image",)

    def __init__(self, image: Image.Image) -> None:
        self._image = image

    @property
    def __array_interface__(self) -> Any:
        return _pillow.array_interface.__get__(self._image)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._image, name)


_unpatched_classes: dict[type, type[_Unpatched]] = {}


def _unpatched(image: Image.Image) -> _Unpatched:
    kind = type(image)
    found = _unpatched_classes.get(kind)
    if found is None:
        found = type(kind.__name__, (_Unpatched,), {"__slots__": ()})
        _unpatched_classes[kind] = found
    return found(image)


def fromarray_rest(obj: Any, mode: str | None = None) -> Image.Image:
    """``Image.fromarray`` under the patch: where fastpil is faster, through
    fastpil.

    The image is Pillow's in mode, size, pixels and read-only-ness, and
    shares the array's memory where Pillow's does; `_images.fromarray_faster`
    says where fastpil makes it. Pillow's own is called for everything else:
    objects other than NumPy arrays, arrays whose image Pillow makes as fast,
    and anything fastpil would refuse, so that errors are Pillow's own.
    (``_core.fromarray``, which the patch installs, sends most calls
    straight to Pillow's and the rest here.)
    """
    if type(obj) is not numpy.ndarray:
        if isinstance(obj, Image.Image) and _pillow.array_interface is not None:
            return _pillow.fromarray(_unpatched(obj), mode)  # what Pillow makes of an image
        return _pillow.fromarray(obj, mode)
    try:
        im = fromarray_faster(obj, mode)
    except Exception:  # Pillow's own error, then, as without the patch
        im = None
    return _pillow.fromarray(obj, mode) if im is None else im


def _as_pillow_would(image: Image.Image, dtype: Any, copy: bool | None) -> numpy.ndarray:
    """What NumPy makes of the image through Pillow's ``__array_interface__``:
    ``__array__``'s answer once the patch is removed (see _update)."""
    view = _unpatched(image)
    if copy is None:  # NumPy 1.x never passes copy
        return numpy.asarray(view, dtype)
    return numpy.asarray(view, dtype, copy=copy)


def _gil_enabled() -> bool:
    # Free-threaded CPython (3.13t and later) may run without a GIL; the others
    # have no sys._is_gil_enabled and always hold one.
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return is_enabled is None or is_enabled()


# Class attributes of Image.Image: installed in this order and removed in the
# reverse one (see _update).
_REPLACEMENTS: dict[str, object] = {
    "__array__": __array__,
    "__array_interface__": _HIDDEN_ARRAY_INTERFACE,
}
_ABSENT = object()

# The patch is in effect while patch() holds it or any patched() block runs.
_lock = threading.Lock()
_held_by_patch = False
_blocks = 0
# What Image.Image.__dict__ held under each replaced name before the patch
# (_ABSENT if nothing); None while not patched.
_originals: dict[str, object] | None = None
# Whether __array__ converts through fastpil (the patch is installed) or
# answers as Pillow's __array_interface__ would (it outlived an unpatch).
_in_effect = False


def _update() -> None:
    """Install or remove the patch to match who holds it; call with _lock held."""
    global _originals, _in_effect
    wanted = _held_by_patch or _blocks > 0
    if wanted and _originals is None:
        originals = {}
        for name, replacement in _REPLACEMENTS.items():
            found = Image.Image.__dict__.get(name, _ABSENT)
            # __array__ left in place by an earlier unpatch (below) is no original.
            originals[name] = _ABSENT if found is replacement else found
        _in_effect = True
        for name, value in _REPLACEMENTS.items():
            setattr(Image.Image, name, value)
        Image.fromarray = _core.fromarray
        _originals = originals
    elif not wanted and _originals is not None:
        Image.fromarray = _pillow.fromarray
        # In the reverse order: Pillow's __array_interface__ comes back before
        # __array__ goes, so that a thread calling NumPy meanwhile finds one
        # or the other, never neither (NumPy would then wrap the image in an
        # object array). Installing goes the other way for the same reason.
        #
        # That suffices with a GIL: NumPy looks both up in C, and no thread
        # runs in between. Without one (free-threaded CPython), NumPy may find
        # the hidden interface, then this thread restore Pillow's and remove
        # __array__ before NumPy looks for it: neither. So there __array__ is
        # never removed once installed; NumPy does not call it while Pillow's
        # interface is there, and called by a NumPy that found the interface
        # hidden just before, it answers as Pillow's interface would.
        keep_array = not _gil_enabled()
        for name, value in reversed(_originals.items()):
            if value is _ABSENT:
                if not (keep_array and name == "__array__"):
                    delattr(Image.Image, name)
            else:
                setattr(Image.Image, name, value)
        _in_effect = False
        _originals = None


def patch() -> None:
    """Make ``numpy.array(im)`` and ``numpy.asarray(im)`` convert through fastpil.

    From now on, in every thread, NumPy converts a ``PIL.Image.Image`` with
    ``fastpil.to_numpy``: the same dtype, shape and values as before (mode
    ``"1"`` stores its bools as bytes 0 and 1), always a new array, writable
    from ``numpy.array(im)`` and read-only from ``numpy.asarray(im)``, as
    without the patch. ``Image.fromarray`` goes through fastpil's kernels
    where they make the same image faster. Libraries that call
    ``numpy.array``, ``numpy.asarray`` or ``Image.fromarray`` (torchvision,
    imageio, Hugging Face image processors, ...) speed up with no change to
    their code. Calling it again does nothing; ``unpatch()`` undoes it.

    ``numpy.array(im, dtype)`` and the ``copy`` argument keep NumPy's meaning.
    The one difference: ``im.__array_interface__`` raises AttributeError,
    because NumPy would use it before the faster ``__array__``.

    Notes
    -----
    With NumPy >= 2.1, ``numpy.array(im)`` and ``numpy.asarray(im)`` each cost
    one fastpil conversion. NumPy 1.x and 2.0 copy whatever ``__array__``
    returns to ``numpy.array``, so there ``numpy.array(im)`` costs a
    conversion and one copy, whose fresh memory's page faults can take most
    of the gain; ``numpy.asarray(im)`` still costs one conversion.

    Examples
    --------
    >>> import numpy
    >>> from PIL import Image
    >>> import fastpil
    >>> im = Image.new("RGB", (4, 3), (255, 128, 0))
    >>> fastpil.patch()
    >>> a = numpy.array(im)
    >>> a.shape, a.dtype, a.flags.writeable
    ((3, 4, 3), dtype('uint8'), True)
    >>> numpy.asarray(im).flags.writeable
    False
    >>> fastpil.unpatch()
    """
    global _held_by_patch
    with _lock:
        _held_by_patch = True
        _update()


def unpatch() -> None:
    """Undo ``patch()``: NumPy converts images through Pillow again.

    Pillow's ``Image.__array_interface__`` (and ``Image.__array__``, if it
    had one) are put back as they were. On free-threaded CPython running
    without the GIL, fastpil's ``Image.__array__`` stays, and answers as
    Pillow's ``__array_interface__`` does: removing it could leave a thread
    that is converting meanwhile with neither (NumPy would then make an
    object array). Calling it when not patched does nothing. A ``patched()``
    block still running, in this thread or another, keeps the patch in effect
    until it exits.

    Examples
    --------
    >>> import numpy
    >>> from PIL import Image
    >>> import fastpil
    >>> fastpil.patch()
    >>> fastpil.unpatch()
    >>> numpy.asarray(Image.new("L", (2, 2))).flags.writeable  # Pillow's view
    False
    """
    global _held_by_patch
    with _lock:
        _held_by_patch = False
        _update()


@contextlib.contextmanager
def patched() -> Iterator[None]:
    """Apply ``patch()`` for the duration of a ``with`` block.

    Blocks nest, in one thread or several: the patch stays in effect until
    the last running block exits, and a ``patch()`` made before or during a
    block outlives it. The block is left unpatched however it exits,
    including by an exception. Also works as a decorator.

    Examples
    --------
    >>> import numpy
    >>> from PIL import Image
    >>> import fastpil
    >>> im = Image.new("L", (2, 2), 7)
    >>> with fastpil.patched():
    ...     a = numpy.asarray(im)
    >>> a
    array([[7, 7],
           [7, 7]], dtype=uint8)
    >>> a.flags.writeable  # as Pillow's own asarray
    False
    """
    global _blocks
    with _lock:
        _blocks += 1
        _update()
    try:
        yield
    finally:
        with _lock:
            _blocks -= 1
            _update()
