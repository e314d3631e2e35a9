// The Python-free core of a conversion: where each chunk of Pillow's packed
// rows goes in the array, checked against an explicit geometry, and the
// kernel that moves its bytes. Pillow's codecs exchange whole rows in their
// raw layout, a chunk at a time; the caller (encode_loop.cpp) talks to the
// codec and hands each chunk here.
//
// A chunk is first *claimed* (its rows are checked and reserved, the running
// offsets advance) and then *written* (the kernel runs). Claiming is cheap
// and must happen in chunk order; writing touches only the chunk, the
// claimed rows of the array and the immutable transform, so the caller may
// run it without the GIL, or defer it while it claims further chunks.
//
// The other direction (filling chunks from an array for Pillow's decoder,
// SourceRows below) claims rows by the room in a chunk instead of by its
// length, and runs a kernel from array rows into the chunk.
#pragma once

#include <cstddef>
#include <cstdint>

#include "transforms.hpp"

namespace fastpil {

// The shape of one conversion in bytes, given by the caller, never inferred.
struct Geometry {
    std::size_t rows;        // rows in the region converted
    std::size_t packed_row;  // bytes of one row in Pillow's raw layout
    std::size_t planes;      // planes of the array: 1 when channels interleave
    std::size_t array_row;   // bytes of one row of one plane of the array
};

enum class Status : int {
    ok = 0,
    bad_geometry,  // the geometry, the transform and the array disagree
    ragged,        // a chunk is not a whole number of packed rows
    overrun,       // a chunk has more rows than are left
    incomplete,    // the codec finished with rows left
};

// Rows handed over by one chunk: rows [first, first + count) of every plane.
struct Claim {
    std::size_t first;
    std::size_t count;
};

// Whether `geometry` describes whole pixels of `transform`, in an array of
// `array_bytes` bytes. Returns Status::ok or Status::bad_geometry.
Status check_geometry(const Geometry &geometry, const ChunkTransform &transform,
                      std::size_t array_bytes);

// The array side of one conversion: the rows claimed so far, and the planes
// they go to. The array is C-contiguous: plane j starts j * rows * array_row
// bytes into it.
class ArrayRows {
public:
    // `geometry` must have passed check_geometry for `transform`.
    ArrayRows(const Geometry &geometry, const ChunkTransform &transform, std::uint8_t *array);

    // Claims the rows of a chunk of `length` packed bytes from the codec.
    // Returns ok, ragged or overrun; only ok advances.
    Status claim_chunk(std::size_t length, Claim *claim);

    // Writes a claimed chunk of packed rows into the array, transformed.
    void write(const Claim &claim, const std::uint8_t *chunk) const;

    // Claim and write in one step.
    Status accept(const std::uint8_t *chunk, std::size_t length);

    // ok once every row has been claimed, else incomplete.
    Status finish() const;

    const Geometry &geometry() const { return geometry_; }
    std::size_t rows_claimed() const { return claimed_; }
    std::size_t rows_left() const { return geometry_.rows - claimed_; }

private:
    Geometry geometry_;
    ChunkTransform transform_;
    std::uint8_t *array_;
    std::size_t plane_bytes_;
    std::size_t claimed_ = 0;
};

// The other direction: the rows of an array, packed chunk by chunk into the
// raw layout Pillow's decoder unpacks. The array has any strides (negative
// and zero among them): row y starts at first_row + y * row_stride, and its
// pixels are gathered as `gather` says.
struct Source {
    const std::uint8_t *first_row;
    std::ptrdiff_t row_stride;
    std::size_t rows;
    std::size_t pixels;  // in each row
    Gather gather;
};

// Whether `source` describes something the pack kernels can gather: 1 to 4
// bands of 1, 2, 4 or 8 bytes, and at least one row and one pixel. Returns
// Status::ok or Status::bad_geometry.
Status check_source(const Source &source);

// How SourceRows packs an array's rows: not at all (they are the packed rows
// already), by copying each row whole, with a vectorised kernel, or with the
// plain loop.
enum class Packing : int { in_place = 0, row_copy, vector, plain };

class SourceRows {
public:
    // `source` must have passed check_source.
    SourceRows(const Source &source, const Kernels &kernels);

    // Bytes of one packed row.
    std::size_t packed_row() const { return packed_row_; }

    // Claims as many of the next rows as fit whole in `room` bytes (none
    // when none fit, or none are left).
    Claim claim_room(std::size_t room);

    // Packs the claimed rows into `chunk`, one after the other.
    void fill(const Claim &claim, std::uint8_t *chunk) const;

    std::size_t rows_claimed() const { return claimed_; }
    std::size_t rows_left() const { return source_.rows - claimed_; }

    // The array's rows, one after the other, already are the packed rows:
    // the whole of them starts at first_row(), and needs no packing.
    bool packed_already() const { return packed_already_; }
    Packing packing() const { return packing_; }
    const std::uint8_t *first_row() const { return source_.first_row; }

private:
    Source source_;
    bool packed_already_;
    Packing packing_;
    PackKernel kernel_;
    PackRowsKernel rows_kernel_ = nullptr;  // packs whole claims, when not null
    std::size_t packed_row_;
    std::size_t claimed_ = 0;
};

}  // namespace fastpil
