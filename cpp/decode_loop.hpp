// The way back: packs an array's rows chunk by chunk into Pillow's raw
// layout (with the core in chunks.hpp) and hands each chunk to a Pillow raw
// decoder, which unpacks it into an image.
#pragma once

#include <Python.h>

#include "chunks.hpp"

namespace fastpil {

// Feeds `decode`, the decode method of a Pillow raw decoder whose
// setimage() has been called, the rows of `source`, packed, until the
// decoder reports the image complete. The packed rows are a stream of bytes
// to it, as the one bytes object of Image.frombytes would be: a chunk's
// bytes that the decoder leaves (part of a row of its own size) come first
// in the next chunk.
//
// With `lend`, decode() is handed memoryviews of the array and of the chunk,
// released as soon as it returns: only for Pillow's own decoder, which reads
// what it is given during the call and keeps nothing. Without, it is handed
// bytes objects of its own, which it may keep: a Python decoder registered
// as "raw" might, and the memory of the array and the chunk may be gone by
// the time it reads them.
//
// Returns 0 on success; -1 with a Python exception set when the source is
// not something the kernels can gather, the decoder fails (ValueError:
// "cannot decode image data", as Image.frombytes says), every row has been
// given and the decoder still wants more (ValueError: "not enough image
// data"), or a signal handler raises (checked between chunks).
int decode_from(PyObject *decode, const Source &source, bool lend);

// Packs every row of `source` into `dest`, one after the other: what
// Image.fromarray's tobytes() makes of the array, for a source whose bands
// are the array's channels in order. `dest` must hold exactly the packed
// rows. Large sources are packed without the GIL. Returns 0, or -1 with a
// ValueError set when `source` or `dest` do not fit.
int pack_into(const Source &source, const Py_buffer &dest);

// How decode_from would pack `source` (chunks.hpp), or -1 with a ValueError
// set when the kernels cannot gather it.
int packing_of(const Source &source);

}  // namespace fastpil
