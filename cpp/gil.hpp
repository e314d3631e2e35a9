// When and how a conversion lets go of the GIL around its kernels.
//
// Pillow's encode() and decode() need the GIL; fastpil's kernels do not. A
// large conversion releases the GIL around its kernels, a group of chunks at
// a time, so that no other thread waits for the whole conversion: a thread
// that wants the GIL gets it within one group, as it would between two
// bytecodes, and another thread's encoder fills its next chunk while this
// thread's kernels run.
#pragma once

#include <Python.h>

#include <cstddef>

namespace fastpil {

// Whether a conversion of `packed_bytes` bytes (as the codec packs them)
// releases the GIL around its kernels: it is large enough that holding the
// GIL for all of it would keep other threads waiting noticeably.
bool releases_gil(std::size_t packed_bytes);

// Releases the GIL for its lifetime, then takes it back, handing it between
// fastpil threads without sleeping where it can (gil.cpp says why; a
// free-threaded build only detaches the thread).
class WithoutGil {
public:
    WithoutGil();
    ~WithoutGil();
    WithoutGil(const WithoutGil &) = delete;
    WithoutGil &operator=(const WithoutGil &) = delete;

private:
    PyThreadState *state_;
    bool counted_;  // this release took part in counting overlaps
};

// For tests, the evidence that kernels of different threads overlap: once
// counting is on, how many times a kernel began while another thread's
// kernel was running. Counting costs two contended atomic operations per
// release of the GIL, so it is off until a test turns it on.
void count_kernel_overlaps(bool on);
std::size_t kernel_overlaps();

}  // namespace fastpil
