#include "chunks.hpp"

#include <cstring>

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

void ArrayRows::write(const Claim &claim, const std::uint8_t *chunk) const {
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

Status ArrayRows::accept(const std::uint8_t *chunk, std::size_t length) {
    Claim claim;
    const Status status = claim_chunk(length, &claim);
    if (status == Status::ok) {
        write(claim, chunk);
    }
    return status;
}

Status ArrayRows::finish() const {
    return rows_left() == 0 ? Status::ok : Status::incomplete;
}

Status check_source(const Source &source) {
    const Gather &g = source.gather;
    const bool item = g.item == 1 || g.item == 2 || g.item == 4 || g.item == 8;
    if (!item || g.count < 1 || g.count > 4 || g.fill > 1 || source.rows == 0 ||
        source.pixels == 0) {
        return Status::bad_geometry;
    }
    std::size_t packed = 0;
    if (!multiply(source.pixels, g.count * g.item + g.fill, &packed)) {
        return Status::bad_geometry;
    }
    return Status::ok;
}

namespace {

void copy_row(std::uint8_t *dst, const std::uint8_t *src, std::size_t pixels, const Gather &g) {
    std::memcpy(dst, src, pixels * g.count * g.item);
}

bool offsets_within(const Gather &g, std::ptrdiff_t limit) {
    for (std::size_t b = 0; b < g.count; ++b) {
        if (g.offset[b] < 0 || g.offset[b] >= limit) {
            return false;
        }
    }
    return true;
}

// Whether the packed pixels of one 16-byte vector (see kernels.hpp), read
// `stride` bytes apart, span at most `span` bytes of the array.
bool shuffles(const Gather &g, std::ptrdiff_t stride, std::size_t span) {
    const std::size_t out = g.count * g.item + g.fill;
    if (stride == 0 || out > 8 || 16 % out != 0 || !offsets_within(g, kShuffleSpan)) {
        return false;
    }
    const std::size_t step = static_cast<std::size_t>(stride < 0 ? -stride : stride);
    std::size_t reach = 0;
    for (std::size_t b = 0; b < g.count; ++b) {
        const std::size_t end = static_cast<std::size_t>(g.offset[b]) + g.item;
        reach = end > reach ? end : reach;
    }
    return step <= span && (16 / out - 1) * step + reach <= span;
}

// The fastest kernel that packs `g`: the vectorised ones for bytes in the
// layouts they handle, a row copy where the array's rows are the packed
// rows already, the plain loop for the rest.
PackKernel pack_kernel(const Gather &g, const Kernels &kernels) {
    const bool four = (g.count == 4 && !g.fill) || (g.count == 3 && g.fill);
    if (g.item == 1 && g.count == 3 && g.fill && g.pixel_stride == 3 && offsets_within(g, 3)) {
        return kernels.pack_3_to_4;
    }
    if (g.item == 1 && four && g.pixel_stride == 4 && offsets_within(g, 4)) {
        return kernels.pack_4_to_4;
    }
    if (g.item == 1 && four && g.pixel_stride == 1) {
        return kernels.pack_planes;
    }
    bool in_order = !g.fill && g.pixel_stride == static_cast<std::ptrdiff_t>(g.count * g.item);
    for (std::size_t b = 0; in_order && b < g.count; ++b) {
        in_order = g.offset[b] == static_cast<std::ptrdiff_t>(b * g.item);
    }
    return in_order ? copy_row : kernels.pack_any;
}

}  // namespace

SourceRows::SourceRows(const Source &source, const Kernels &kernels)
    : source_(source), packed_row_(source.pixels * (source.gather.count * source.gather.item +
                                                    source.gather.fill)) {
    // Offsets from the lowest band, so that a reversed channel axis (a
    // negative channel stride) meets the kernels that take offsets from 0.
    Gather &g = source_.gather;
    std::ptrdiff_t lowest = g.offset[0];
    for (std::size_t b = 1; b < g.count; ++b) {
        lowest = g.offset[b] < lowest ? g.offset[b] : lowest;
    }
    source_.first_row += lowest;
    for (std::size_t b = 0; b < g.count; ++b) {
        g.offset[b] -= lowest;
    }
    kernel_ = pack_kernel(g, kernels);
    packed_already_ = kernel_ == copy_row &&
                      source_.row_stride == static_cast<std::ptrdiff_t>(packed_row_);
    // Where a row's pixels are a fixed step apart, pack_shuffled gathers
    // them by vectors. Rows that are the array's columns (a transposed or
    // rotated array) are another matter: row by row, each pixel would come
    // from a cache line of its own, which the next row needs again. Where
    // the rows' pixels at one x lie within one vector's load, pack_columns
    // reads them across the rows instead.
    if (kernel_ == kernels.pack_any) {
        if (shuffles(g, g.pixel_stride, kShuffleSpan)) {
            rows_kernel_ = kernels.pack_shuffled;
        } else if (source_.rows > 1 && shuffles(g, source_.row_stride, 16)) {
            rows_kernel_ = kernels.pack_columns;
        }
    }
    if (packed_already_) {
        packing_ = Packing::in_place;
    } else if (kernel_ == copy_row) {
        packing_ = Packing::row_copy;
    } else if (rows_kernel_ != nullptr || kernel_ != kernels.pack_any) {
        packing_ = Packing::vector;
    } else {
        packing_ = Packing::plain;
    }
}

Claim SourceRows::claim_room(std::size_t room) {
    std::size_t count = room / packed_row_;
    if (count > rows_left()) {
        count = rows_left();
    }
    const Claim claim = {claimed_, count};
    claimed_ += count;
    return claim;
}

void SourceRows::fill(const Claim &claim, std::uint8_t *chunk) const {
    if (rows_kernel_ != nullptr) {
        rows_kernel_(chunk,
                     source_.first_row +
                         static_cast<std::ptrdiff_t>(claim.first) * source_.row_stride,
                     source_.row_stride, claim.count, source_.pixels, source_.gather);
        return;
    }
    for (std::size_t i = 0; i < claim.count; ++i) {
        const std::ptrdiff_t y = static_cast<std::ptrdiff_t>(claim.first + i);
        kernel_(chunk + i * packed_row_, source_.first_row + y * source_.row_stride,
                source_.pixels, source_.gather);
    }
}

}  // namespace fastpil
