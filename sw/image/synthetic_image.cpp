#include "sw/image/synthetic_image.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sw/common/mt19937_64.h"
#include "sw/image/layer_plan.h"

namespace sx {

ResolvedDensities resolve_densities(const Layer& layer, const SyntheticDensities& d) {
    ResolvedDensities r;
    const auto& wd = layer.stats.weight_density;
    if (d.element_density) r.element = *d.element_density;
    if (d.row_density) {
        r.row = *d.row_density;
    } else if (wd) {
        r.row = std::min(1.0, *wd / r.element);
        if (r.row >= 1.0 && !d.element_density) r.element = std::min(1.0, *wd);
    }
    if (d.raw_density) r.raw = *d.raw_density;
    else if (wd) r.raw = *wd;
    // A non-zero row has at least one non-zero code.
    r.element = std::clamp(r.element, 1.0 / 3.0, 1.0);
    r.row = std::clamp(r.row, 0.0, 1.0);
    r.raw = std::clamp(r.raw, 0.0, 1.0);
    return r;
}

namespace {

// Portable draws (the std distributions are implementation-defined; these are not).
double uniform01(Mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; }
int uniform_int(Mt19937_64& g, int lo, int hi) {
    return lo + static_cast<int>(g() % static_cast<uint64_t>(hi - lo + 1));
}

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Per-element probability p such that, conditioned on a row having at least one non-zero of
// three, the expected fraction of non-zeros is e: 3p / (1 - (1-p)^3) = 3e.
double conditional_element_probability(double e) {
    if (e >= 1.0) return 1.0;
    if (e <= 1.0 / 3.0) return 0.0;
    double lo = 0.0, hi = 1.0;
    for (int it = 0; it < 60; ++it) {
        const double p = 0.5 * (lo + hi);
        const double mean = p / (1.0 - std::pow(1.0 - p, 3));  // fraction = 3p/(1-(1-p)^3) / 3
        (mean < e ? lo : hi) = p;
    }
    return 0.5 * (lo + hi);
}

int8_t random_nonzero_int8(Mt19937_64& g) {
    const int v = uniform_int(g, 1, 127);
    return static_cast<int8_t>((g() & 1) ? v : -v);
}

// sign * 2^exponent of every valid Ce code, from ce_code_sign/ce_code_exponent: the shift
// search below calls them nine times per non-zero row (out-of-line, with validity checks),
// which was a fifth of a ResNet-50 run (docs/performance.md). Code 8 is invalid; the codes
// here come from code_of (ce_code_make's values) and are always valid.
struct CeFactorTable {
    int64_t v[16];
    CeFactorTable() {
        for (int c = 0; c < 16; ++c)
            v[c] = ce_code_valid(static_cast<uint8_t>(c))
                       ? ce_code_sign(static_cast<uint8_t>(c)) * (int64_t{1} << ce_code_exponent(static_cast<uint8_t>(c)))
                       : 0;
    }
};
const CeFactorTable kCeFactor;

// Rounding right shift as the rebuild engine does it (weight_image.h), without saturation.
int64_t round_shift_right(int64_t x, int s) {
    if (s == 0) return x;
    const int64_t num = x + (int64_t{1} << (s - 1));
    const int64_t den = int64_t{1} << s;
    int64_t q = num / den;
    if ((num % den) != 0 && num < 0) --q;
    return q;
}

// ce_code_make for the generator's arguments (sign +-1, exponent 0..kSyntheticMaxExponent),
// inline: no range check to fail and no call per code (6 M non-zero rows in ResNet-50).
static_assert(kSyntheticMaxExponent >= 0 && kSyntheticMaxExponent <= 6, "Ce exponents are 0..6");
inline uint8_t code_of(int sign, int exponent) {
    return static_cast<uint8_t>(sign > 0 ? 1 + exponent : 9 + exponent);
}

void make_decomposed(ImageLayer& il, const LayerPlan& plan, const ResolvedDensities& dens,
                     Mt19937_64& g) {
    il.rows_per_filter = plan.rows_per_filter;
    il.blocks_per_filter = static_cast<uint32_t>(plan.blocks.size());
    il.row_bitmap.assign((il.total_rows() + 7) / 8, 0);
    const double p_elem = conditional_element_probability(dens.element);
    uint64_t nibble = 0;
    auto push_code = [&](uint8_t c) {
        if ((nibble & 1) == 0) il.ce_codes.push_back(c);
        else il.ce_codes.back() = static_cast<uint8_t>(il.ce_codes.back() | (c << 4));
        ++nibble;
    };
    std::vector<uint8_t> codes;  // the block's rows, 3 codes each (0 for zero rows)
    for (uint32_t k = 0; k < il.K; ++k) {
        for (const BlockSpan& span : plan.blocks) {
            BasisBlock blk;
            blk.first_row = span.first_row;
            blk.rows = span.rows;
            for (auto& row : blk.basis)
                for (auto& v : row) v = static_cast<int8_t>(uniform_int(g, -127, 127));
            codes.assign(3ull * span.rows, 0);
            for (uint32_t i = 0; i < span.rows; ++i) {
                if (uniform01(g) >= dens.row) continue;
                uint8_t* c = &codes[3ull * i];
                bool any = false;
                while (!any) {  // rejection sampling: a non-zero row has a non-zero code
                    for (int t = 0; t < 3; ++t) {
                        const bool nz = uniform01(g) < p_elem;
                        const int sign = (g() & 1) ? 1 : -1;
                        const int ex = uniform_int(g, 0, kSyntheticMaxExponent);
                        c[t] = nz ? code_of(sign, ex) : 0;
                        any = any || nz;
                    }
                    if (p_elem <= 0.0 && !any) {  // element density 1/3: exactly one code
                        const int t = uniform_int(g, 0, 2);
                        c[t] = code_of((g() & 1) ? 1 : -1, uniform_int(g, 0, kSyntheticMaxExponent));
                        any = true;
                    }
                }
            }
            // Smallest rebuild shift that rebuilds every row of the block without saturation.
            // round_shift_right is non-decreasing in its argument, so a shift fits every row iff
            // it fits the block's smallest and largest pre-shift sums: compute those once
            // instead of re-deriving every sum for each candidate shift (that search was a third
            // of a ResNet-50 run; docs/performance.md). Same shift as the exhaustive search.
            int64_t acc_min = 0, acc_max = 0;
            for (uint32_t i = 0; i < span.rows; ++i) {
                const uint8_t* c = &codes[3ull * i];
                if (!(c[0] | c[1] | c[2])) continue;  // an all-zero row sums to 0 (already in range)
                for (int j = 0; j < 3; ++j) {
                    int64_t acc = 0;
                    for (int t = 0; t < 3; ++t)
                        acc += kCeFactor.v[c[t] & 15] * int64_t{blk.basis[t][j]};
                    acc_min = std::min(acc_min, acc);
                    acc_max = std::max(acc_max, acc);
                }
            }
            for (int s = 0; s <= 15; ++s) {
                blk.rebuild_shift = static_cast<uint8_t>(s);
                if (round_shift_right(acc_min, s) >= -128 && round_shift_right(acc_max, s) <= 127) break;
            }
            // Scale chosen so rebuilt weights land near typical trained magnitudes (~0.01-0.1).
            // One scale per filter (the accelerator sums a filter's blocks unscaled): the first
            // block's draw; later blocks still draw, so the codes and bases (and every trace)
            // are those of the per-block-scale generator.
            const float drawn = static_cast<float>(std::ldexp(0.5 + 0.5 * uniform01(g), -10));
            blk.scale = span.first_row == 0 ? drawn : il.blocks.back().scale;
            for (uint32_t i = 0; i < span.rows; ++i) {
                const uint8_t* c = &codes[3ull * i];
                if (!(c[0] | c[1] | c[2])) continue;
                const uint64_t bit = static_cast<uint64_t>(k) * il.rows_per_filter + span.first_row + i;
                il.row_bitmap[bit >> 3] = static_cast<uint8_t>(il.row_bitmap[bit >> 3] | (1u << (bit & 7)));
                for (int t = 0; t < 3; ++t) push_code(c[t]);
            }
            il.blocks.push_back(blk);
        }
    }
}

// Partial Fisher-Yates: the first nz entries of a random permutation of 0..n-1 are the
// positions of the non-zeros, each drawn right after its position. Same draws in the same
// order as the plain loop
//     for i < nz: j = i + g() % (n - i); swap(pos[i], pos[j]); raw[pos[i]] = random_nonzero_int8(g)
// but a chunk's draws are taken first, so the random pos[j] of the chunk can be prefetched
// (pos of a large layer is megabytes: the loop waited on a cache miss per non-zero), and pos is
// 32-bit when it can be (half the memory). Index = uint32_t or uint64_t.
template <typename Index>
void scatter_nonzeros(int8_t* raw, uint64_t n, uint64_t nz, Mt19937_64& g) {
    std::vector<Index> pos(n);
    for (uint64_t i = 0; i < n; ++i) pos[i] = static_cast<Index>(i);
    constexpr uint64_t kChunk = 32;
    uint64_t j[kChunk], mag[kChunk], sign[kChunk];
    for (uint64_t base = 0; base < nz; base += kChunk) {
        const uint64_t m = std::min(kChunk, nz - base);
        for (uint64_t k = 0; k < m; ++k) {
            const uint64_t i = base + k;
            j[k] = i + g() % (n - i);
            mag[k] = g();   // random_nonzero_int8's two draws
            sign[k] = g();
            __builtin_prefetch(&pos[j[k]], 1);
        }
        for (uint64_t k = 0; k < m; ++k) {
            const uint64_t i = base + k;
            std::swap(pos[i], pos[j[k]]);
            const int v = 1 + static_cast<int>(mag[k] % 127u);
            raw[pos[i]] = static_cast<int8_t>((sign[k] & 1) ? v : -v);
        }
    }
}

}  // namespace

WeightImage make_synthetic_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d,
                                 const std::vector<bool>* only) {
    WeightImage img;
    img.network = workload.name;
    for (std::size_t li = 0; li < workload.layers.size(); ++li) {
        const Layer& layer = workload.layers[li];
        if (!layer.is_compute() || (only && (li >= only->size() || !(*only)[li]))) continue;
        // One generator per layer, seeded from (seed, layer index): a layer's content does not
        // depend on the other layers.
        Mt19937_64 g(splitmix64(seed ^ splitmix64(li)));
        const LayerPlan plan = plan_layer(layer, d.block_channels);
        const ResolvedDensities dens = resolve_densities(layer, d);
        ImageLayer il = image_layer_shell(layer, plan.kind);
        if (plan.kind == ImageLayerKind::Decomposed) {
            make_decomposed(il, plan, dens, g);
        } else {
            il.raw.resize(plan.filter_size * il.K);
            for (auto& v : il.raw) v = uniform01(g) < dens.raw ? random_nonzero_int8(g) : int8_t{0};
            il.raw_scale = static_cast<float>(std::ldexp(1.0, -9));
        }
        il.synthetic = true;
        img.layers.push_back(std::move(il));
    }
    return img;
}

WeightImage make_unstructured_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d,
                                    const std::vector<bool>* only) {
    WeightImage img;
    img.network = workload.name;
    for (std::size_t li = 0; li < workload.layers.size(); ++li) {
        const Layer& layer = workload.layers[li];
        if (!layer.is_compute() || (only && (li >= only->size() || !(*only)[li]))) continue;
        // Own stream per layer, distinct from make_synthetic_image's (salted seed).
        Mt19937_64 g(splitmix64(splitmix64(seed ^ 0x756E737472756374ull) ^ splitmix64(li)));
        const LayerPlan plan = plan_layer(layer, d.block_channels);
        ImageLayer il = image_layer_shell(layer, ImageLayerKind::Raw);
        const uint64_t n = plan.filter_size * il.K;
        const auto nz = static_cast<uint64_t>(std::llround(resolve_densities(layer, d).raw * static_cast<double>(n)));
        il.raw.assign(n, 0);
        if (n <= UINT32_MAX) scatter_nonzeros<uint32_t>(il.raw.data(), n, nz, g);
        else scatter_nonzeros<uint64_t>(il.raw.data(), n, nz, g);
        il.raw_scale = static_cast<float>(std::ldexp(1.0, -9));
        il.synthetic = true;
        img.layers.push_back(std::move(il));
    }
    return img;
}

WeightImage make_synthetic_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d) {
    return make_synthetic_image(workload, seed, d, nullptr);
}

WeightImage make_unstructured_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d) {
    return make_unstructured_image(workload, seed, d, nullptr);
}

}  // namespace sx
