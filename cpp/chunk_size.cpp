#include "chunk_size.hpp"

#include <atomic>
#include <cstdint>

#if defined(__linux__) || defined(__GLIBC__)
#include <unistd.h>
#endif
#if defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
#endif

namespace fastpil {
namespace {

// Where the platform does not tell the L2 size: the smallest L2 of the
// x86-64 and arm64 cores wheels are built for.
constexpr std::size_t kL2Fallback = 256 * 1024;
// The chunk is as large as L2, within these bounds: bench/chunks.py found
// RGB conversions fastest from there up (at 2048 x 2048, 1.6x faster than
// with 64 KiB chunks on a core with 1 MiB of L2), the cost of each chunk's
// codec call and bytes object spread over more rows, and no slower with
// twice L2. Above 1 MiB nothing more was gained, and a thread waiting for
// the GIL waits for the codec's chunk.
constexpr std::size_t kSmallest = 64 * 1024;
constexpr std::size_t kLargest = 1024 * 1024;

std::size_t default_target() {
    const std::size_t l2 = l2_cache_bytes();
    std::size_t target = l2 == 0 ? kL2Fallback : l2;
    target = target < kSmallest ? kSmallest : target;
    return target > kLargest ? kLargest : target;
}

std::atomic<std::size_t> g_override{0};

}  // namespace

std::size_t l2_cache_bytes() {
#if defined(_SC_LEVEL2_CACHE_SIZE)
    const long size = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (size > 0) {
        return static_cast<std::size_t>(size);
    }
#endif
#if defined(__APPLE__)
    // Apple silicon reports the performance cores' cache per level of
    // cores; Intel Macs only the plain name.
    for (const char *name : {"hw.perflevel0.l2cachesize", "hw.l2cachesize"}) {
        std::int64_t size = 0;
        std::size_t length = sizeof size;
        if (sysctlbyname(name, &size, &length, nullptr, 0) == 0 && size > 0) {
            return static_cast<std::size_t>(size);
        }
    }
#endif
    return 0;
}

std::size_t chunk_target() {
    const std::size_t chosen = g_override.load(std::memory_order_relaxed);
    if (chosen != 0) {
        return chosen;
    }
    static const std::size_t target = default_target();
    return target;
}

void set_chunk_target(std::size_t bytes) { g_override.store(bytes, std::memory_order_relaxed); }

std::size_t chunk_rows(std::size_t packed_row, std::size_t rows) {
    const std::size_t target = chunk_target();
    std::size_t count = packed_row >= target ? 1 : target / packed_row;
    return count > rows ? rows : count;
}

}  // namespace fastpil
