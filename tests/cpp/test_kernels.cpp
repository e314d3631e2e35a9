// Checks every chunk kernel of every kernel table this CPU can run against a
// byte-by-byte reference: all lengths from 0 to 300 units, at every source and
// destination misalignment up to 15 bytes, with guard bytes around the output.
// No Python here, so it builds and runs wherever the kernels compile,
// including a cross-compiled aarch64 build under qemu-user.
//
//   test_kernels [--require NAME,NAME...]
//
// --require fails the run unless each named table was tested, so that a CPU
// or build lacking one is reported rather than silently skipped.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dispatch.hpp"
#include "kernels.hpp"

namespace {

using fastpil::Kernel;
using fastpil::Kernels;
using std::size_t;
using std::uint8_t;

constexpr size_t kMaxUnits = 300;
constexpr size_t kMaxMisalignment = 15;
constexpr size_t kGuardBytes = 64;
constexpr uint8_t kGuardValue = 0xA5;

void reference_compact_rgbx_to_rgb(uint8_t *dst, const uint8_t *src, size_t pixels) {
    for (size_t i = 0; i < pixels; ++i) {
        for (size_t band = 0; band < 3; ++band) {
            dst[3 * i + band] = src[4 * i + band];
        }
    }
}

void reference_bytes_to_bool(uint8_t *dst, const uint8_t *src, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        dst[i] = src[i] == 0 ? 0 : 1;
    }
}

struct KernelUnderTest {
    const char *name;
    Kernel Kernels::*member;
    size_t in_unit;
    size_t out_unit;
    Kernel reference;
};

const KernelUnderTest kKernelsUnderTest[] = {
    {"compact_rgbx_to_rgb", &Kernels::compact_rgbx_to_rgb, 4, 3, reference_compact_rgbx_to_rgb},
    {"bytes_to_bool", &Kernels::bytes_to_bool, 1, 1, reference_bytes_to_bool},
};

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

// Returns the number of failed cases, after printing the first few.
size_t check_kernel(const Kernels &table, const KernelUnderTest &k, std::mt19937 &rng) {
    const Kernel kernel = table.*(k.member);
    size_t failures = 0;
    for (size_t units = 0; units <= kMaxUnits; ++units) {
        const size_t in_bytes = units * k.in_unit;
        const size_t out_bytes = units * k.out_unit;
        for (size_t src_shift = 0; src_shift <= kMaxMisalignment; ++src_shift) {
            // Sized exactly, so that a sanitizer build catches any read past
            // the last unit.
            std::vector<uint8_t> src = random_bytes(src_shift + in_bytes, rng);
            std::vector<uint8_t> want(out_bytes);
            k.reference(want.data(), src.data() + src_shift, units);
            for (size_t dst_shift = 0; dst_shift <= kMaxMisalignment; ++dst_shift) {
                std::vector<uint8_t> dst(kGuardBytes + dst_shift + out_bytes + kGuardBytes,
                                         kGuardValue);
                uint8_t *out = dst.data() + kGuardBytes + dst_shift;
                kernel(out, src.data() + src_shift, units);
                const bool output_ok =
                    out_bytes == 0 || std::memcmp(out, want.data(), out_bytes) == 0;
                bool guards_ok = true;
                for (size_t i = 0; i < dst.size(); ++i) {
                    const bool inside = dst.data() + i >= out && dst.data() + i < out + out_bytes;
                    if (!inside && dst[i] != kGuardValue) {
                        guards_ok = false;
                    }
                }
                if (!output_ok || !guards_ok) {
                    if (failures < 10) {
                        std::printf("FAIL %s/%s: %zu units, source +%zu, destination +%zu: %s\n",
                                    table.name, k.name, units, src_shift, dst_shift,
                                    output_ok ? "wrote outside its output" : "wrong output");
                    }
                    ++failures;
                }
            }
        }
    }
    return failures;
}

std::vector<std::string> split_names(const char *list) {
    std::vector<std::string> names;
    std::string current;
    for (const char *c = list; *c != '\0'; ++c) {
        if (*c == ',') {
            names.push_back(current);
            current.clear();
        } else {
            current += *c;
        }
    }
    names.push_back(current);
    return names;
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> required;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--require") == 0 && i + 1 < argc) {
            required = split_names(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--require NAME,NAME...]\n", argv[0]);
            return 2;
        }
    }

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
        for (const KernelUnderTest &k : kKernelsUnderTest) {
            const size_t failed = check_kernel(*tables[t], k, rng);
            const size_t run = (kMaxUnits + 1) * (kMaxMisalignment + 1) * (kMaxMisalignment + 1);
            std::printf("%-7s %-20s %zu cases, %zu failed\n", tables[t]->name, k.name, run,
                        failed);
            failures += failed;
            cases += run;
        }
        tested.emplace_back(tables[t]->name);
    }
    if (fastpil::select_kernels("no such table")) {
        std::printf("FAIL select_kernels accepted an unknown name\n");
        ++failures;
    }
    for (const std::string &name : required) {
        bool found = false;
        for (const std::string &t : tested) {
            found = found || t == name;
        }
        if (!found) {
            std::printf("FAIL kernel table %s was required but this build or CPU lacks it\n",
                        name.c_str());
            ++failures;
        }
    }
    std::printf("%zu kernel tables, %zu cases: %s\n", tested.size(), cases,
                failures == 0 ? "all passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
