// SCNN's PE: the F x I multiplier array forms the Cartesian product of F non-zero weights and
// I non-zero activations each cycle and scatters the products through the crossbar to the
// accumulator bank of their output coordinate. Loop order inside a block (input stationary):
// for each activation vector, replay every weight vector of the block from the FIFO.
// Strided layers: weights and activations are split into stride^2 phase lists so that every
// product of a phase pair lands on an output (the compiler's job, docs/scnn.md).
#include "hw/scnn/iaram_port.h"
#include "hw/scnn/layer_engine.h"
#include "hw/scnn/scatter_crossbar.h"
#include "sw/common/error.h"

#include <algorithm>

namespace sx::scnn {

namespace {

// A walk over a PE's FIFO entries in order: FifoView::vec(j) / weights(j) take the ring
// position modulo the capacity (a 64-bit division) per call; the cursor wraps instead.
class FifoCursor {
public:
    FifoCursor(const FifoView& f, uint64_t j) : f_(f), i_((f.first + j) % f.cap) {}
    const FifoVector& vec() const { return f_.v[i_]; }
    const WgtEntry* weights() const { return f_.w + i_ * static_cast<std::size_t>(f_.F); }
    void next() {
        if (++i_ == f_.cap) i_ = 0;
    }

private:
    const FifoView& f_;
    std::size_t i_;
};

// The errors the PE loops raise, out of line (kept off the hot paths' code).
[[noreturn]] __attribute__((cold, noinline)) void fail_fifo_entry(const Layer& L, int nw, int F) {
    throw SimulationError("scnn: layer " + L.name + ": a FIFO entry holds " + std::to_string(nw) +
                          " weights, more than F = " + std::to_string(F));
}
[[noreturn]] __attribute__((cold, noinline)) void fail_outside_region(const Layer& L, int pe, int64_t p, int64_t q) {
    throw SimulationError("scnn: layer " + L.name + ": PE " + std::to_string(pe) + " formed a product for output (" +
                          std::to_string(p) + ", " + std::to_string(q) + ") outside its tile and halo (mapping error)");
}

// A planar PE's accumulator region: its origin (tile minus the halo above and left of it) and
// the outputs it holds, inside the plane and its tile + halo ([lop, hip) x [loq, hiq)).
struct PeRegion {
    int64_t pr0, qc0, lop, hip, loq, hiq;
    uint64_t spanp, spanq;  // hip - lop, hiq - loq (0 when empty): one unsigned test per side
    PeRegion(const PlanarMapping& m, int pe) {
        const int ti = pe / m.pe_cols, tj = pe % m.pe_cols;
        pr0 = m.tile_p0(ti) - (m.output_halo ? m.halo_rows : 0);
        qc0 = m.tile_q0(tj) - (m.output_halo ? m.halo_cols : 0);
        lop = std::max<int64_t>(0, m.region_p0(ti));
        hip = std::min<int64_t>(m.P, m.tile_p1(ti));
        loq = std::max<int64_t>(0, m.region_q0(tj));
        hiq = std::min<int64_t>(m.Q, m.tile_q1(tj));
        spanp = hip > lop ? static_cast<uint64_t>(hip - lop) : 0;
        spanq = hiq > loq ? static_cast<uint64_t>(hiq - loq) : 0;
    }
    bool holds(int64_t p, int64_t q) const {
        return static_cast<uint64_t>(p - lop) < spanp && static_cast<uint64_t>(q - loq) < spanq;
    }
};

class SparsePeArray : public PeArrayPolicy {
public:
    SparsePeArray(int banks, const std::string& mapping, int queue_entries) : xbar_(banks, mapping, queue_entries) {}
    bool sparse() const override { return true; }

    uint64_t run_fifo(LayerEngine& e, int pe, const WeightBlock& b, const FifoView& fifo,
                      std::vector<uint64_t>* first_use) override {
        if (first_use) first_use->clear();
        if (b.target >= 0 && b.target != pe) return 0;
        const auto& A = e.acts(pe, b.c);
        if (A.empty() || fifo.n == 0) return 0;
        const auto& ao = e.act_offs(pe, b.c);
        const PlanarMapping& m = e.mapping();
        const Layer& L = e.layer();
        const int F = e.params().F, I = e.params().I;
        const int64_t kbase = b.group * m.Kc, st = L.stride, pad = L.padding;
        const uint64_t stalls0 = xbar_.stall_cycles, prod0 = xbar_.products;
        int32_t* acc = e.acc(pe);
        uint64_t cycles = 0;
        // The output region this PE's accumulators hold (planar tiling): its own tile plus the
        // halo above and left of it, the part the halo exchange counts. A product outside it
        // would be a partial sum no modelled transfer carries: a mapping error.
        const int ti = pe / m.pe_cols, tj = pe % m.pe_cols;
        const int64_t rp0 = m.region_p0(ti), rp1 = m.tile_p1(ti), rq0 = m.region_q0(tj), rq1 = m.tile_q1(tj);
        const int64_t pr0 = m.tile_p0(ti) - (m.output_halo ? m.halo_rows : 0);
        const int64_t qc0 = m.tile_q0(tj) - (m.output_halo ? m.halo_cols : 0);
        const int64_t pitch = m.channel_pitch, cols = m.acc_cols;
        const bool unit = st == 1;
        // Loop invariants in locals: the accumulator stores below may alias int fields.
        const bool split = m.channel_split;
        const int64_t P = m.P, Q = m.Q;
        uint64_t discarded = 0;
        addrs_.resize(static_cast<std::size_t>(F) * static_cast<std::size_t>(I));
        uint32_t* const addrs = addrs_.data();
        // The FIFO entries are in phase order (piece_to_fifo): phase ph's weight vectors are
        // entries [j0, j1).
        uint64_t j1 = 0;
        FifoCursor scan(fifo, 0);
        // The activation vectors come through the PE's IARAM read port (iaram_port.h).
        if (e.iaram_lead.size() <= static_cast<std::size_t>(pe)) e.iaram_lead.resize(static_cast<std::size_t>(pe) + 1, 0);
        IaramPort port(e.iaram_word_bits, e.act_entry_bits());
        port.begin_piece(e.iaram_lead[static_cast<std::size_t>(pe)]);
        for (int ph = 0; ph < e.phases(); ++ph) {
            const uint32_t a0 = ao[static_cast<std::size_t>(ph)], a1 = ao[static_cast<std::size_t>(ph) + 1];
            const uint64_t j0 = j1;
            while (j1 < fifo.n && scan.vec().phase == ph) {
                ++j1;
                scan.next();
            }
            if (first_use) first_use->resize(j1, UINT64_MAX);
            if (a0 == a1 || j0 == j1) continue;
            port.begin_list();
            if (!split && I <= 64 && a1 - a0 > static_cast<uint32_t>(I)) {
                // Planar, the piece replayed for at least 2 activation vectors: the same
                // arithmetic with the address split into an activation part and a weight part
                // laid out once per piece (fast path; with one vector the layout would cost as
                // much as the products).
                cycles = run_planar(e, pe, fifo, A, a0, a1, j0, j1, kbase, port, cycles, first_use, discarded);
                continue;
            }
            if (!split && I <= 64 && a1 - a0 <= static_cast<uint32_t>(I)) {
                // Planar, one activation vector (late layers' small tiles): the same arithmetic
                // fused, without the per-piece layout.
                cycles = run_single(e, pe, fifo, A, a0, a1, j0, j1, kbase, port, cycles, first_use, discarded);
                continue;
            }
            for (uint32_t ai = a0; ai < a1; ai += static_cast<uint32_t>(I)) {
                const uint32_t ae = std::min(a1, ai + static_cast<uint32_t>(I));
                ++e.cnt.iaram_reads;
                cycles = read_vector(port, ae - a0, cycles);
                FifoCursor cur(fifo, j0);
                for (uint64_t j = j0; j < j1; ++j, cur.next()) {
                    // One weight vector, read in place from the PE's FIFO.
                    const WgtEntry* wv = cur.weights();
                    const int nw = cur.vec().n;
                    ++e.cnt.fifo_reads;
                    // The first activation vector of the phase reads each weight vector first.
                    if (first_use && ai == a0) (*first_use)[j] = cycles;
                    if (nw > F) fail_fifo_entry(L, nw, F);
                    // This cycle's products: accumulated here, their addresses routed through the
                    // crossbar together afterwards (a bank's load is a count: order-free).
                    std::size_t np = 0;
                    for (uint32_t x = ai; x < ae; ++x) {
                        const ActEntry& a = A[x];
                        const int64_t ah = a.h + pad, aw = a.w + pad;
                        for (int y = 0; y < nw; ++y) {
                            const WgtEntry& w = wv[y];
                            const int64_t dh = ah - w.r, dw = aw - w.s;
                            // Inside a phase pair dh and dw are multiples of the stride.
                            const int64_t p = unit ? dh : dh / st, q = unit ? dw : dw / st;
                            if (dh < 0 || dw < 0 || p >= P || q >= Q) {
                                ++discarded;
                                continue;
                            }
                            if (!split && (p < rp0 || p >= rp1 || q < rq0 || q >= rq1)) fail_outside_region(L, pe, p, q);
                            // mapping().acc_addr() with the PE's region origin hoisted (channel
                            // split: the channel's entry).
                            const uint32_t addr = split
                                                      ? static_cast<uint32_t>(w.k - kbase)
                                                      : static_cast<uint32_t>((w.k - kbase) * pitch + (p - pr0) * cols + (q - qc0));
                            acc[addr] += a.v * w.v;
                            addrs[np++] = addr;
                        }
                    }
                    cycles += xbar_.cycle(addrs, np);
                    e.cnt.mult_slots += static_cast<uint64_t>(F) * static_cast<uint64_t>(I);
                    ++e.cnt.array_cycles;
                }
            }
        }
        if (j1 != fifo.n)
            throw SimulationError("scnn: layer " + L.name + ": a weight piece holds FIFO entries of no stride phase");
        cycles += xbar_.finish();  // queued products still on their way to the banks (0 unbuffered)
        e.iaram_lead[static_cast<std::size_t>(pe)] = port.tail(cycles);
        e.cnt.iaram_words += port.words;
        e.cnt.iaram_stalls += port.stall_cycles;
        e.cnt.products_discarded += discarded;
        e.cnt.conflict_stalls += xbar_.stall_cycles - stalls0;
        const uint64_t prods = xbar_.products - prod0;
        e.cnt.products += prods;
        e.cnt.acc_reads += prods;
        e.cnt.acc_writes += prods;
        return cycles;
    }

private:
    // Activation entries [a0, a1) of one stride phase of a planar layer against its FIFO entries
    // [j0, j1): returns the cycle count after them (from `cycles`). Same products, accumulator
    // addresses, crossbar cycles, counters and errors as the general loop in run_fifo. Inside a
    // phase pair h + pad and r have the same residue mod the stride, so the output row
    // (h + pad - r) / stride = (h + pad) / stride - r / stride exactly (and negative exactly
    // when h + pad < r): the division is done once per activation and once per weight.
    uint64_t run_planar(LayerEngine& e, int pe, const FifoView& fifo, const std::vector<ActEntry>& A, uint32_t a0,
                      uint32_t a1, uint64_t j0, uint64_t j1, int64_t kbase, IaramPort& port, uint64_t cycles,
                      std::vector<uint64_t>* first_use, uint64_t& discarded) {
        const PlanarMapping& m = e.mapping();
        const Layer& L = e.layer();
        const int F = e.params().F, I = e.params().I;
        const int64_t pad = L.padding, st = L.stride, P = m.P, Q = m.Q, cols = m.acc_cols, pitch = m.channel_pitch;
        const PeRegion rg(m, pe);
        const int64_t pr0 = rg.pr0, qc0 = rg.qc0, lop = rg.lop, hip = rg.hip, loq = rg.loq, hiq = rg.hiq;
        // Weight side, once per piece: r, s, value and (k - kbase) pitch - r cols - s.
        const std::size_t nv = static_cast<std::size_t>(j1 - j0);
        // The range of the piece's taps (stride-reduced): an activation whose products with
        // the extreme taps all land in the region lands all of them there (interior).
        int64_t rmin = INT64_MAX, rmax = INT64_MIN, smin = INT64_MAX, smax = INT64_MIN;
        wn_.resize(nv);
        wq_.resize(nv * static_cast<std::size_t>(F));
        FifoCursor cur(fifo, j0);
        for (std::size_t j = 0; j < nv; ++j, cur.next()) {
            const int nw = cur.vec().n;
            if (nw > F) fail_fifo_entry(L, nw, F);
            wn_[j] = static_cast<uint8_t>(nw);
            const WgtEntry* wv = cur.weights();
            for (int y = 0; y < nw; ++y) {
                const int64_t rq = st == 1 ? wv[y].r : wv[y].r / st, sq = st == 1 ? wv[y].s : wv[y].s / st;
                rmin = std::min(rmin, rq);
                rmax = std::max(rmax, rq);
                smin = std::min(smin, sq);
                smax = std::max(smax, sq);
                wq_[j * static_cast<std::size_t>(F) + static_cast<std::size_t>(y)] = {
                    static_cast<int32_t>(rq), static_cast<int32_t>(sq),
                    static_cast<int32_t>((wv[y].k - kbase) * pitch - rq * cols - sq), wv[y].v};
            }
        }
        int32_t* const acc = e.acc(pe);
        uint32_t* const addrs = addrs_.data();
        int64_t ah[64], aw[64];
        int32_t ab[64], av[64];
        bool inner[64];
        uint64_t arrays = 0, fifo_reads = 0;
        const bool fx = xbar_.stateless() && F * I < 256;  // as in run_single
        uint64_t xp = 0, xs = 0;
        for (uint32_t ai = a0; ai < a1; ai += static_cast<uint32_t>(I)) {
            const uint32_t ae = std::min(a1, ai + static_cast<uint32_t>(I));
            const int na = static_cast<int>(ae - ai);
            ++e.cnt.iaram_reads;
            cycles = read_vector(port, ae - a0, cycles);
            for (int x = 0; x < na; ++x) {
                const ActEntry& a = A[ai + static_cast<uint32_t>(x)];
                ah[x] = st == 1 ? a.h + pad : (a.h + pad) / st;
                aw[x] = st == 1 ? a.w + pad : (a.w + pad) / st;
                ab[x] = static_cast<int32_t>((ah[x] - pr0) * cols + (aw[x] - qc0));
                av[x] = a.v;
                // Rows ah - rmax .. ah - rmin and columns aw - smax .. aw - smin inside the
                // region (an empty piece has rmin > rmax: never interior, not used anyway).
                inner[x] = rmin <= rmax && smin <= smax && ah[x] - rmax >= lop && ah[x] - rmin < hip &&
                           aw[x] - smax >= loq && aw[x] - smin < hiq;
            }
            for (std::size_t j = 0; j < nv; ++j) {
                const int nw = wn_[j];
                const std::size_t w0 = j * static_cast<std::size_t>(F);
                ++fifo_reads;
                if (first_use && ai == a0) (*first_use)[j0 + j] = cycles;
                std::size_t np = 0;
                for (int x = 0; x < na; ++x) {
                    if (inner[x]) {  // every product of this activation lands in the region
                        const int32_t b = ab[x], v = av[x];
                        for (int y = 0; y < nw; ++y) {
                            const WQ& wq = wq_[w0 + static_cast<std::size_t>(y)];
                            const auto addr = static_cast<uint32_t>(b + wq.off);
                            acc[addr] += v * wq.v;
                            addrs[np++] = addr;
                        }
                        continue;
                    }
                    for (int y = 0; y < nw; ++y) {
                        const WQ& wq = wq_[w0 + static_cast<std::size_t>(y)];
                        const int64_t p = ah[x] - wq.r, q = aw[x] - wq.s;
                        if (rg.holds(p, q)) {
                            const auto addr = static_cast<uint32_t>(ab[x] + wq.off);
                            acc[addr] += av[x] * wq.v;
                            addrs[np++] = addr;
                        } else {
                            discard(L, pe, p, q, P, Q, discarded);
                        }
                    }
                }
                cycles += issue(addrs, np, fx, xp, xs);
                ++arrays;
            }
        }
        if (fx) xbar_.account(xp, xs, arrays);
        e.cnt.fifo_reads += fifo_reads;
        e.cnt.mult_slots += arrays * static_cast<uint64_t>(F) * static_cast<uint64_t>(I);
        e.cnt.array_cycles += arrays;
        return cycles;
    }

    // Activation entries [a0, a1) of one stride phase of a planar layer, at most I of them (one
    // multiplier-array input vector), against its FIFO entries [j0, j1): run_planar's arithmetic
    // without the per-piece weight layout (each weight is used by this one vector only, so the
    // layout would cost as much as the products). Same results as the general loop in run_fifo.
    __attribute__((noinline)) uint64_t run_single(LayerEngine& e, int pe, const FifoView& fifo, const std::vector<ActEntry>& A, uint32_t a0,
                        uint32_t a1, uint64_t j0, uint64_t j1, int64_t kbase, IaramPort& port, uint64_t cycles,
                        std::vector<uint64_t>* first_use, uint64_t& discarded) {
        const PlanarMapping& m = e.mapping();
        const Layer& L = e.layer();
        const int F = e.params().F, I = e.params().I;
        const int64_t pad = L.padding, st = L.stride, P = m.P, Q = m.Q, cols = m.acc_cols, pitch = m.channel_pitch;
        const PeRegion rg(m, pe);
        const int64_t pr0 = rg.pr0, qc0 = rg.qc0;
        int32_t* const acc = e.acc(pe);
        uint32_t* const addrs = addrs_.data();
        const int na = static_cast<int>(a1 - a0);
        int64_t ah[64], aw[64], ab[64];
        int32_t av[64];
        // Crossbar counters kept here when its cycles are independent (the loop's stores
        // could alias its fields).
        const bool fx = xbar_.stateless() && F * I < 256;  // max_load: byte counters
        uint64_t xp = 0, xs = 0;
        ++e.cnt.iaram_reads;
        cycles = read_vector(port, a1 - a0, cycles);
        for (int x = 0; x < na; ++x) {
            const ActEntry& a = A[a0 + static_cast<uint32_t>(x)];
            ah[x] = st == 1 ? a.h + pad : (a.h + pad) / st;
            aw[x] = st == 1 ? a.w + pad : (a.w + pad) / st;
            ab[x] = (ah[x] - pr0) * cols + (aw[x] - qc0);
            av[x] = a.v;
        }
        FifoCursor cur(fifo, j0);
        for (uint64_t j = j0; j < j1; ++j, cur.next()) {
            const WgtEntry* wv = cur.weights();
            const int nw = cur.vec().n;
            if (first_use) (*first_use)[j] = cycles;
            if (nw > F) fail_fifo_entry(L, nw, F);
            std::size_t np = 0;
            for (int y = 0; y < nw; ++y) {
                const WgtEntry& w = wv[y];
                const int64_t rq = st == 1 ? w.r : w.r / st, sq = st == 1 ? w.s : w.s / st;
                const int64_t off = (w.k - kbase) * pitch - rq * cols - sq;
                const int32_t wval = w.v;
                for (int x = 0; x < na; ++x) {
                    const int64_t p = ah[x] - rq, q = aw[x] - sq;
                    if (rg.holds(p, q)) {
                        const auto addr = static_cast<uint32_t>(ab[x] + off);
                        acc[addr] += av[x] * wval;
                        addrs[np++] = addr;
                    } else {
                        discard(L, pe, p, q, P, Q, discarded);
                    }
                }
            }
            cycles += issue(addrs, np, fx, xp, xs);
        }
        const auto arrays = j1 - j0;
        if (fx) xbar_.account(xp, xs, arrays);
        e.cnt.fifo_reads += arrays;
        e.cnt.mult_slots += arrays * static_cast<uint64_t>(F) * static_cast<uint64_t>(I);
        e.cnt.array_cycles += arrays;
        return cycles;
    }

    // The next activation vector (its last entry `n` of the list) through the IARAM port: the
    // array waits while the port cannot deliver it, and queued crossbar banks drain meanwhile.
    uint64_t read_vector(IaramPort& port, uint32_t n, uint64_t cycles) {
        const uint64_t ready = port.next(n, cycles);
        xbar_.idle(ready - cycles);
        return ready;
    }
    // One multiplier-array cycle's `np` products into the crossbar: its cycles. With a stateless
    // crossbar (`fx`) the counters stay in the caller's locals (xp products, xs stalls; the
    // accumulator stores could alias the crossbar's fields) until account().
    uint32_t issue(const uint32_t* addrs, std::size_t np, bool fx, uint64_t& xp, uint64_t& xs) {
        if (!fx) return xbar_.cycle(addrs, np);
        const uint32_t c = xbar_.max_load(addrs, np);
        xp += np;
        xs += c - 1;
        return c;
    }
    // A product outside the PE's region: outside the plane it is discarded (padding), inside
    // the plane it would be a partial sum no modelled transfer carries (a mapping error).
    static void discard(const Layer& L, int pe, int64_t p, int64_t q, int64_t P, int64_t Q, uint64_t& discarded) {
        if (p < 0 || q < 0 || p >= P || q >= Q)
            ++discarded;
        else
            fail_outside_region(L, pe, p, q);
    }

    ScatterCrossbar xbar_;
    std::vector<uint8_t> wn_;
    struct WQ {
        int32_t r, s;  // tap / stride
        int32_t off;   // (k - group base) x pitch - r x cols - s, stride-reduced
        int32_t v;
    };
    std::vector<WQ> wq_;  // run_planar: the piece's weights, laid out once
    std::vector<uint32_t> addrs_;  // accumulator addresses of one multiplier-array cycle
};

}  // namespace

std::unique_ptr<PeArrayPolicy> make_sparse_pe_array(int accumulator_banks, const std::string& bank_mapping,
                                                    int crossbar_queue_entries) {
    return std::make_unique<SparsePeArray>(accumulator_banks, bank_mapping, crossbar_queue_entries);
}

}  // namespace sx::scnn
