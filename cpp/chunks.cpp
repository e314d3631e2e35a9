#include "chunks.hpp"

namespace fastpil {
namespace {

// a * b, or false when it does not fit in a size_t.
bool multiply(std::size_t a, std::size_t b, std::size_t *product) {
    if (a != 0 && b > static_cast<std::size_t>(-1) / a) {
        return false;
    }
    *product = a * b;
    return true;
}

}  // namespace

Status check_geometry(const Geometry &g, const ChunkTransform &t, std::size_t array_bytes) {
    if (g.rows == 0 || g.packed_row == 0 || g.planes != t.planes ||
        g.packed_row % t.in_unit != 0) {
        return Status::bad_geometry;
    }
    std::size_t array_row = 0;
    std::size_t plane_bytes = 0;
    std::size_t total = 0;
    if (!multiply(g.packed_row / t.in_unit, t.out_unit, &array_row) || array_row != g.array_row ||
        !multiply(g.rows, g.array_row, &plane_bytes) ||
        !multiply(plane_bytes, g.planes, &total) || total != array_bytes) {
        return Status::bad_geometry;
    }
    return Status::ok;
}

ArrayRows::ArrayRows(const Geometry &geometry, const ChunkTransform &transform,
                     std::uint8_t *array)
    : geometry_(geometry),
      transform_(transform),
      array_(array),
      plane_bytes_(geometry.rows * geometry.array_row) {}

Status ArrayRows::claim_chunk(std::size_t length, Claim *claim) {
    if (length % geometry_.packed_row != 0) {
        return Status::ragged;
    }
    const std::size_t count = length / geometry_.packed_row;
    if (count > rows_left()) {
        return Status::overrun;
    }
    *claim = {claimed_, count};
    claimed_ += count;
    return Status::ok;
}

void ArrayRows::convert(const Claim &claim, const std::uint8_t *chunk) const {
    if (claim.count == 0) {
        return;
    }
    std::uint8_t *planes[4];
    for (std::size_t j = 0; j < transform_.planes; ++j) {
        planes[j] = array_ + j * plane_bytes_ + claim.first * geometry_.array_row;
    }
    const std::size_t units = claim.count * (geometry_.packed_row / transform_.in_unit);
    transform_.kernel(planes, chunk, units, transform_.pattern);
}

Status ArrayRows::accept(const std::uint8_t *chunk, std::size_t length) {
    Claim claim;
    const Status status = claim_chunk(length, &claim);
    if (status == Status::ok) {
        convert(claim, chunk);
    }
    return status;
}

Status ArrayRows::finish() const {
    return rows_left() == 0 ? Status::ok : Status::incomplete;
}

}  // namespace fastpil
