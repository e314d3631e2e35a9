// Tests of the chunk core (cpp/chunks.hpp) without Python: geometry checks,
// claims, and conversions of whole streams of chunks against a byte-by-byte
// model, with every kernel table this CPU runs. The second half is a
// randomised differential fuzzer: random transforms, geometries and ways of
// cutting the packed rows into chunks (ragged and overrunning ones among
// them), checking after each stream that the array holds exactly the rows
// claimed, converted, and nothing else was written.
//
//   test_chunks [--cases N] [--seconds S] [--seed K]
//
// The fuzzer runs N cases (default 3000) or for S seconds, whichever is
// given; a failure prints the seed and case number that reproduce it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "chunks.hpp"
#include "dispatch.hpp"
#include "transforms.hpp"

namespace {

using fastpil::ArrayRows;
using fastpil::ChunkTransform;
using fastpil::Claim;
using fastpil::Geometry;
using fastpil::Kind;
using fastpil::Status;
using fastpil::TransformSpec;
using std::size_t;
using std::uint8_t;

constexpr uint8_t kSentinel = 0xA5;
constexpr size_t kGuard = 32;

size_t g_failures = 0;

void fail(const char *what, const std::string &detail) {
    if (g_failures < 20) {
        std::printf("FAIL %s: %s\n", what, detail.c_str());
    }
    ++g_failures;
}

#define EXPECT(condition, detail)             \
    do {                                      \
        if (!(condition)) {                   \
            fail(#condition, (detail));       \
        }                                     \
    } while (false)

TransformSpec spec(Kind kind, uint8_t pixel_bytes, std::vector<uint8_t> index) {
    TransformSpec s{};
    s.kind = kind;
    s.pattern.pixel_bytes = pixel_bytes;
    s.pattern.count = static_cast<uint8_t>(index.size());
    for (size_t j = 0; j < index.size(); ++j) {
        s.pattern.index[j] = index[j];
    }
    return s;
}

ChunkTransform described(const TransformSpec &s) {
    ChunkTransform t{};
    const char *why = fastpil::describe(s, fastpil::active_kernels(), &t);
    if (why != nullptr) {
        std::printf("FAIL describe: %s\n", why);
        std::exit(1);
    }
    return t;
}

// What the array must hold after `rows` rows of `width` pixels of `packed`
// went through the transform: planes one after the other.
std::vector<uint8_t> model(const TransformSpec &s, const ChunkTransform &t, const uint8_t *packed,
                           size_t rows, size_t width) {
    const size_t units = rows * width;  // pixels, or bytes for copy and to_bool
    std::vector<uint8_t> out(units * t.out_unit * t.planes);
    const fastpil::Pattern &p = s.pattern;
    switch (s.kind) {
        case Kind::copy:
            std::memcpy(out.data(), packed, out.size());
            break;
        case Kind::to_bool:
            for (size_t i = 0; i < units; ++i) {
                out[i] = packed[i] != 0;
            }
            break;
        default:
            for (size_t i = 0; i < units; ++i) {
                for (size_t j = 0; j < p.count; ++j) {
                    const uint8_t value = packed[i * p.pixel_bytes + p.index[j]];
                    if (t.planes == 1) {
                        out[i * p.count + j] = value;
                    } else {
                        out[j * units + i] = value;
                    }
                }
            }
    }
    return out;
}

// A geometry for `width` pixels (or bytes, for copy and to_bool) by `rows`.
Geometry geometry_for(const ChunkTransform &t, size_t width, size_t rows) {
    return {rows, width * t.in_unit, t.planes, width * t.out_unit};
}

std::string describe_case(const TransformSpec &s, size_t width, size_t rows) {
    char text[160];
    std::snprintf(text, sizeof text, "kind %d, %u-byte pixels, %u channels (%u %u %u %u), %zux%zu, %s",
                  static_cast<int>(s.kind), s.pattern.pixel_bytes, s.pattern.count,
                  s.pattern.index[0], s.pattern.index[1], s.pattern.index[2], s.pattern.index[3],
                  width, rows, fastpil::active_kernels().name);
    return text;
}

// ---------------------------------------------------------------------------
// Unit tests.

void test_geometry_checks() {
    const ChunkTransform rgb = described(spec(Kind::interleaved, 4, {0, 1, 2}));
    const Geometry good = geometry_for(rgb, 5, 3);  // 20-byte packed rows, 15-byte array rows
    EXPECT(fastpil::check_geometry(good, rgb, 45) == Status::ok, "RGBX to RGB, 5x3");
    EXPECT(fastpil::check_geometry(good, rgb, 44) == Status::bad_geometry, "array too small");
    EXPECT(fastpil::check_geometry(good, rgb, 46) == Status::bad_geometry, "array too large");
    Geometry g = good;
    g.rows = 0;
    EXPECT(fastpil::check_geometry(g, rgb, 0) == Status::bad_geometry, "no rows");
    g = good;
    g.packed_row = 0;
    g.array_row = 0;
    EXPECT(fastpil::check_geometry(g, rgb, 0) == Status::bad_geometry, "empty rows");
    g = good;
    g.packed_row = 21;
    EXPECT(fastpil::check_geometry(g, rgb, 45) == Status::bad_geometry, "a partial pixel");
    g = good;
    g.array_row = 16;
    EXPECT(fastpil::check_geometry(g, rgb, 48) == Status::bad_geometry, "array rows of 16");
    g = good;
    g.planes = 3;
    EXPECT(fastpil::check_geometry(g, rgb, 135) == Status::bad_geometry, "planes for HWC");

    const ChunkTransform chw = described(spec(Kind::planar, 4, {2, 1, 0}));
    const Geometry planar = geometry_for(chw, 5, 3);
    EXPECT(fastpil::check_geometry(planar, chw, 45) == Status::ok, "RGBX to 3 planes, 5x3");
    g = planar;
    g.planes = 1;
    EXPECT(fastpil::check_geometry(g, chw, 15) == Status::bad_geometry, "one plane for CHW");

    const size_t huge = static_cast<size_t>(-1) / 2 + 1;
    const ChunkTransform copy = described(spec(Kind::copy, 1, {}));
    g = {huge, 2, 1, 2};
    EXPECT(fastpil::check_geometry(g, copy, 0) == Status::bad_geometry,
           "a size that overflows size_t");
}

void test_claims() {
    const ChunkTransform copy = described(spec(Kind::copy, 1, {}));
    const Geometry g = geometry_for(copy, 4, 3);
    std::vector<uint8_t> array(12, kSentinel);
    ArrayRows rows(g, copy, array.data());
    Claim claim{};
    EXPECT(rows.claim_chunk(6, &claim) == Status::ragged, "6 bytes of 4-byte rows");
    EXPECT(rows.rows_claimed() == 0, "a ragged chunk claims nothing");
    EXPECT(rows.claim_chunk(16, &claim) == Status::overrun, "4 rows of 3");
    EXPECT(rows.rows_claimed() == 0, "an overrun claims nothing");
    EXPECT(rows.claim_chunk(0, &claim) == Status::ok && claim.count == 0, "an empty chunk");
    EXPECT(rows.claim_chunk(8, &claim) == Status::ok && claim.first == 0 && claim.count == 2,
           "2 rows");
    EXPECT(rows.finish() == Status::incomplete, "1 row left");
    EXPECT(rows.claim_chunk(8, &claim) == Status::overrun, "2 rows when 1 is left");
    EXPECT(rows.claim_chunk(4, &claim) == Status::ok && claim.first == 2 && claim.count == 1,
           "the last row");
    EXPECT(rows.finish() == Status::ok && rows.rows_left() == 0, "every row claimed");
    EXPECT(rows.claim_chunk(4, &claim) == Status::overrun, "a row after the last");
    for (uint8_t byte : array) {
        EXPECT(byte == kSentinel, "claiming writes nothing");
    }
}

// Chunks converted out of order land where their claims say.
void test_deferred_conversion() {
    const TransformSpec s = spec(Kind::planar, 4, {3, 0});
    const ChunkTransform t = described(s);
    const size_t width = 7;
    const size_t height = 9;
    const Geometry g = geometry_for(t, width, height);
    std::vector<uint8_t> packed(height * g.packed_row);
    for (size_t i = 0; i < packed.size(); ++i) {
        packed[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    std::vector<uint8_t> array(height * g.array_row * g.planes, kSentinel);
    ArrayRows rows(g, t, array.data());
    Claim a{};
    Claim b{};
    Claim c{};
    EXPECT(rows.claim_chunk(4 * g.packed_row, &a) == Status::ok, "rows 0-3");
    EXPECT(rows.claim_chunk(2 * g.packed_row, &b) == Status::ok, "rows 4-5");
    EXPECT(rows.claim_chunk(3 * g.packed_row, &c) == Status::ok, "rows 6-8");
    rows.write(c, packed.data() + 6 * g.packed_row);
    rows.write(a, packed.data());
    rows.write(b, packed.data() + 4 * g.packed_row);
    EXPECT(array == model(s, t, packed.data(), height, width), describe_case(s, width, height));
}

// ---------------------------------------------------------------------------
// The fuzzer.

TransformSpec random_spec(std::mt19937 &rng) {
    const int pick = static_cast<int>(rng() % 8);
    if (pick == 0) {
        return spec(Kind::copy, 1, {});
    }
    if (pick == 1) {
        return spec(Kind::to_bool, 1, {});
    }
    const uint8_t pixel_bytes = static_cast<uint8_t>(1 + rng() % 4);
    const size_t count = 1 + rng() % 4;
    std::vector<uint8_t> index(count);
    for (uint8_t &i : index) {
        i = static_cast<uint8_t>(rng() % pixel_bytes);
    }
    return spec(pick % 2 ? Kind::planar : Kind::interleaved, pixel_bytes, index);
}

// One stream of chunks into one array: returns false after reporting a
// failure.
bool fuzz_case(std::mt19937 &rng) {
    const TransformSpec s = random_spec(rng);
    const ChunkTransform t = described(s);
    const size_t width = 1 + rng() % (rng() % 4 == 0 ? 700 : 40);
    const size_t height = 1 + rng() % (rng() % 4 == 0 ? 300 : 12);
    const Geometry g = geometry_for(t, width, height);
    const std::string what = describe_case(s, width, height);
    if (fastpil::check_geometry(g, t, height * g.array_row * g.planes) != Status::ok) {
        fail("check_geometry refused a consistent geometry", what);
        return false;
    }
    std::vector<uint8_t> packed(height * g.packed_row);
    for (uint8_t &byte : packed) {
        const std::uint32_t r = rng();
        byte = r % 5 == 0 ? 0 : static_cast<uint8_t>(r >> 8);
    }
    const std::vector<uint8_t> want = model(s, t, packed.data(), height, width);
    // The array inside guard bytes, all sentinels to begin with.
    std::vector<uint8_t> backing(kGuard + want.size() + kGuard, kSentinel);
    uint8_t *array = backing.data() + kGuard;
    ArrayRows rows(g, t, array);

    // Cut the rows into chunks; now and then hand over a bad one, which must
    // be refused with nothing written for it.
    size_t sent = 0;
    bool stopped = false;
    while (sent < height && !stopped) {
        size_t count = rng() % 3 == 0 ? 0 : 1 + rng() % (height - sent);
        size_t length = count * g.packed_row;
        Status expected = Status::ok;
        const int mischief = static_cast<int>(rng() % 40);
        if (mischief == 0) {
            length += 1 + rng() % (g.packed_row > 1 ? g.packed_row - 1 : 1);
            expected = length % g.packed_row == 0 ? Status::ok : Status::ragged;
            if (expected == Status::ok) {
                count = length / g.packed_row;
            }
        } else if (mischief == 1) {
            count = height - sent + 1 + rng() % 3;
            length = count * g.packed_row;
        }
        if (count > height - sent && expected == Status::ok) {
            expected = Status::overrun;
        }
        std::vector<uint8_t> chunk(length);
        for (size_t i = 0; i < length; ++i) {
            chunk[i] = sent * g.packed_row + i < packed.size() ? packed[sent * g.packed_row + i]
                                                               : static_cast<uint8_t>(rng());
        }
        const Status got = rows.accept(chunk.data(), length);
        if (got != expected) {
            fail("accept returned the wrong status", what);
            return false;
        }
        if (got == Status::ok) {
            sent += count;
        } else {
            stopped = true;
        }
        if (rows.rows_claimed() != sent) {
            fail("rows_claimed disagrees with the rows accepted", what);
            return false;
        }
    }
    if ((rows.finish() == Status::ok) != (sent == height)) {
        fail("finish disagrees with the rows accepted", what);
        return false;
    }
    // The rows accepted hold their conversion; every other byte is as it was.
    const size_t plane = height * g.array_row;
    for (size_t j = 0; j < g.planes; ++j) {
        for (size_t i = 0; i < plane; ++i) {
            const size_t at = j * plane + i;
            const bool done = i < sent * g.array_row;
            const uint8_t expected = done ? want[at] : kSentinel;
            if (array[at] != expected) {
                char detail[220];
                std::snprintf(detail, sizeof detail, "%s: plane %zu byte %zu (%zu rows sent): %u, not %u",
                              what.c_str(), j, i, sent, array[at], expected);
                fail(done ? "wrong conversion" : "a byte past the rows sent was written", detail);
                return false;
            }
        }
    }
    for (size_t i = 0; i < kGuard; ++i) {
        if (backing[i] != kSentinel || backing[kGuard + want.size() + i] != kSentinel) {
            fail("wrote outside the array", what);
            return false;
        }
    }
    return true;
}

// ---------------------------------------------------------------------------
// The other direction: SourceRows gathering rows of arrays with random
// strides (negative and zero among them), sample sizes and band orders,
// into chunks of random room, against a sample-by-sample model.

struct RandomArray {
    std::vector<uint8_t> memory;
    fastpil::Source source;
};

RandomArray random_array(std::mt19937 &rng) {
    RandomArray a;
    const uint8_t items[] = {1, 2, 4, 8};
    fastpil::Gather &g = a.source.gather;
    g.item = items[rng() % 4];
    // The kernels' own layouts more often than not.
    const int layout = static_cast<int>(rng() % 4);
    g.count = static_cast<uint8_t>(1 + rng() % 4);
    if (layout == 0) {
        g.item = 1;
        g.count = 3;
    }
    g.fill = g.item == 1 && (g.count == 3 || rng() % 3 == 0) ? static_cast<uint8_t>(rng() % 2 || g.count == 3) : 0;
    const size_t rows = 1 + rng() % (layout == 2 ? 40 : 9);  // past the rows pack_columns takes at once
    const size_t pixels = 1 + rng() % (rng() % 3 == 0 ? 200 : 40);
    const size_t channels = g.count + rng() % 2;
    const std::ptrdiff_t item = g.item;
    std::ptrdiff_t channel_stride;
    std::ptrdiff_t pixel_stride;
    std::ptrdiff_t row_stride;
    if (layout == 1) {  // planar: (C, H, W)
        pixel_stride = item;
        row_stride = static_cast<std::ptrdiff_t>(pixels) * item;
        channel_stride = row_stride * static_cast<std::ptrdiff_t>(rows);
    } else {  // interleaved: (H, W, C), some padding between rows
        channel_stride = item;
        pixel_stride = static_cast<std::ptrdiff_t>(channels) * item;
        row_stride = pixel_stride * static_cast<std::ptrdiff_t>(pixels) + item * (rng() % 3);
    }
    if (layout == 2 && rng() % 2 == 0) {
        // Transposed: each row is a column of a (W, H, C) array.
        row_stride = static_cast<std::ptrdiff_t>(channels) * item;
        pixel_stride = row_stride * static_cast<std::ptrdiff_t>(rows) + item * (rng() % 3);
    }
    if (rng() % 4 == 0) {
        pixel_stride *= 2;  // every second pixel
    }
    if (rng() % 5 == 0) {
        pixel_stride = 0;  // a broadcast row
    }
    if (rng() % 6 == 0) {
        row_stride = 0;  // a broadcast column
    }
    const size_t span = static_cast<size_t>(row_stride) * rows + static_cast<size_t>(pixel_stride) * pixels +
                        static_cast<size_t>(channel_stride) * channels + 16;
    a.memory.resize(span);
    for (uint8_t &byte : a.memory) {
        byte = static_cast<uint8_t>(rng());
    }
    // Walk some axes backwards, as views with negative strides do.
    const uint8_t *base = a.memory.data();
    if (rng() % 3 == 0) {
        base += row_stride * static_cast<std::ptrdiff_t>(rows - 1);
        row_stride = -row_stride;
    }
    if (rng() % 3 == 0) {
        base += pixel_stride * static_cast<std::ptrdiff_t>(pixels - 1);
        pixel_stride = -pixel_stride;
    }
    std::vector<size_t> order(channels);
    for (size_t c = 0; c < channels; ++c) {
        order[c] = c;
    }
    std::shuffle(order.begin(), order.end(), rng);
    const bool reversed = rng() % 3 == 0;
    if (reversed) {
        base += channel_stride * static_cast<std::ptrdiff_t>(channels - 1);
    }
    for (size_t b = 0; b < g.count; ++b) {
        const std::ptrdiff_t c = static_cast<std::ptrdiff_t>(order[b]);
        g.offset[b] = (reversed ? -c : c) * channel_stride;
    }
    g.pixel_stride = pixel_stride;
    a.source = {base, row_stride, rows, pixels, g};
    return a;
}

std::vector<uint8_t> packed_model(const fastpil::Source &s) {
    const fastpil::Gather &g = s.gather;
    std::vector<uint8_t> out;
    for (size_t y = 0; y < s.rows; ++y) {
        for (size_t x = 0; x < s.pixels; ++x) {
            const uint8_t *pixel = s.first_row + static_cast<std::ptrdiff_t>(y) * s.row_stride +
                                   static_cast<std::ptrdiff_t>(x) * g.pixel_stride;
            for (size_t b = 0; b < g.count; ++b) {
                out.insert(out.end(), pixel + g.offset[b], pixel + g.offset[b] + g.item);
            }
            if (g.fill) {
                out.push_back(255);
            }
        }
    }
    return out;
}

bool source_case(std::mt19937 &rng) {
    RandomArray a = random_array(rng);
    if (fastpil::check_source(a.source) != Status::ok) {
        fail("check_source refused a valid source", "");
        return false;
    }
    const std::vector<uint8_t> want = packed_model(a.source);
    fastpil::SourceRows rows(a.source, fastpil::active_kernels());
    if (rows.packed_row() * a.source.rows != want.size()) {
        fail("packed_row disagrees with the model", "");
        return false;
    }
    std::vector<uint8_t> got;
    while (rows.rows_left() != 0) {
        const size_t room = rng() % 4 == 0 ? rng() % (rows.packed_row() + 1)
                                           : rows.packed_row() * (1 + rng() % 4) + rng() % 3;
        std::vector<uint8_t> chunk(kGuard + room + kGuard, kSentinel);
        const Claim claim = rows.claim_room(room);
        if (claim.count * rows.packed_row() > room) {
            fail("claim_room claimed more than the room", "");
            return false;
        }
        rows.fill(claim, chunk.data() + kGuard);
        const size_t used = claim.count * rows.packed_row();
        for (size_t i = 0; i < chunk.size(); ++i) {
            if ((i < kGuard || i >= kGuard + used) && chunk[i] != kSentinel) {
                fail("a pack kernel wrote outside the rows claimed", fastpil::active_kernels().name);
                return false;
            }
        }
        got.insert(got.end(), chunk.begin() + kGuard, chunk.begin() + kGuard + used);
    }
    if (got != want) {
        char detail[160];
        std::snprintf(detail, sizeof detail, "%s: %u bands of %u bytes, fill %u, pixel stride %td",
                      fastpil::active_kernels().name, a.source.gather.count, a.source.gather.item,
                      a.source.gather.fill, a.source.gather.pixel_stride);
        fail("packed rows differ from the model", detail);
        return false;
    }
    return true;
}

void test_source_checks() {
    fastpil::Source s{};
    s.rows = s.pixels = 1;
    s.gather.count = 1;
    s.gather.item = 1;
    EXPECT(fastpil::check_source(s) == Status::ok, "one byte");
    s.gather.item = 3;
    EXPECT(fastpil::check_source(s) == Status::bad_geometry, "3-byte samples");
    s.gather.item = 2;
    s.gather.count = 5;
    EXPECT(fastpil::check_source(s) == Status::bad_geometry, "5 bands");
    s.gather.count = 2;
    s.rows = 0;
    EXPECT(fastpil::check_source(s) == Status::bad_geometry, "no rows");
}

}  // namespace

int main(int argc, char **argv) {
    long cases = -1;
    double seconds = -1;
    unsigned long seed = 20261201;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
            cases = std::strtol(argv[++i], nullptr, 10);
        } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = std::strtod(argv[++i], nullptr);
        } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = std::strtoul(argv[++i], nullptr, 10);
        } else {
            std::fprintf(stderr, "usage: %s [--cases N] [--seconds S] [--seed K]\n", argv[0]);
            return 2;
        }
    }
    if (cases < 0 && seconds < 0) {
        cases = 3000;
    }

    const fastpil::Kernels *tables[fastpil::kMaxKernelTables];
    const size_t count = fastpil::supported_kernels(tables);
    const auto start = std::chrono::steady_clock::now();
    long done = 0;
    for (size_t k = 0; k < count; ++k) {
        fastpil::select_kernels(tables[k]->name);
        test_geometry_checks();
        test_claims();
        test_deferred_conversion();
        test_source_checks();
    }
    std::mt19937 rng(seed);
    for (;; ++done) {
        if (cases >= 0 && done >= cases) {
            break;
        }
        if (seconds >= 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                                    .count() >= seconds) {
            break;
        }
        fastpil::select_kernels(tables[static_cast<size_t>(done) % count]->name);
        if (!fuzz_case(rng) || !source_case(rng)) {
            std::printf("  (seed %lu, case %ld)\n", seed, done);
            break;
        }
    }
    std::printf("chunk core: unit tests on %zu kernel tables, %ld fuzz cases (seed %lu): %s\n",
                count, done, seed, g_failures == 0 ? "all passed" : "FAILED");
    return g_failures == 0 ? 0 : 1;
}
