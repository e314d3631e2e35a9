// The one place that talks to Python: drives Pillow's raw encoder chunk by
// chunk and transforms each chunk into the destination while it is still in
// cache.
#pragma once

#include <Python.h>

#include "transforms.hpp"

namespace fastpil {

// Fills `dest` with `rows` rows of equal length by calling `encode`, the
// encode method of a Pillow raw encoder whose setimage() has been called,
// until it reports the end. Each chunk it returns goes through `transform` on
// its way in. For planar transforms `dest` holds the planes one after the
// other, each of `rows` rows.
//
// Returns 0 on success; -1 with a Python exception set when the encoder fails,
// emits data that does not fit `dest`, or a signal handler raises (Ctrl-C is
// answered between chunks). After an error `dest` holds the rows written so
// far and unspecified bytes after them.
int encode_into(PyObject *encode, const Py_buffer &dest, Py_ssize_t rows,
                const TransformSpec &transform);

// Applies `transform` to the whole of `src`, writing the planes `dst` (one
// for interleaved output), with the active kernels. For tests of the kernels
// themselves. Returns 0, or -1 with a Python exception set when the spec is
// invalid or the lengths do not match it.
int transform_buffers(const TransformSpec &transform, const Py_buffer *dst, std::size_t planes,
                      const Py_buffer &src);

}  // namespace fastpil
