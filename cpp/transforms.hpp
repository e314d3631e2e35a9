// What a chunk transform does to the bytes of whole pixels: how many input
// bytes make how many output bytes in how many planes, and which kernels do
// it. No Python here.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.hpp"

namespace fastpil {

// The values are part of the interface with fastpil/_core.pyx, which exposes
// them to Python as the Kind enum.
enum class Kind : int {
    copy = 0,               // bytes unchanged
    to_bool = 1,            // bytes of 0 / non-zero -> bools of 0 / 1
    interleaved = 2,        // pick channels of each pixel, in the pattern's order
    planar = 3,             // one plane per channel of the pattern
    float_interleaved = 4,  // the channels picked, as floats scaled and offset
    float_planar = 5,       // the same, one plane per channel
};

// The float types a float transform writes (values of the Output enum).
enum class Output : std::uint8_t { float32 = 0, float16 = 1 };

// A transform as the Python side asks for it.
struct TransformSpec {
    Kind kind;
    Pattern pattern;  // the channels to emit (all but copy and to_bool)
    // Float kinds only: what the samples are, what to write, and each output
    // channel's scale and offset.
    Sample sample;
    Output output;
    float scale[4];
    float offset[4];
};

// A transform ready to run over chunks.
struct ChunkTransform {
    std::size_t in_unit;   // bytes of one input pixel
    std::size_t out_unit;  // bytes one pixel takes in each output plane
    std::size_t planes;    // 1 for interleaved output
    Pattern pattern;
    // The byte kernel: the whole transform for integer kinds; for float
    // kinds, what picks the channels' bytes before they are converted, or
    // nullptr when the samples are read as they come.
    Kernel kernel;
    // Float kinds only, else nullptr: each plane's (or the interleaved
    // output's) conversion.
    Converter convert;
    // Float planes from 4-byte pixels: the byte kernel and the conversion in
    // one step, used instead of both; else nullptr.
    PlanarConverter split_convert;
    std::size_t value_bytes;  // 4 or 2
    Affine affine[4];         // per plane; interleaved output uses affine[0]
};

inline void copy_bytes(std::uint8_t *const *dst, const std::uint8_t *src, std::size_t count,
                       const Pattern &) {
    std::memcpy(dst[0], src, count);
}

inline std::size_t sample_bytes(Sample sample) {
    switch (sample) {
        case Sample::u8:
            return 1;
        case Sample::u16:
        case Sample::u16_swapped:
            return 2;
        default:
            return 4;
    }
}

// The byte kernel that picks `p`'s channels, interleaved or one plane each.
inline ChunkTransform byte_transform(const Pattern &p, bool planar, const Kernels &kernels) {
    const std::size_t n = p.pixel_bytes;
    ChunkTransform t{};
    t.pattern = p;
    // The vectorised kernels where they apply; the plain loops otherwise.
    // A single channel is a single plane, whatever the layout.
    if (planar || p.count == 1) {
        t.kernel = n == 4 ? kernels.split_4 : n == 2 ? kernels.split_2 : kernels.split_any;
        t.in_unit = n;
        t.out_unit = 1;
        t.planes = p.count;
    } else {
        t.kernel = n == 4 && p.count == 3   ? kernels.pick_4_to_3
                   : n == 4 && p.count == 4 ? kernels.pick_4_to_4
                                            : kernels.pick_any;
        t.in_unit = n;
        t.out_unit = p.count;
        t.planes = 1;
    }
    return t;
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
            *out = ChunkTransform{};
            out->in_unit = out->out_unit = out->planes = 1;
            out->pattern = p;
            out->kernel = spec.kind == Kind::copy ? copy_bytes : kernels.bytes_to_bool;
            return nullptr;
        case Kind::interleaved:
        case Kind::planar:
        case Kind::float_interleaved:
        case Kind::float_planar:
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
    const bool planar = spec.kind == Kind::planar || spec.kind == Kind::float_planar;
    if (spec.kind == Kind::interleaved || spec.kind == Kind::planar) {
        *out = byte_transform(p, planar, kernels);
        return nullptr;
    }

    // Float kinds.
    const auto sample = static_cast<std::size_t>(spec.sample);
    const auto output = static_cast<std::size_t>(spec.output);
    if (sample >= kSampleKinds || output > 1) {
        return "unknown sample or output type";
    }
    for (std::size_t j = 0; j < p.count; ++j) {
        if (!std::isfinite(spec.scale[j]) || !std::isfinite(spec.offset[j])) {
            return "a scale or offset is not finite";
        }
    }
    ChunkTransform t{};
    const bool identity = p.count == n && std::memcmp(p.index, "\0\1\2\3", n) == 0;
    if (spec.sample == Sample::u8) {
        // Bytes: picked by the byte kernels first, unless they come in order.
        const bool direct = planar ? n == 1 && p.count == 1 : identity;
        t = direct ? ChunkTransform{} : byte_transform(p, planar, kernels);
        if (direct) {
            t.pattern = p;
            t.kernel = nullptr;
        }
    } else if (p.count != 1 || p.index[0] != 0 || n != sample_bytes(spec.sample)) {
        return "wider samples come one to a pixel";
    } else {
        t.pattern = p;
        t.kernel = nullptr;
    }
    if (spec.sample == Sample::u8 && planar && n == 4) {
        t.split_convert = spec.output == Output::float32 ? kernels.split_4_to_float32
                                                         : kernels.split_4_to_float16;
    }
    t.value_bytes = spec.output == Output::float32 ? 4 : 2;
    t.convert = spec.output == Output::float32 ? kernels.to_float32[sample]
                                               : kernels.to_float16[sample];
    t.in_unit = n;
    t.planes = planar ? p.count : 1;
    t.out_unit = (planar ? 1 : p.count) * t.value_bytes;
    for (std::size_t j = 0; j < t.planes; ++j) {
        // A plane holds one channel; interleaved output, every channel in turn.
        for (std::size_t i = 0; i < kAffineSpan; ++i) {
            const std::size_t channel = planar ? j : i % p.count;
            t.affine[j].scale[i] = spec.scale[channel];
            t.affine[j].offset[i] = spec.offset[channel];
        }
    }
    *out = t;
    return nullptr;
}

// Returns nullptr when the spec is valid, otherwise why it is not; fills
// `shape` with what the spec does (its kernels are the baseline ones).
inline const char *validate(const TransformSpec &spec, ChunkTransform *shape) {
    return describe(spec, scalar::kernels, shape);
}

// Runs `t` over `units` whole pixels of `src` (bytes, for copy and to_bool),
// writing `planes`: plane j's first byte is where its first pixel goes.
void apply(const ChunkTransform &t, std::uint8_t *const *planes, const std::uint8_t *src,
           std::size_t units);

}  // namespace fastpil
