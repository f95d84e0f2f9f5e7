#include "hw/eyeriss/rs_mapper.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "sw/common/error.h"

namespace sx::eyeriss {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Shape {
    int e, pieces, sets;
};

// The physical set shapes a layer may use: the whole E if it fits, split pieces stacked
// vertically, or strip-mined widths.
std::vector<Shape> set_shapes(int set_h, int64_t E, const EyerissParams& prm) {
    std::vector<Shape> out;
    const int fit_v = prm.rows / set_h;
    if (E <= prm.cols) {
        const int e = static_cast<int>(E);
        out.push_back({e, 1, fit_v * (prm.cols / e)});
        return out;
    }
    const int pieces = static_cast<int>(ceil_div(E, prm.cols));
    if (pieces * set_h <= prm.rows) out.push_back({static_cast<int>(E), pieces, prm.rows / (pieces * set_h)});
    int last = -1;
    for (int64_t k = pieces; k <= E; ++k) {  // k strips of width ceil(E/k)
        const int e = static_cast<int>(ceil_div(E, k));
        if (e == last) continue;
        last = e;
        out.push_back({e, 1, fit_v * (prm.cols / e)});
    }
    return out;
}

}  // namespace

int64_t RsMapping::passes() const {
    return groups * strips * r_folds * ceil_div(Kg, p * t) * channel_blocks() * batches();
}

std::string RsMapping::describe() const {
    std::ostringstream o;
    o << "set " << set_h << "x" << e;
    if (pieces > 1) o << " split " << pieces;
    if (strips > 1) o << " strips " << strips;
    if (r_folds > 1) o << " rfolds " << r_folds;
    o << " sets " << sets << " n" << n << " p" << p << " q" << q << " r" << r << " t" << t << " m" << m
      << " glb " << ifmap_slots << "x" << ifmap_banks << "i+" << psum_banks << "p" << (ifmap_resident() ? " resident" : "") << " pes "
      << active_pes;
    return o.str();
}

RsMapping map_layer(const Layer& layer, const EyerissParams& prm, double link_bytes_per_cycle, bool rlc_input) {
    RsMapping b;
    b.N = layer.N;
    b.groups = layer.type == LayerType::FullyConnected ? 1 : layer.groups;
    b.Cg = layer.C / b.groups;
    b.Kg = layer.K / b.groups;
    b.R = layer.R;
    b.S = layer.S;
    b.H = layer.H;
    b.W = layer.W;
    b.E = layer.P();
    b.F = layer.Q();
    b.stride = layer.stride;
    b.pad = layer.padding;
    const uint64_t vb = static_cast<uint64_t>(prm.value_bytes);
    if (b.S > prm.spad_ifmap)
        throw InputError(layer.name, "/S", "a filter width that fits the ifmap scratchpad (<= " +
                                               std::to_string(prm.spad_ifmap) + ")",
                         std::to_string(b.S));
    const int set_h = static_cast<int>(std::min<int64_t>(b.R, prm.rows));
    const int r_folds = static_cast<int>(ceil_div(b.R, set_h));
    const uint64_t bank = prm.glb_bank_bytes;
    // DRAM bytes per ifmap value: raw 16-bit, or RLC (a pair per non-zero, rlc_pairs_per_word
    // per 64-bit word) at the workload's activation density.
    const double density = layer.stats.activation_density.value_or(1.0);
    const double in_bpv = rlc_input ? 8.0 / prm.rlc_pairs_per_word * density : static_cast<double>(vb);
    const double in_bytes = static_cast<double>(layer.input_elems()) * in_bpv;
    const double w_bytes = static_cast<double>(layer.weights() * static_cast<int64_t>(vb));
    const double out_bytes = static_cast<double>(layer.output_elems() * static_cast<int64_t>(vb));

    // Two sweeps over the legal candidates: the first finds the fastest estimate, the second
    // takes, among those within 2% of it, the least DRAM traffic (the chip's compiler ranks by
    // energy, which DRAM dominates), then more active PEs, then fewer passes.
    double fastest = 0;
    bool found = false;
    RsMapping best;
    for (int sweep = 0; sweep < 2; ++sweep)
    for (const Shape& sh : set_shapes(set_h, b.E, prm)) {
        const int strips = static_cast<int>(ceil_div(b.E, sh.e));
        const int rows_needed = static_cast<int>(std::min<int64_t>((sh.e - 1) * b.stride + set_h, b.H + 2 * b.pad));
        const int rows_stored = static_cast<int>(std::min<int64_t>(rows_needed, b.H));
        for (int q = 1; q <= prm.spad_ifmap / b.S && q <= b.Cg; ++q)
            for (int p = 1; p <= prm.spad_psum && p <= b.Kg && p * q * b.S <= prm.spad_filter; ++p)
                for (int r = 1; r <= sh.sets && r <= ceil_div(b.Cg, q); ++r) {
                    // t: as many filter sets as fit and have filters to work on.
                    const int t = static_cast<int>(std::min<int64_t>(sh.sets / r, ceil_div(b.Kg, p)));
                    if (t < 1) continue;
                    const uint64_t fpass = static_cast<uint64_t>(p * t * q * r * set_h * b.S) * vb;
                    if (fpass > prm.filter_glb_bytes) continue;
                    for (int n = 1; n <= b.N; ++n) {
                        const uint64_t ifp = static_cast<uint64_t>(rows_stored * b.W) * vb;
                        const uint64_t psp = static_cast<uint64_t>(sh.e * b.F) * vb;
                        const int ibanks = static_cast<int>(ceil_div(static_cast<int64_t>(n * q * r * ifp), bank));
                        const int64_t pt = p * t;
                        const int64_t kmax = ceil_div(b.Kg, pt) * pt;
                        // GLB ifmap slots: one, two, or every channel block resident.
                        const int acc = static_cast<int>(r_folds * ceil_div(b.Cg, q * r));
                        for (int si = 0; si < 3; ++si) {
                            const int slots = si == 0 ? 1 : si == 1 ? 2 : acc;
                            if ((si == 1 && acc < 2) || (si == 2 && acc <= 2)) continue;  // listed already
                            const int free_banks = prm.glb_banks - ibanks * slots;
                            if (free_banks < 1) continue;
                            // Largest m (psum residency) that fits.
                            const int64_t m_fit = static_cast<int64_t>(free_banks * bank / (n * psp));
                            int64_t m = std::min<int64_t>(kmax, m_fit / pt * pt);
                            if (m < pt) continue;
                            RsMapping c = b;
                            c.set_h = set_h;
                            c.r_folds = r_folds;
                            c.e = sh.e;
                            c.pieces = sh.pieces;
                            c.strips = strips;
                            c.sets = sh.sets;
                            c.n = n;
                            c.p = p;
                            c.q = q;
                            c.r = r;
                            c.t = t;
                            c.m = m;
                            c.ifmap_rows = rows_needed;
                            c.ifmap_banks = ibanks;
                            c.psum_banks = static_cast<int>(ceil_div(static_cast<int64_t>(n * m * psp), bank));
                            c.ifmap_slots = slots;
                            c.active_pes = r * t * set_h * sh.e;
                            c.ifmap_plane_bytes = ifp;
                            c.psum_plane_bytes = psp;
                            c.filter_pass_bytes = fpass;
                            // Ranking estimate: a step (one output column of one image) lasts the
                            // longest of the MACs, the ifmap delivery and the psum drain.
                            // The same exposure rules as the PE array (pe_array.cpp): the
                            // PE order hides either the ifmap slide or the psum drain.
                            const int64_t ncap = std::min(b.stride, b.S);
                            const double macs_step = static_cast<double>(p * q * b.S);
                            const double if_vals = static_cast<double>(q * r * rows_stored * ncap);
                            const double ps_vals = static_cast<double>(p * t * sh.e);
                            const bool prefetch = prm.spad_ifmap - q * b.S >= q * ncap;
                            const bool pdouble = prm.spad_psum >= 2 * p;
                            const double im_exp = pdouble ? 0.0 : std::max(0.0, ps_vals / prm.psum_noc_values - (p - 1));
                            const double fm_exp = prefetch ? 0.0 : if_vals / prm.ifmap_noc_values;
                            const double step = std::max({macs_step + std::min(im_exp, fm_exp),
                                                          if_vals / prm.ifmap_noc_values, ps_vals / prm.psum_noc_values});
                            const double fill = static_cast<double>(q * r * rows_stored * b.S) / prm.ifmap_noc_values;
                            const double pass = static_cast<double>(n) * (static_cast<double>(b.F) * step + fill) +
                                                static_cast<double>(fpass / vb) / prm.filter_noc_values;
                            const double compute = static_cast<double>(c.passes()) * pass;
                            const double overlap =
                                std::max(1.0, static_cast<double>(strips * rows_stored) / static_cast<double>(b.H));
                            const bool resident = c.ifmap_resident();
                            const double dram = in_bytes * overlap * (resident ? 1.0 : static_cast<double>(c.filter_blocks())) +
                                                w_bytes * strips * static_cast<double>(c.batches()) + out_bytes;
                            // One slot: the banks the psums leave are a ring; a load prefetches
                            // into what the current block leaves free and the rest waits for the
                            // block's last use (loads once per strip when one block is resident).
                            double exposed = 0;
                            if (slots == 1) {
                                const double loads = static_cast<double>(b.groups * strips * c.batches()) *
                                                     (resident ? 1.0 : static_cast<double>(c.filter_blocks() * acc));
                                const double blk = static_cast<double>(n * q * r * ifp);
                                const double area = static_cast<double>((prm.glb_banks - c.psum_banks) * bank);
                                const double late = std::max(0.0, 1.0 - (area - blk) / blk);
                                exposed = loads * late * static_cast<double>(n * q * r * rows_stored * b.W) * in_bpv /
                                          link_bytes_per_cycle;
                            }
                            c.est_cycles = std::max(compute, dram / link_bytes_per_cycle) + exposed;
                            c.est_dram_bytes = dram;
                            if (sweep == 0) {
                                if (!found || c.est_cycles < fastest) fastest = c.est_cycles;
                                found = true;
                                continue;
                            }
                            if (c.est_cycles > fastest * (1.0 + prm.mapper_cycle_tolerance)) continue;
                            auto key = [](const RsMapping& x) {
                                return std::make_tuple(std::llround(x.est_dram_bytes / 64), -x.active_pes, x.passes());
                            };
                            if (best.active_pes == 0 || key(c) < key(best)) best = c;
                        }
                    }
                }
    }
    if (!found)
        throw InputError(layer.name, "/", "a layer the Eyeriss GLB and scratchpads can hold one pass of",
                         "no legal row-stationary mapping");
    return best;
}

}  // namespace sx::eyeriss
