// Every kernel of every kernel table this CPU runs, over the whole space of
// geometries a conversion can give it, with each buffer flush against an
// inaccessible page: a kernel that reads or writes one byte outside what it
// may touches the page and the process faults at once.
//
// The way back (arrays to Pillow's raw layout, SourceRows): every view of 1
// to 4 bands of 1, 2, 4 or 8 bytes an array can present, that is every
// channel offset within the pixel, channel steps of +-1, 0 and +-2 bands and
// planar (one plane per band, read forwards and backwards), pixel steps of
// +-P, +-(P + 1), +-2P and 0 for pixels of P samples, every order of the
// bands, row steps positive, negative and 0, widths 1 to 70 (every vector
// tail of every table) and heights 1 to 3; and the views whose rows are
// columns (transposed, rotated), at heights and widths around every block of
// rows and tile of columns. The memory the view covers, and nothing more,
// lies flush against a guard page at its end, then at its start. So do the
// chunks the rows are packed into.
//
// The way in (Pillow's chunks to arrays, ArrayRows): every kernel's pixel
// size and channel count, interleaved and planar, integer and float, at
// widths 1 to 70 and heights 1 to 3, with the chunk and the array each flush
// against a guard page.
//
// The results are checked too: against a sample-by-sample model on the way
// back and for integer transforms, and against the scalar table for float
// ones (test_kernels checks the scalar table's floats against a model).
//
//   test_sweep [--require NAME,NAME...]
//
// --require (or FASTPIL_REQUIRE_KERNELS) fails the run unless each named
// table was swept.
#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "chunks.hpp"
#include "dispatch.hpp"
#include "required_tables.hpp"
#include "transforms.hpp"

namespace {

using fastpil::ArrayRows;
using fastpil::ChunkTransform;
using fastpil::Claim;
using fastpil::Gather;
using fastpil::Geometry;
using fastpil::Kind;
using fastpil::Output;
using fastpil::Sample;
using fastpil::Source;
using fastpil::SourceRows;
using fastpil::Status;
using fastpil::TransformSpec;
using std::ptrdiff_t;
using std::size_t;
using std::uint8_t;

constexpr size_t kMaxWidth = 70;
constexpr size_t kMaxHeight = 3;

size_t g_failures = 0;
size_t g_cases = 0;

void fail(const std::string &what) {
    if (g_failures < 20) {
        std::printf("FAIL %s\n", what.c_str());
    }
    ++g_failures;
}

// The case running, for the report when a kernel touches a guard page and
// the process is about to die.
std::string (*g_describe_case)() = nullptr;

extern "C" void report_crash(int signal) {
    if (g_describe_case != nullptr) {
        const std::string what = g_describe_case();
        std::fprintf(stdout, "FAIL a kernel touched a guard page (signal %d): %s\n", signal,
                     what.c_str());
        std::fflush(stdout);
    }
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

// Pages that may be read and written, between two that may not.
class Guarded {
public:
    explicit Guarded(size_t capacity) {
#if defined(_WIN32)
        SYSTEM_INFO info;
        GetSystemInfo(&info);
        page_ = info.dwPageSize;
#else
        page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
#endif
        span_ = (capacity + page_ - 1) / page_ * page_;
        const size_t total = span_ + 2 * page_;
#if defined(_WIN32)
        base_ = static_cast<uint8_t *>(
            VirtualAlloc(nullptr, total, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
        DWORD old;
        const bool guarded = base_ != nullptr &&
                             VirtualProtect(base_, page_, PAGE_NOACCESS, &old) &&
                             VirtualProtect(base_ + page_ + span_, page_, PAGE_NOACCESS, &old);
#else
        void *mapped = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
        base_ = mapped == MAP_FAILED ? nullptr : static_cast<uint8_t *>(mapped);
        const bool guarded = base_ != nullptr && mprotect(base_, page_, PROT_NONE) == 0 &&
                             mprotect(base_ + page_ + span_, page_, PROT_NONE) == 0;
#endif
        if (!guarded) {
            std::printf("FAIL could not map guard pages\n");
            std::exit(1);
        }
    }
    ~Guarded() {
#if defined(_WIN32)
        VirtualFree(base_, 0, MEM_RELEASE);
#else
        munmap(base_, span_ + 2 * page_);
#endif
    }
    Guarded(const Guarded &) = delete;
    Guarded &operator=(const Guarded &) = delete;

    // `size` bytes whose last byte is the last before the upper guard page,
    // or whose first byte is the first after the lower one.
    uint8_t *place(size_t size, bool at_end) const {
        return at_end ? base_ + page_ + span_ - size : base_ + page_;
    }

private:
    size_t page_ = 0;
    size_t span_ = 0;
    uint8_t *base_ = nullptr;
};

// Deterministic bytes, different for every case.
void scribble(uint8_t *bytes, size_t size, std::uint32_t seed) {
    std::uint32_t state = seed * 2654435761u + 1;
    for (size_t i = 0; i < size; ++i) {
        state = state * 1664525u + 1013904223u;
        bytes[i] = static_cast<uint8_t>(state >> 24);
    }
}

// ---------------------------------------------------------------------------
// The way back.

// A view in samples: band b of pixel x of row y is the sample at
// y * row + x * pixel + band[b].
struct View {
    ptrdiff_t band[4];
    ptrdiff_t pixel;
    ptrdiff_t row;
    const char *layout;
};

// The views of `count` bands for rows of `width` pixels, `height` rows.
std::vector<View> views(size_t count, size_t width, size_t height) {
    std::vector<View> found;
    const ptrdiff_t w = static_cast<ptrdiff_t>(width);
    const ptrdiff_t h = static_cast<ptrdiff_t>(height);
    const ptrdiff_t n = static_cast<ptrdiff_t>(count);
    for (const ptrdiff_t step : {ptrdiff_t{1}, ptrdiff_t{-1}, ptrdiff_t{0}, ptrdiff_t{2}, ptrdiff_t{-2}}) {
        if (n == 1 && step != 1) {
            continue;  // one band has no channel step
        }
        const ptrdiff_t reach = (step < 0 ? -step : step) * (n - 1) + 1;
        for (ptrdiff_t samples = reach; samples <= reach + 1; ++samples) {  // P
            for (ptrdiff_t first = 0; first < samples; ++first) {
                const ptrdiff_t last = first + step * (n - 1);
                if (last < 0 || last >= samples) {
                    continue;
                }
                for (const ptrdiff_t pixel : {samples, -samples, samples + 1, -samples - 1, 2 * samples,
                                              -2 * samples, ptrdiff_t{0}}) {
                    const ptrdiff_t row = (pixel < 0 ? -pixel : pixel) * w + (pixel == 0 ? samples : 0);
                    for (const ptrdiff_t rows : {row, -row, ptrdiff_t{0}}) {
                        View v{{0, 0, 0, 0}, pixel, rows, "interleaved"};
                        for (ptrdiff_t b = 0; b < n; ++b) {
                            v.band[b] = first + step * b;
                        }
                        found.push_back(v);
                    }
                }
            }
        }
    }
    // Every order of the bands within pixels of `count` samples and of one
    // more, a pixel apart forwards and backwards, two forwards (the rows'
    // direction, and two pixels back, are the views' above).
    if (n > 1) {
        std::vector<ptrdiff_t> order(count);
        for (ptrdiff_t b = 0; b < n; ++b) {
            order[static_cast<size_t>(b)] = b;
        }
        do {
            for (ptrdiff_t samples = n; samples <= n + 1; ++samples) {
                for (const ptrdiff_t pixel : {samples, -samples, 2 * samples}) {
                    View v{{0, 0, 0, 0}, pixel, (pixel < 0 ? -pixel : pixel) * w, "reordered"};
                    for (ptrdiff_t b = 0; b < n; ++b) {
                        v.band[b] = order[static_cast<size_t>(b)] + (samples - n);
                    }
                    found.push_back(v);
                }
            }
        } while (std::next_permutation(order.begin(), order.end()));
    }
    // Planar, (C, H, W): bands a plane apart, forwards and backwards, rows
    // and pixels forwards and backwards.
    for (const ptrdiff_t plane : {w * h, -w * h}) {
        for (const ptrdiff_t pixel : {ptrdiff_t{1}, ptrdiff_t{-1}}) {
            for (const ptrdiff_t row : {w, -w}) {
                View v{{0, 0, 0, 0}, pixel, row, "planar"};
                for (ptrdiff_t b = 0; b < n; ++b) {
                    v.band[b] = plane * b;
                }
                found.push_back(v);
            }
        }
    }
    return found;
}

// The views whose rows are an array's columns (a.T, numpy.rot90(a)): rows a
// pixel of `samples` samples apart, forwards and backwards, pixels a whole
// column apart (of `height` pixels, and of one more), forwards and
// backwards; the bands as views() lays them out in a pixel.
std::vector<View> column_views(size_t count, size_t height) {
    std::vector<View> found;
    const ptrdiff_t h = static_cast<ptrdiff_t>(height);
    const ptrdiff_t n = static_cast<ptrdiff_t>(count);
    for (const ptrdiff_t step : {ptrdiff_t{1}, ptrdiff_t{-1}, ptrdiff_t{2}}) {
        if (n == 1 && step != 1) {
            continue;
        }
        const ptrdiff_t reach = (step < 0 ? -step : step) * (n - 1) + 1;
        for (ptrdiff_t samples = reach; samples <= reach + 1; ++samples) {
            for (ptrdiff_t first = 0; first < samples; ++first) {
                const ptrdiff_t last = first + step * (n - 1);
                if (last < 0 || last >= samples) {
                    continue;
                }
                for (const ptrdiff_t column : {samples * h, samples * (h + 1)}) {
                    for (const ptrdiff_t pixel : {column, -column}) {
                        for (const ptrdiff_t row : {samples, -samples}) {
                            View v{{0, 0, 0, 0}, pixel, row, "columns"};
                            for (ptrdiff_t b = 0; b < n; ++b) {
                                v.band[b] = first + step * b;
                            }
                            found.push_back(v);
                        }
                    }
                }
            }
        }
    }
    return found;
}

std::string describe_source(const Source &s, const View &v, bool at_end) {
    char text[240];
    std::snprintf(text, sizeof text,
                  "%s: %s view of %u bands of %u bytes (fill %u), bands at %td %td %td %td, "
                  "pixel step %td, row step %td, %zux%zu, flush at its %s",
                  fastpil::active_kernels().name, v.layout, s.gather.count, s.gather.item,
                  s.gather.fill, v.band[0], v.band[1], v.band[2], v.band[3], v.pixel, v.row,
                  s.pixels, s.rows, at_end ? "end" : "start");
    return text;
}

// The packed rows a source must give: its bands in order, sample by sample.
void packed_model(const Source &s, std::vector<uint8_t> *out) {
    const Gather &g = s.gather;
    out->resize(s.rows * s.pixels * (g.count * g.item + g.fill));
    uint8_t *o = out->data();
    for (size_t y = 0; y < s.rows; ++y) {
        for (size_t x = 0; x < s.pixels; ++x) {
            const uint8_t *pixel = s.first_row + static_cast<ptrdiff_t>(y) * s.row_stride +
                                   static_cast<ptrdiff_t>(x) * g.pixel_stride;
            for (size_t b = 0; b < g.count; ++b) {
                for (size_t i = 0; i < g.item; ++i) {
                    *o++ = pixel[g.offset[b] + static_cast<ptrdiff_t>(i)];
                }
            }
            if (g.fill) {
                *o++ = 255;
            }
        }
    }
}

const Source *g_source = nullptr;
const View *g_view = nullptr;
bool g_at_end = false;

std::string describe_current_source() { return describe_source(*g_source, *g_view, g_at_end); }

// Packs `s` into a chunk flush against a guard page, `rows_per_chunk` rows at
// a time, and checks every chunk against the model.
bool pack_rows(const Source &s, size_t rows_per_chunk, bool at_end, const Guarded &chunks,
               const std::vector<uint8_t> &want) {
    SourceRows rows(s, fastpil::active_kernels());
    const size_t packed_row = rows.packed_row();
    size_t done = 0;
    while (rows.rows_left() != 0) {
        const Claim claim = rows.claim_room(rows_per_chunk * packed_row);
        const size_t length = claim.count * packed_row;
        uint8_t *chunk = chunks.place(length, at_end);
        rows.fill(claim, chunk);
        if (std::memcmp(chunk, want.data() + done, length) != 0) {
            fail("packed rows differ from the model: " + describe_current_source());
            return false;
        }
        done += length;
    }
    return true;
}

// Packs the view `v` of `count` bands of `item` bytes, `width` x `height`,
// from memory flush against a guard page at its end, then at its start, in
// chunks of all its rows and of one row. False after a failure.
bool sweep_view(const Guarded &arrays, const Guarded &chunks, uint8_t item, uint8_t count,
                uint8_t fill, size_t width, size_t height, const View &v,
                std::vector<uint8_t> &want) {
    // The samples the view covers, lowest to highest.
    ptrdiff_t low = v.band[0];
    ptrdiff_t high = v.band[0];
    for (const ptrdiff_t y : {ptrdiff_t{0}, static_cast<ptrdiff_t>(height) - 1}) {
        for (const ptrdiff_t x : {ptrdiff_t{0}, static_cast<ptrdiff_t>(width) - 1}) {
            for (size_t b = 0; b < count; ++b) {
                const ptrdiff_t at = y * v.row + x * v.pixel + v.band[b];
                low = at < low ? at : low;
                high = at > high ? at : high;
            }
        }
    }
    const size_t size = static_cast<size_t>(high - low + 1) * item;
    // The same bytes at both places, so that one model serves both.
    const auto seed = static_cast<std::uint32_t>(g_cases);
    for (const bool at_end : {true, false}) {
        uint8_t *memory = arrays.place(size, at_end);
        scribble(memory, size, seed);
        Source s{};
        s.first_row = memory - low * item;
        s.row_stride = v.row * item;
        s.rows = height;
        s.pixels = width;
        s.gather.pixel_stride = v.pixel * item;
        s.gather.count = count;
        s.gather.item = item;
        s.gather.fill = fill;
        for (size_t b = 0; b < count; ++b) {
            s.gather.offset[b] = v.band[b] * item;
        }
        ++g_cases;
        if (fastpil::check_source(s) != Status::ok) {
            fail("check_source refused " + describe_source(s, v, at_end));
            return false;
        }
        if (at_end) {
            packed_model(s, &want);
        }
        g_source = &s;
        g_view = &v;
        g_at_end = at_end;
        g_describe_case = describe_current_source;
        // All rows at once, one at a time, and in chunks that start and end
        // within the kernels' blocks of rows.
        if (!pack_rows(s, height, at_end, chunks, want) ||
            !pack_rows(s, 1, !at_end, chunks, want) ||
            (height > 3 && !pack_rows(s, (height + 1) / 2, at_end, chunks, want))) {
            return false;
        }
    }
    return true;
}

void sweep_sources(const Guarded &arrays, const Guarded &chunks) {
    std::vector<uint8_t> want;
    for (const uint8_t item : {1, 2, 4, 8}) {
        for (uint8_t count = 1; count <= 4; ++count) {
            for (uint8_t fill = 0; fill <= (item == 1 ? 1 : 0); ++fill) {
                for (size_t height = 1; height <= kMaxHeight; ++height) {
                    for (size_t width = 1; width <= kMaxWidth; ++width) {
                        for (const View &v : views(count, width, height)) {
                            if (!sweep_view(arrays, chunks, item, count, fill, width, height, v,
                                            want)) {
                                return;
                            }
                        }
                    }
                }
            }
        }
    }
}

// Heights around every multiple of the rows pack_columns gathers at once
// (16 / P for packed pixels of P bytes: 2 to 16), and widths around every
// vector tail and tile of columns.
constexpr size_t kColumnHeights[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 35};
constexpr size_t kColumnWidths[] = {1, 2, 3, 5, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 70};
constexpr size_t kMaxColumnHeight = 35;

void sweep_columns(const Guarded &arrays, const Guarded &chunks) {
    std::vector<uint8_t> want;
    for (const uint8_t item : {1, 2, 4, 8}) {
        for (uint8_t count = 1; count <= 4; ++count) {
            for (uint8_t fill = 0; fill <= (item == 1 ? 1 : 0); ++fill) {
                const size_t out = count * item + fill;
                if (out > 8 || 16 % out != 0) {
                    continue;  // the plain loop's, swept by sweep_sources
                }
                for (const size_t height : kColumnHeights) {
                    for (const size_t width : kColumnWidths) {
                        for (const View &v : column_views(count, height)) {
                            if (!sweep_view(arrays, chunks, item, count, fill, width, height, v,
                                            want)) {
                                return;
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The way in.

TransformSpec spec(Kind kind, uint8_t pixel_bytes, std::vector<uint8_t> index,
                   Sample sample = Sample::u8, Output output = Output::float32) {
    TransformSpec s{};
    s.kind = kind;
    s.pattern.pixel_bytes = pixel_bytes;
    s.pattern.count = static_cast<uint8_t>(index.size());
    for (size_t j = 0; j < index.size(); ++j) {
        s.pattern.index[j] = index[j];
        s.scale[j] = 0.5f + static_cast<float>(j);
        s.offset[j] = -1.25f * static_cast<float>(j + 1);
    }
    s.sample = sample;
    s.output = output;
    return s;
}

// One transform of each kind for every pixel size and channel count: the
// bytes in order and in reverse (each kernel reads and writes the same
// memory whatever the order; the order decides only the values).
std::vector<TransformSpec> transforms() {
    std::vector<TransformSpec> found = {spec(Kind::copy, 1, {}), spec(Kind::to_bool, 1, {})};
    for (uint8_t bytes = 1; bytes <= 4; ++bytes) {
        for (uint8_t count = 1; count <= 4; ++count) {
            std::vector<uint8_t> forwards(count);
            std::vector<uint8_t> backwards(count);
            for (uint8_t j = 0; j < count; ++j) {
                forwards[j] = static_cast<uint8_t>(j % bytes);
                backwards[j] = static_cast<uint8_t>((bytes - 1 - j % bytes));
            }
            for (const auto &index : {forwards, backwards}) {
                for (const Kind kind : {Kind::interleaved, Kind::planar}) {
                    found.push_back(spec(kind, bytes, index));
                }
                for (const Kind kind : {Kind::float_interleaved, Kind::float_planar}) {
                    for (const Output output : {Output::float32, Output::float16}) {
                        found.push_back(spec(kind, bytes, index, Sample::u8, output));
                    }
                }
            }
        }
    }
    const struct {
        Sample sample;
        uint8_t bytes;
    } wide[] = {{Sample::u16, 2}, {Sample::u16_swapped, 2}, {Sample::i32, 4}, {Sample::f32, 4}};
    for (const auto &w : wide) {
        for (const Kind kind : {Kind::float_interleaved, Kind::float_planar}) {
            for (const Output output : {Output::float32, Output::float16}) {
                found.push_back(spec(kind, w.bytes, {0}, w.sample, output));
            }
        }
    }
    return found;
}

std::string describe_transform(const TransformSpec &s, size_t width, size_t height,
                               bool chunk_at_end, bool array_at_end) {
    char text[240];
    std::snprintf(text, sizeof text,
                  "%s: kind %d, sample %d, output %d, %u-byte pixels, channels %u %u %u %u "
                  "(%u), %zux%zu, chunk flush at its %s, array at its %s",
                  fastpil::active_kernels().name, static_cast<int>(s.kind),
                  static_cast<int>(s.sample), static_cast<int>(s.output), s.pattern.pixel_bytes,
                  s.pattern.index[0], s.pattern.index[1], s.pattern.index[2], s.pattern.index[3],
                  s.pattern.count, width, height, chunk_at_end ? "end" : "start",
                  array_at_end ? "end" : "start");
    return text;
}

const TransformSpec *g_spec = nullptr;
size_t g_width = 0;
size_t g_height = 0;
bool g_chunk_at_end = false;
bool g_array_at_end = false;

std::string describe_current_transform() {
    return describe_transform(*g_spec, g_width, g_height, g_chunk_at_end, g_array_at_end);
}

// Converts `height` packed rows into an array flush against a guard page, in
// chunks of `rows_per_chunk` rows each flush against one too; returns the
// array's bytes.
std::vector<uint8_t> convert(const TransformSpec &s, const ChunkTransform &t,
                             const std::vector<uint8_t> &packed, size_t width, size_t height,
                             size_t rows_per_chunk, bool chunk_at_end, bool array_at_end,
                             const Guarded &chunks, const Guarded &arrays) {
    const Geometry g = {height, width * t.in_unit, t.planes, width * t.out_unit};
    const size_t array_bytes = height * g.array_row * g.planes;
    if (fastpil::check_geometry(g, t, array_bytes) != Status::ok) {
        fail("check_geometry refused " +
             describe_transform(s, width, height, chunk_at_end, array_at_end));
        return {};
    }
    uint8_t *array = arrays.place(array_bytes, array_at_end);
    ArrayRows rows(g, t, array);
    for (size_t first = 0; first < height; first += rows_per_chunk) {
        const size_t count = first + rows_per_chunk <= height ? rows_per_chunk : height - first;
        uint8_t *chunk = chunks.place(count * g.packed_row, chunk_at_end);
        std::memcpy(chunk, packed.data() + first * g.packed_row, count * g.packed_row);
        if (rows.accept(chunk, count * g.packed_row) != Status::ok) {
            fail("a whole chunk was refused: " +
                 describe_transform(s, width, height, chunk_at_end, array_at_end));
            return {};
        }
    }
    return std::vector<uint8_t>(array, array + array_bytes);
}

// What an integer transform must write, planes one after the other.
std::vector<uint8_t> integer_model(const TransformSpec &s, const ChunkTransform &t,
                                   const std::vector<uint8_t> &packed, size_t units) {
    std::vector<uint8_t> out(units * t.out_unit * t.planes);
    const fastpil::Pattern &p = s.pattern;
    for (size_t i = 0; i < units; ++i) {
        if (s.kind == Kind::copy) {
            out[i] = packed[i];
        } else if (s.kind == Kind::to_bool) {
            out[i] = packed[i] != 0;
        } else {
            for (size_t j = 0; j < p.count; ++j) {
                const uint8_t value = packed[i * p.pixel_bytes + p.index[j]];
                out[t.planes == 1 ? i * p.count + j : j * units + i] = value;
            }
        }
    }
    return out;
}

void sweep_transforms(const fastpil::Kernels *scalar, const Guarded &chunks,
                      const Guarded &arrays) {
    const fastpil::Kernels &table = fastpil::active_kernels();
    std::vector<uint8_t> packed;
    for (const TransformSpec &s : transforms()) {
        ChunkTransform t{};
        ChunkTransform reference{};
        if (fastpil::describe(s, table, &t) != nullptr ||
            fastpil::describe(s, *scalar, &reference) != nullptr) {
            fail("describe refused a transform");
            return;
        }
        const bool floating = s.kind == Kind::float_interleaved || s.kind == Kind::float_planar;
        for (size_t height = 1; height <= kMaxHeight; ++height) {
            for (size_t width = 1; width <= kMaxWidth; ++width) {
                packed.resize(height * width * t.in_unit);
                scribble(packed.data(), packed.size(), static_cast<std::uint32_t>(g_cases));
                std::vector<uint8_t> want;
                if (floating) {
                    // The scalar table's result, from ordinary memory.
                    const Geometry g = {height, width * t.in_unit, t.planes, width * t.out_unit};
                    want.resize(height * g.array_row * g.planes);
                    ArrayRows rows(g, reference, want.data());
                    rows.accept(packed.data(), packed.size());
                } else {
                    want = integer_model(s, t, packed, height * width);
                }
                for (const bool at_end : {true, false}) {
                    for (const size_t rows_per_chunk : {height, size_t{1}}) {
                        ++g_cases;
                        g_spec = &s;
                        g_width = width;
                        g_height = height;
                        g_chunk_at_end = at_end;
                        g_array_at_end = at_end == (rows_per_chunk == 1);
                        g_describe_case = describe_current_transform;
                        const std::vector<uint8_t> got =
                            convert(s, t, packed, width, height, rows_per_chunk, g_chunk_at_end,
                                    g_array_at_end, chunks, arrays);
                        if (got != want) {
                            fail("the array differs from the model: " +
                                 describe_current_transform());
                            return;
                        }
                    }
                }
            }
        }
    }
}

}  // namespace

int main(int argc, char **argv) {
    const std::vector<std::string> required = fastpil_tests::required_tables(argc, argv);
    std::signal(SIGSEGV, report_crash);
#if defined(SIGBUS)
    std::signal(SIGBUS, report_crash);
#endif
    // Room for the largest view (8-byte samples, pixel steps of 9 samples)
    // and the largest chunk and array.
    const Guarded arrays(kMaxColumnHeight * kMaxWidth * 9 * 8 * 4 + 4096);
    const Guarded chunks(kMaxColumnHeight * kMaxWidth * 4 * 8 * 4 + 4096);

    const fastpil::Kernels *tables[fastpil::kMaxKernelTables];
    const size_t count = fastpil::supported_kernels(tables);
    const fastpil::Kernels *scalar = tables[count - 1];
    std::vector<std::string> swept;
    for (size_t k = 0; k < count && g_failures == 0; ++k) {
        fastpil::select_kernels(tables[k]->name);
        sweep_sources(arrays, chunks);
        sweep_columns(arrays, chunks);
        sweep_transforms(scalar, chunks, arrays);
        swept.push_back(tables[k]->name);
    }
    g_failures += fastpil_tests::missing_tables(required, swept);
    std::printf("sweep: %zu cases on %zu kernel tables: %s\n", g_cases, swept.size(),
                g_failures == 0 ? "all passed" : "FAILED");
    return g_failures == 0 ? 0 : 1;
}
