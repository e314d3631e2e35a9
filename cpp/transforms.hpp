// What each chunk transform does to the bytes of whole pixels: how many input
// bytes make how many output bytes, and which kernel does it. No Python here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.hpp"

namespace fastpil {

// The values are part of the interface with _core.pyx, which exposes them to
// Python as the Transform enum.
enum class Transform : int {
    copy = 0,
    compact_rgbx_to_rgb = 1,
    bytes_to_bool = 2,
};

struct ChunkTransform {
    std::size_t in_unit;   // bytes of one pixel as the encoder emits it
    std::size_t out_unit;  // bytes of the same pixel in the result
    Kernel kernel;         // nullptr: the bytes are copied unchanged
};

// Returns false for a value that is not a Transform.
inline bool describe(Transform transform, const Kernels &kernels, ChunkTransform *out) {
    switch (transform) {
        case Transform::copy:
            *out = {1, 1, nullptr};
            return true;
        case Transform::compact_rgbx_to_rgb:
            *out = {4, 3, kernels.compact_rgbx_to_rgb};
            return true;
        case Transform::bytes_to_bool:
            *out = {1, 1, kernels.bytes_to_bool};
            return true;
    }
    return false;
}

// `in_bytes` must be a whole number of input units, and `dst` must have room
// for the output units they make.
inline void apply(const ChunkTransform &t, std::uint8_t *dst, const std::uint8_t *src,
                  std::size_t in_bytes) {
    if (t.kernel == nullptr) {
        std::memcpy(dst, src, in_bytes);
    } else {
        t.kernel(dst, src, in_bytes / t.in_unit);
    }
}

}  // namespace fastpil
