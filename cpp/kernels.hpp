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
