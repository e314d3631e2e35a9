// Run-time choice of the kernel table: the best instruction set the CPU
// supports, or one named by the caller (tests and benchmarks force each path
// in turn on the same machine).
#pragma once

#include <cstddef>

#include "kernels.hpp"

namespace fastpil {

// The tables this build has and this CPU can run, best first; the baseline
// table is always last. Returns how many were written to `tables`
// (at most kMaxKernelTables).
constexpr std::size_t kMaxKernelTables = 4;
std::size_t supported_kernels(const Kernels *tables[kMaxKernelTables]);

// The table in use. Chosen on first use: the best supported one.
const Kernels &active_kernels();

// Makes the supported table called `name` the active one. Returns false,
// changing nothing, when no supported table has that name.
bool select_kernels(const char *name);

}  // namespace fastpil
