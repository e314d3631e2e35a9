#include "encode_loop.hpp"

#include <climits>
#include <cstdint>

#include "dispatch.hpp"

namespace fastpil {
namespace {

// Pillow's raw encoder allocates a fresh bytes object of `bufsize` for every
// chunk. Below glibc's default mmap threshold (128 KiB) that allocation comes
// from the heap and reuses the block just freed, so the chunk buffer stays
// resident and in cache instead of costing page faults on every call.
constexpr std::size_t kChunkTarget = 64 * 1024;

// Pillow's codec status when the image has been fully encoded.
constexpr long kCodecEnd = 1;

const char *codec_error_name(long code) {
    switch (code) {
        case -1:
            return "overrun";
        case -2:
            return "broken data";
        case -3:
            return "unknown";
        case -8:
            return "configuration error";
        case -9:
            return "out of memory";
        default:
            return "unrecognised code";
    }
}

// A whole number of rows, at least one, close to kChunkTarget, and no more
// than the image has: the raw encoder only ever emits whole rows, and the
// encoder allocates the full bufsize before trimming it to what it wrote.
Py_ssize_t chunk_bufsize(std::size_t in_row, std::size_t rows) {
    std::size_t chunk_rows = in_row >= kChunkTarget ? 1 : kChunkTarget / in_row;
    if (chunk_rows > rows) {
        chunk_rows = rows;
    }
    return static_cast<Py_ssize_t>(chunk_rows * in_row);
}

}  // namespace

int encode_into(PyObject *encode, const Py_buffer &dest, Py_ssize_t rows,
                const TransformSpec &transform) {
    ChunkTransform t;
    if (const char *why = describe(transform, active_kernels(), &t)) {
        PyErr_SetString(PyExc_ValueError, why);
        return -1;
    }
    const std::size_t total = static_cast<std::size_t>(dest.len);
    const std::size_t plane = total / t.planes;
    if (rows <= 0 || dest.len <= 0 || total % t.planes != 0 ||
        plane % static_cast<std::size_t>(rows) != 0 ||
        (plane / static_cast<std::size_t>(rows)) % t.out_unit != 0) {
        PyErr_Format(PyExc_ValueError,
                     "a destination of %zd bytes cannot hold %zu plane(s) of %zd rows of whole "
                     "pixels",
                     dest.len, t.planes, rows);
        return -1;
    }
    const std::size_t out_row = plane / static_cast<std::size_t>(rows);
    const std::size_t in_row = out_row / t.out_unit * t.in_unit;
    // The encoder counts bytes in a C int.
    if (in_row > static_cast<std::size_t>(INT_MAX)) {
        PyErr_Format(PyExc_ValueError,
                     "one row is %zu bytes once encoded; Pillow's raw encoder emits at most "
                     "%d bytes per call",
                     in_row, INT_MAX);
        return -1;
    }
    PyObject *bufsize =
        PyLong_FromSsize_t(chunk_bufsize(in_row, static_cast<std::size_t>(rows)));
    if (bufsize == nullptr) {
        return -1;
    }

    std::uint8_t *planes[4];
    for (std::size_t j = 0; j < t.planes; ++j) {
        planes[j] = static_cast<std::uint8_t *>(dest.buf) + j * plane;
    }
    std::size_t written = 0;  // bytes of each plane
    int status = -1;
    for (;;) {
        // encode() returns (bytes written, error code, bytes).
        PyObject *result = PyObject_CallOneArg(encode, bufsize);
        if (result == nullptr) {
            break;
        }
        if (!PyTuple_Check(result) || PyTuple_GET_SIZE(result) != 3) {
            PyErr_SetString(PyExc_TypeError,
                            "the encoder's encode() did not return (status, errcode, data)");
            Py_DECREF(result);
            break;
        }
        const long errcode = PyLong_AsLong(PyTuple_GET_ITEM(result, 1));
        if (errcode == -1 && PyErr_Occurred()) {
            Py_DECREF(result);
            break;
        }
        Py_buffer chunk;
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(result, 2), &chunk, PyBUF_SIMPLE) < 0) {
            Py_DECREF(result);
            break;
        }
        const std::size_t in_bytes = static_cast<std::size_t>(chunk.len);
        const std::size_t pixels = in_bytes / t.in_unit;
        const std::size_t out_bytes = pixels * t.out_unit;
        const bool fits = in_bytes % in_row == 0 && out_bytes <= plane - written;
        if (fits && pixels != 0) {
            t.kernel(planes, static_cast<const std::uint8_t *>(chunk.buf), pixels, t.pattern);
            for (std::size_t j = 0; j < t.planes; ++j) {
                planes[j] += out_bytes;
            }
            written += out_bytes;
        }
        PyBuffer_Release(&chunk);
        Py_DECREF(result);

        if (!fits) {
            PyErr_Format(PyExc_RuntimeError,
                         "Pillow's raw encoder returned %zu bytes, which is not a whole number "
                         "of %zu-byte rows or overruns the %zu bytes left in the destination",
                         in_bytes, in_row, (plane - written) / t.out_unit * t.in_unit);
            break;
        }
        if (errcode < 0) {
            PyErr_Format(PyExc_RuntimeError, "Pillow's raw encoder failed with error %ld (%s)",
                         errcode, codec_error_name(errcode));
            break;
        }
        if (errcode == kCodecEnd) {
            if (written != plane) {
                PyErr_Format(PyExc_RuntimeError,
                             "Pillow's raw encoder finished after %zu of %zu bytes",
                             written / t.out_unit * t.in_unit, plane / t.out_unit * t.in_unit);
                break;
            }
            status = 0;
            break;
        }
        if (in_bytes == 0) {
            PyErr_SetString(PyExc_RuntimeError, "Pillow's raw encoder made no progress");
            break;
        }
        if (PyErr_CheckSignals() < 0) {
            break;
        }
    }
    Py_DECREF(bufsize);
    return status;
}

int transform_buffers(const TransformSpec &transform, const Py_buffer *dst, std::size_t planes,
                      const Py_buffer &src) {
    ChunkTransform t;
    if (const char *why = describe(transform, active_kernels(), &t)) {
        PyErr_SetString(PyExc_ValueError, why);
        return -1;
    }
    const std::size_t in_bytes = static_cast<std::size_t>(src.len);
    const std::size_t pixels = in_bytes / t.in_unit;
    bool fits = planes == t.planes && in_bytes % t.in_unit == 0;
    std::uint8_t *out[4];
    for (std::size_t j = 0; fits && j < planes; ++j) {
        fits = static_cast<std::size_t>(dst[j].len) == pixels * t.out_unit;
        out[j] = static_cast<std::uint8_t *>(dst[j].buf);
    }
    if (!fits) {
        PyErr_Format(PyExc_ValueError,
                     "this transform turns %zu-byte pixels into %zu plane(s) of %zu bytes per "
                     "pixel; got %zd bytes in and %zu destination(s)",
                     t.in_unit, t.planes, t.out_unit, src.len, planes);
        return -1;
    }
    if (pixels != 0) {
        t.kernel(out, static_cast<const std::uint8_t *>(src.buf), pixels, t.pattern);
    }
    return 0;
}

}  // namespace fastpil
