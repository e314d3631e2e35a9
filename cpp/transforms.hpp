// What a chunk transform does to the bytes of whole pixels: how many input
// bytes make how many output bytes in how many planes, and which kernel does
// it. No Python here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.hpp"

namespace fastpil {

// The values are part of the interface with fastpil/_core.pyx, which exposes
// them to Python as the Kind enum.
enum class Kind : int {
    copy = 0,          // bytes unchanged
    to_bool = 1,       // bytes of 0 / non-zero -> bools of 0 / 1
    interleaved = 2,   // pick channels of each pixel, in the pattern's order
    planar = 3,        // one plane per channel of the pattern
};

// A transform as the Python side asks for it.
struct TransformSpec {
    Kind kind;
    Pattern pattern;  // the channels to emit (interleaved, planar)
};

// A transform ready to run over chunks.
struct ChunkTransform {
    std::size_t in_unit;   // bytes of one input pixel
    std::size_t out_unit;  // bytes one pixel takes in each output plane
    std::size_t planes;    // 1 for interleaved output
    Pattern pattern;
    Kernel kernel;
};

inline void copy_bytes(std::uint8_t *const *dst, const std::uint8_t *src, std::size_t count,
                       const Pattern &) {
    std::memcpy(dst[0], src, count);
}

// Returns nullptr when the spec is valid, otherwise why it is not.
inline const char *describe(const TransformSpec &spec, const Kernels &kernels,
                            ChunkTransform *out) {
    const Pattern &p = spec.pattern;
    switch (spec.kind) {
        case Kind::copy:
        case Kind::to_bool:
            // Whole bytes, unchanged or made bools: nothing to pick.
            if (p.count != 0) {
                return "this kind of transform takes no channel pattern";
            }
            *out = {1, 1, 1, p, spec.kind == Kind::copy ? copy_bytes : kernels.bytes_to_bool};
            return nullptr;
        case Kind::interleaved:
        case Kind::planar:
            break;
        default:
            return "unknown transform kind";
    }
    const std::size_t n = p.pixel_bytes;
    if (n < 1 || n > 4 || p.count < 1 || p.count > 4) {
        return "a pattern picks 1 to 4 channels from pixels of 1 to 4 bytes";
    }
    for (std::size_t j = 0; j < p.count; ++j) {
        if (p.index[j] >= n) {
            return "a pattern index is outside the pixel";
        }
    }
    // The vectorised kernels where they apply; the plain loops otherwise.
    // A single channel is a single plane, whatever the layout.
    if (spec.kind == Kind::planar || p.count == 1) {
        const Kernel split = n == 4 ? kernels.split_4 : n == 2 ? kernels.split_2
                                                               : kernels.split_any;
        *out = {n, 1, p.count, p, split};
    } else if (n == 4 && p.count == 3) {
        *out = {4, 3, 1, p, kernels.pick_4_to_3};
    } else if (n == 4 && p.count == 4) {
        *out = {4, 4, 1, p, kernels.pick_4_to_4};
    } else {
        *out = {n, p.count, 1, p, kernels.pick_any};
    }
    return nullptr;
}

// Returns nullptr when the spec is valid, otherwise why it is not; fills
// `shape` with what the spec does (its kernel is the baseline one).
inline const char *validate(const TransformSpec &spec, ChunkTransform *shape) {
    return describe(spec, scalar::kernels, shape);
}

}  // namespace fastpil
