# cython: language_level=3
# cython: freethreading_compatible=True
"""The thin shell between fastpil's Python API and its C++ core (cpp/).

It turns Python objects into buffers and hands them to C++. Every choice
(which raw mode, which transform, which shape and dtype) is made by the caller
in fastpil._convert.
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


def convert(imaging, str mode, str rawmode, Transform transform, tuple shape,
            dtype, out=None):
    """Encode ``imaging`` (an ``Image.im``) as ``rawmode`` into an array.

    ``shape`` starts with (height, width) and holds at least one pixel;
    ``out``, when given, is a writable C-contiguous ndarray of ``shape`` and
    ``dtype`` (the caller has checked). Returns the filled array.
    """
    cdef Py_buffer view
    cdef Py_ssize_t height = shape[0]
    cdef Py_ssize_t width = shape[1]
    array = numpy.empty(shape, dtype) if out is None else out
    encoder = Image._getencoder(mode, "raw", rawmode)
    try:
        encoder.setimage(imaging, (0, 0, width, height))
        dest = memoryview(array).cast("B")
        PyObject_GetBuffer(dest, &view, PyBUF_WRITABLE)
        try:
            encode_into(encoder.encode, view, height, transform)
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


def _transform(Transform transform, src, dst):
    """Apply one chunk transform to the whole of ``src``, writing ``dst``.

    For tests of the kernels, outside of any encoder.
    """
    cdef Py_buffer src_view
    cdef Py_buffer dst_view
    PyObject_GetBuffer(src, &src_view, PyBUF_SIMPLE)
    try:
        PyObject_GetBuffer(dst, &dst_view, PyBUF_WRITABLE)
        try:
            transform_buffer(transform, dst_view, src_view)
        finally:
            PyBuffer_Release(&dst_view)
    finally:
        PyBuffer_Release(&src_view)
