// Checks every chunk kernel of every kernel table this CPU can run against a
// byte-by-byte reference, with the channel patterns each one specialises: all
// lengths from 0 to 300 pixels, at every source and destination misalignment
// up to 7 bytes, with guard bytes around every output plane.
// No Python here, so it builds and runs wherever the kernels compile,
// including a cross-compiled aarch64 build under qemu-user.
//
//   test_kernels [--require NAME,NAME...]
//
// --require (or the environment variable FASTPIL_REQUIRE_KERNELS, which
// `meson test` passes through) fails the run unless each named table was
// tested, so that a CPU or build lacking one is reported rather than
// silently skipped.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "dispatch.hpp"
#include "kernels.hpp"
#include "required_tables.hpp"

namespace {

using fastpil::Kernel;
using fastpil::Kernels;
using std::size_t;
using std::uint8_t;

constexpr size_t kMaxUnits = 300;
constexpr size_t kMaxMisalignment = 7;
constexpr size_t kGuardBytes = 64;
constexpr uint8_t kGuardValue = 0xA5;

// One kernel with one channel pattern: what it must write, plane by plane.
struct Case {
    const char *kernel;
    Kernel Kernels::*member;
    bool planar;  // one output plane per channel, else interleaved channels
    bool to_bool;
    fastpil::Pattern pattern;
};

fastpil::Pattern pattern(std::uint8_t pixel_bytes, std::initializer_list<std::uint8_t> index) {
    fastpil::Pattern p{};
    p.pixel_bytes = pixel_bytes;
    p.count = static_cast<std::uint8_t>(index.size());
    std::uint8_t j = 0;
    for (std::uint8_t i : index) {
        p.index[j++] = i;
    }
    return p;
}

// Every pattern the vectorised kernels specialise (identity, reversed,
// rotated, repeated bytes, every plane count) and some for the plain loops.
const Case kCases[] = {
    {"pick_4_to_3", &Kernels::pick_4_to_3, false, false, pattern(4, {0, 1, 2})},
    {"pick_4_to_3", &Kernels::pick_4_to_3, false, false, pattern(4, {2, 1, 0})},
    {"pick_4_to_3", &Kernels::pick_4_to_3, false, false, pattern(4, {3, 0, 1})},
    {"pick_4_to_3", &Kernels::pick_4_to_3, false, false, pattern(4, {1, 1, 3})},
    {"pick_4_to_4", &Kernels::pick_4_to_4, false, false, pattern(4, {0, 1, 2, 3})},
    {"pick_4_to_4", &Kernels::pick_4_to_4, false, false, pattern(4, {2, 1, 0, 3})},
    {"pick_4_to_4", &Kernels::pick_4_to_4, false, false, pattern(4, {3, 2, 1, 0})},
    {"pick_4_to_4", &Kernels::pick_4_to_4, false, false, pattern(4, {0, 0, 3, 3})},
    {"split_4", &Kernels::split_4, true, false, pattern(4, {3})},
    {"split_4", &Kernels::split_4, true, false, pattern(4, {1, 2})},
    {"split_4", &Kernels::split_4, true, false, pattern(4, {2, 1, 0})},
    {"split_4", &Kernels::split_4, true, false, pattern(4, {0, 1, 2, 3})},
    {"split_2", &Kernels::split_2, true, false, pattern(2, {1})},
    {"split_2", &Kernels::split_2, true, false, pattern(2, {0, 1})},
    {"split_2", &Kernels::split_2, true, false, pattern(2, {1, 0})},
    {"split_2", &Kernels::split_2, true, false, pattern(2, {0, 0, 1})},
    {"split_2", &Kernels::split_2, true, false, pattern(2, {1, 0, 1, 0})},
    {"pick_any", &Kernels::pick_any, false, false, pattern(3, {2, 0, 1})},
    {"pick_any", &Kernels::pick_any, false, false, pattern(2, {1, 0})},
    {"pick_any", &Kernels::pick_any, false, false, pattern(4, {3, 0})},
    {"split_any", &Kernels::split_any, true, false, pattern(3, {0, 1, 2})},
    {"split_any", &Kernels::split_any, true, false, pattern(3, {1})},
    {"bytes_to_bool", &Kernels::bytes_to_bool, false, true, pattern(1, {0})},
};

// What `c` must write for `units` pixels of `src`: one vector per plane.
std::vector<std::vector<uint8_t>> reference(const Case &c, const uint8_t *src, size_t units) {
    const fastpil::Pattern &p = c.pattern;
    if (c.to_bool) {
        std::vector<uint8_t> out(units);
        for (size_t i = 0; i < units; ++i) {
            out[i] = src[i] == 0 ? 0 : 1;
        }
        return {out};
    }
    if (c.planar) {
        std::vector<std::vector<uint8_t>> planes(p.count, std::vector<uint8_t>(units));
        for (size_t j = 0; j < p.count; ++j) {
            for (size_t i = 0; i < units; ++i) {
                planes[j][i] = src[p.pixel_bytes * i + p.index[j]];
            }
        }
        return planes;
    }
    std::vector<uint8_t> out(units * p.count);
    for (size_t i = 0; i < units; ++i) {
        for (size_t j = 0; j < p.count; ++j) {
            out[p.count * i + j] = src[p.pixel_bytes * i + p.index[j]];
        }
    }
    return {out};
}

// Random bytes with plenty of 0 and 255 among them, the values that matter
// to bytes_to_bool.
std::vector<uint8_t> random_bytes(size_t n, std::mt19937 &rng) {
    std::vector<uint8_t> bytes(n);
    for (size_t i = 0; i < n; ++i) {
        const std::uint32_t r = rng();
        const std::uint32_t pick = r % 4;
        bytes[i] = pick == 0 ? 0 : pick == 1 ? 255 : static_cast<uint8_t>(r >> 8);
    }
    return bytes;
}

// Runs `c` at every length and misalignment. Returns the number of failed
// runs, after printing the first few.
size_t check_case(const Kernels &table, const Case &c, std::mt19937 &rng, size_t *runs) {
    const Kernel kernel = table.*(c.member);
    size_t failures = 0;
    for (size_t units = 0; units <= kMaxUnits; ++units) {
        const size_t in_bytes = units * c.pattern.pixel_bytes;
        for (size_t src_shift = 0; src_shift <= kMaxMisalignment; ++src_shift) {
            // Sized exactly, so that a sanitizer build catches any read past
            // the last pixel.
            std::vector<uint8_t> src = random_bytes(src_shift + in_bytes, rng);
            const auto want = reference(c, src.data() + src_shift, units);
            for (size_t dst_shift = 0; dst_shift <= kMaxMisalignment; ++dst_shift) {
                std::vector<std::vector<uint8_t>> buffers;
                uint8_t *planes[4] = {};
                for (size_t j = 0; j < want.size(); ++j) {
                    // Each plane at its own misalignment.
                    const size_t shift = (dst_shift + 3 * j) % (kMaxMisalignment + 1);
                    buffers.emplace_back(kGuardBytes + shift + want[j].size() + kGuardBytes,
                                         kGuardValue);
                    planes[j] = buffers[j].data() + kGuardBytes + shift;
                }
                kernel(planes, src.data() + src_shift, units, c.pattern);
                ++*runs;
                bool output_ok = true;
                bool guards_ok = true;
                for (size_t j = 0; j < want.size(); ++j) {
                    const size_t n = want[j].size();
                    output_ok = output_ok &&
                                (n == 0 || std::memcmp(planes[j], want[j].data(), n) == 0);
                    for (size_t i = 0; i < buffers[j].size(); ++i) {
                        const uint8_t *at = buffers[j].data() + i;
                        const bool inside = at >= planes[j] && at < planes[j] + n;
                        guards_ok = guards_ok && (inside || *at == kGuardValue);
                    }
                }
                if (!output_ok || !guards_ok) {
                    if (failures < 10) {
                        std::printf("FAIL %s/%s pattern %u %u %u %u (%u of %u bytes): %zu "
                                    "pixels, source +%zu, destination +%zu: %s\n",
                                    table.name, c.kernel, c.pattern.index[0], c.pattern.index[1],
                                    c.pattern.index[2], c.pattern.index[3], c.pattern.count,
                                    c.pattern.pixel_bytes, units, src_shift, dst_shift,
                                    output_ok ? "wrote outside its output" : "wrong output");
                    }
                    ++failures;
                }
            }
        }
    }
    return failures;
}

// ---------------------------------------------------------------------------
// The float converters: every sample type, float32 and float16, every period
// of interleaved channels, against the arithmetic the header specifies
// (float32 multiply, then add, each rounded) and a float16 rounding found the
// slow, obvious way.

// The half nearest to `value`, ties to the even one, by search among all
// finite halves (their values are exact in double).
std::uint16_t reference_half(float value) {
    static std::vector<double> finite = [] {
        std::vector<double> v(0x7c00);
        for (std::uint32_t h = 0; h < 0x7c00; ++h) {
            const std::uint32_t exponent = h >> 10;
            const std::uint32_t mantissa = h & 0x3ff;
            v[h] = exponent == 0 ? std::ldexp(mantissa, -24)
                                 : std::ldexp(1024.0 + mantissa, static_cast<int>(exponent) - 25);
        }
        return v;
    }();
    const std::uint16_t sign = std::signbit(value) ? 0x8000 : 0;
    if (std::isnan(value)) {
        // Quiet, with the sign and the top 10 bits of the payload: what the
        // hardware conversions (F16C, aarch64) give.
        std::uint32_t bits;
        std::memcpy(&bits, &value, 4);
        return static_cast<std::uint16_t>(sign | 0x7e00 | ((bits >> 13) & 0x3ff));
    }
    const double magnitude = std::fabs(static_cast<double>(value));
    // Beyond the largest half by half a step or more: infinity.
    if (magnitude >= 65520.0) {
        return static_cast<std::uint16_t>(sign | 0x7c00);
    }
    const auto above = std::lower_bound(finite.begin(), finite.end(), magnitude);
    std::uint32_t h = static_cast<std::uint32_t>(above - finite.begin());
    if (h == finite.size()) {
        h = 0x7bff;  // above 65504, below 65520: the largest half
    } else if (h > 0) {
        const double up = finite[h] - magnitude;
        const double down = magnitude - finite[h - 1];
        if (down < up || (down == up && (h - 1) % 2 == 0)) {
            --h;
        }
    }
    return static_cast<std::uint16_t>(sign | h);
}

float reference_sample(fastpil::Sample sample, const uint8_t *src, size_t i) {
    switch (sample) {
        case fastpil::Sample::u8:
            return static_cast<float>(src[i]);
        case fastpil::Sample::u16:
        case fastpil::Sample::u16_swapped: {
            std::uint16_t v;
            std::memcpy(&v, src + 2 * i, 2);
            if (sample == fastpil::Sample::u16_swapped) {
                v = static_cast<std::uint16_t>((v >> 8) | (v << 8));
            }
            return static_cast<float>(v);
        }
        case fastpil::Sample::i32: {
            std::int32_t v;
            std::memcpy(&v, src + 4 * i, 4);
            return static_cast<float>(v);
        }
        default: {
            float v;
            std::memcpy(&v, src + 4 * i, 4);
            return v;
        }
    }
}

size_t check_converters(const Kernels &table, std::mt19937 &rng, size_t *runs) {
    static const char *const kSampleNames[] = {"u8", "u16", "u16_swapped", "i32", "f32"};
    size_t failures = 0;
    for (size_t s = 0; s < fastpil::kSampleKinds; ++s) {
        const auto sample = static_cast<fastpil::Sample>(s);
        const size_t in_size = s == 0 ? 1 : s < 3 ? 2 : 4;
        for (int half = 0; half < 2; ++half) {
            const fastpil::FloatKernel convert = half ? table.to_float16[s] : table.to_float32[s];
            const size_t out_size = half ? 2 : 4;
            for (std::uint8_t period = 1; period <= 4; ++period) {
                // Scales and offsets of every size, some that cancel the
                // samples, per channel, repeated along the arrays.
                float scale[4];
                float offset[4];
                for (size_t c = 0; c < 4; ++c) {
                    scale[c] = std::ldexp(1.0f + static_cast<float>(rng() % 1000) / 999.0f,
                                          static_cast<int>(rng() % 40) - 24);
                    offset[c] = (rng() % 3 == 0 ? -1.0f : 1.0f) * scale[c] *
                                static_cast<float>(rng() % 300);
                }
                fastpil::Affine affine{};
                for (size_t i = 0; i < fastpil::kAffineSpan; ++i) {
                    affine.scale[i] = scale[i % period];
                    affine.offset[i] = offset[i % period];
                }
                for (size_t count = 0; count <= 130; ++count) {
                    for (size_t shift = 0; shift <= 3; ++shift) {
                        std::vector<uint8_t> src(shift + count * in_size);
                        for (uint8_t &byte : src) {
                            byte = static_cast<uint8_t>(rng());
                        }
                        if (sample == fastpil::Sample::f32) {
                            for (size_t i = 0; i < count; ++i) {
                                // Finite, of every size; now and then an
                                // infinity or a NaN with any sign and payload.
                                const float v = std::ldexp(static_cast<float>(rng() % 2000) - 1000,
                                                           static_cast<int>(rng() % 60) - 30);
                                std::uint32_t bits;
                                std::memcpy(&bits, &v, 4);
                                if (rng() % 8 == 0) {
                                    bits = (rng() & 0x80000000u) | 0x7f800000u |
                                           (rng() % 2 ? rng() & 0x7fffffu : 0);
                                }
                                std::memcpy(src.data() + shift + 4 * i, &bits, 4);
                            }
                        }
                        const uint8_t *in = src.data() + shift;
                        std::vector<uint8_t> want(count * out_size);
                        for (size_t i = 0; i < count; ++i) {
                            const size_t c = i % period;
                            const float product = reference_sample(sample, in, i) * scale[c];
                            const float value = product + offset[c];
                            if (half) {
                                const std::uint16_t h = reference_half(value);
                                std::memcpy(want.data() + 2 * i, &h, 2);
                            } else {
                                std::memcpy(want.data() + 4 * i, &value, 4);
                            }
                        }
                        std::vector<uint8_t> out(kGuardBytes + shift + want.size() + kGuardBytes,
                                                 kGuardValue);
                        uint8_t *target = out.data() + kGuardBytes + shift;
                        convert(target, in, count, affine);
                        ++*runs;
                        bool ok = want.empty() || std::memcmp(target, want.data(), want.size()) == 0;
                        for (size_t i = 0; i < out.size(); ++i) {
                            const bool inside = i >= kGuardBytes + shift &&
                                                i < kGuardBytes + shift + want.size();
                            ok = ok && (inside || out[i] == kGuardValue);
                        }
                        if (!ok) {
                            if (failures < 10) {
                                std::printf("FAIL %s/to_float%d[%s], period %u, %zu values, "
                                            "+%zu\n",
                                            table.name, half ? 16 : 32, kSampleNames[s], period,
                                            count, shift);
                            }
                            ++failures;
                        }
                    }
                }
            }
        }
    }
    return failures;
}

// The planar float kernels of 4-byte pixels, across their vector steps and
// their blocks, every channel pattern they meet.
size_t check_planar_converters(const Kernels &table, std::mt19937 &rng, size_t *runs) {
    const fastpil::Pattern patterns[] = {pattern(4, {0, 1, 2}), pattern(4, {2, 1, 0}),
                                         pattern(4, {3}), pattern(4, {0, 1, 2, 3}),
                                         pattern(4, {1, 1})};
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 70; ++n) {
        lengths.push_back(n);
    }
    for (size_t n : {4095, 4096, 4097, 8200}) {
        lengths.push_back(n);
    }
    size_t failures = 0;
    for (const fastpil::Pattern &p : patterns) {
        for (int half = 0; half < 2; ++half) {
            const fastpil::PlanarFloatKernel convert =
                half ? table.split_4_to_float16 : table.split_4_to_float32;
            const size_t out_size = half ? 2 : 4;
            fastpil::Affine affine[4];
            for (size_t j = 0; j < 4; ++j) {
                const float scale = std::ldexp(1.0f + static_cast<float>(rng() % 100),
                                               -static_cast<int>(rng() % 12));
                const float offset = -scale * static_cast<float>(rng() % 256);
                for (size_t i = 0; i < fastpil::kAffineSpan; ++i) {
                    affine[j].scale[i] = scale;
                    affine[j].offset[i] = offset;
                }
            }
            for (size_t pixels : lengths) {
                const size_t shift = rng() % 4;
                std::vector<uint8_t> src = random_bytes(shift + 4 * pixels, rng);
                const uint8_t *in = src.data() + shift;
                std::vector<std::vector<uint8_t>> buffers;
                uint8_t *planes[4];
                for (size_t j = 0; j < p.count; ++j) {
                    buffers.emplace_back(kGuardBytes + pixels * out_size + kGuardBytes,
                                         kGuardValue);
                    planes[j] = buffers[j].data() + kGuardBytes;
                }
                convert(planes, in, pixels, p, affine);
                ++*runs;
                bool ok = true;
                for (size_t j = 0; j < p.count; ++j) {
                    for (size_t i = 0; ok && i < pixels; ++i) {
                        const float product =
                            static_cast<float>(in[4 * i + p.index[j]]) * affine[j].scale[0];
                        const float value = product + affine[j].offset[0];
                        uint8_t want[4];
                        if (half) {
                            const std::uint16_t h = reference_half(value);
                            std::memcpy(want, &h, 2);
                        } else {
                            std::memcpy(want, &value, 4);
                        }
                        ok = std::memcmp(planes[j] + out_size * i, want, out_size) == 0;
                    }
                    for (size_t i = 0; i < buffers[j].size(); ++i) {
                        const bool inside = i >= kGuardBytes && i < kGuardBytes + pixels * out_size;
                        ok = ok && (inside || buffers[j][i] == kGuardValue);
                    }
                }
                if (!ok) {
                    if (failures < 10) {
                        std::printf("FAIL %s/split_4_to_float%d, %u channels, %zu pixels\n",
                                    table.name, half ? 16 : 32, p.count, pixels);
                    }
                    ++failures;
                }
            }
        }
    }
    return failures;
}

}  // namespace

int main(int argc, char **argv) {
    const std::vector<std::string> required = fastpil_tests::required_tables(argc, argv);

    const Kernels *tables[fastpil::kMaxKernelTables];
    const size_t count = fastpil::supported_kernels(tables);
    if (&fastpil::active_kernels() != tables[0]) {
        std::printf("FAIL the active table is %s, not the best supported one, %s\n",
                    fastpil::active_kernels().name, tables[0]->name);
        return 1;
    }

    std::mt19937 rng(20240229);
    size_t failures = 0;
    size_t cases = 0;
    std::vector<std::string> tested;
    for (size_t t = 0; t < count; ++t) {
        if (!fastpil::select_kernels(tables[t]->name) ||
            &fastpil::active_kernels() != tables[t]) {
            std::printf("FAIL select_kernels(\"%s\") did not make it active\n", tables[t]->name);
            ++failures;
        }
        size_t table_runs = 0;
        size_t table_failures = 0;
        for (const Case &c : kCases) {
            table_failures += check_case(*tables[t], c, rng, &table_runs);
        }
        table_failures += check_converters(*tables[t], rng, &table_runs);
        table_failures += check_planar_converters(*tables[t], rng, &table_runs);
        std::printf("%-7s %zu kernel/pattern cases and the float converters, %zu runs, %zu failed\n",
                    tables[t]->name,
                    sizeof(kCases) / sizeof(kCases[0]), table_runs, table_failures);
        failures += table_failures;
        cases += table_runs;
        tested.emplace_back(tables[t]->name);
    }
    if (fastpil::select_kernels("no such table")) {
        std::printf("FAIL select_kernels accepted an unknown name\n");
        ++failures;
    }
    failures += fastpil_tests::missing_tables(required, tested);
    std::printf("%zu kernel tables, %zu runs: %s\n", tested.size(), cases,
                failures == 0 ? "all passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
