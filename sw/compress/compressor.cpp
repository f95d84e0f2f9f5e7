#include "sw/compress/compressor.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include <time.h>

#include "sw/common/error.h"
#include "sw/compress/block_decomposer.h"
#include "sw/compress/block_quantizer.h"
#include "sw/image/image_writer.h"
#include "sw/image/layer_plan.h"

namespace sx {

namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the calling thread: per-layer times stay meaningful when the machine is shared.
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct LayerWork {
    const Layer* layer = nullptr;
    const std::vector<float>* w = nullptr;
    LayerPlan plan;
    ImageLayer image;
    std::vector<uint8_t> codes;        // decomposed: K x rows_per_filter x 3, zero rows included
    std::vector<double> err2_float;    // per unit
    std::vector<int> iterations;       // per unit member (block)
    std::vector<int> reductions;       // per unit member
    std::vector<char> shift_limited;   // per block: basis precision cut by the shifter's range
    std::vector<double> seconds;       // per unit
    double scale = 0;                  // max |w| of the layer: what theta is relative to
    bool fallback = false;             // decomposed form larger than raw int8: stored raw
    uint64_t decomposed_bytes = 0;     // size of the decomposed sections (before a fallback)
};

struct Unit {
    std::size_t layer;
    uint32_t k0, k1;  // filters [k0, k1), all their blocks (decomposed)
    std::size_t slot; // index into the layer's per-unit vectors
};

void run_raw(LayerWork& lw, const CompressKnobs& knobs) {
    const std::vector<float>& w = *lw.w;
    const int q = (1 << (knobs.raw_bits - 1)) - 1;
    double amax = 0;
    for (float v : w) amax = std::max(amax, std::fabs(double(v)));
    const double scale = amax > 0 ? amax / q : 1.0;
    lw.image.raw.resize(w.size());
    for (std::size_t i = 0; i < w.size(); ++i)
        lw.image.raw[i] = static_cast<int8_t>(std::clamp(std::nearbyint(w[i] / scale), -double(q), double(q)));
    lw.image.raw_scale = static_cast<float>(scale);
}

// One unit: filters [k0, k1) of a decomposed layer, all their blocks. Each block index is
// decomposed for the group (structural mode shares its row support), then each filter's
// blocks are quantised together: one scale per filter (block_quantizer.h).
void run_filter_group(LayerWork& lw, const Unit& u, const CompressKnobs& knobs) {
    const uint64_t fs = lw.plan.filter_size;
    const std::vector<float>& w = *lw.w;
    const std::size_t nb = lw.plan.blocks.size();
    std::vector<std::vector<BlockMatrix>> W(nb);                 // [block][member]
    std::vector<std::vector<BlockDecomposition>> dec(nb);       // [block][member]
    for (std::size_t b = 0; b < nb; ++b) {
        const BlockSpan span = lw.plan.blocks[b];
        W[b].reserve(u.k1 - u.k0);
        for (uint32_t k = u.k0; k < u.k1; ++k) {
            BlockMatrix m = BlockMatrix::Zero(span.rows, 3);
            for (uint32_t i = 0; i < span.rows; ++i)
                for (int j = 0; j < 3; ++j) {
                    const uint64_t e = 3ull * (span.first_row + i) + j;
                    if (e < fs) m(i, j) = w[k * fs + e];  // 1x1/FC: zero padding past the filter
                }
            W[b].push_back(std::move(m));
        }
        dec[b] = decompose_group(W[b], knobs, knobs.structural, lw.scale);
    }
    double err2 = 0;
    for (uint32_t k = u.k0; k < u.k1; ++k) {
        const std::size_t g = k - u.k0;
        std::vector<const BlockDecomposition*> d(nb);
        std::vector<const BlockMatrix*> wb(nb);
        for (std::size_t b = 0; b < nb; ++b) d[b] = &dec[b][g], wb[b] = &W[b][g];
        std::vector<QuantizedBlock> qf = quantize_filter(d, wb, knobs.basis_bits);
        for (std::size_t b = 0; b < nb; ++b) {
            const BlockSpan span = lw.plan.blocks[b];
            QuantizedBlock& qb = qf[b];
            qb.block.first_row = span.first_row;
            qb.block.rows = span.rows;
            const std::size_t member = static_cast<std::size_t>(k) * nb + b;
            lw.image.blocks[member] = qb.block;
            std::copy(qb.codes.begin(), qb.codes.end(),
                      lw.codes.begin() + static_cast<std::ptrdiff_t>(3 * (uint64_t{k} * lw.plan.rows_per_filter + span.first_row)));
            err2 += (W[b][g] - dec[b][g].Q * dec[b][g].B).squaredNorm();
            lw.iterations[member] = dec[b][g].iterations;
            lw.reductions[member] = dec[b][g].theta_reductions;
            lw.shift_limited[member] = qb.shift_limited;
        }
    }
    lw.err2_float[u.slot] = err2;
}

// Bitmap and packed codes from the per-row codes, in (k, i) order.
void pack_codes(LayerWork& lw) {
    ImageLayer& il = lw.image;
    il.row_bitmap.assign((il.total_rows() + 7) / 8, 0);
    il.ce_codes.clear();
    uint64_t nibble = 0;
    for (uint64_t r = 0; r < il.total_rows(); ++r) {
        const uint8_t* c = &lw.codes[3 * r];
        if (!(c[0] | c[1] | c[2])) continue;
        il.row_bitmap[r >> 3] = static_cast<uint8_t>(il.row_bitmap[r >> 3] | (1u << (r & 7)));
        for (int t = 0; t < 3; ++t, ++nibble) {
            if ((nibble & 1) == 0) il.ce_codes.push_back(c[t]);
            else il.ce_codes.back() = static_cast<uint8_t>(il.ce_codes.back() | (c[t] << 4));
        }
    }
    lw.codes.clear();
    lw.codes.shrink_to_fit();
}

// Never worse than raw: a decomposed layer whose sections (24-byte block records, bitmap,
// codes) outgrow its int8 weights is re-encoded raw. Small layers (C = 3 first layers, short
// 1x1 filters) and dense Ce at small theta are the usual cases. Per layer, not per block: the
// image format has one kind per layer (docs/weight-image.md).
void apply_raw_fallback(LayerWork& lw, const CompressKnobs& knobs) {
    ImageLayer& il = lw.image;
    lw.decomposed_bytes = image_layer_bytes(il);
    const uint64_t raw_bytes = static_cast<uint64_t>(il.C / il.groups) * il.R * il.S * il.K;
    if (!knobs.raw_fallback || lw.decomposed_bytes <= raw_bytes) return;
    il.kind = ImageLayerKind::Raw;
    il.rows_per_filter = 0;
    il.blocks_per_filter = 0;
    il.blocks.clear();
    il.row_bitmap.clear();
    il.ce_codes.clear();
    run_raw(lw, knobs);
    lw.fallback = true;
}

void fill_sizes(LayerReport& r, const ImageLayer& l) {
    r.name = l.name;
    r.kind = l.kind == ImageLayerKind::Decomposed ? "decomposed" : "raw";
    r.image_bits = 0;
    r.params = static_cast<uint64_t>(l.C / l.groups) * l.R * l.S * l.K;
    r.fp32_bytes = 4 * r.params;
    r.int8_bytes = r.params;
    r.image_bytes = image_layer_bytes(l);
    r.synthetic = l.synthetic;
    if (l.kind == ImageLayerKind::Decomposed) {
        const uint64_t rows = l.total_rows(), nz = l.nonzero_rows();
        uint64_t nz_codes = 0;
        for (uint64_t i = 0; i < nz; ++i)
            for (int t = 0; t < 3; ++t) nz_codes += l.ce_code(i, t) != 0;
        r.ce_rows = rows;
        r.ce_nonzero_rows = nz;
        r.ce_nonzero_elements = nz_codes;
        r.reference_bits = rows + 4 * nz_codes;  // the reference's count: bitmap + 4-bit codes, no bases
        r.row_sparsity = rows ? 1.0 - double(nz) / double(rows) : 0.0;
        r.element_sparsity = rows ? 1.0 - double(nz_codes) / double(3 * rows) : 0.0;
        r.blocks = l.blocks.size();
    } else {
        uint64_t zeros = 0;
        for (int8_t v : l.raw) zeros += v == 0;
        r.reference_bits = 8 * l.raw.size();  // raw int8: what is stored
        r.element_sparsity = l.raw.empty() ? 0.0 : double(zeros) / double(l.raw.size());
    }
    r.image_bits = 8 * r.image_bytes;
    r.compression = r.image_bytes ? double(r.fp32_bytes) / double(r.image_bytes) : 0.0;
    r.bits_per_weight = r.params ? 8.0 * double(r.image_bytes) / double(r.params) : 0.0;
}

void finish_total(CompressReport& rep, const WeightImage& image) {
    LayerReport& t = rep.total;
    t = LayerReport{};
    t.name = "total";
    double rows = 0, zero_rows = 0, elems = 0, zero_elems = 0, iters = 0;
    bool have_error = true;
    for (const LayerReport& r : rep.layers) {
        t.params += r.params;
        t.fp32_bytes += r.fp32_bytes;
        t.int8_bytes += r.int8_bytes;
        t.err2 += r.err2;
        t.err2_float += r.err2_float;
        t.ref2 += r.ref2;
        t.seconds += r.seconds;
        t.theta_reductions += r.theta_reductions;
        t.shift_limited_blocks += r.shift_limited_blocks;
        t.iterations_max = std::max(t.iterations_max, r.iterations_max);
        t.blocks += r.blocks;
        t.ce_rows += r.ce_rows;
        t.ce_nonzero_rows += r.ce_nonzero_rows;
        t.ce_nonzero_elements += r.ce_nonzero_elements;
        t.reference_bits += r.reference_bits;
        t.fallbacks += r.kind == "raw-fallback";
        iters += r.iterations_mean * double(r.blocks);
        have_error = have_error && r.rel_error >= 0;
        if (r.kind == "decomposed") {
            rows += double(r.ce_rows);
            zero_rows += double(r.ce_rows - r.ce_nonzero_rows);
        }
        elems += double(r.params);
        zero_elems += double(r.params) * r.element_sparsity;
    }
    t.kind = "";
    t.image_bytes = serialize_image(image).size();
    t.image_bits = 8 * t.image_bytes;
    t.compression = t.image_bytes ? double(t.fp32_bytes) / double(t.image_bytes) : 0.0;
    t.bits_per_weight = t.params ? 8.0 * double(t.image_bytes) / double(t.params) : 0.0;
    t.row_sparsity = rows > 0 ? zero_rows / rows : 0.0;
    t.element_sparsity = elems > 0 ? zero_elems / elems : 0.0;
    t.iterations_mean = t.blocks ? iters / double(t.blocks) : 0.0;
    if (have_error && t.ref2 > 0) {
        t.rel_error = std::sqrt(t.err2 / t.ref2);
        t.rel_error_float = std::sqrt(t.err2_float / t.ref2);
    }
    t.synthetic = rep.synthetic;
}

// compress_weights in four steps, one function each (it was one ~120-line function): check
// and lay out the layers, cut them into units, run the units on the worker threads, and
// assemble each layer's image and report.

// One LayerWork per compute layer, in workload order, with its weights checked (present,
// the right count, finite) and its image shell and per-block vectors sized.
std::vector<LayerWork> prepare_layers(const Workload& workload, const WeightMap& weights, const CompressKnobs& knobs,
                                      const std::string& origin) {
    std::vector<LayerWork> work;
    for (const Layer& layer : workload.layers) {
        if (!layer.is_compute()) continue;
        LayerWork lw;
        lw.layer = &layer;
        lw.plan = plan_layer(layer, knobs.block_channels);
        const uint64_t n = lw.plan.filter_size * static_cast<uint64_t>(layer.K);
        auto it = weights.find(layer.name);
        if (it == weights.end())
            throw InputError(origin, layer.name, "an array named '" + layer.name + "' with " + std::to_string(n) +
                                                     " weights (K x C/groups x R x S)", "none");
        if (it->second.size() != n)
            throw InputError(origin, layer.name, std::to_string(n) + " weights (K x C/groups x R x S)",
                             std::to_string(it->second.size()));
        for (float v : it->second)
            if (!std::isfinite(v)) throw InputError(origin, layer.name, "finite weights", "NaN or infinity");
        lw.w = &it->second;
        for (float v : it->second) lw.scale = std::max(lw.scale, std::fabs(double(v)));
        lw.image = image_layer_shell(layer, lw.plan.kind);
        ImageLayer& il = lw.image;
        if (il.kind == ImageLayerKind::Decomposed) {
            il.rows_per_filter = lw.plan.rows_per_filter;
            il.blocks_per_filter = static_cast<uint32_t>(lw.plan.blocks.size());
            il.blocks.resize(static_cast<std::size_t>(il.K) * il.blocks_per_filter);
            lw.codes.assign(3 * il.total_rows(), 0);
            lw.iterations.assign(il.blocks.size(), 0);
            lw.reductions.assign(il.blocks.size(), 0);
            lw.shift_limited.assign(il.blocks.size(), 0);
        }
        work.push_back(std::move(lw));
    }
    return work;
}

// Units: per decomposed layer, per filter group (all blocks of its filters: they share a
// scale); per raw layer, one. Sizes each layer's per-unit vectors.
std::vector<Unit> make_units(std::vector<LayerWork>& work, const CompressKnobs& knobs) {
    std::vector<Unit> units;
    const uint32_t group = knobs.structural ? knobs.structural_group : 1;
    for (std::size_t li = 0; li < work.size(); ++li) {
        LayerWork& lw = work[li];
        std::size_t slot = 0;
        if (lw.plan.kind == ImageLayerKind::Raw) {
            units.push_back({li, 0, 0, slot++});
        } else {
            for (uint32_t k0 = 0; k0 < lw.image.K; k0 += group)
                units.push_back({li, k0, std::min<uint32_t>(lw.image.K, k0 + group), slot++});
        }
        lw.err2_float.assign(slot, 0.0);
        lw.seconds.assign(slot, 0.0);
    }
    return units;
}

// Runs every unit on knobs.threads threads (the caller's included), each taking the next
// unit in turn. Units write disjoint parts of their layer, so the result does not depend on
// the scheduling; of several failing units, the first one's error is rethrown.
void run_units(std::vector<LayerWork>& work, const std::vector<Unit>& units, const CompressKnobs& knobs) {
    std::atomic<std::size_t> next{0};
    std::mutex error_mutex;
    std::size_t error_unit = units.size();
    std::exception_ptr error;
    auto worker = [&] {
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= units.size()) return;
            const Unit& u = units[i];
            LayerWork& lw = work[u.layer];
            const double t0 = thread_cpu_seconds();
            try {
                if (lw.plan.kind == ImageLayerKind::Raw) run_raw(lw, knobs);
                else run_filter_group(lw, u, knobs);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (i < error_unit) {  // the first unit's error, whatever the scheduling
                    error_unit = i;
                    error = std::current_exception();
                }
            }
            lw.seconds[u.slot] = thread_cpu_seconds() - t0;
        }
    };
    const int nthreads = std::max(1, std::min<int>(knobs.threads, static_cast<int>(units.size())));
    std::vector<std::thread> threads;
    for (int t = 1; t < nthreads; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    if (error) std::rethrow_exception(error);
}

// A layer whose units have all run: packs its codes, falls back to raw when that is smaller,
// and reports sizes, the error of the decoded image against the float weights, iterations,
// theta reductions and CPU time. lw.image is final afterwards.
LayerReport finish_layer(LayerWork& lw, const CompressKnobs& knobs) {
    if (lw.image.kind == ImageLayerKind::Decomposed) {
        pack_codes(lw);
        apply_raw_fallback(lw, knobs);
    }
    LayerReport r;
    fill_sizes(r, lw.image);
    if (lw.fallback) {
        r.kind = "raw-fallback";
        r.decomposed_bytes = lw.decomposed_bytes;
    }
    const std::vector<float> dec = decode_float(lw.image);
    const std::vector<float>& w = *lw.w;
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double d = double(w[i]) - double(dec[i]);
        r.err2 += d * d;
        r.ref2 += double(w[i]) * w[i];
    }
    for (double e : lw.err2_float) r.err2_float += e;
    if (lw.image.kind == ImageLayerKind::Raw) r.err2_float = r.err2;  // incl. fallbacks
    r.rel_error = r.ref2 > 0 ? std::sqrt(r.err2 / r.ref2) : 0.0;
    r.rel_error_float = r.ref2 > 0 ? std::sqrt(r.err2_float / r.ref2) : 0.0;
    double it_sum = 0;
    for (int it : lw.iterations) {
        it_sum += it;
        r.iterations_max = std::max(r.iterations_max, it);
    }
    r.iterations_mean = lw.iterations.empty() ? 0.0 : it_sum / double(lw.iterations.size());
    for (int red : lw.reductions) r.theta_reductions += red > 0;
    if (!lw.fallback)
        for (char lim : lw.shift_limited) r.shift_limited_blocks += lim != 0;
    for (double s : lw.seconds) r.seconds += s;
    return r;
}

}  // namespace

CompressResult compress_weights(const Workload& workload, const WeightMap& weights, const CompressKnobs& knobs,
                                const std::string& origin) {
    knobs.validate("compressor knobs");
    const auto wall0 = Clock::now();
    std::vector<LayerWork> work = prepare_layers(workload, weights, knobs, origin);
    const std::vector<Unit> units = make_units(work, knobs);
    run_units(work, units, knobs);

    CompressResult result;
    result.image.network = workload.name;
    result.report.network = workload.name;
    result.report.threads = knobs.threads;
    for (LayerWork& lw : work) {
        result.report.layers.push_back(finish_layer(lw, knobs));
        result.image.layers.push_back(std::move(lw.image));
    }
    finish_total(result.report, result.image);
    result.report.wall_seconds = std::chrono::duration<double>(Clock::now() - wall0).count();
    return result;
}

CompressReport report_image(const WeightImage& image) {
    CompressReport rep;
    rep.network = image.network;
    rep.synthetic = !image.layers.empty();
    for (const ImageLayer& l : image.layers) {
        LayerReport r;
        fill_sizes(r, l);
        rep.synthetic = rep.synthetic && l.synthetic;
        rep.layers.push_back(r);
    }
    finish_total(rep, image);
    return rep;
}

}  // namespace sx
