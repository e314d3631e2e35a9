// The chunk kernels, compiled once per instruction set.
//
// meson.build compiles this file several times, each time with one of
// FASTPIL_ISA_SCALAR, FASTPIL_ISA_SSSE3, FASTPIL_ISA_AVX2 or FASTPIL_ISA_NEON
// defined and the matching compiler flags. Everything here has internal
// linkage in a namespace named after that instruction set, and no C++ library
// template is used: an inline function or template instantiated in two of
// these compilations would be merged by the linker, and the baseline build
// could end up running the AVX2 copy on a CPU without AVX2.
//
// Each vector loop handles whole steps of 16 or 32 pixels and leaves the rest
// to the plain loops below, which are also the whole of the scalar build.
// Arithmetic is written once, over a small type per instruction set (Floats:
// load, multiply, add, convert, store), and so are the byte shuffles that are
// the same at every width on x86 (Bytes); the shuffles that each instruction
// set does its own way (4->3 packing, planar splits and their inverses) are
// written out for each, as nothing generic would be as fast.
#include <cstdint>
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

using std::int32_t;
using std::size_t;
using std::uint16_t;
using std::uint32_t;
using std::uint8_t;

// ---------------------------------------------------------------------------
// Plain loops: the scalar build, and the tails of the vector ones. `begin`
// is the first pixel still to do.

void pick_4_to_3_plain(uint8_t *dst, const uint8_t *src, size_t begin, size_t pixels,
                       const Pattern &p) {
    size_t i = begin;
    if (p.index[0] == 0 && p.index[1] == 1 && p.index[2] == 2) {
        // One 4-byte copy per pixel, advancing the output by 3, is one load
        // and one store; the last pixel is copied byte by byte so that
        // nothing is written past the end of `dst`.
        for (; i + 1 < pixels; ++i) {
            std::memcpy(dst + 3 * i, src + 4 * i, 4);
        }
    }
    for (; i < pixels; ++i) {
        dst[3 * i + 0] = src[4 * i + p.index[0]];
        dst[3 * i + 1] = src[4 * i + p.index[1]];
        dst[3 * i + 2] = src[4 * i + p.index[2]];
    }
}

void pick_4_to_4_plain(uint8_t *dst, const uint8_t *src, size_t begin, size_t pixels,
                       const Pattern &p) {
    for (size_t i = begin; i < pixels; ++i) {
        dst[4 * i + 0] = src[4 * i + p.index[0]];
        dst[4 * i + 1] = src[4 * i + p.index[1]];
        dst[4 * i + 2] = src[4 * i + p.index[2]];
        dst[4 * i + 3] = src[4 * i + p.index[3]];
    }
}

// The pixel size is a template parameter where the vector loops know it, so
// the tails compile to fixed strides; 0 means "read it from the pattern".
template <size_t Bytes>
void split_plain(uint8_t *const *dst, const uint8_t *src, size_t begin, size_t pixels,
                 const Pattern &p) {
    const size_t bytes = Bytes != 0 ? Bytes : p.pixel_bytes;
    for (size_t j = 0; j < p.count; ++j) {
        uint8_t *plane = dst[j];
        const uint8_t *in = src + p.index[j];
        for (size_t i = begin; i < pixels; ++i) {
            plane[i] = in[bytes * i];
        }
    }
}

void pick_any(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    uint8_t *out = dst[0];
    for (size_t i = 0; i < pixels; ++i) {
        for (size_t j = 0; j < p.count; ++j) {
            out[p.count * i + j] = src[p.pixel_bytes * i + p.index[j]];
        }
    }
}

void split_any(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    split_plain<0>(dst, src, 0, pixels, p);
}

// ---------------------------------------------------------------------------
// x86: byte shuffles whose masks are built from the pattern once per chunk.

// A pshufb (or NEON tbl) mask for one 16-byte group: output byte `slot`
// takes input byte `mask[slot]`, or is zeroed by -1.
struct ShuffleMask {
    alignas(16) signed char bytes[16];
};

#if defined(FASTPIL_ISA_SSSE3) || defined(FASTPIL_ISA_AVX2)

// Output byte `pixel * out + channel` <- input byte `pixel * 4 + index[channel]`,
// for the 4 pixels of a 16-byte group; the rest are zeroed.
ShuffleMask interleaved_mask(const Pattern &p, size_t out) {
    ShuffleMask m;
    for (size_t slot = 0; slot < 16; ++slot) {
        m.bytes[slot] = -1;
    }
    for (size_t pixel = 0; pixel < 4; ++pixel) {
        for (size_t channel = 0; channel < out; ++channel) {
            m.bytes[pixel * out + channel] = static_cast<signed char>(pixel * 4 + p.index[channel]);
        }
    }
    return m;
}

// A 2-byte pixel has 2 bytes, but a pattern may name up to 4 channels (a
// band repeated, as in "LLA"): the 2-byte kernels group the bytes by
// position, in this order, and plane j takes the group of byte index[j].
constexpr Pattern kBothBytes = {{0, 1, 0, 0}, 2, 2};

// Groups by channel: 32-bit word j holds channel j of the group's pixels
// (4 pixels of 4 bytes, or 8 pixels of 2 bytes in 64-bit halves).
ShuffleMask planar_mask(const Pattern &p, size_t bytes_per_pixel) {
    ShuffleMask m;
    const size_t per_channel = 16 / (bytes_per_pixel == 4 ? 4 : 2);
    const size_t pixels = 16 / bytes_per_pixel;
    for (size_t channel = 0; channel < 16 / per_channel; ++channel) {
        const size_t byte = channel < p.count ? p.index[channel] : 0;
        for (size_t pixel = 0; pixel < pixels; ++pixel) {
            m.bytes[channel * per_channel + pixel] =
                static_cast<signed char>(pixel * bytes_per_pixel + byte);
        }
    }
    return m;
}

#endif

// ---------------------------------------------------------------------------
// The way back: packing rows of arrays into Pillow's raw layout. Plain loops
// first (tails and the scalar build).

template <size_t Item>
void pack_plain(uint8_t *dst, const uint8_t *src, size_t begin, size_t pixels, const Gather &g) {
    const size_t out = g.count * Item + g.fill;
    for (size_t x = begin; x < pixels; ++x) {
        const uint8_t *in = src + static_cast<std::ptrdiff_t>(x) * g.pixel_stride;
        uint8_t *o = dst + x * out;
        for (size_t b = 0; b < g.count; ++b) {
            std::memcpy(o + b * Item, in + g.offset[b], Item);
        }
        if (g.fill) {
            o[g.count * Item] = 255;
        }
    }
}

// Pixels a vector loop over whole `stride`-byte pixels must leave to the
// plain loop so that it reads nothing past the last band of the last pixel.
// A view may cover only some bytes of each pixel (a[..., 1:] of 4-byte
// pixels, a band repeated by broadcasting): loading the last pixel whole
// would then read past the view, and past its buffer where that ends there.
[[maybe_unused]] size_t short_last_pixel(const Gather &g, size_t stride) {
    std::ptrdiff_t reach = 0;
    for (size_t b = 0; b < g.count; ++b) {
        reach = g.offset[b] + 1 > reach ? g.offset[b] + 1 : reach;
    }
    return reach < static_cast<std::ptrdiff_t>(stride) ? 1 : 0;
}

void pack_planes_plain(uint8_t *dst, const uint8_t *src, size_t begin, size_t pixels,
                       const Gather &g) {
    for (size_t x = begin; x < pixels; ++x) {
        for (size_t b = 0; b < g.count; ++b) {
            dst[4 * x + b] = src[g.offset[b] + static_cast<std::ptrdiff_t>(x)];
        }
        if (g.fill) {
            dst[4 * x + 3] = 255;
        }
    }
}

#if defined(FASTPIL_ISA_SSSE3) || defined(FASTPIL_ISA_AVX2)

// Output byte 4p + b <- input byte `stride` * p + offset[b], for the 4
// pixels of a 16-byte group; the padding byte, if any, is zeroed here and
// set by OR-ing in `fill_mask`.
ShuffleMask pack_mask(const Gather &g, size_t stride) {
    ShuffleMask m;
    for (size_t p = 0; p < 4; ++p) {
        for (size_t b = 0; b < 4; ++b) {
            m.bytes[4 * p + b] = b < g.count ? static_cast<signed char>(stride * p + g.offset[b])
                                             : static_cast<signed char>(-1);
        }
    }
    return m;
}

// The bytes of one vector register, for kernels written once for both x86
// tables: 16 bytes with SSSE3, 32 with AVX2, where (v)pshufb shuffles within
// each 16 bytes, so a 16-byte mask serves every lane.
#if defined(FASTPIL_ISA_AVX2)
struct Bytes {
    static constexpr size_t size = 32;
    __m256i v;
    static Bytes load(const uint8_t *p) {
        return {_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p))};
    }
    static Bytes mask(const ShuffleMask &m) {
        return {_mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i *>(m.bytes)))};
    }
    static Bytes words(uint32_t word) { return {_mm256_set1_epi32(static_cast<int>(word))}; }
    // 16 bytes from `p` and 16 from `p + step`, one a lane.
    static Bytes load_lanes(const uint8_t *p, std::ptrdiff_t step) {
        const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + step));
        return {_mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1)};
    }
    void store(uint8_t *p) const { _mm256_storeu_si256(reinterpret_cast<__m256i *>(p), v); }
    Bytes shuffle(Bytes m) const { return {_mm256_shuffle_epi8(v, m.v)}; }
    Bytes operator|(Bytes b) const { return {_mm256_or_si256(v, b.v)}; }
    // The elements of `Width` bytes of the low (high) halves of each lane of
    // this and `b`, interleaved.
    template <size_t Width>
    Bytes zip_low(Bytes b) const {
        if constexpr (Width == 1) {
            return {_mm256_unpacklo_epi8(v, b.v)};
        } else if constexpr (Width == 2) {
            return {_mm256_unpacklo_epi16(v, b.v)};
        } else if constexpr (Width == 4) {
            return {_mm256_unpacklo_epi32(v, b.v)};
        } else {
            return {_mm256_unpacklo_epi64(v, b.v)};
        }
    }
    template <size_t Width>
    Bytes zip_high(Bytes b) const {
        if constexpr (Width == 1) {
            return {_mm256_unpackhi_epi8(v, b.v)};
        } else if constexpr (Width == 2) {
            return {_mm256_unpackhi_epi16(v, b.v)};
        } else if constexpr (Width == 4) {
            return {_mm256_unpackhi_epi32(v, b.v)};
        } else {
            return {_mm256_unpackhi_epi64(v, b.v)};
        }
    }
};
#else
struct Bytes {
    static constexpr size_t size = 16;
    __m128i v;
    static Bytes load(const uint8_t *p) {
        return {_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))};
    }
    static Bytes mask(const ShuffleMask &m) {
        return {_mm_load_si128(reinterpret_cast<const __m128i *>(m.bytes))};
    }
    static Bytes words(uint32_t word) { return {_mm_set1_epi32(static_cast<int>(word))}; }
    static Bytes load_lanes(const uint8_t *p, std::ptrdiff_t) { return load(p); }
    void store(uint8_t *p) const { _mm_storeu_si128(reinterpret_cast<__m128i *>(p), v); }
    Bytes shuffle(Bytes m) const { return {_mm_shuffle_epi8(v, m.v)}; }
    Bytes operator|(Bytes b) const { return {_mm_or_si128(v, b.v)}; }
    template <size_t Width>
    Bytes zip_low(Bytes b) const {
        if constexpr (Width == 1) {
            return {_mm_unpacklo_epi8(v, b.v)};
        } else if constexpr (Width == 2) {
            return {_mm_unpacklo_epi16(v, b.v)};
        } else if constexpr (Width == 4) {
            return {_mm_unpacklo_epi32(v, b.v)};
        } else {
            return {_mm_unpacklo_epi64(v, b.v)};
        }
    }
    template <size_t Width>
    Bytes zip_high(Bytes b) const {
        if constexpr (Width == 1) {
            return {_mm_unpackhi_epi8(v, b.v)};
        } else if constexpr (Width == 2) {
            return {_mm_unpackhi_epi16(v, b.v)};
        } else if constexpr (Width == 4) {
            return {_mm_unpackhi_epi32(v, b.v)};
        } else {
            return {_mm_unpackhi_epi64(v, b.v)};
        }
    }
};
#endif

// A register of pixels at a time, each reordered by one shuffle.
void pick_4_to_4(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    const Bytes mask = Bytes::mask(interleaved_mask(p, 4));
    uint8_t *out = dst[0];
    size_t i = 0;
    for (; i + Bytes::size / 4 <= pixels; i += Bytes::size / 4) {
        Bytes::load(src + 4 * i).shuffle(mask).store(out + 4 * i);
    }
    pick_4_to_4_plain(out, src, i, pixels, p);
}

// The same for the way back, with the padding byte set by an OR.
void pack_4_to_4(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    const Bytes mask = Bytes::mask(pack_mask(g, 4));
    const Bytes fill = Bytes::words(g.fill ? 0xff000000u : 0);
    const size_t spare = short_last_pixel(g, 4);
    size_t x = 0;
    for (; x + Bytes::size / 4 + spare <= pixels; x += Bytes::size / 4) {
        (Bytes::load(src + 4 * x).shuffle(mask) | fill).store(dst + 4 * x);
    }
    pack_plain<1>(dst, src, x, pixels, g);
}

#endif

#if defined(FASTPIL_ISA_SSSE3)

// 16 pixels per step: shuffle each 4-pixel vector down to 12 bytes, then
// splice four of them into three full 16-byte stores.
void pick_4_to_3(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    const __m128i mask = Bytes::mask(interleaved_mask(p, 3)).v;
    uint8_t *out = dst[0];
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const __m128i *in = reinterpret_cast<const __m128i *>(src + 4 * i);
        __m128i *o = reinterpret_cast<__m128i *>(out + 3 * i);
        const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128(in + 0), mask);
        const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(in + 1), mask);
        const __m128i c = _mm_shuffle_epi8(_mm_loadu_si128(in + 2), mask);
        const __m128i d = _mm_shuffle_epi8(_mm_loadu_si128(in + 3), mask);
        _mm_storeu_si128(o + 0, _mm_or_si128(a, _mm_slli_si128(b, 12)));
        _mm_storeu_si128(o + 1, _mm_or_si128(_mm_srli_si128(b, 4), _mm_slli_si128(c, 8)));
        _mm_storeu_si128(o + 2, _mm_or_si128(_mm_srli_si128(c, 8), _mm_slli_si128(d, 4)));
    }
    pick_4_to_3_plain(out, src, i, pixels, p);
}

// 16 pixels per step: group each 4-pixel vector by channel, then transpose
// the 4x4 matrix of 32-bit words so that each register holds one channel.
void split_4(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    const __m128i mask = Bytes::mask(planar_mask(p, 4)).v;
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const __m128i *in = reinterpret_cast<const __m128i *>(src + 4 * i);
        const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128(in + 0), mask);
        const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(in + 1), mask);
        const __m128i c = _mm_shuffle_epi8(_mm_loadu_si128(in + 2), mask);
        const __m128i d = _mm_shuffle_epi8(_mm_loadu_si128(in + 3), mask);
        const __m128i ab_low = _mm_unpacklo_epi32(a, b);
        const __m128i cd_low = _mm_unpacklo_epi32(c, d);
        const __m128i ab_high = _mm_unpackhi_epi32(a, b);
        const __m128i cd_high = _mm_unpackhi_epi32(c, d);
        const __m128i channels[4] = {
            _mm_unpacklo_epi64(ab_low, cd_low),
            _mm_unpackhi_epi64(ab_low, cd_low),
            _mm_unpacklo_epi64(ab_high, cd_high),
            _mm_unpackhi_epi64(ab_high, cd_high),
        };
        for (size_t j = 0; j < p.count; ++j) {
            _mm_storeu_si128(reinterpret_cast<__m128i *>(dst[j] + i), channels[j]);
        }
    }
    split_plain<4>(dst, src, i, pixels, p);
}

// 16 pixels per step: each 8-pixel vector grouped by byte in 64-bit halves.
void split_2(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    const __m128i mask = Bytes::mask(planar_mask(kBothBytes, 2)).v;
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const __m128i *in = reinterpret_cast<const __m128i *>(src + 2 * i);
        const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128(in + 0), mask);
        const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(in + 1), mask);
        const __m128i bytes[2] = {_mm_unpacklo_epi64(a, b), _mm_unpackhi_epi64(a, b)};
        for (size_t j = 0; j < p.count; ++j) {
            _mm_storeu_si128(reinterpret_cast<__m128i *>(dst[j] + i), bytes[p.index[j]]);
        }
    }
    split_plain<2>(dst, src, i, pixels, p);
}


// 4 pixels per step: one pshufb spreads 12 bytes into 16, the padding
// bytes set by an OR. The 16-byte load reads 4 bytes past the 4 pixels, so
// the loop stops 6 pixels early: the last load then ends before the last
// pixel's first byte, however few of its bytes the view covers.
void pack_3_to_4(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    const __m128i mask = Bytes::mask(pack_mask(g, 3)).v;
    const __m128i fill = _mm_set1_epi32(static_cast<int>(0xff000000u));
    size_t x = 0;
    for (; x + 6 <= pixels; x += 4) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 3 * x));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + 4 * x),
                         _mm_or_si128(_mm_shuffle_epi8(v, mask), fill));
    }
    pack_plain<1>(dst, src, x, pixels, g);
}

// 16 pixels per step: bytes of two planes interleaved into pairs, pairs into
// quadruples; with 3 planes the fourth is 255.
void pack_planes(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    const uint8_t *plane[4];
    for (size_t b = 0; b < g.count; ++b) {
        plane[b] = src + g.offset[b];
    }
    const __m128i all_ones = _mm_set1_epi8(-1);
    size_t x = 0;
    for (; x + 16 <= pixels; x += 16) {
        const __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i *>(plane[0] + x));
        const __m128i gr = _mm_loadu_si128(reinterpret_cast<const __m128i *>(plane[1] + x));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(plane[2] + x));
        const __m128i a = g.count == 4
                              ? _mm_loadu_si128(reinterpret_cast<const __m128i *>(plane[3] + x))
                              : all_ones;
        const __m128i rg_low = _mm_unpacklo_epi8(r, gr);
        const __m128i rg_high = _mm_unpackhi_epi8(r, gr);
        const __m128i ba_low = _mm_unpacklo_epi8(b, a);
        const __m128i ba_high = _mm_unpackhi_epi8(b, a);
        __m128i *o = reinterpret_cast<__m128i *>(dst + 4 * x);
        _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(rg_low, ba_low));
        _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(rg_low, ba_low));
        _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(rg_high, ba_high));
        _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(rg_high, ba_high));
    }
    pack_planes_plain(dst, src, x, pixels, g);
}

#elif defined(FASTPIL_ISA_AVX2)

// 32 pixels per step. After vpshufb each register holds its 24 useful bytes
// as 32-bit words 0-2 and 4-6; vpermd moves those words to where the three
// full 32-byte stores need them.
void pick_4_to_3(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    const __m256i mask = Bytes::mask(interleaved_mask(p, 3)).v;
    // Words of the first register go to 0-5 of store 0; the second register
    // gives words 6-7 of store 0 and 0-3 of store 1; and so on.
    const __m256i place_a = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    const __m256i place_b = _mm256_setr_epi32(2, 4, 5, 6, 7, 7, 0, 1);
    const __m256i place_c = _mm256_setr_epi32(5, 6, 7, 7, 0, 1, 2, 4);
    const __m256i place_d = _mm256_setr_epi32(7, 7, 0, 1, 2, 4, 5, 6);
    uint8_t *out = dst[0];
    size_t i = 0;
    for (; i + 32 <= pixels; i += 32) {
        const __m256i *in = reinterpret_cast<const __m256i *>(src + 4 * i);
        __m256i *o = reinterpret_cast<__m256i *>(out + 3 * i);
        const __m256i a = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 0), mask), place_a);
        const __m256i b = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 1), mask), place_b);
        const __m256i c = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 2), mask), place_c);
        const __m256i d = _mm256_permutevar8x32_epi32(
            _mm256_shuffle_epi8(_mm256_loadu_si256(in + 3), mask), place_d);
        _mm256_storeu_si256(o + 0, _mm256_blend_epi32(a, b, 0xC0));
        _mm256_storeu_si256(o + 1, _mm256_blend_epi32(b, c, 0xF0));
        _mm256_storeu_si256(o + 2, _mm256_blend_epi32(c, d, 0xFC));
    }
    pick_4_to_3_plain(out, src, i, pixels, p);
}

// 32 pixels per step: the SSSE3 transpose in each 128-bit lane leaves every
// channel's 32-bit words in the order 0 2 4 6 | 1 3 5 7; vpermd restores it.
void split_4(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    const __m256i mask = Bytes::mask(planar_mask(p, 4)).v;
    const __m256i restore = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t i = 0;
    for (; i + 32 <= pixels; i += 32) {
        const __m256i *in = reinterpret_cast<const __m256i *>(src + 4 * i);
        const __m256i a = _mm256_shuffle_epi8(_mm256_loadu_si256(in + 0), mask);
        const __m256i b = _mm256_shuffle_epi8(_mm256_loadu_si256(in + 1), mask);
        const __m256i c = _mm256_shuffle_epi8(_mm256_loadu_si256(in + 2), mask);
        const __m256i d = _mm256_shuffle_epi8(_mm256_loadu_si256(in + 3), mask);
        const __m256i ab_low = _mm256_unpacklo_epi32(a, b);
        const __m256i cd_low = _mm256_unpacklo_epi32(c, d);
        const __m256i ab_high = _mm256_unpackhi_epi32(a, b);
        const __m256i cd_high = _mm256_unpackhi_epi32(c, d);
        const __m256i channels[4] = {
            _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi64(ab_low, cd_low), restore),
            _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi64(ab_low, cd_low), restore),
            _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi64(ab_high, cd_high), restore),
            _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi64(ab_high, cd_high), restore),
        };
        for (size_t j = 0; j < p.count; ++j) {
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst[j] + i), channels[j]);
        }
    }
    split_plain<4>(dst, src, i, pixels, p);
}

// 32 pixels per step: each lane grouped by byte in 64-bit halves, then the
// halves of the two registers interleaved and put back in order.
void split_2(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    const __m256i mask = Bytes::mask(planar_mask(kBothBytes, 2)).v;
    size_t i = 0;
    for (; i + 32 <= pixels; i += 32) {
        const __m256i *in = reinterpret_cast<const __m256i *>(src + 2 * i);
        const __m256i a = _mm256_shuffle_epi8(_mm256_loadu_si256(in + 0), mask);
        const __m256i b = _mm256_shuffle_epi8(_mm256_loadu_si256(in + 1), mask);
        const __m256i bytes[2] = {
            _mm256_permute4x64_epi64(_mm256_unpacklo_epi64(a, b), 0xD8),
            _mm256_permute4x64_epi64(_mm256_unpackhi_epi64(a, b), 0xD8),
        };
        for (size_t j = 0; j < p.count; ++j) {
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst[j] + i), bytes[p.index[j]]);
        }
    }
    split_plain<2>(dst, src, i, pixels, p);
}


// 8 pixels per step: the 24 bytes are loaded as two 16-byte halves, one per
// lane, each then spread by vpshufb as the SSSE3 version does. The second
// load reads 4 bytes past the 8 pixels, so the loop stops 10 pixels early
// (as the SSSE3 version stops 6).
void pack_3_to_4(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    const __m256i mask = Bytes::mask(pack_mask(g, 3)).v;
    const __m256i fill = _mm256_set1_epi32(static_cast<int>(0xff000000u));
    size_t x = 0;
    for (; x + 10 <= pixels; x += 8) {
        const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 3 * x));
        const __m128i high =
            _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 3 * x + 12));
        const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + 4 * x),
                            _mm256_or_si256(_mm256_shuffle_epi8(v, mask), fill));
    }
    pack_plain<1>(dst, src, x, pixels, g);
}

// 32 pixels per step: the SSSE3 interleave within each 128-bit lane leaves
// the four 32-byte results with their lanes crossed; vperm2i128 uncrosses
// them.
void pack_planes(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    const uint8_t *plane[4];
    for (size_t b = 0; b < g.count; ++b) {
        plane[b] = src + g.offset[b];
    }
    const __m256i all_ones = _mm256_set1_epi8(-1);
    size_t x = 0;
    for (; x + 32 <= pixels; x += 32) {
        const __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(plane[0] + x));
        const __m256i gr = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(plane[1] + x));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(plane[2] + x));
        const __m256i a =
            g.count == 4 ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(plane[3] + x))
                         : all_ones;
        const __m256i rg_low = _mm256_unpacklo_epi8(r, gr);
        const __m256i rg_high = _mm256_unpackhi_epi8(r, gr);
        const __m256i ba_low = _mm256_unpacklo_epi8(b, a);
        const __m256i ba_high = _mm256_unpackhi_epi8(b, a);
        const __m256i q0 = _mm256_unpacklo_epi16(rg_low, ba_low);   // pixels 0-3 | 16-19
        const __m256i q1 = _mm256_unpackhi_epi16(rg_low, ba_low);   // 4-7 | 20-23
        const __m256i q2 = _mm256_unpacklo_epi16(rg_high, ba_high); // 8-11 | 24-27
        const __m256i q3 = _mm256_unpackhi_epi16(rg_high, ba_high); // 12-15 | 28-31
        __m256i *o = reinterpret_cast<__m256i *>(dst + 4 * x);
        _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(q0, q1, 0x20));
        _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(q2, q3, 0x20));
        _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(q0, q1, 0x31));
        _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(q2, q3, 0x31));
    }
    pack_planes_plain(dst, src, x, pixels, g);
}

#elif defined(FASTPIL_ISA_NEON)

// vld4/vld2 load 16 pixels already split by byte position; a runtime choice
// of register then picks the channel order.
void pick_4_to_3(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    uint8_t *out = dst[0];
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const uint8x16x4_t v = vld4q_u8(src + 4 * i);
        uint8x16x3_t o;
        o.val[0] = v.val[p.index[0]];
        o.val[1] = v.val[p.index[1]];
        o.val[2] = v.val[p.index[2]];
        vst3q_u8(out + 3 * i, o);
    }
    pick_4_to_3_plain(out, src, i, pixels, p);
}

void pick_4_to_4(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    uint8_t *out = dst[0];
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const uint8x16x4_t v = vld4q_u8(src + 4 * i);
        uint8x16x4_t o;
        o.val[0] = v.val[p.index[0]];
        o.val[1] = v.val[p.index[1]];
        o.val[2] = v.val[p.index[2]];
        o.val[3] = v.val[p.index[3]];
        vst4q_u8(out + 4 * i, o);
    }
    pick_4_to_4_plain(out, src, i, pixels, p);
}

void split_4(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const uint8x16x4_t v = vld4q_u8(src + 4 * i);
        for (size_t j = 0; j < p.count; ++j) {
            vst1q_u8(dst[j] + i, v.val[p.index[j]]);
        }
    }
    split_plain<4>(dst, src, i, pixels, p);
}

void split_2(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    size_t i = 0;
    for (; i + 16 <= pixels; i += 16) {
        const uint8x16x2_t v = vld2q_u8(src + 2 * i);
        for (size_t j = 0; j < p.count; ++j) {
            vst1q_u8(dst[j] + i, v.val[p.index[j]]);
        }
    }
    split_plain<2>(dst, src, i, pixels, p);
}


// 16 pixels per step: vld3/vld4 split the bytes by position, vst4 puts them
// back four to a pixel, 255 for the padding byte.
void pack_3_to_4(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    const size_t spare = short_last_pixel(g, 3);
    size_t x = 0;
    for (; x + 16 + spare <= pixels; x += 16) {
        const uint8x16x3_t v = vld3q_u8(src + 3 * x);
        uint8x16x4_t o;
        o.val[0] = v.val[g.offset[0]];
        o.val[1] = v.val[g.offset[1]];
        o.val[2] = v.val[g.offset[2]];
        o.val[3] = vdupq_n_u8(255);
        vst4q_u8(dst + 4 * x, o);
    }
    pack_plain<1>(dst, src, x, pixels, g);
}

void pack_4_to_4(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    const size_t spare = short_last_pixel(g, 4);
    size_t x = 0;
    for (; x + 16 + spare <= pixels; x += 16) {
        const uint8x16x4_t v = vld4q_u8(src + 4 * x);
        uint8x16x4_t o;
        o.val[0] = v.val[g.offset[0]];
        o.val[1] = v.val[g.offset[1]];
        o.val[2] = v.val[g.offset[2]];
        o.val[3] = g.count == 4 ? v.val[g.offset[3]] : vdupq_n_u8(255);
        vst4q_u8(dst + 4 * x, o);
    }
    pack_plain<1>(dst, src, x, pixels, g);
}

void pack_planes(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    size_t x = 0;
    for (; x + 16 <= pixels; x += 16) {
        uint8x16x4_t o;
        for (size_t b = 0; b < 3; ++b) {
            o.val[b] = vld1q_u8(src + g.offset[b] + static_cast<std::ptrdiff_t>(x));
        }
        o.val[3] = g.count == 4 ? vld1q_u8(src + g.offset[3] + static_cast<std::ptrdiff_t>(x))
                                : vdupq_n_u8(255);
        vst4q_u8(dst + 4 * x, o);
    }
    pack_planes_plain(dst, src, x, pixels, g);
}

#else

void pick_4_to_3(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    pick_4_to_3_plain(dst[0], src, 0, pixels, p);
}

void pick_4_to_4(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    pick_4_to_4_plain(dst[0], src, 0, pixels, p);
}

void split_4(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    split_plain<4>(dst, src, 0, pixels, p);
}

void split_2(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p) {
    split_plain<2>(dst, src, 0, pixels, p);
}


void pack_some(uint8_t *dst, const uint8_t *src, size_t begin, size_t pixels, const Gather &g);

void pack_3_to_4(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    pack_some(dst, src, 0, pixels, g);
}

void pack_4_to_4(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    pack_some(dst, src, 0, pixels, g);
}

void pack_planes(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    pack_planes_plain(dst, src, 0, pixels, g);
}

#endif

// ---------------------------------------------------------------------------
// The way back for views whose pixels are not where the kernels above want
// them: mirrored rows, every second pixel, the columns of a transposed or
// rotated array.

// The plain loop with the pixel's shape fixed at compile time, for the
// shapes arrays have: each pixel then costs a few moves. The vector kernels'
// tails, and the whole of them in the scalar build.
template <size_t Item, size_t Count, bool Fill>
void pack_fixed(uint8_t *dst, const uint8_t *src, size_t begin, size_t pixels,
                const Gather &g) {
    constexpr size_t out = Count * Item + (Fill ? 1 : 0);
    const std::ptrdiff_t stride = g.pixel_stride;
    std::ptrdiff_t offset[Count];
    for (size_t b = 0; b < Count; ++b) {
        offset[b] = g.offset[b];
    }
    for (size_t x = begin; x < pixels; ++x) {
        const uint8_t *in = src + static_cast<std::ptrdiff_t>(x) * stride;
        uint8_t *o = dst + x * out;
        for (size_t b = 0; b < Count; ++b) {
            std::memcpy(o + b * Item, in + offset[b], Item);
        }
        if constexpr (Fill) {
            o[Count * Item] = 255;
        }
    }
}

void pack_some(uint8_t *dst, const uint8_t *src, size_t begin, size_t pixels, const Gather &g) {
    if (g.fill) {
        if (g.count == 3) {
            pack_fixed<1, 3, true>(dst, src, begin, pixels, g);
        } else {
            pack_plain<1>(dst, src, begin, pixels, g);
        }
        return;
    }
    switch (g.item * 8 + g.count) {
        case 1 * 8 + 1:
            pack_fixed<1, 1, false>(dst, src, begin, pixels, g);
            break;
        case 1 * 8 + 2:
            pack_fixed<1, 2, false>(dst, src, begin, pixels, g);
            break;
        case 1 * 8 + 3:
            pack_fixed<1, 3, false>(dst, src, begin, pixels, g);
            break;
        case 1 * 8 + 4:
            pack_fixed<1, 4, false>(dst, src, begin, pixels, g);
            break;
        case 2 * 8 + 1:
            pack_fixed<2, 1, false>(dst, src, begin, pixels, g);
            break;
        case 4 * 8 + 1:
            pack_fixed<4, 1, false>(dst, src, begin, pixels, g);
            break;
        case 8 * 8 + 1:
            pack_fixed<8, 1, false>(dst, src, begin, pixels, g);
            break;
        default:
            switch (g.item) {
                case 1:
                    pack_plain<1>(dst, src, begin, pixels, g);
                    break;
                case 2:
                    pack_plain<2>(dst, src, begin, pixels, g);
                    break;
                case 4:
                    pack_plain<4>(dst, src, begin, pixels, g);
                    break;
                default:
                    pack_plain<8>(dst, src, begin, pixels, g);
                    break;
            }
    }
}

void pack_any(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g) {
    pack_some(dst, src, 0, pixels, g);
}

// Rows `begin` to `end` of `rows` packed rows (see PackRowsKernel), each
// with pack_some.
void pack_rows_plain(uint8_t *dst, const uint8_t *src,
                                      std::ptrdiff_t row_stride, size_t begin, size_t end,
                                      size_t pixels, const Gather &g) {
    const size_t packed_row = pixels * (g.count * g.item + g.fill);
    for (size_t y = begin; y < end; ++y) {
        pack_some(dst + y * packed_row, src + static_cast<std::ptrdiff_t>(y) * row_stride, 0,
                  pixels, g);
    }
}

// How a vector of 16 / out packed pixels of `out` bytes is gathered from
// pixels `stride` bytes apart (forwards, or backwards when negative) by byte
// shuffles: from `loads` loads of 16 bytes at `window[j]` bytes from the
// lowest pixel's start, shuffled by mask[j] and OR-ed together, and with
// `fill`. The loads cover the bytes from the lowest pixel's first to the
// highest pixel's last, and no others, unless that is less than 16 bytes:
// a load then reads past the highest pixel, into the `beyond` pixels after
// it (in memory) that it reaches.
struct ShufflePlan {
    ShuffleMask mask[kShuffleSpan / 16];
    ShuffleMask fill;
    std::ptrdiff_t window[kShuffleSpan / 16];
    size_t loads;
    size_t pixels;  // 16 / out
    size_t reach;   // bytes of a pixel, from its first to its last read
    size_t beyond;
    bool identity;  // one load, the bytes in order, no fill: no shuffle needed
};

// False when the vector's pixels do not fit the plan (see kernels.hpp).
// Offsets are not negative (SourceRows counts them from the lowest band).
[[maybe_unused]] bool plan_shuffle(const Gather &g, std::ptrdiff_t stride,
                                   ShufflePlan *plan) {
    const size_t out = g.count * g.item + g.fill;
    if (stride == 0 || out > 8 || 16 % out != 0) {
        return false;
    }
    const size_t k = 16 / out;
    const size_t step = static_cast<size_t>(stride < 0 ? -stride : stride);
    size_t reach = 0;
    for (size_t b = 0; b < g.count; ++b) {
        const size_t end = static_cast<size_t>(g.offset[b]) + g.item;
        reach = end > reach ? end : reach;
    }
    if (step > kShuffleSpan || reach > kShuffleSpan) {
        return false;
    }
    const size_t span = (k - 1) * step + reach;
    if (span > kShuffleSpan) {
        return false;
    }
    plan->pixels = k;
    plan->reach = reach;
    plan->loads = (span + 15) / 16;
    for (size_t j = 0; j < plan->loads; ++j) {
        const size_t at = span < 16 || 16 * j + 16 <= span ? 16 * j : span - 16;
        plan->window[j] = static_cast<std::ptrdiff_t>(at);
        for (size_t slot = 0; slot < 16; ++slot) {
            plan->mask[j].bytes[slot] = -1;
        }
    }
    plan->identity = plan->loads == 1 && !g.fill;
    for (size_t p = 0; p < k; ++p) {
        const size_t q = stride < 0 ? k - 1 - p : p;  // the pixel's place in memory
        for (size_t c = 0; c < out; ++c) {
            const size_t slot = p * out + c;
            plan->fill.bytes[slot] = 0;
            if (c >= g.count * g.item) {
                plan->fill.bytes[slot] = -1;
                continue;
            }
            const size_t at = q * step + static_cast<size_t>(g.offset[c / g.item]) + c % g.item;
            size_t j = 0;
            while (!(at < static_cast<size_t>(plan->window[j]) + 16)) {
                ++j;
            }
            const size_t index = at - static_cast<size_t>(plan->window[j]);
            plan->mask[j].bytes[slot] = static_cast<signed char>(index);
            plan->identity = plan->identity && index == slot;
        }
    }
    // A load of fewer bytes than it covers reads on to byte 15: into the
    // pixel after the vector's whose last byte reaches that far.
    plan->beyond = 0;
    if (span < 16) {
        const size_t reaching = (16 - reach + step - 1) / step;
        plan->beyond = reaching > k - 1 ? reaching - (k - 1) : 0;
    }
    return true;
}

// Each column's bytes for a block of rows are first copied to a buffer of
// their own, at most this many bytes of each: a view of an array whose rows
// are a power of two bytes (4 KiB, say) has its columns' cache lines all in
// the same few sets of the cache, and read down the rows from where they lie,
// a tile's worth of columns evicts one another before each is used whole.
// Read once, in a line, each column is used whole; the transposes then read
// the buffer, whose pitch spreads it over every set.
constexpr size_t kCopiedBytes = 128;
constexpr size_t kCopiedPitch = kCopiedBytes + 16;  // room for a load to read past

// Copies the `bytes` bytes from `low` of each of the `width` columns from x0
// (src + x * stride) to its row of `copied`.
void copy_columns(uint8_t *copied, const uint8_t *src, std::ptrdiff_t stride, std::ptrdiff_t low,
                  size_t x0, size_t width, size_t bytes) {
    for (size_t c = 0; c < width; ++c) {
        const uint8_t *from = src + static_cast<std::ptrdiff_t>(x0 + c) * stride + low;
        uint8_t *to = copied + c * kCopiedPitch;
        size_t at = 0;
        for (; at + 16 <= bytes; at += 16) {
            std::memcpy(to + at, from + at, 16);
        }
        if (at < bytes) {
            std::memcpy(to + at, from + at, bytes - at);
        }
    }
}

#if defined(FASTPIL_ISA_NEON)

// The x86 tables' Bytes for NEON: tbl zeroes the bytes an index of 0xff
// (-1) names, as pshufb does.
struct Bytes {
    static constexpr size_t size = 16;
    uint8x16_t v;
    static Bytes load(const uint8_t *p) { return {vld1q_u8(p)}; }
    static Bytes load_lanes(const uint8_t *p, std::ptrdiff_t) { return load(p); }
    static Bytes mask(const ShuffleMask &m) {
        return {vld1q_u8(reinterpret_cast<const uint8_t *>(m.bytes))};
    }
    void store(uint8_t *p) const { vst1q_u8(p, v); }
    Bytes shuffle(Bytes m) const { return {vqtbl1q_u8(v, m.v)}; }
    Bytes operator|(Bytes b) const { return {vorrq_u8(v, b.v)}; }
    template <size_t Width>
    Bytes zip_low(Bytes b) const {
        if constexpr (Width == 1) {
            return {vzip1q_u8(v, b.v)};
        } else if constexpr (Width == 2) {
            return {vreinterpretq_u8_u16(
                vzip1q_u16(vreinterpretq_u16_u8(v), vreinterpretq_u16_u8(b.v)))};
        } else if constexpr (Width == 4) {
            return {vreinterpretq_u8_u32(
                vzip1q_u32(vreinterpretq_u32_u8(v), vreinterpretq_u32_u8(b.v)))};
        } else {
            return {vreinterpretq_u8_u64(
                vzip1q_u64(vreinterpretq_u64_u8(v), vreinterpretq_u64_u8(b.v)))};
        }
    }
    template <size_t Width>
    Bytes zip_high(Bytes b) const {
        if constexpr (Width == 1) {
            return {vzip2q_u8(v, b.v)};
        } else if constexpr (Width == 2) {
            return {vreinterpretq_u8_u16(
                vzip2q_u16(vreinterpretq_u16_u8(v), vreinterpretq_u16_u8(b.v)))};
        } else if constexpr (Width == 4) {
            return {vreinterpretq_u8_u32(
                vzip2q_u32(vreinterpretq_u32_u8(v), vreinterpretq_u32_u8(b.v)))};
        } else {
            return {vreinterpretq_u8_u64(
                vzip2q_u64(vreinterpretq_u64_u8(v), vreinterpretq_u64_u8(b.v)))};
        }
    }
};

#endif

#if defined(FASTPIL_ISA_SSSE3) || defined(FASTPIL_ISA_AVX2) || defined(FASTPIL_ISA_NEON)

// Each 16-byte lane of a vector is one plan's 16 bytes; lane i's pixels
// follow lane i - 1's.
constexpr size_t kLanes = Bytes::size / 16;

// The vector of the plan's pixels whose lowest starts at `base`, lane i's at
// base + i * lane_step.
template <size_t Loads>
Bytes gather_vector(const uint8_t *base, std::ptrdiff_t lane_step, const Bytes *mask,
                    const std::ptrdiff_t *window, Bytes fill) {
    Bytes v = fill;
    for (size_t j = 0; j < Loads; ++j) {
        v = v | Bytes::load_lanes(base + window[j], lane_step).shuffle(mask[j]);
    }
    return v;
}

// Pixels `begin` on, a vector at a time, while the vector ends by `end`;
// returns where it stopped.
template <size_t Loads>
size_t shuffled_steps(uint8_t *dst, const uint8_t *src, size_t begin, size_t end,
                      const Gather &g, const ShufflePlan &plan) {
    Bytes mask[Loads];
    for (size_t j = 0; j < Loads; ++j) {
        mask[j] = Bytes::mask(plan.mask[j]);
    }
    const Bytes fill = Bytes::mask(plan.fill);
    const size_t k = plan.pixels;
    const size_t out = 16 / k;
    const std::ptrdiff_t stride = g.pixel_stride;
    const std::ptrdiff_t lane_step = static_cast<std::ptrdiff_t>(k) * stride;
    // From a vector's first pixel to its lowest in memory.
    const std::ptrdiff_t lowest = stride < 0 ? static_cast<std::ptrdiff_t>(k - 1) * stride : 0;
    size_t x = begin;
    for (; x + k * kLanes <= end; x += k * kLanes) {
        const uint8_t *base = src + static_cast<std::ptrdiff_t>(x) * stride + lowest;
        gather_vector<Loads>(base, lane_step, mask, plan.window, fill).store(dst + x * out);
    }
    return x;
}

// One row of pack_shuffled.
void shuffled_row(uint8_t *dst, const uint8_t *src, size_t pixels, const Gather &g,
                  const ShufflePlan &plan) {
    // The pixels a load may read past its vector's lie after it in memory:
    // the vector's next pixels, or its previous ones when the row runs
    // backwards.
    const size_t head = g.pixel_stride < 0 ? plan.beyond : 0;
    const size_t tail = g.pixel_stride < 0 ? 0 : plan.beyond;
    if (pixels <= head + tail) {
        pack_some(dst, src, 0, pixels, g);
        return;
    }
    pack_some(dst, src, 0, head, g);
    size_t x = head;
    switch (plan.loads) {
        case 1:
            x = shuffled_steps<1>(dst, src, head, pixels - tail, g, plan);
            break;
        case 2:
            x = shuffled_steps<2>(dst, src, head, pixels - tail, g, plan);
            break;
        case 3:
            x = shuffled_steps<3>(dst, src, head, pixels - tail, g, plan);
            break;
        default:
            x = shuffled_steps<4>(dst, src, head, pixels - tail, g, plan);
            break;
    }
    pack_some(dst, src, x, pixels, g);
}

// The plan is made once for all the rows: for a row of a few hundred
// pixels, making it took as long as gathering them.
void pack_shuffled(uint8_t *dst, const uint8_t *src, std::ptrdiff_t row_stride, size_t rows,
                   size_t pixels, const Gather &g) {
    ShufflePlan plan;
    if (!plan_shuffle(g, g.pixel_stride, &plan)) {
        pack_rows_plain(dst, src, row_stride, 0, rows, pixels, g);
        return;
    }
    const size_t packed_row = pixels * (g.count * g.item + g.fill);
    for (size_t y = 0; y < rows; ++y) {
        shuffled_row(dst + y * packed_row, src + static_cast<std::ptrdiff_t>(y) * row_stride,
                     pixels, g, plan);
    }
}

// Pixels gathered at each x of rows [y, y + k), k = 16 / Out: vector r holds
// the pixel at x + r of each row (and lane i that at x + r + i * k), so that
// after a transpose of k x k elements of Out bytes, vector r holds row y + r's
// pixels x to x + k * kLanes. log2(k) rounds of the same interleave
// transpose a square of 2**n elements.
template <size_t Out>
void transpose(Bytes *v) {
    constexpr size_t k = 16 / Out;
    for (size_t round = 1; round < k; round *= 2) {
        Bytes t[k];
        for (size_t i = 0; i < k / 2; ++i) {
            t[2 * i] = v[i].template zip_low<Out>(v[i + k / 2]);
            t[2 * i + 1] = v[i].template zip_high<Out>(v[i + k / 2]);
        }
        for (size_t i = 0; i < k; ++i) {
            v[i] = t[i];
        }
    }
}

template <size_t Out, bool Identity>
void columns_steps(uint8_t *dst, const uint8_t *src, std::ptrdiff_t row_stride, size_t first,
                   size_t end, size_t pixels, const Gather &g, const ShufflePlan &plan) {
    constexpr size_t k = 16 / Out;
    constexpr size_t step = k * kLanes;
    // Columns a tile: a cache line of each packed row, at least a vector.
    constexpr size_t tile = step > 64 / Out ? step : 64 / Out;
    alignas(16) uint8_t copied[tile * kCopiedPitch] = {};
    const Bytes mask = Bytes::mask(plan.mask[0]);
    const Bytes fill = Bytes::mask(plan.fill);
    const std::ptrdiff_t stride = g.pixel_stride;
    const size_t rows_apart = static_cast<size_t>(row_stride < 0 ? -row_stride : row_stride);
    // Whole vectors of rows whose bytes in a column fit in kCopiedBytes: at
    // least one, since one spans at most 16.
    const size_t block = ((kCopiedBytes - plan.reach) / rows_apart + 1) / k * k;
    const std::ptrdiff_t lowest =
        row_stride < 0 ? static_cast<std::ptrdiff_t>(k - 1) * row_stride : 0;
    const size_t packed_row = pixels * Out;
    const size_t whole = pixels / step * step;
    for (size_t y0 = first; y0 < end; y0 += block) {
        const size_t y1 = end - y0 < block ? end : y0 + block;
        const std::ptrdiff_t low = static_cast<std::ptrdiff_t>(row_stride < 0 ? y1 - 1 : y0) *
                                   row_stride;
        const size_t bytes = (y1 - y0 - 1) * rows_apart + plan.reach;
        for (size_t x0 = 0; x0 < whole; x0 += tile) {
            const size_t width = whole - x0 < tile ? whole - x0 : tile;
            copy_columns(copied, src, stride, low, x0, width, bytes);
            for (size_t y = y0; y < y1; y += k) {
                const uint8_t *rows =
                    copied + (static_cast<std::ptrdiff_t>(y) * row_stride + lowest - low);
                for (size_t x = 0; x < width; x += step) {
                    Bytes v[k];
                    for (size_t r = 0; r < k; ++r) {
                        const Bytes in = Bytes::load_lanes(rows + (x + r) * kCopiedPitch,
                                                           k * kCopiedPitch);
                        v[r] = Identity ? in : in.shuffle(mask) | fill;
                    }
                    transpose<Out>(v);
                    for (size_t r = 0; r < k; ++r) {
                        v[r].store(dst + (y + r) * packed_row + (x0 + x) * Out);
                    }
                }
            }
        }
    }
    // The pixels past the last whole vector, row by row.
    for (size_t y = first; y < end; ++y) {
        pack_some(dst + y * packed_row, src + static_cast<std::ptrdiff_t>(y) * row_stride, whole,
                  pixels, g);
    }
}

template <size_t Out>
void columns_of(uint8_t *dst, const uint8_t *src, std::ptrdiff_t row_stride, size_t first,
                size_t end, size_t pixels, const Gather &g, const ShufflePlan &plan) {
    if (plan.identity) {
        columns_steps<Out, true>(dst, src, row_stride, first, end, pixels, g, plan);
    } else {
        columns_steps<Out, false>(dst, src, row_stride, first, end, pixels, g, plan);
    }
}

void pack_columns(uint8_t *dst, const uint8_t *src, std::ptrdiff_t row_stride, size_t rows,
                  size_t pixels, const Gather &g) {
    ShufflePlan plan;
    if (!plan_shuffle(g, row_stride, &plan) || plan.loads != 1) {
        pack_rows_plain(dst, src, row_stride, 0, rows, pixels, g);
        return;
    }
    // Rows are gathered k at a time, as a vector's pixels are by
    // pack_shuffled (from the copies of columns_steps, which loads may read
    // past).
    const size_t k = plan.pixels;
    const size_t end = rows / k * k;
    switch (k) {
        case 16:
            columns_of<1>(dst, src, row_stride, 0, end, pixels, g, plan);
            break;
        case 8:
            columns_of<2>(dst, src, row_stride, 0, end, pixels, g, plan);
            break;
        case 4:
            columns_of<4>(dst, src, row_stride, 0, end, pixels, g, plan);
            break;
        default:
            columns_of<8>(dst, src, row_stride, 0, end, pixels, g, plan);
            break;
    }
    pack_rows_plain(dst, src, row_stride, end, rows, pixels, g);
}

#else

void pack_shuffled(uint8_t *dst, const uint8_t *src, std::ptrdiff_t row_stride, size_t rows,
                   size_t pixels, const Gather &g) {
    pack_rows_plain(dst, src, row_stride, 0, rows, pixels, g);
}

// As the vector tables do, each column's bytes for a block of rows copied
// first; each row then packed by the plain loop from the copies.
void pack_columns(uint8_t *dst, const uint8_t *src, std::ptrdiff_t row_stride, size_t rows,
                  size_t pixels, const Gather &g) {
    constexpr size_t tile = 64;
    const size_t out = g.count * g.item + g.fill;
    const size_t rows_apart = static_cast<size_t>(row_stride < 0 ? -row_stride : row_stride);
    size_t reach = 0;
    for (size_t b = 0; b < g.count; ++b) {
        const size_t end = static_cast<size_t>(g.offset[b]) + g.item;
        reach = end > reach ? end : reach;
    }
    if (rows_apart == 0 || reach > kCopiedBytes) {
        pack_rows_plain(dst, src, row_stride, 0, rows, pixels, g);
        return;
    }
    alignas(16) uint8_t copied[tile * kCopiedPitch];
    const size_t block = (kCopiedBytes - reach) / rows_apart + 1;
    Gather from_copies = g;
    from_copies.pixel_stride = kCopiedPitch;
    const size_t packed_row = pixels * out;
    for (size_t y0 = 0; y0 < rows; y0 += block) {
        const size_t y1 = rows - y0 < block ? rows : y0 + block;
        const std::ptrdiff_t low = static_cast<std::ptrdiff_t>(row_stride < 0 ? y1 - 1 : y0) *
                                   row_stride;
        const size_t bytes = (y1 - y0 - 1) * rows_apart + reach;
        for (size_t x0 = 0; x0 < pixels; x0 += tile) {
            const size_t width = pixels - x0 < tile ? pixels - x0 : tile;
            copy_columns(copied, src, g.pixel_stride, low, x0, width, bytes);
            for (size_t y = y0; y < y1; ++y) {
                pack_some(dst + y * packed_row + x0 * out,
                          copied + (static_cast<std::ptrdiff_t>(y) * row_stride - low), 0, width,
                          from_copies);
            }
        }
    }
}

#endif

// A plain loop: every compiler vectorises it for the instruction set this
// file is compiled for.
void bytes_to_bool(uint8_t *const *dst, const uint8_t *src, size_t count, const Pattern &) {
    uint8_t *out = dst[0];
    for (size_t i = 0; i < count; ++i) {
        out[i] = src[i] != 0;
    }
}

// ---------------------------------------------------------------------------
// Samples to float32 and float16: the arithmetic written once, over `Floats`,
// a few float32 lanes of the instruction set this file is compiled for, and
// `Scalar`, one lane of plain C++, which does the tails (and is the whole of
// the scalar build). Each lane computes sample * scale + offset, multiply
// then add, each rounded (meson.build keeps the compiler from fusing them),
// so that every table gives the same bits.

// float32 -> float16 bits, rounded to nearest, ties to even, with
// subnormals, infinities and NaN (made quiet, the top of its payload kept,
// as F16C and aarch64's conversions do). The exponent is rebiased by integer
// arithmetic and the rounding done by adding 0xfff (plus one when the kept
// mantissa is odd) before dropping 13 bits; results too small for a normal
// half are rounded by a float addition that lines their bits up with the
// bottom of the mantissa. SSSE3's Floats does the same on four lanes.
constexpr uint32_t kHalfOverflow = (127 + 16) << 23;   // 65536.0f and up: infinite
constexpr uint32_t kHalfNormal = (127 - 14) << 23;     // 2**-14: the smallest normal half
constexpr uint32_t kHalfAlign = (127 - 15 + 23 - 10 + 1) << 23;  // 0.5f: see above
constexpr uint32_t kInfinityBits = 255u << 23;

uint16_t half_bits(float value) {
    uint32_t x;
    std::memcpy(&x, &value, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    x &= 0x7fffffffu;
    uint32_t h;
    if (x >= kHalfOverflow) {
        h = x > kInfinityBits ? 0x7e00u | ((x >> 13) & 0x3ffu) : 0x7c00u;
    } else if (x < kHalfNormal) {
        float f;
        std::memcpy(&f, &x, 4);
        float align;
        std::memcpy(&align, &kHalfAlign, 4);
        f += align;
        std::memcpy(&h, &f, 4);
        h -= kHalfAlign;
    } else {
        const uint32_t odd = (x >> 13) & 1u;
        h = (x + (static_cast<uint32_t>(15 - 127) << 23) + 0xfffu + odd) >> 13;
    }
    return static_cast<uint16_t>(h | sign);
}

// One lane. `samples<S>(src, i)` is sample i of `src`; `pixel_byte(src, i,
// b)` byte b of 4-byte pixel i; `store<Half>(dst, i)` writes value i.
struct Scalar {
    static constexpr size_t lanes = 1;
    float v;

    static Scalar load(const float *p) { return {*p}; }
    static Scalar splat(float x) { return {x}; }
    template <Sample S>
    static Scalar samples(const uint8_t *src, size_t i) {
        if constexpr (S == Sample::u8) {
            return {static_cast<float>(src[i])};
        } else if constexpr (S == Sample::u16 || S == Sample::u16_swapped) {
            uint16_t word;
            std::memcpy(&word, src + 2 * i, 2);
            if constexpr (S == Sample::u16_swapped) {
                word = static_cast<uint16_t>((word >> 8) | (word << 8));
            }
            return {static_cast<float>(word)};
        } else if constexpr (S == Sample::i32) {
            int32_t word;  // exact up to 2**24, rounded to nearest beyond
            std::memcpy(&word, src + 4 * i, 4);
            return {static_cast<float>(word)};
        } else {
            float word;
            std::memcpy(&word, src + 4 * i, 4);
            return {word};
        }
    }
    static Scalar pixel_byte(const uint8_t *src, size_t i, size_t byte) {
        return {static_cast<float>(src[4 * i + byte])};
    }
    Scalar operator*(Scalar b) const { return {v * b.v}; }
    Scalar operator+(Scalar b) const { return {v + b.v}; }
    template <bool Half>
    void store(uint8_t *dst, size_t i) const {
        if constexpr (Half) {
            const uint16_t h = half_bits(v);
            std::memcpy(dst + 2 * i, &h, 2);
        } else {
            std::memcpy(dst + 4 * i, &v, 4);
        }
    }
};

#if defined(FASTPIL_ISA_AVX2)

struct Floats {
    static constexpr size_t lanes = 8;
    __m256 v;

    static Floats load(const float *p) { return {_mm256_loadu_ps(p)}; }
    static Floats splat(float x) { return {_mm256_set1_ps(x)}; }
    template <Sample S>
    static Floats samples(const uint8_t *src, size_t i) {
        if constexpr (S == Sample::u8) {
            const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(src + i));
            return {_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes))};
        } else if constexpr (S == Sample::u16 || S == Sample::u16_swapped) {
            __m128i words = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 2 * i));
            if constexpr (S == Sample::u16_swapped) {
                words = _mm_shuffle_epi8(
                    words, _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
            }
            return {_mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(words))};
        } else if constexpr (S == Sample::i32) {
            return {_mm256_cvtepi32_ps(
                _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + 4 * i)))};
        } else {
            return {_mm256_loadu_ps(reinterpret_cast<const float *>(src + 4 * i))};
        }
    }
    // Each 32-bit lane holds a pixel: a shift and a mask leave one of its
    // bytes, with no shuffle.
    static Floats pixel_byte(const uint8_t *src, size_t i, size_t byte) {
        const __m256i pixels = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + 4 * i));
        const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(8 * byte));
        return {_mm256_cvtepi32_ps(
            _mm256_and_si256(_mm256_srl_epi32(pixels, shift), _mm256_set1_epi32(0xff)))};
    }
    Floats operator*(Floats b) const { return {_mm256_mul_ps(v, b.v)}; }
    Floats operator+(Floats b) const { return {_mm256_add_ps(v, b.v)}; }
    template <bool Half>
    void store(uint8_t *dst, size_t i) const {
        if constexpr (Half) {
            // F16C, which dispatch.cpp requires of this table along with AVX2.
            _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + 2 * i),
                             _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        } else {
            _mm256_storeu_ps(reinterpret_cast<float *>(dst + 4 * i), v);
        }
    }
};

#elif defined(FASTPIL_ISA_SSSE3)

// half_bits on four lanes, with SSE2 integer arithmetic (no F16C here).
__m128i half_bits4(__m128 value) {
    const __m128i x_signed = _mm_castps_si128(value);
    const __m128i sign = _mm_and_si128(_mm_srli_epi32(x_signed, 16), _mm_set1_epi32(0x8000));
    const __m128i x = _mm_and_si128(x_signed, _mm_set1_epi32(0x7fffffff));
    const __m128i special = _mm_cmpgt_epi32(x, _mm_set1_epi32(static_cast<int>(kHalfOverflow) - 1));
    const __m128i nan = _mm_cmpgt_epi32(x, _mm_set1_epi32(static_cast<int>(kInfinityBits)));
    const __m128i payload = _mm_and_si128(_mm_srli_epi32(x, 13), _mm_set1_epi32(0x3ff));
    const __m128i special_bits = _mm_or_si128(
        _mm_set1_epi32(0x7c00),
        _mm_and_si128(nan, _mm_or_si128(_mm_set1_epi32(0x0200), payload)));
    const __m128i small = _mm_cmplt_epi32(x, _mm_set1_epi32(static_cast<int>(kHalfNormal)));
    const __m128i align = _mm_set1_epi32(static_cast<int>(kHalfAlign));
    const __m128i small_bits = _mm_sub_epi32(
        _mm_castps_si128(_mm_add_ps(_mm_castsi128_ps(x), _mm_castsi128_ps(align))), align);
    const __m128i odd = _mm_and_si128(_mm_srli_epi32(x, 13), _mm_set1_epi32(1));
    const __m128i bias =
        _mm_set1_epi32(static_cast<int>((static_cast<uint32_t>(15 - 127) << 23) + 0xfffu));
    const __m128i normal_bits = _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(x, bias), odd), 13);
    __m128i h =
        _mm_or_si128(_mm_and_si128(small, small_bits), _mm_andnot_si128(small, normal_bits));
    h = _mm_or_si128(_mm_and_si128(special, special_bits), _mm_andnot_si128(special, h));
    return _mm_or_si128(h, sign);
}

struct Floats {
    static constexpr size_t lanes = 4;
    __m128 v;

    static Floats load(const float *p) { return {_mm_loadu_ps(p)}; }
    static Floats splat(float x) { return {_mm_set1_ps(x)}; }
    template <Sample S>
    static Floats samples(const uint8_t *src, size_t i) {
        const __m128i zero = _mm_setzero_si128();
        if constexpr (S == Sample::u8) {
            int32_t four;
            std::memcpy(&four, src + i, 4);
            const __m128i bytes = _mm_cvtsi32_si128(four);
            return {_mm_cvtepi32_ps(_mm_unpacklo_epi16(_mm_unpacklo_epi8(bytes, zero), zero))};
        } else if constexpr (S == Sample::u16 || S == Sample::u16_swapped) {
            __m128i words = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(src + 2 * i));
            if constexpr (S == Sample::u16_swapped) {
                words = _mm_shuffle_epi8(
                    words, _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
            }
            return {_mm_cvtepi32_ps(_mm_unpacklo_epi16(words, zero))};
        } else if constexpr (S == Sample::i32) {
            return {_mm_cvtepi32_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 4 * i)))};
        } else {
            return {_mm_loadu_ps(reinterpret_cast<const float *>(src + 4 * i))};
        }
    }
    // As AVX2's: a pixel a lane.
    static Floats pixel_byte(const uint8_t *src, size_t i, size_t byte) {
        const __m128i pixels = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 4 * i));
        const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(8 * byte));
        return {_mm_cvtepi32_ps(_mm_and_si128(_mm_srl_epi32(pixels, shift), _mm_set1_epi32(0xff)))};
    }
    Floats operator*(Floats b) const { return {_mm_mul_ps(v, b.v)}; }
    Floats operator+(Floats b) const { return {_mm_add_ps(v, b.v)}; }
    template <bool Half>
    void store(uint8_t *dst, size_t i) const {
        if constexpr (Half) {
            const __m128i low_words =
                _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
            _mm_storel_epi64(reinterpret_cast<__m128i *>(dst + 2 * i),
                             _mm_shuffle_epi8(half_bits4(v), low_words));
        } else {
            _mm_storeu_ps(reinterpret_cast<float *>(dst + 4 * i), v);
        }
    }
};

#elif defined(FASTPIL_ISA_NEON)

struct Floats {
    static constexpr size_t lanes = 4;
    float32x4_t v;

    static Floats load(const float *p) { return {vld1q_f32(p)}; }
    static Floats splat(float x) { return {vdupq_n_f32(x)}; }
    template <Sample S>
    static Floats samples(const uint8_t *src, size_t i) {
        if constexpr (S == Sample::u8) {
            uint32_t four;
            std::memcpy(&four, src + i, 4);
            const uint8x8_t bytes = vreinterpret_u8_u32(vdup_n_u32(four));
            return {vcvtq_f32_u32(vmovl_u16(vget_low_u16(vmovl_u8(bytes))))};
        } else if constexpr (S == Sample::u16 || S == Sample::u16_swapped) {
            uint16x4_t words = vld1_u16(reinterpret_cast<const uint16_t *>(src + 2 * i));
            if constexpr (S == Sample::u16_swapped) {
                words = vreinterpret_u16_u8(vrev16_u8(vreinterpret_u8_u16(words)));
            }
            return {vcvtq_f32_u32(vmovl_u16(words))};
        } else if constexpr (S == Sample::i32) {
            return {vcvtq_f32_s32(vld1q_s32(reinterpret_cast<const int32_t *>(src + 4 * i)))};
        } else {
            return {vld1q_f32(reinterpret_cast<const float *>(src + 4 * i))};
        }
    }
    // As AVX2's: a pixel a lane; a shift by a negative amount shifts right.
    static Floats pixel_byte(const uint8_t *src, size_t i, size_t byte) {
        const uint32x4_t pixels = vld1q_u32(reinterpret_cast<const uint32_t *>(src + 4 * i));
        const int32x4_t shift = vdupq_n_s32(-8 * static_cast<int32_t>(byte));
        return {vcvtq_f32_u32(vandq_u32(vshlq_u32(pixels, shift), vdupq_n_u32(0xff)))};
    }
    Floats operator*(Floats b) const { return {vmulq_f32(v, b.v)}; }
    Floats operator+(Floats b) const { return {vaddq_f32(v, b.v)}; }
    template <bool Half>
    void store(uint8_t *dst, size_t i) const {
        if constexpr (Half) {
            // Part of the aarch64 baseline; rounds as the FPCR says, to
            // nearest by default.
            vst1_u16(reinterpret_cast<uint16_t *>(dst + 2 * i),
                     vreinterpret_u16_f16(vcvt_f16_f32(v)));
        } else {
            vst1q_f32(reinterpret_cast<float *>(dst + 4 * i), v);
        }
    }
};

#else

using Floats = Scalar;

#endif

// Values `begin` to `count` of `src`, in whole steps of V's lanes; returns
// where it stopped. Value i takes the scale and offset of lane i % kAffineSpan
// (kAffineSpan is a multiple of every V's lanes, so a step never straddles
// its end). Whole spans of kAffineSpan values keep every lane's numbers in
// registers.
template <class V, Sample S, bool Half>
size_t to_float_steps(uint8_t *dst, const uint8_t *src, size_t begin, size_t count,
                      const Affine &a) {
    constexpr size_t kSteps = kAffineSpan / V::lanes;
    size_t i = begin;
    size_t lane = begin % kAffineSpan;
    if (lane == 0 && i + kAffineSpan <= count) {
        V scale[kSteps];
        V offset[kSteps];
        for (size_t v = 0; v < kSteps; ++v) {
            scale[v] = V::load(a.scale + V::lanes * v);
            offset[v] = V::load(a.offset + V::lanes * v);
        }
        for (; i + kAffineSpan <= count; i += kAffineSpan) {
            for (size_t v = 0; v < kSteps; ++v) {
                const V x = V::template samples<S>(src, i + V::lanes * v);
                (x * scale[v] + offset[v]).template store<Half>(dst, i + V::lanes * v);
            }
        }
    }
    for (; i + V::lanes <= count; i += V::lanes) {
        const V x = V::template samples<S>(src, i);
        (x * V::load(a.scale + lane) + V::load(a.offset + lane)).template store<Half>(dst, i);
        lane = lane + V::lanes == kAffineSpan ? 0 : lane + V::lanes;
    }
    return i;
}

template <Sample S, bool Half>
void to_float(uint8_t *dst, const uint8_t *src, size_t count, const Affine &a) {
    const size_t done = to_float_steps<Floats, S, Half>(dst, src, 0, count, a);
    to_float_steps<Scalar, S, Half>(dst, src, done, count, a);
}

// Pixels per block of the planar float kernels (16 KiB of 4-byte pixels):
// a plane at a time over a block that stays in L1, one output stream at a
// time, measured faster than all planes together.
constexpr size_t kPlanarBlock = 4096;

template <class V, bool Half>
void split_4_to_float_steps(uint8_t *const *dst, const uint8_t *src, size_t begin, size_t end,
                            const Pattern &p, const Affine *a) {
    for (size_t j = 0; j < p.count; ++j) {
        // Read once: the stores, of bytes, may alias anything the compiler
        // would otherwise read again at every step.
        const V scale = V::splat(a[j].scale[0]);
        const V offset = V::splat(a[j].offset[0]);
        const size_t byte = p.index[j];
        uint8_t *const plane = dst[j];
        for (size_t i = begin; i < end; i += V::lanes) {
            (V::pixel_byte(src, i, byte) * scale + offset).template store<Half>(plane, i);
        }
    }
}

template <bool Half>
void split_4_to_float(uint8_t *const *dst, const uint8_t *src, size_t pixels, const Pattern &p,
                      const Affine *a) {
    const size_t whole = pixels / Floats::lanes * Floats::lanes;
    for (size_t start = 0; start < whole; start += kPlanarBlock) {
        const size_t end = whole - start < kPlanarBlock ? whole : start + kPlanarBlock;
        split_4_to_float_steps<Floats, Half>(dst, src, start, end, p, a);
    }
    split_4_to_float_steps<Scalar, Half>(dst, src, whole, pixels, p, a);
}

}  // namespace

extern const Kernels kernels = {
    FASTPIL_ISA_NAME,
    pick_4_to_3,
    pick_4_to_4,
    split_4,
    split_2,
    pick_any,
    split_any,
    bytes_to_bool,
    {to_float<Sample::u8, false>, to_float<Sample::u16, false>,
     to_float<Sample::u16_swapped, false>, to_float<Sample::i32, false>,
     to_float<Sample::f32, false>},
    {to_float<Sample::u8, true>, to_float<Sample::u16, true>,
     to_float<Sample::u16_swapped, true>, to_float<Sample::i32, true>,
     to_float<Sample::f32, true>},
    split_4_to_float<false>,
    split_4_to_float<true>,
    pack_3_to_4,
    pack_4_to_4,
    pack_planes,
    pack_any,
    pack_shuffled,
    pack_columns,
};

}  // namespace FASTPIL_ISA_NAMESPACE
}  // namespace fastpil
