# Declarations of the C++ core (cpp/) used by _core.pyx.
from cpython.object cimport PyObject


cdef extern from "transforms.hpp" namespace "fastpil":
    cpdef enum class Transform(int):
        copy
        compact_rgbx_to_rgb
        bytes_to_bool


cdef extern from "kernels.hpp" namespace "fastpil":
    cdef struct Kernels:
        const char *name


cdef extern from "dispatch.hpp" namespace "fastpil":
    const size_t kMaxKernelTables
    size_t supported_kernels(const Kernels **tables)
    const Kernels &active_kernels()
    bint select_kernels(const char *name)


cdef extern from "encode_loop.hpp" namespace "fastpil":
    int encode_into(object encode, const Py_buffer &dest, Py_ssize_t rows,
                    Transform transform) except -1
    int transform_buffer(Transform transform, const Py_buffer &dst,
                         const Py_buffer &src) except -1


cdef extern from "version.hpp":
    const char *FASTPIL_VERSION
