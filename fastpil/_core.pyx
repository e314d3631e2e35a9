# cython: language_level=3
# cython: freethreading_compatible=True
# cython: auto_pickle=False
"""The thin shell between fastpil's Python API and its C++ core (cpp/).

It turns Python objects into buffers and hands them to C++. Every choice
(which raw mode, which transform, which shape and dtype) is made by the caller
in fastpil._convert and fastpil._modes.
"""
from cpython.buffer cimport (
    PyBUF_SIMPLE,
    PyBUF_WRITABLE,
    PyBuffer_Release,
    PyObject_GetBuffer,
)

import numpy
from PIL import Image

__version__ = FASTPIL_VERSION.decode("ascii")


cdef class Transform:
    """A chunk transform, checked once and kept for every conversion that uses it.

    ``kind`` is a Kind; ``pixel_bytes`` the bytes of one encoded pixel and
    ``pattern`` the byte of it each output channel takes (both used by the
    interleaved and planar kinds only).
    """

    cdef TransformSpec spec
    cdef readonly object kind
    cdef readonly int pixel_bytes
    cdef readonly bytes pattern

    def __init__(self, kind, int pixel_bytes=1, bytes pattern=b""):
        if len(pattern) > 4 or not 0 < pixel_bytes < 256:
            raise ValueError("a pattern picks 1 to 4 channels from pixels of 1 to 4 bytes")
        self.spec.kind = <Kind><int>kind
        self.spec.pattern.pixel_bytes = pixel_bytes
        self.spec.pattern.count = len(pattern)
        for j in range(4):
            self.spec.pattern.index[j] = pattern[j] if j < len(pattern) else 0
        why = validate(self.spec)
        if why != NULL:
            raise ValueError(why.decode("ascii"))
        self.kind = Kind(kind)
        self.pixel_bytes = pixel_bytes
        self.pattern = pattern

    def __repr__(self):
        return f"Transform(Kind.{self.kind.name}, {self.pixel_bytes}, {self.pattern!r})"


def convert(imaging, str mode, str rawmode, Transform transform not None, tuple extents,
            tuple shape, dtype, out=None):
    """Encode the ``extents`` box of ``imaging`` (an ``Image.im``) into an array.

    The box ``extents`` is (x0, y0, x1, y1) and holds at least one pixel. ``out``, when given,
    is a writable C-contiguous ndarray of ``shape`` and ``dtype`` (the caller
    has checked). Returns the filled array.
    """
    cdef Py_buffer view
    cdef Py_ssize_t rows = extents[3] - extents[1]
    array = numpy.empty(shape, dtype) if out is None else out
    encoder = Image._getencoder(mode, "raw", rawmode)
    try:
        encoder.setimage(imaging, extents)
        dest = memoryview(array).cast("B")
        PyObject_GetBuffer(dest, &view, PyBUF_WRITABLE)
        try:
            encode_into(encoder.encode, view, rows, transform.spec)
        finally:
            PyBuffer_Release(&view)
    finally:
        encoder.cleanup()
    return array


def simd_paths():
    """Names of the kernel sets this build has and this CPU runs, best first."""
    cdef const Kernels *tables[kMaxKernelTables]
    cdef size_t count = supported_kernels(tables)
    return tuple(tables[i].name.decode("ascii") for i in range(count))


def simd_path():
    """Name of the kernel set in use."""
    return active_kernels().name.decode("ascii")


def select_simd_path(str name):
    """Use the kernel set called ``name`` from now on, in every thread."""
    if not select_kernels(name.encode("ascii")):
        raise ValueError(
            f"SIMD path {name!r} is not available here; choose one of "
            f"{', '.join(simd_paths())}"
        )


def _transform(Transform transform not None, src, dst):
    """Apply one chunk transform to the whole of ``src``, writing ``dst``.

    ``dst`` is a sequence of writable buffers, one per output plane. For
    tests of the kernels, outside of any encoder.
    """
    cdef Py_buffer src_view
    cdef Py_buffer dst_views[4]
    cdef size_t planes = 0
    if len(dst) > 4:
        raise ValueError("at most 4 planes")
    PyObject_GetBuffer(src, &src_view, PyBUF_SIMPLE)
    try:
        for plane in dst:
            PyObject_GetBuffer(plane, &dst_views[planes], PyBUF_WRITABLE)
            planes += 1
        transform_buffers(transform.spec, dst_views, planes, src_view)
    finally:
        for j in range(planes):
            PyBuffer_Release(&dst_views[j])
        PyBuffer_Release(&src_view)
