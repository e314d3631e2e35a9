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

// A kernel reads `units` whole input units from `src` and writes the
// corresponding output units to `dst`. The buffers must not overlap.
using Kernel = void (*)(std::uint8_t *dst, const std::uint8_t *src, std::size_t units);

struct Kernels {
    const char *name;
    // 4-byte pixels (R, G, B, padding) -> 3-byte pixels (R, G, B).
    Kernel compact_rgbx_to_rgb;
    // Bytes of 0 / non-zero -> NumPy bools of 0 / 1.
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
