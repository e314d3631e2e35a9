#include "gil.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

namespace fastpil {
namespace {

using Clock = std::chrono::steady_clock;

// Conversions of this size or less never release the GIL: one group of four
// chunks, where the hand-offs cost about what the overlap saves or more (two
// threads converting 256 x 256 RGB images: 0.70-0.91x the throughput of one
// when releasing, 0.71-0.97x holding, across runs on a 2-core AMD EPYC).
constexpr std::size_t kShareMinBytes = 256 * 1024;

// Another thread's large conversion this recent means it is likely to start
// another soon: two threads converting in turns each see the other's.
constexpr auto kRecent = std::chrono::milliseconds(20);

// The threads that began large conversions lately, and when.
constexpr std::size_t kRecentThreads = 4;
std::atomic<const void *> g_recent_thread[kRecentThreads];
std::atomic<Clock::rep> g_recent_start[kRecentThreads];

// A thread that waits for the GIL in CPython sleeps on a condition variable,
// and waking it takes tens of microseconds (22 µs on the 2-core virtual
// machine this was measured on): longer than the kernel of a 64 KiB chunk.
// Had each kernel's release woken the other thread, and each return to the
// GIL waited for it, two threads would be slower than one. So fastpil threads
// hand the GIL to each other by a claim: a thread that wants the GIL back
// after its kernel spins until no other fastpil thread holds the claim, takes
// it, and only then asks CPython for the GIL, which is free by then and
// handed over at once. The claim is a hint, never a lock: the GIL alone
// guards Python, and a thread that has spun for kMaxSpin stops waiting for
// the claim and waits for the GIL as any thread does. Threads outside
// fastpil are unaffected: they wait for the GIL as always, and CPython's
// switch interval still gives them their turn.
std::atomic<bool> g_claimed{false};
thread_local bool t_holds_claim = false;
constexpr auto kMaxSpin = std::chrono::microseconds(200);

std::atomic<int> g_kernels_running{0};
std::atomic<std::size_t> g_kernel_overlaps{0};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__) && !defined(_MSC_VER)
    __asm__ __volatile__("yield");
#endif
}

void drop_claim() {
    if (t_holds_claim) {
        t_holds_claim = false;
        g_claimed.store(false, std::memory_order_release);
    }
}

bool try_claim() {
    bool expected = false;
    return !g_claimed.load(std::memory_order_relaxed) &&
           g_claimed.compare_exchange_weak(expected, true, std::memory_order_acquire);
}

}  // namespace

bool should_share_gil(std::size_t packed_bytes) {
    if (packed_bytes <= kShareMinBytes) {
        return false;
    }
    static thread_local char self;  // its address names this thread
    const Clock::rep now = Clock::now().time_since_epoch().count();
    const Clock::rep recent = std::chrono::duration_cast<Clock::duration>(kRecent).count();
    bool others = false;
    std::size_t mine = kRecentThreads;
    std::size_t oldest = 0;
    Clock::rep oldest_start = now;
    for (std::size_t i = 0; i < kRecentThreads; ++i) {
        const void *thread = g_recent_thread[i].load(std::memory_order_relaxed);
        const Clock::rep start = g_recent_start[i].load(std::memory_order_relaxed);
        if (thread == &self) {
            mine = i;
        } else if (thread != nullptr && now - start < recent) {
            others = true;
        }
        if (thread == nullptr || start < oldest_start) {
            oldest = i;
            oldest_start = thread == nullptr ? Clock::rep{} : start;
        }
    }
    if (mine == kRecentThreads) {
        mine = oldest;
        g_recent_thread[mine].store(&self, std::memory_order_relaxed);
    }
    g_recent_start[mine].store(now, std::memory_order_relaxed);
    return others;
}

WithoutGil::WithoutGil() : state_(PyEval_SaveThread()) {
    drop_claim();
    if (g_kernels_running.fetch_add(1, std::memory_order_relaxed) > 0) {
        g_kernel_overlaps.fetch_add(1, std::memory_order_relaxed);
    }
}

WithoutGil::~WithoutGil() {
    g_kernels_running.fetch_sub(1, std::memory_order_relaxed);
    const Clock::time_point limit = Clock::now() + kMaxSpin;
    for (unsigned spins = 1; !try_claim(); ++spins) {
        cpu_relax();
        if (spins % 64 == 0 && Clock::now() > limit) {
            // The claim's holder is slow, or left fastpil with it: take it
            // over, and wait for the GIL as any thread does.
            g_claimed.store(true, std::memory_order_relaxed);
            break;
        }
    }
    // Kept after the GIL is taken, until this thread next lets go of it: a
    // thread that ends its conversion holding the claim is usually back in
    // the next one before another thread has spun for long.
    t_holds_claim = true;
    PyEval_RestoreThread(state_);
}

std::size_t kernel_overlaps() {
    return g_kernel_overlaps.load(std::memory_order_relaxed);
}

}  // namespace fastpil
