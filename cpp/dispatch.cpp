#include "dispatch.hpp"

#include <atomic>
#include <cstring>

#if defined(FASTPIL_HAVE_X86_KERNELS) && defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

namespace fastpil {
namespace {

#if defined(FASTPIL_HAVE_X86_KERNELS)

struct X86Features {
    bool ssse3;
    bool avx2;  // AVX2 and F16C: the AVX2 table converts to float16 with F16C
};

#if defined(_MSC_VER) && !defined(__clang__)
X86Features detect_x86() {
    int regs[4];
    __cpuid(regs, 0);
    const int max_leaf = regs[0];
    __cpuid(regs, 1);
    const bool ssse3 = (regs[2] & (1 << 9)) != 0;
    const bool f16c = (regs[2] & (1 << 29)) != 0;
    const bool osxsave = (regs[2] & (1 << 27)) != 0;
    const bool avx = (regs[2] & (1 << 28)) != 0;
    bool avx2 = false;
    // AVX2 needs the OS to save the YMM registers on a context switch, which
    // XGETBV reports (bits 1 and 2 of XCR0), not just the CPUID bit.
    if (max_leaf >= 7 && osxsave && avx && (_xgetbv(0) & 0x6) == 0x6) {
        __cpuidex(regs, 7, 0);
        avx2 = (regs[1] & (1 << 5)) != 0;
    }
    return {ssse3, avx2 && f16c};
}
#else
X86Features detect_x86() {
    // GCC's and Clang's runtime also check that the OS saves YMM registers.
    __builtin_cpu_init();
    return {__builtin_cpu_supports("ssse3") != 0,
            __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("f16c") != 0};
}
#endif

#endif  // FASTPIL_HAVE_X86_KERNELS

std::size_t list_supported(const Kernels *tables[kMaxKernelTables]) {
    std::size_t n = 0;
#if defined(FASTPIL_HAVE_X86_KERNELS)
    const X86Features cpu = detect_x86();
    if (cpu.avx2) {
        tables[n++] = &avx2::kernels;
    }
    if (cpu.ssse3) {
        tables[n++] = &ssse3::kernels;
    }
#endif
#if defined(FASTPIL_HAVE_NEON_KERNELS)
    // NEON is part of the aarch64 baseline.
    tables[n++] = &neon::kernels;
#endif
    tables[n++] = &scalar::kernels;
    return n;
}

struct Registry {
    const Kernels *supported[kMaxKernelTables];
    std::size_t count;
    std::atomic<const Kernels *> active;

    Registry() : count(list_supported(supported)), active(supported[0]) {}
};

// A function-local static is initialised once, thread-safely, on first use.
Registry &registry() {
    static Registry instance;
    return instance;
}

}  // namespace

std::size_t supported_kernels(const Kernels *tables[kMaxKernelTables]) {
    const Registry &r = registry();
    for (std::size_t i = 0; i < r.count; ++i) {
        tables[i] = r.supported[i];
    }
    return r.count;
}

const Kernels &active_kernels() {
    return *registry().active.load(std::memory_order_acquire);
}

bool select_kernels(const char *name) {
    Registry &r = registry();
    for (std::size_t i = 0; i < r.count; ++i) {
        if (std::strcmp(r.supported[i]->name, name) == 0) {
            r.active.store(r.supported[i], std::memory_order_release);
            return true;
        }
    }
    return false;
}

}  // namespace fastpil
