// What a chunk transform does to the bytes of whole pixels: how many input
// bytes make how many output bytes in how many planes, and which kernels do
// it. No Python here.
#pragma once

#include <cstddef>
#include <cstdint>

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

// A transform as the Python side asks for it. The float kinds' scale and
// offset are given anew with each conversion; the rest is fixed for a plan.
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
    // output's) samples to floats.
    FloatKernel to_float;
    // Float planes from 4-byte pixels: the byte kernel and to_float in one
    // step, used instead of both; else nullptr.
    PlanarFloatKernel split_to_float;
    std::size_t value_bytes;  // 4 or 2
    Affine affine[4];         // per plane; interleaved output uses affine[0]
};

// Returns nullptr when `spec` is valid, otherwise why it is not; when valid,
// fills `out` with what the spec does with `kernels`: the kernels to run and
// the shapes of their units. Cheap enough to do for every conversion, which
// meets the kernel table in use then.
const char *describe(const TransformSpec &spec, const Kernels &kernels, ChunkTransform *out);

// Returns nullptr when `spec` is valid, otherwise why it is not.
const char *validate(const TransformSpec &spec);

// The planes a transform writes: one for interleaved output, one per channel
// for planar output. `spec` must be valid.
std::size_t planes_of(const TransformSpec &spec);

// Runs `t` over `units` whole pixels of `src` (bytes, for copy and to_bool),
// writing `planes`: plane j's first byte is where its first pixel goes.
void apply(const ChunkTransform &t, std::uint8_t *const *planes, const std::uint8_t *src,
           std::size_t units);

}  // namespace fastpil
