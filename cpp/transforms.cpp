// What a chunk transform does (transforms.hpp): which kernels of a table it
// runs, and running them over whole pixels. No Python here.
#include "transforms.hpp"

#include <cmath>
#include <cstring>

namespace fastpil {
namespace {

void copy_bytes(std::uint8_t *const *dst, const std::uint8_t *src, std::size_t count,
                const Pattern &) {
    std::memcpy(dst[0], src, count);
}

std::size_t sample_bytes(Sample sample) {
    switch (sample) {
        case Sample::u8:
            return 1;
        case Sample::u16:
        case Sample::u16_swapped:
            return 2;
        default:
            return 4;
    }
}

// The byte kernel that picks `p`'s channels, interleaved or one plane each.
ChunkTransform byte_transform(const Pattern &p, bool planar, const Kernels &kernels) {
    const std::size_t n = p.pixel_bytes;
    ChunkTransform t{};
    t.pattern = p;
    // The vectorised kernels where they apply; the plain loops otherwise.
    // A single channel is a single plane, whatever the layout.
    if (planar || p.count == 1) {
        t.kernel = n == 4 ? kernels.split_4 : n == 2 ? kernels.split_2 : kernels.split_any;
        t.in_unit = n;
        t.out_unit = 1;
        t.planes = p.count;
    } else {
        t.kernel = n == 4 && p.count == 3   ? kernels.pick_4_to_3
                   : n == 4 && p.count == 4 ? kernels.pick_4_to_4
                                            : kernels.pick_any;
        t.in_unit = n;
        t.out_unit = p.count;
        t.planes = 1;
    }
    return t;
}

}  // namespace

const char *describe(const TransformSpec &spec, const Kernels &kernels, ChunkTransform *out) {
    const Pattern &p = spec.pattern;
    switch (spec.kind) {
        case Kind::copy:
        case Kind::to_bool:
            // Whole bytes, unchanged or made bools: nothing to pick.
            if (p.count != 0) {
                return "this kind of transform takes no channel pattern";
            }
            *out = ChunkTransform{};
            out->in_unit = out->out_unit = out->planes = 1;
            out->pattern = p;
            out->kernel = spec.kind == Kind::copy ? copy_bytes : kernels.bytes_to_bool;
            return nullptr;
        case Kind::interleaved:
        case Kind::planar:
        case Kind::float_interleaved:
        case Kind::float_planar:
            break;
        default:
            return "unknown transform kind";
    }
    const std::size_t n = p.pixel_bytes;
    if (n < 1 || n > 4 || p.count < 1 || p.count > 4) {
        return "a pattern picks 1 to 4 channels from pixels of 1 to 4 bytes";
    }
    for (std::size_t j = 0; j < p.count; ++j) {
        if (p.index[j] >= n) {
            return "a pattern index is outside the pixel";
        }
    }
    const bool planar = spec.kind == Kind::planar || spec.kind == Kind::float_planar;
    if (spec.kind == Kind::interleaved || spec.kind == Kind::planar) {
        *out = byte_transform(p, planar, kernels);
        return nullptr;
    }

    // Float kinds.
    const auto sample = static_cast<std::size_t>(spec.sample);
    const auto output = static_cast<std::size_t>(spec.output);
    if (sample >= kSampleKinds || output > 1) {
        return "unknown sample or output type";
    }
    for (std::size_t j = 0; j < p.count; ++j) {
        if (!std::isfinite(spec.scale[j]) || !std::isfinite(spec.offset[j])) {
            return "a scale or offset is not finite";
        }
    }
    ChunkTransform t{};
    const bool identity = p.count == n && std::memcmp(p.index, "\0\1\2\3", n) == 0;
    if (spec.sample == Sample::u8) {
        // Bytes: picked by the byte kernels first, unless they come in order.
        const bool direct = planar ? n == 1 && p.count == 1 : identity;
        t = direct ? ChunkTransform{} : byte_transform(p, planar, kernels);
        if (direct) {
            t.pattern = p;
            t.kernel = nullptr;
        }
    } else if (p.count != 1 || p.index[0] != 0 || n != sample_bytes(spec.sample)) {
        return "wider samples come one to a pixel";
    } else {
        t.pattern = p;
        t.kernel = nullptr;
    }
    if (spec.sample == Sample::u8 && planar && n == 4) {
        t.split_to_float = spec.output == Output::float32 ? kernels.split_4_to_float32
                                                          : kernels.split_4_to_float16;
    }
    t.value_bytes = spec.output == Output::float32 ? 4 : 2;
    t.to_float = spec.output == Output::float32 ? kernels.to_float32[sample]
                                                : kernels.to_float16[sample];
    t.in_unit = n;
    t.planes = planar ? p.count : 1;
    t.out_unit = (planar ? 1 : p.count) * t.value_bytes;
    for (std::size_t j = 0; j < t.planes; ++j) {
        // A plane holds one channel; interleaved output, every channel in turn.
        for (std::size_t i = 0; i < kAffineSpan; ++i) {
            const std::size_t channel = planar ? j : i % p.count;
            t.affine[j].scale[i] = spec.scale[channel];
            t.affine[j].offset[i] = spec.offset[channel];
        }
    }
    *out = t;
    return nullptr;
}

const char *validate(const TransformSpec &spec) {
    ChunkTransform unused;
    return describe(spec, scalar::kernels, &unused);
}

std::size_t planes_of(const TransformSpec &spec) {
    const bool planar = spec.kind == Kind::planar || spec.kind == Kind::float_planar;
    return planar ? spec.pattern.count : 1;
}

void apply(const ChunkTransform &t, std::uint8_t *const *planes, const std::uint8_t *src,
           std::size_t units) {
    if (t.to_float == nullptr) {
        t.kernel(planes, src, units, t.pattern);
        return;
    }
    if (t.split_to_float != nullptr) {
        t.split_to_float(planes, src, units, t.pattern, t.affine);
        return;
    }
    if (t.kernel == nullptr) {
        // Samples converted where they are: one plane of one or more channels.
        t.to_float(planes[0], src, units * (t.out_unit / t.value_bytes), t.affine[0]);
        return;
    }
    // The byte kernel picks a block of pixels' channels into a buffer that
    // stays in L1; each plane's bytes (or the interleaved channels') are then
    // converted from there.
    constexpr std::size_t kBlock = 2048;
    std::uint8_t picked[4 * kBlock];
    std::uint8_t *picked_planes[4];
    for (std::size_t j = 0; j < 4; ++j) {
        picked_planes[j] = picked + j * kBlock;
    }
    const std::size_t per_pixel = t.planes == 1 ? t.out_unit / t.value_bytes : 1;
    for (std::size_t start = 0; start < units; start += kBlock) {
        const std::size_t n = units - start < kBlock ? units - start : kBlock;
        t.kernel(picked_planes, src + start * t.in_unit, n, t.pattern);
        for (std::size_t j = 0; j < t.planes; ++j) {
            t.to_float(planes[j] + start * t.out_unit, picked_planes[j], n * per_pixel,
                      t.affine[j]);
        }
    }
}

}  // namespace fastpil
