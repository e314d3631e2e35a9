// When and how a conversion lets go of the GIL around its kernels.
//
// Pillow's encode() needs the GIL; fastpil's kernels do not. When several
// threads convert large images at once, each releases the GIL around its
// kernels so that one thread's kernel runs while another's encoder fills its
// next chunk. A thread converting alone keeps the GIL: releasing it would
// cost time and give it to nobody.
#pragma once

#include <Python.h>

#include <cstddef>

namespace fastpil {

// Whether a conversion of `packed_bytes` bytes (as the codec packs them)
// should release the GIL around its kernels: it is large enough, and another
// thread has begun a large conversion lately. Records this conversion's
// start for the other threads to see.
bool should_share_gil(std::size_t packed_bytes);

// Releases the GIL for its lifetime, then takes it back, handing it between
// fastpil threads without sleeping where it can (gil.cpp says why).
class WithoutGil {
public:
    WithoutGil();
    ~WithoutGil();
    WithoutGil(const WithoutGil &) = delete;
    WithoutGil &operator=(const WithoutGil &) = delete;

private:
    PyThreadState *state_;
};

// How many times a kernel began while another thread's kernel was running,
// since the process started: the evidence, for tests, that kernels overlap.
std::size_t kernel_overlaps();

}  // namespace fastpil
