// How many bytes of packed rows a chunk holds, in both directions: the
// encoder's bufsize on the way in, the buffer filled for the decoder on the
// way back.
//
// A chunk is written by one side (Pillow's codec or fastpil's kernel) and
// read by the other while it is still in cache, so it must fit in the cache
// closest to the core that holds it whole; each chunk also costs a Python call
// of the codec and, on the way in, a bytes object. Fewer, larger chunks win
// until a chunk no longer fits: bench/chunks.py measures the curve, and the
// target follows this machine's L2 cache (chunk_size.cpp says how).
#pragma once

#include <cstddef>

namespace fastpil {

// The bytes a chunk aims for.
std::size_t chunk_target();

// For measurement: aim for `bytes` (at least one row is always taken); 0
// restores the default.
void set_chunk_target(std::size_t bytes);

// The L2 cache's size in bytes as the platform reports it, or 0 where it
// does not.
std::size_t l2_cache_bytes();

// A whole number of rows of `packed_row` bytes, at least one, close to the
// target, and no more than `rows`.
std::size_t chunk_rows(std::size_t packed_row, std::size_t rows);

}  // namespace fastpil
