#include "decode_loop.hpp"

#include <cstring>
#include <memory>
#include <new>

#include "chunk_size.hpp"
#include "dispatch.hpp"
#include "gil.hpp"

namespace fastpil {
namespace {

// The chunk every conversion of a thread fills, kept from one call to the
// next: a fresh buffer was fresh pages on every call, once the image freed
// after the last call had let glibc trim the heap. It grows to the largest
// chunk asked for, up to kKeptMost. A conversion started from inside another
// (a Python decoder registered as "raw" that converts) or one whose rows are
// wider gets a buffer of its own.
constexpr std::size_t kKeptMost = 4 * 1024 * 1024;
thread_local std::unique_ptr<std::uint8_t[]> t_chunk;
thread_local std::size_t t_chunk_size = 0;
thread_local bool t_chunk_busy = false;

class ChunkBuffer {
public:
    explicit ChunkBuffer(std::size_t size) {
        if (size <= kKeptMost && !t_chunk_busy) {
            if (size > t_chunk_size) {
                t_chunk.reset(new (std::nothrow) std::uint8_t[size]);
                t_chunk_size = t_chunk ? size : 0;
            }
            if (t_chunk) {
                t_chunk_busy = kept_ = true;
                data_ = t_chunk.get();
                return;
            }
        }
        own_.reset(new (std::nothrow) std::uint8_t[size]);
        data_ = own_.get();
    }
    ~ChunkBuffer() {
        if (kept_) {
            t_chunk_busy = false;
        }
    }
    ChunkBuffer(const ChunkBuffer &) = delete;
    ChunkBuffer &operator=(const ChunkBuffer &) = delete;
    std::uint8_t *data() const { return data_; }

private:
    std::unique_ptr<std::uint8_t[]> own_;
    std::uint8_t *data_ = nullptr;
    bool kept_ = false;
};

// Reads decode()'s (consumed, errcode) from `result`, which it releases.
// False, with a TypeError set, when the decoder returned anything else.
bool parse_decoded(PyObject *result, Py_ssize_t *consumed, long *errcode) {
    const bool parsed = PyTuple_Check(result) && PyTuple_GET_SIZE(result) == 2;
    if (parsed) {
        *consumed = PyLong_AsSsize_t(PyTuple_GET_ITEM(result, 0));
        *errcode = PyLong_AsLong(PyTuple_GET_ITEM(result, 1));
    }
    Py_DECREF(result);
    if (!parsed) {
        PyErr_SetString(PyExc_TypeError,
                        "the decoder's decode() did not return (consumed, errcode)");
    }
    return parsed;
}

// decode(`length` bytes at `data`): lent as a memoryview released when the
// call returns, or copied into a bytes object (decode_loop.hpp says when).
// Returns decode()'s result, or nullptr with an exception set.
PyObject *call_decode(PyObject *decode, const std::uint8_t *data, std::size_t length,
                      bool lend) {
    const auto size = static_cast<Py_ssize_t>(length);
    char *bytes = reinterpret_cast<char *>(const_cast<std::uint8_t *>(data));
    PyObject *argument =
        lend ? PyMemoryView_FromMemory(bytes, size, PyBUF_READ) : PyBytes_FromStringAndSize(bytes, size);
    if (argument == nullptr) {
        return nullptr;
    }
    PyObject *result = PyObject_CallOneArg(decode, argument);
    if (lend) {
        // A view kept past the call would read memory that may be gone:
        // released, it raises instead. (Pillow's decoder keeps none.)
        static PyObject *const release = PyUnicode_InternFromString("release");
        PyObject *released =
            release == nullptr ? nullptr : PyObject_CallMethodNoArgs(argument, release);
        if (released == nullptr) {
            Py_CLEAR(result);
        }
        Py_XDECREF(released);
    }
    Py_DECREF(argument);
    return result;
}

// One decode() call over `length` bytes at `data`, judged as Image.frombytes
// judges its one call.
int decode_whole(PyObject *decode, const std::uint8_t *data, std::size_t length, bool lend) {
    PyObject *result = call_decode(decode, data, length, lend);
    if (result == nullptr) {
        return -1;
    }
    Py_ssize_t consumed = 0;
    long errcode = 0;
    if (!parse_decoded(result, &consumed, &errcode)) {
        return -1;
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    if (consumed >= 0) {
        PyErr_SetString(PyExc_ValueError, "not enough image data");
        return -1;
    }
    if (errcode != 0) {
        PyErr_SetString(PyExc_ValueError, "cannot decode image data");
        return -1;
    }
    return 0;
}

// check_source, raising where it fails.
bool checked(const Source &source) {
    if (check_source(source) != Status::ok) {
        PyErr_SetString(PyExc_ValueError,
                        "an array source needs 1 to 4 bands of 1, 2, 4 or 8 bytes and at least "
                        "one row and one pixel");
        return false;
    }
    return true;
}

}  // namespace

int decode_from(PyObject *decode, const Source &source, bool lend) {
    if (!checked(source)) {
        return -1;
    }
    SourceRows rows(source, active_kernels());
    const std::size_t packed_row = rows.packed_row();
    if (rows.packed_already()) {
        // The array is the raw data already: the decoder reads it in place.
        return decode_whole(decode, rows.first_row(), source.rows * packed_row, lend);
    }
    // A chunk of whole rows as the encoder's (chunk_size.hpp).
    const std::size_t size = chunk_rows(packed_row, source.rows) * packed_row;
    ChunkBuffer buffer(size);
    std::uint8_t *chunk = buffer.data();
    if (chunk == nullptr) {
        PyErr_NoMemory();
        return -1;
    }
    const bool release_gil = releases_gil(source.rows * packed_row);

    std::size_t carried = 0;  // bytes left by the decoder, at the start of chunk
    int status = -1;
    for (;;) {
        const Claim claim = rows.claim_room(size - carried);
        if (claim.count != 0) {
            if (release_gil) {
                const WithoutGil released;
                rows.fill(claim, chunk + carried);
            } else {
                rows.fill(claim, chunk + carried);
            }
        }
        const std::size_t length = carried + claim.count * packed_row;
        // decode() returns (bytes consumed, error code); consumed is
        // negative once the image is complete.
        PyObject *result = call_decode(decode, chunk, length, lend);
        if (result == nullptr) {
            break;
        }
        Py_ssize_t consumed = -1;
        long errcode = 0;
        if (!parse_decoded(result, &consumed, &errcode)) {
            break;
        }
        if (PyErr_Occurred()) {
            break;
        }
        if (consumed < 0) {
            // Complete; any rows not given were more than the image holds,
            // which Image.frombytes ignores too.
            status = 0;
            break;
        }
        if (errcode != 0) {
            PyErr_SetString(PyExc_ValueError, "cannot decode image data");
            break;
        }
        if (static_cast<std::size_t>(consumed) > length) {
            PyErr_SetString(PyExc_RuntimeError, "Pillow's raw decoder consumed more than it got");
            break;
        }
        carried = length - static_cast<std::size_t>(consumed);
        // The decoder takes every whole row of its own it is given: with all
        // of ours given, or no room left for one more, it cannot finish.
        // (Its rows are then wider than ours, and the whole of the array
        // less than the image needs.)
        if (rows.rows_left() == 0 || (claim.count == 0 && consumed == 0)) {
            PyErr_SetString(PyExc_ValueError, "not enough image data");
            break;
        }
        std::memmove(chunk, chunk + consumed, carried);
        if (PyErr_CheckSignals() < 0) {
            break;
        }
    }
    return status;
}

int pack_into(const Source &source, const Py_buffer &dest) {
    if (!checked(source)) {
        return -1;
    }
    SourceRows rows(source, active_kernels());
    const std::size_t bytes = rows.packed_row() * source.rows;
    if (static_cast<std::size_t>(dest.len) != bytes || dest.readonly) {
        PyErr_Format(PyExc_ValueError,
                     "packing %zu rows of %zu bytes needs a writable buffer of %zu bytes, not "
                     "%zd",
                     source.rows, rows.packed_row(), bytes, dest.len);
        return -1;
    }
    auto *out = static_cast<std::uint8_t *>(dest.buf);
    if (rows.packed_already()) {
        std::memcpy(out, rows.first_row(), bytes);
        return 0;
    }
    // A chunk at a time, so that a thread waiting for the GIL gets it
    // between two.
    const bool release_gil = releases_gil(bytes);
    const std::size_t room = chunk_rows(rows.packed_row(), source.rows) * rows.packed_row();
    while (rows.rows_left() != 0) {
        const Claim claim = rows.claim_room(room);
        std::uint8_t *at = out + claim.first * rows.packed_row();
        if (release_gil) {
            const WithoutGil released;
            rows.fill(claim, at);
        } else {
            rows.fill(claim, at);
        }
        if (PyErr_CheckSignals() < 0) {
            return -1;
        }
    }
    return 0;
}

int packing_of(const Source &source) {
    if (!checked(source)) {
        return -1;
    }
    return static_cast<int>(SourceRows(source, active_kernels()).packing());
}

}  // namespace fastpil
