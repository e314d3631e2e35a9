# Declarations of the C++ core (cpp/) used by _core.pyx.
from libc.stdint cimport uint8_t


cdef extern from "kernels.hpp" namespace "fastpil":
    cdef struct Pattern:
        uint8_t index[4]
        uint8_t count
        uint8_t pixel_bytes

    cdef struct Kernels:
        const char *name

    cpdef enum class Sample(uint8_t):
        u8
        u16
        u16_swapped
        i32
        f32


cdef extern from "transforms.hpp" namespace "fastpil":
    cpdef enum class Kind(int):
        copy
        to_bool
        interleaved
        planar
        float_interleaved
        float_planar

    cpdef enum class Output(uint8_t):
        float32
        float16

    cdef struct TransformSpec:
        Kind kind
        Pattern pattern
        Sample sample
        Output output
        float scale[4]
        float offset[4]

    const char *validate(const TransformSpec &spec)
    size_t planes_of(const TransformSpec &spec)


cdef extern from "kernels.hpp" namespace "fastpil":
    cdef struct Gather:
        Py_ssize_t pixel_stride
        Py_ssize_t offset[4]
        uint8_t count
        uint8_t item
        uint8_t fill


cdef extern from "chunks.hpp" namespace "fastpil":
    cdef struct Source:
        const uint8_t *first_row
        Py_ssize_t row_stride
        size_t rows
        size_t pixels
        Gather gather

    cdef struct Geometry:
        size_t rows
        size_t packed_row
        size_t planes
        size_t array_row


cdef extern from "dispatch.hpp" namespace "fastpil":
    const size_t kMaxKernelTables
    size_t supported_kernels(const Kernels **tables)
    const Kernels &active_kernels()
    bint select_kernels(const char *name)


cdef extern from "encode_loop.hpp" namespace "fastpil":
    int encode_into(object encode, const Py_buffer &dest, size_t offset, size_t length,
                    const Geometry &geometry, const TransformSpec &transform) except -1
    int transform_buffers(const TransformSpec &transform, const Py_buffer *dst,
                          size_t planes, const Py_buffer &src) except -1


cdef extern from "decode_loop.hpp" namespace "fastpil":
    int decode_from(object decode, const Source &source, bint lend) except -1
    int pack_into(const Source &source, const Py_buffer &dest) except -1
    int packing_of(const Source &source) except -1


cdef extern from "chunk_size.hpp" namespace "fastpil":
    size_t chunk_target()
    void set_chunk_target(size_t size)
    size_t l2_cache_bytes()


cdef extern from "gil.hpp" namespace "fastpil":
    void count_kernel_overlaps(bint on)
    size_t kernel_overlaps()


cdef extern from "version.hpp":
    const char *FASTPIL_VERSION
