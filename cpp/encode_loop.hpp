// The one place that talks to Python: calls Pillow's raw encoder chunk by
// chunk, hands each chunk to the core (chunks.hpp), and turns the core's
// statuses and the codec's error codes into Python exceptions.
#pragma once

#include <Python.h>

#include "chunks.hpp"

namespace fastpil {

// Fills `length` bytes of `dest`, from byte `offset` on, with the region a
// Pillow raw encoder covers, by calling `encode` (the encode method of an
// encoder whose setimage() has been called) until it reports the end. The
// region has the shape `geometry` describes, and each chunk goes through
// `transform` on its way in.
//
// Returns 0 on success; -1 with a Python exception set when the geometry does
// not fit the transform or `dest`, the encoder fails or emits data that does
// not fit, or a signal handler raises (signals are checked between chunks).
// After an error the region holds its first rows, converted, and its other
// bytes are as they were.
int encode_into(PyObject *encode, const Py_buffer &dest, std::size_t offset, std::size_t length,
                const Geometry &geometry, const TransformSpec &transform);

// Applies `transform` to the whole of `src`, writing the planes `dst` (one
// for interleaved output), with the active kernels. For tests of the kernels
// themselves. Returns 0, or -1 with a Python exception set when the spec is
// invalid or the lengths do not match it.
int transform_buffers(const TransformSpec &transform, const Py_buffer *dst, std::size_t planes,
                      const Py_buffer &src);

}  // namespace fastpil
