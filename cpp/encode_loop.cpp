#include "encode_loop.hpp"

#include <climits>
#include <cstdint>

#include "chunk_size.hpp"
#include "dispatch.hpp"
#include "gil.hpp"

namespace fastpil {

namespace {

// Chunks that wait for their kernels together when the GIL is released around
// them: at least this many bytes of them. A thread waiting in CPython for the
// GIL can only take it during a release that outlasts its wake-up; a quarter
// of a MiB of kernels makes that likelier, and in a steady stream of
// conversions from two threads this measured as well as one 64 KiB chunk at
// a time or eight. Larger chunks (chunk_size.hpp) make a group on their own.
constexpr std::size_t kGroupBytes = 256 * 1024;

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

// Whole rows, at least one, close to the chunk target and no more than the
// image has: the raw encoder only ever emits whole rows, and allocates the
// full bufsize (a fresh bytes object each call) before trimming it to what it
// wrote. glibc serves that allocation from the block just freed once a chunk
// has been freed, so the chunk stays resident and in cache.
std::size_t chunk_bufsize(std::size_t packed_row, std::size_t rows) {
    return chunk_rows(packed_row, rows) * packed_row;
}

// Chunks from the encoder waiting for their kernels, each holding its bytes
// object (and the buffer exported from it) until its kernel has run. Without
// a group size they are converted one by one as they come, with the GIL.
// With one, they wait until about that many bytes have come and are then
// converted without the GIL: a thread waiting for the GIL in CPython sleeps,
// and a release must last longer than it takes to wake for it to get the GIL.
class PendingChunks {
public:
    PendingChunks(const ArrayRows &rows, std::size_t group_bytes)
        : rows_(rows), group_bytes_(group_bytes) {}
    ~PendingChunks() { flush(); }
    PendingChunks(const PendingChunks &) = delete;
    PendingChunks &operator=(const PendingChunks &) = delete;

    void add(PyObject *result, const Py_buffer &data, const Claim &claim) {
        items_[count_++] = {result, data, claim};
        bytes_ += static_cast<std::size_t>(data.len);
    }

    bool full() const { return bytes_ >= group_bytes_ || count_ == kMaxPending; }

    // Runs the waiting chunks' kernels and lets go of the chunks.
    void flush() {
        if (count_ == 0) {
            return;
        }
        if (group_bytes_ != 0) {
            const WithoutGil released;
            write_all();
        } else {
            write_all();
        }
        for (std::size_t i = 0; i < count_; ++i) {
            PyBuffer_Release(&items_[i].data);
            Py_DECREF(items_[i].result);
        }
        count_ = 0;
        bytes_ = 0;
    }

private:
    struct Item {
        PyObject *result;  // (status, errcode, data): owns the data
        Py_buffer data;
        Claim claim;
    };

    void write_all() const {
        for (std::size_t i = 0; i < count_; ++i) {
            rows_.write(items_[i].claim, static_cast<const std::uint8_t *>(items_[i].data.buf));
        }
    }

    static constexpr std::size_t kMaxPending = 32;
    const ArrayRows &rows_;
    std::size_t group_bytes_;
    Item items_[kMaxPending];
    std::size_t count_ = 0;
    std::size_t bytes_ = 0;
};

// The one place where the core's statuses become exceptions. Counts are
// rows and bytes of the array (the destination), whatever the codec's units.
void raise_status(Status status, const ArrayRows &rows, std::size_t chunk_bytes) {
    const Geometry &g = rows.geometry();
    const std::size_t row_bytes = g.planes * g.array_row;
    switch (status) {
        case Status::bad_geometry:
            PyErr_Format(PyExc_ValueError,
                         "%zu plane(s) of %zu rows of %zu bytes do not fit this transform and "
                         "destination",
                         g.planes, g.rows, g.array_row);
            return;
        case Status::ragged:
            PyErr_Format(PyExc_RuntimeError,
                         "Pillow's raw encoder returned %zu bytes, which is not a whole number "
                         "of its %zu-byte rows",
                         chunk_bytes, g.packed_row);
            return;
        case Status::overrun: {
            const std::size_t chunk_rows = chunk_bytes / g.packed_row;
            PyErr_Format(PyExc_RuntimeError,
                         "Pillow's raw encoder returned %zu rows (%zu bytes of the array) when "
                         "%zu rows (%zu bytes) were left",
                         chunk_rows, chunk_rows * row_bytes, rows.rows_left(),
                         rows.rows_left() * row_bytes);
            return;
        }
        case Status::incomplete:
            PyErr_Format(PyExc_RuntimeError,
                         "Pillow's raw encoder finished after %zu of %zu rows (%zu of %zu bytes "
                         "of the array)",
                         rows.rows_claimed(), g.rows, rows.rows_claimed() * row_bytes,
                         g.rows * row_bytes);
            return;
        case Status::ok:
            break;
    }
    PyErr_SetString(PyExc_SystemError, "fastpil: an error status without an error");
}

}  // namespace

int encode_into(PyObject *encode, const Py_buffer &dest, std::size_t offset, std::size_t length,
                const Geometry &geometry, const TransformSpec &transform) {
    ChunkTransform t;
    if (const char *why = describe(transform, active_kernels(), &t)) {
        PyErr_SetString(PyExc_ValueError, why);
        return -1;
    }
    const std::size_t dest_bytes = static_cast<std::size_t>(dest.len);
    if (offset > dest_bytes || length > dest_bytes - offset) {
        PyErr_Format(PyExc_ValueError,
                     "bytes %zu to %zu are outside the destination of %zu bytes", offset,
                     offset + length, dest_bytes);
        return -1;
    }
    ArrayRows rows(geometry, t, static_cast<std::uint8_t *>(dest.buf) + offset);
    if (check_geometry(geometry, t, length) != Status::ok) {
        raise_status(Status::bad_geometry, rows, 0);
        return -1;
    }
    // The encoder counts bytes in a C int.
    if (geometry.packed_row > static_cast<std::size_t>(INT_MAX)) {
        PyErr_Format(PyExc_ValueError,
                     "one row is %zu bytes once encoded; Pillow's raw encoder emits at most "
                     "%d bytes per call",
                     geometry.packed_row, INT_MAX);
        return -1;
    }
    const bool release_gil = releases_gil(geometry.rows * geometry.packed_row);
    PyObject *bufsize =
        PyLong_FromSize_t(chunk_bufsize(geometry.packed_row, geometry.rows));
    if (bufsize == nullptr) {
        return -1;
    }

    PendingChunks pending(rows, release_gil ? kGroupBytes : 0);
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
        const std::size_t chunk_bytes = static_cast<std::size_t>(chunk.len);
        Claim claim;
        const Status claimed = rows.claim_chunk(chunk_bytes, &claim);
        if (claimed != Status::ok) {
            PyBuffer_Release(&chunk);
            Py_DECREF(result);
            pending.flush();
            raise_status(claimed, rows, chunk_bytes);
            break;
        }
        pending.add(result, chunk, claim);
        if (errcode != 0 || chunk_bytes == 0 || pending.full()) {
            pending.flush();
        }
        if (errcode < 0) {
            PyErr_Format(PyExc_RuntimeError, "Pillow's raw encoder failed with error %ld (%s)",
                         errcode, codec_error_name(errcode));
            break;
        }
        if (errcode == kCodecEnd) {
            const Status finished = rows.finish();
            if (finished != Status::ok) {
                raise_status(finished, rows, 0);
                break;
            }
            status = 0;
            break;
        }
        if (chunk_bytes == 0) {
            PyErr_SetString(PyExc_RuntimeError, "Pillow's raw encoder made no progress");
            break;
        }
        if (PyErr_CheckSignals() < 0) {
            pending.flush();
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
        apply(t, out, static_cast<const std::uint8_t *>(src.buf), pixels);
    }
    return 0;
}

}  // namespace fastpil
