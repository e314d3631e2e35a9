#include "gil.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

namespace fastpil {
namespace {

// Conversions of this size or less hold the GIL throughout: at most one
// group of four chunks, a few tens of microseconds, about what two threads'
// hand-offs would cost them (the threads scenario of make bench).
constexpr std::size_t kReleaseAboveBytes = 256 * 1024;

// A thread that waits for the GIL in CPython sleeps on a condition variable,
// and waking it takes tens of microseconds on the machines fastpil is
// measured on (docs/reliability.md, "The GIL"): longer than the kernel of a
// 64 KiB chunk. Had each kernel's release woken the other thread, and each
// return to the GIL waited for it, two threads would be slower than one. So
// fastpil threads hand the GIL to each other by a baton: a thread that wants
// the GIL back after its kernel spins until no other fastpil thread holds
// the baton, takes it, and only then asks CPython for the GIL, which is free
// by then and handed over at once. The baton is a hint, never a lock: the
// GIL alone guards Python, and a thread that has spun for kMaxSpin stops
// waiting for the baton and waits for the GIL as any thread does. Threads
// outside fastpil take no part: one waiting for the GIL is woken by the
// release and takes the GIL while the kernels run, as it would between two
// bytecodes.
//
// A free-threaded build (Py_GIL_DISABLED) has no GIL to hand over: there the
// baton would only be a lock between fastpil threads, serialising what may
// run at once, so it is compiled out and PyEval_SaveThread/RestoreThread only
// detach the thread (letting a stop-the-world pause, such as the garbage
// collector's, proceed while the kernels run). Should such an interpreter
// turn its GIL on (PYTHON_GIL=1, or a module not declared free-threading
// compatible), the threads wait for it as CPython's own do.
#ifndef Py_GIL_DISABLED
using Clock = std::chrono::steady_clock;
std::atomic<bool> g_baton_taken{false};
thread_local bool t_holds_baton = false;
constexpr auto kMaxSpin = std::chrono::microseconds(200);
#endif

std::atomic<bool> g_counting{false};
std::atomic<int> g_kernels_running{0};
std::atomic<std::size_t> g_kernel_overlaps{0};

#ifndef Py_GIL_DISABLED
inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__) && !defined(_MSC_VER)
    __asm__ __volatile__("yield");
#endif
}

void pass_baton() {
    if (t_holds_baton) {
        t_holds_baton = false;
        g_baton_taken.store(false, std::memory_order_release);
    }
}

bool take_baton() {
    bool expected = false;
    return !g_baton_taken.load(std::memory_order_relaxed) &&
           g_baton_taken.compare_exchange_weak(expected, true, std::memory_order_acquire);
}
#endif

}  // namespace

bool releases_gil(std::size_t packed_bytes) { return packed_bytes > kReleaseAboveBytes; }

WithoutGil::WithoutGil()
    : state_(PyEval_SaveThread()), counted_(g_counting.load(std::memory_order_relaxed)) {
#ifndef Py_GIL_DISABLED
    pass_baton();
#endif
    if (counted_ && g_kernels_running.fetch_add(1, std::memory_order_relaxed) > 0) {
        g_kernel_overlaps.fetch_add(1, std::memory_order_relaxed);
    }
}

WithoutGil::~WithoutGil() {
    if (counted_) {
        g_kernels_running.fetch_sub(1, std::memory_order_relaxed);
    }
#ifndef Py_GIL_DISABLED
    const Clock::time_point limit = Clock::now() + kMaxSpin;
    for (unsigned spins = 1; !take_baton(); ++spins) {
        cpu_relax();
        if (spins % 64 == 0 && Clock::now() > limit) {
            // The baton's holder is slow, or left fastpil with it: take it
            // over, and wait for the GIL as any thread does.
            g_baton_taken.store(true, std::memory_order_relaxed);
            break;
        }
    }
    // Kept after the GIL is taken, until this thread next lets go of it: a
    // thread that ends its conversion holding the baton is usually back in
    // the next one before another thread has spun for long.
    t_holds_baton = true;
#endif
    PyEval_RestoreThread(state_);
}

void count_kernel_overlaps(bool on) { g_counting.store(on, std::memory_order_relaxed); }

std::size_t kernel_overlaps() {
    return g_kernel_overlaps.load(std::memory_order_relaxed);
}

}  // namespace fastpil
