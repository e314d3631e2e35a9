// Chunk kernels: the byte transforms applied to each chunk of rows that
// Pillow's raw encoder hands back. No Python here, so the kernels can be read,
// tested and fuzzed on their own.
//
// kernels.cpp is compiled once per instruction set (see meson.build); each
// compilation defines one `Kernels` table in its own namespace, and
// dispatch.cpp picks one table at run time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fastpil {

// Which bytes of an input pixel of `pixel_bytes` bytes (1 to 4) become the
// output's channels, in order: channel j is byte `index[j]` of the pixel.
// `count` is 1 to 4.
struct Pattern {
    std::uint8_t index[4];
    std::uint8_t count;
    std::uint8_t pixel_bytes;
};

// Every kernel reads `pixels` whole pixels from `src` and writes them to
// `dst`: one pointer for interleaved output, or one per channel for planar
// output (plane j receives channel j). Buffers must not overlap, and each
// must hold what the kernel writes for `pixels` pixels.
using Kernel = void (*)(std::uint8_t *const *dst, const std::uint8_t *src, std::size_t pixels,
                        const Pattern &pattern);

// The samples a float conversion reads, one per value: bytes, 16-bit
// unsigned integers (in the machine's byte order or swapped), 32-bit signed
// integers and float32 (in the machine's byte order).
enum class Sample : std::uint8_t { u8 = 0, u16 = 1, u16_swapped = 2, i32 = 3, f32 = 4 };
constexpr std::size_t kSampleKinds = 5;

// Value i is written as sample * scale[i % kAffineSpan] + offset[i %
// kAffineSpan]: interleaved channels take their turns, each channel's numbers
// repeated along the arrays (kAffineSpan is a multiple of every channel count,
// 1 to 4, and of every vector width, 4 and 8 lanes, so that a vector loop
// loads them as they are). Computed in float32, multiply then add, each
// rounded (never fused, so that every kernel table gives the same bits), and
// then, for float16, rounded to the nearest half.
constexpr std::size_t kAffineSpan = 24;
struct Affine {
    float scale[kAffineSpan];
    float offset[kAffineSpan];
};

// Reads `count` samples from `src` and writes `count` values to `dst`
// (float32 or float16, in the machine's byte order). Buffers must not
// overlap.
using FloatKernel = void (*)(std::uint8_t *dst, const std::uint8_t *src, std::size_t count,
                           const Affine &affine);

// Reads `pixels` pixels of 4 bytes and writes `pattern.count` planes of
// float32 or float16: plane j holds byte pattern.index[j] of each pixel,
// converted with affine[j] (which holds one channel's numbers throughout).
using PlanarFloatKernel = void (*)(std::uint8_t *const *dst, const std::uint8_t *src,
                                 std::size_t pixels, const Pattern &pattern,
                                 const Affine *affine);

// The way back, arrays to Pillow's raw layout: how to gather one packed row
// from an array with any strides. Band b of pixel x is the `item` bytes at
// src + x * pixel_stride + offset[b]; the packed pixel holds the bands in
// order, then, with `fill`, one byte of 255 (the padding byte of Pillow's
// 4-byte RGB storage).
struct Gather {
    std::ptrdiff_t pixel_stride;
    std::ptrdiff_t offset[4];
    std::uint8_t count;  // bands, 1 to 4
    std::uint8_t item;   // bytes of one sample: 1, 2, 4 or 8
    std::uint8_t fill;   // 0 or 1
};

// Packs `pixels` pixels of the row at `src` into `dst`.
using PackKernel = void (*)(std::uint8_t *dst, const std::uint8_t *src, std::size_t pixels,
                            const Gather &gather);

// Packs `rows` rows of `pixels` pixels, row y starting at src + y *
// row_stride, into `dst`, one packed row after the other.
using PackRowsKernel = void (*)(std::uint8_t *dst, const std::uint8_t *src,
                                std::ptrdiff_t row_stride, std::size_t rows, std::size_t pixels,
                                const Gather &gather);

// pack_shuffled and pack_columns gather the packed pixels of one 16-byte
// vector at a time (16 / P of them, for packed pixels of P = 1, 2, 4 or 8
// bytes), from at most kShuffleSpan bytes of the array: from the lowest
// byte they read to the highest.
constexpr std::size_t kShuffleSpan = 64;

struct Kernels {
    const char *name;
    // 4-byte pixels -> 3-byte pixels (e.g. RGBX -> RGB or BGR).
    Kernel pick_4_to_3;
    // 4-byte pixels -> 4-byte pixels in another order (e.g. RGBA -> BGRA).
    Kernel pick_4_to_4;
    // 4-byte pixels -> `count` planes of 1 byte per pixel.
    Kernel split_4;
    // 2-byte pixels -> `count` planes.
    Kernel split_2;
    // Any pixel size, any pattern, interleaved: the plain loop for the rare
    // combinations the kernels above do not cover.
    Kernel pick_any;
    // Any pixel size, any pattern, planar.
    Kernel split_any;
    // Bytes of 0 / non-zero -> NumPy bools of 0 / 1 (one byte per "pixel").
    Kernel bytes_to_bool;
    // Samples -> float32 and float16, indexed by Sample.
    FloatKernel to_float32[kSampleKinds];
    FloatKernel to_float16[kSampleKinds];
    // Bytes of 4-byte pixels (RGBX and the like) -> float planes, in one step.
    PlanarFloatKernel split_4_to_float32;
    PlanarFloatKernel split_4_to_float16;
    // Bytes of 3-byte pixels -> 4-byte pixels with the padding byte (RGB
    // arrays, any channel order, to Pillow's RGB storage).
    PackKernel pack_3_to_4;
    // Bytes of 4-byte pixels -> 4-byte pixels in another order, or 3 of them
    // and the padding byte.
    PackKernel pack_4_to_4;
    // One byte from each of 3 or 4 planes (a (C, H, W) array) -> 4-byte
    // pixels, the padding byte after 3.
    PackKernel pack_planes;
    // Any strides, any sample size: the plain loop.
    PackKernel pack_any;
    // Packed pixels of 1, 2, 4 or 8 bytes a fixed step apart, forwards or
    // backwards (a mirrored row, every second pixel), the pixels of a
    // vector within kShuffleSpan bytes: each vector gathered from a few
    // loads by byte shuffles, whatever the bands' offsets.
    PackRowsKernel pack_shuffled;
    // Rows whose pixels at one x lie within 16 bytes for the rows of a vector
    // (a transposed or rotated array, whose rows are the array's columns):
    // those rows at once, the pixels at each x in one load, transposed in
    // registers, in tiles that use each cache line they load whole.
    PackRowsKernel pack_columns;
};

namespace scalar {
extern const Kernels kernels;
}
#if defined(FASTPIL_HAVE_X86_KERNELS)
namespace ssse3 {
extern const Kernels kernels;
}
namespace avx2 {
extern const Kernels kernels;
}
#endif
#if defined(FASTPIL_HAVE_NEON_KERNELS)
namespace neon {
extern const Kernels kernels;
}
#endif

}  // namespace fastpil
