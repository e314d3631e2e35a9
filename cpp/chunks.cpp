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
    apply(transform_, planes, chunk, units);
}

void apply(const ChunkTransform &t, std::uint8_t *const *planes, const std::uint8_t *src,
           std::size_t units) {
    if (t.convert == nullptr) {
        t.kernel(planes, src, units, t.pattern);
        return;
    }
    if (t.split_convert != nullptr) {
        t.split_convert(planes, src, units, t.pattern, t.affine);
        return;
    }
    if (t.kernel == nullptr) {
        // Samples converted where they are: one plane of one or more channels.
        t.convert(planes[0], src, units * (t.out_unit / t.value_bytes), t.affine[0]);
        return;
    }
    // The byte kernel picks a block of pixels' channels into a buffer that
    // stays in L1; each plane's bytes (or the interleaved channels') are then
    // converted from there.
    constexpr std::size_t kBlock = 2048;
    std::uint8_t picked[4 * kBlock];
    std::uint8_t *picked_planes[4];
    for (std::size_t j = 0; j < 4; ++j) {
        picked_planes[j] = picked + j * kBlock;
    }
    const std::size_t per_pixel = t.planes == 1 ? t.out_unit / t.value_bytes : 1;
    for (std::size_t start = 0; start < units; start += kBlock) {
        const std::size_t n = units - start < kBlock ? units - start : kBlock;
        t.kernel(picked_planes, src + start * t.in_unit, n, t.pattern);
        for (std::size_t j = 0; j < t.planes; ++j) {
            t.convert(planes[j] + start * t.out_unit, picked_planes[j], n * per_pixel,
                      t.affine[j]);
        }
    }
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
