#include "hw/smartexchange/se_controller.h"

#include "hw/smartexchange/rebuild_engines.h"

namespace sx::se {

DmaCommand basis_load(const SeLayer& L, int64_t k, uint32_t wt, GlobalBuffer* wb, uint64_t w_slot) {
    const ImageLayer& img = *L.image;
    const uint32_t r1 = L.wt_end(wt);
    uint32_t bl0 = L.block_first[wt], bl1 = bl0;
    for (uint32_t b = 0; b < img.blocks_per_filter; ++b)
        if (img.blocks[b].first_row < r1) bl1 = b;
    return {L.dram_basis + (k * img.blocks_per_filter + bl0) * kBasisRecordBytes, (bl1 - bl0 + 1) * kBasisRecordBytes,
            false, wb, w_slot + L.w_slot_ce};
}

std::vector<DmaCommand> weight_tile_loads(const SeLayer& L, int64_t k, uint32_t wt, GlobalBuffer* wb,
                                          uint64_t w_slot, GlobalBuffer* idx, uint64_t idx_slot) {
    const uint32_t r0 = L.wt_first(wt), r1 = L.wt_end(wt);
    if (!L.decomposed)
        return {{L.dram_raw + (static_cast<uint64_t>(k) * L.rows_per_filter + r0) * L.row_len,
                 static_cast<uint64_t>(r1 - r0) * L.row_len, false, wb, w_slot}};
    // Ce codes of the tile's non-zero rows: 3 nibbles each, the first may start mid-byte.
    const uint32_t nz0 = L.nz_at[k * (L.n_wtiles + 1) + wt], nz1 = L.nz_at[k * (L.n_wtiles + 1) + wt + 1];
    const uint64_t b0 = 3ull * nz0 / 2, b1 = (3ull * nz1 + 1) / 2;
    const uint64_t bit0 = static_cast<uint64_t>(k) * L.rows_per_filter + r0;
    const uint64_t bit1 = static_cast<uint64_t>(k) * L.rows_per_filter + r1;
    return {{L.ce_off[k] + b0, b1 - b0, false, wb, w_slot},
            basis_load(L, k, wt, wb, w_slot),
            {L.dram_bitmap + bit0 / 8, (bit1 + 7) / 8 - bit0 / 8, false, idx, idx_slot}};
}

SeController::SeController(SeFabric& fab) : f_(fab), mon_(fab.ctx.monitor.add("controller")) {
    f_.streamer.set_monitor(mon_);
}

void SeController::load_weights(int64_t kg, uint32_t wt, uint64_t wbase, uint64_t ibase) {
    const SeLayer& L = f_.L;
    const uint64_t M = static_cast<uint64_t>(L.dim_m);
    for (uint64_t m = 0; m < M; ++m) {
        const int64_t k = kg * static_cast<int64_t>(M) + static_cast<int64_t>(m);
        if (k >= L.K()) break;
        for (const DmaCommand& c : weight_tile_loads(L, k, wt, f_.wb, wbase + m * L.w_slot, f_.idx, ibase + m * L.idx_slot))
            f_.streamer.load(c);
    }
}

void SeController::run() {
    SimContext& ctx = f_.ctx;
    const SeLayer& L = f_.L;
    TileStreamer& ts = f_.streamer;
    GlobalBuffer &in = *f_.in, &wb = *f_.wb, &idx = *f_.idx;
    const bool input_resident = L.n_ptiles == 1 && L.N() == 1;
    const uint64_t stores_expected = static_cast<uint64_t>(L.N() * L.n_ptiles * L.n_kgroups);
    int in_half = 0;
    ts.attach(*f_.dma);
    ts.begin_layer();
    for (int64_t n = 0; n < L.N(); ++n)
        for (int64_t pt = 0; pt < L.n_ptiles; ++pt) {
            const bool new_input = !input_resident || (n == 0 && pt == 0);
            if (new_input) {
                in_half = ts.acquire(f_.in_stream);
                const int64_t lo = L.in_lo(pt), hi = L.in_hi(pt);
                for (int64_t c = 0; c < L.C(); ++c)
                    ts.load({L.dram_in + static_cast<uint64_t>(((n * L.C() + c) * L.H() + lo) * L.W()),
                             static_cast<uint64_t>((hi - lo) * L.W()), false, &in,
                             in_half * L.in_half + L.in_row_addr(c, 0)});
                in.occupancy += static_cast<uint64_t>(L.C() * (hi - lo) * L.W());
            }
            for (int64_t kg = 0; kg < L.n_kgroups; ++kg)
                for (uint32_t wt = 0; wt < L.n_wtiles; ++wt) {
                    SeTask* t = new SeTask;
                    t->n = n;
                    t->pt = pt;
                    t->kg = kg;
                    t->wt = wt;
                    t->in_base = in_half * L.in_half;
                    t->first_of_group = wt == 0;
                    t->last_of_group = wt + 1 == L.n_wtiles;
                    t->release_input = !input_resident && kg + 1 == L.n_kgroups && t->last_of_group;
                    if (L.weights_resident) {
                        const uint64_t i = static_cast<uint64_t>(kg) * L.n_wtiles + wt;
                        t->w_base = i * L.w_tile_bytes;
                        t->idx_base = i * L.idx_tile_bytes;
                        if (ts.load_resident_once()) {
                            for (int64_t kk = 0; kk < L.n_kgroups; ++kk)
                                for (uint32_t ww = 0; ww < L.n_wtiles; ++ww) {
                                    const uint64_t j = static_cast<uint64_t>(kk) * L.n_wtiles + ww;
                                    load_weights(kk, ww, j * L.w_tile_bytes, j * L.idx_tile_bytes);
                                }
                            wb.occupancy += static_cast<uint64_t>(L.n_kgroups) * L.n_wtiles * L.w_tile_bytes;
                        }
                    } else {
                        const int w_half = ts.acquire(f_.w_stream);
                        t->w_base = w_half * (wb.capacity() / 2);
                        t->idx_base = w_half * (idx.capacity() / 2);
                        t->release_weights = true;
                        load_weights(kg, wt, t->w_base, t->idx_base);
                        wb.occupancy += L.w_tile_bytes;
                    }
                    ts.wait_loads();
                    f_.probe();
                    ts.hand_off(f_.task_q, t, "room in the task FIFO (index decoder busy)");
                    ++f_.cnt.tasks;
                }
        }
    ctx.monitor.waiting(mon_, "the last output store of the layer");
    while (f_.cnt.stores < stores_expected) sc_core::wait(f_.store_done_ev);
    ctx.monitor.waiting(mon_, "");
    // Hand back the input half held by a resident input and the resident weights.
    if (input_resident) ts.release(f_.in_stream);
    in.occupancy = wb.occupancy = f_.out->occupancy = 0;
    f_.probe();
}

}  // namespace sx::se
