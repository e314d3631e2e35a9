// The chunk kernels, compiled once per instruction set.
//
// meson.build compiles this file several times, each time with one of
// FASTPIL_ISA_SCALAR, FASTPIL_ISA_SSSE3, FASTPIL_ISA_AVX2 or FASTPIL_ISA_NEON
// defined and the matching compiler flags. Everything here lives in a
// namespace named after that instruction set and uses no C++ library
// templates: an inline function or template instantiated in two of these
// compilations would be merged by the linker, and the baseline build could end
// up running the AVX2 copy on a CPU without AVX2.
#include <cstring>

#include "kernels.hpp"

#if defined(FASTPIL_ISA_SCALAR)
#define FASTPIL_ISA_NAMESPACE scalar
#define FASTPIL_ISA_NAME "scalar"
#elif defined(FASTPIL_ISA_SSSE3)
#include <tmmintrin.h>
#define FASTPIL_ISA_NAMESPACE ssse3
#define FASTPIL_ISA_NAME "ssse3"
#elif defined(FASTPIL_ISA_AVX2)
#include <immintrin.h>
#define FASTPIL_ISA_NAMESPACE avx2
#define FASTPIL_ISA_NAME "avx2"
#elif defined(FASTPIL_ISA_NEON)
#include <arm_neon.h>
#define FASTPIL_ISA_NAMESPACE neon
#define FASTPIL_ISA_NAME "neon"
#else
#error "compile kernels.cpp with one of FASTPIL_ISA_{SCALAR,SSSE3,AVX2,NEON} defined"
#endif

namespace fastpil {
namespace FASTPIL_ISA_NAMESPACE {
namespace {

using std::size_t;
using std::uint8_t;

// Byte-wise and endian-neutral. The 4-byte copy per pixel (advancing the
// output by 3) is one load and one store, which is why Pillow's own packer
// uses it; the last pixel is copied byte by byte so that nothing is written
// past the end of `dst`.
void compact_rgbx_to_rgb_tail(uint8_t *dst, const uint8_t *src, size_t pixels) {
    if (pixels == 0) {
        return;
    }
    for (size_t i = 0; i + 1 < pixels; ++i) {
        std::memcpy(dst + 3 * i, src + 4 * i, 4);
    }
    const size_t last = pixels - 1;
    dst[3 * last + 0] = src[4 * last + 0];
    dst[3 * last + 1] = src[4 * last + 1];
    dst[3 * last + 2] = src[4 * last + 2];
}

#if defined(FASTPIL_ISA_SSSE3)

// 16 pixels per step: shuffle each 4-pixel vector down to 12 bytes, then
// splice four of them into three full 16-byte stores.
void compact_rgbx_to_rgb(uint8_t *dst, const uint8_t *src, size_t pixels) {
    const __m128i drop_padding =
        _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const __m128i *in = reinterpret_cast<const __m128i *>(src + 4 * i);
        __m128i *out = reinterpret_cast<__m128i *>(dst + 3 * i);
        const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128(in + 0), drop_padding);
        const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(in + 1), drop_padding);
        const __m128i c = _mm_shuffle_epi8(_mm_loadu_si128(in + 2), drop_padding);
        const __m128i d = _mm_shuffle_epi8(_mm_loadu_si128(in + 3), drop_padding);
        _mm_storeu_si128(out + 0, _mm_or_si128(a, _mm_slli_si128(b, 12)));
        _mm_storeu_si128(out + 1, _mm_or_si128(_mm_srli_si128(b, 4), _mm_slli_si128(c, 8)));
        _mm_storeu_si128(out + 2, _mm_or_si128(_mm_srli_si128(c, 8), _mm_slli_si128(d, 4)));
    }
    compact_rgbx_to_rgb_tail(dst + 3 * i, src + 4 * i, pixels - i);
}

#elif defined(FASTPIL_ISA_AVX2)

// 32 pixels per step. vpshufb works within 128-bit lanes, so after it each
// register holds its 24 useful bytes as 32-bit words 0-2 and 4-6; vpermd then
// moves those words to where the three full 32-byte stores need them.
void compact_rgbx_to_rgb(uint8_t *dst, const uint8_t *src, size_t pixels) {
    const __m256i drop_padding =
        _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1, 0, 1, 2, 4, 5,
                         6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    // Words of the first register go to 0-5 of store 0; the second register
    // gives words 6-7 of store 0 and 0-3 of store 1; and so on.
    const __m256i place_a = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    const __m256i place_b = _mm256_setr_epi32(2, 4, 5, 6, 7, 7, 0, 1);
    const __m256i place_c = _mm256_setr_epi32(5, 6, 7, 7, 0, 1, 2, 4);
    const __m256i place_d = _mm256_setr_epi32(7, 7, 0, 1, 2, 4, 5, 6);
    size_t i = 0;
    for (; i + 32 <= pixels; i += 32) {
        const __m256i *in = reinterpret_cast<const __m256i *>(src + 4 * i);
        __m256i *out = reinterpret_cast<__m256i *>(dst + 3 * i);
        const __m256i a = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 0), drop_padding), place_a);
        const __m256i b = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 1), drop_padding), place_b);
        const __m256i c = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 2), drop_padding), place_c);
        const __m256i d = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 3), drop_padding), place_d);
        _mm256_storeu_si256(out + 0, _mm256_blend_epi32(a, b, 0xC0));
        _mm256_storeu_si256(out + 1, _mm256_blend_epi32(b, c, 0xF0));
        _mm256_storeu_si256(out + 2, _mm256_blend_epi32(c, d, 0xFC));
    }
    compact_rgbx_to_rgb_tail(dst + 3 * i, src + 4 * i, pixels - i);
}

#elif defined(FASTPIL_ISA_NEON)

void compact_rgbx_to_rgb(uint8_t *dst, const uint8_t *src, size_t pixels) {
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const uint8x16x4_t rgbx = vld4q_u8(src + 4 * i);
        uint8x16x3_t rgb;
        rgb.val[0] = rgbx.val[0];
        rgb.val[1] = rgbx.val[1];
        rgb.val[2] = rgbx.val[2];
        vst3q_u8(dst + 3 * i, rgb);
    }
    compact_rgbx_to_rgb_tail(dst + 3 * i, src + 4 * i, pixels - i);
}

#else

void compact_rgbx_to_rgb(uint8_t *dst, const uint8_t *src, size_t pixels) {
    compact_rgbx_to_rgb_tail(dst, src, pixels);
}

#endif

// A plain loop: every compiler vectorises it for the instruction set this
// file is compiled for.
void bytes_to_bool(uint8_t *dst, const uint8_t *src, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        dst[i] = src[i] != 0;
    }
}

}  // namespace

extern const Kernels kernels = {
    FASTPIL_ISA_NAME,
    compact_rgbx_to_rgb,
    bytes_to_bool,
};

}  // namespace FASTPIL_ISA_NAMESPACE
}  // namespace fastpil
