#include "hw/dense/dense_pe_array.h"

#include <algorithm>
#include <string>

#include "sw/common/error.h"

namespace sx::dense {

namespace {

class DensePeArray : public scnn::PeArrayPolicy {
public:
    bool sparse() const override { return false; }

    uint64_t run_fifo(scnn::LayerEngine& e, int pe, const scnn::WeightBlock& b, const scnn::FifoView& fifo,
                      std::vector<uint64_t>* first_use) override {
        if (first_use) first_use->clear();
        if (b.target >= 0 && b.target != pe) return 0;
        const scnn::PlanarMapping& m = e.mapping();
        const Layer& L = e.layer();
        const int64_t F = e.params().F, I = e.params().I;
        int64_t p0 = 0, p1 = 1, q0 = 0, q1 = 1;
        if (!m.channel_split) {
            const int i = pe / m.pe_cols, j = pe % m.pe_cols;
            p0 = m.tile_p0(i); p1 = m.tile_p1(i); q0 = m.tile_q0(j); q1 = m.tile_q1(j);
        }
        const int64_t positions = (p1 - p0) * (q1 - q0);
        if (positions == 0) return 0;
        // Weight vectors [v0, v1) of the block: vector v = F output channels (k vector v / (R S))
        // at one tap (v % (R S)); each one is held for ceil(positions / I) cycles.
        const int64_t taps = L.R * L.S, vecs_pos = (positions + I - 1) / I;
        const uint64_t cycles = static_cast<uint64_t>((b.v1 - b.v0) * vecs_pos);
        // Each vector is used once, in order, for vecs_pos cycles: vector j first at j x vecs_pos.
        if (first_use)
            for (int64_t j = 0; j < b.v1 - b.v0; ++j) first_use->push_back(static_cast<uint64_t>(j * vecs_pos));
        // Arithmetic (dense: every tap, zeros and padding included; DCNN-opt gates zero operands).
        // Weights read in place from the PE's FIFO (entry v - v0: vector v), inputs from its IARAM.
        if (fifo.n != static_cast<uint64_t>(b.v1 - b.v0))
            throw SimulationError("dense: layer " + L.name + ": a weight piece of " + std::to_string(fifo.n) +
                                  " FIFO entries for " + std::to_string(b.v1 - b.v0) + " weight vectors");
        int32_t* acc = e.acc(pe);
        const int64_t kbase = b.group * m.Kc;
        const scnn::LayerEngine::TileView tile = e.tile(pe, b.c);
        uint64_t gated = 0, macs = 0;
        for (int64_t v = b.v0; v < b.v1; ++v) {
            const int64_t kv = v / taps, r = (v % taps) / L.S, s = v % L.S;
            const int64_t ka = b.k0 + kv * F, kb = std::min(b.k1, ka + F);
            const uint64_t j = static_cast<uint64_t>(v - b.v0);
            const scnn::WgtEntry* wv = fifo.weights(j);
            if (fifo.vec(j).n != kb - ka)
                throw SimulationError("dense: layer " + L.name + ": FIFO entry " + std::to_string(j) + " holds " +
                                      std::to_string(fifo.vec(j).n) + " weights for " + std::to_string(kb - ka) +
                                      " output channels");
            macs += static_cast<uint64_t>((kb - ka) * positions);
            for (int64_t k = ka; k < kb; ++k) {
                const int32_t wt = wv[k - ka].v;
                for (int64_t p = p0; p < p1; ++p) {
                    const int64_t h = p * L.stride - L.padding + r;
                    for (int64_t q = q0; q < q1; ++q) {
                        const int64_t w = q * L.stride - L.padding + s;
                        const bool pad = h < 0 || h >= L.H || w < 0 || w >= L.W;
                        if (!pad && !tile.holds(h, w))
                            throw SimulationError("dense: layer " + L.name + ": PE " + std::to_string(pe) +
                                                  " needs an input of channel " + std::to_string(b.c) +
                                                  " that is not in its IARAM");
                        const int32_t a = pad ? 0 : tile.at(h, w);
                        gated += (a == 0 || wt == 0);
                        acc[m.channel_split ? static_cast<uint32_t>(k - kbase) : m.acc_addr(pe, k - kbase, p, q)] += a * wt;
                    }
                }
            }
        }
        e.cnt.products += macs;
        e.cnt.zero_gated += gated;
        e.cnt.mult_slots += cycles * static_cast<uint64_t>(F * I);
        e.cnt.array_cycles += cycles;
        e.cnt.acc_reads += macs;
        e.cnt.acc_writes += macs;
        e.cnt.fifo_reads += cycles;              // one weight vector per cycle
        e.cnt.iaram_reads += cycles;             // one activation vector per cycle
        return cycles;
    }
};

}  // namespace

std::unique_ptr<scnn::PeArrayPolicy> make_dense_pe_array() { return std::make_unique<DensePeArray>(); }

}  // namespace sx::dense
