#include "hw/smartexchange/store_unit.h"

#include <algorithm>
#include <vector>

namespace sx::se {

SeStoreUnit::SeStoreUnit(sc_core::sc_module_name name, SeFabric& fab)
    : SeBlock(name, fab, "store_unit") {
    SC_THREAD(run);
}

void SeStoreUnit::run() {
    SimContext& ctx = f_.ctx;
    forever([&] {
        SeStore* s = f_.store_q.read();
        const SeLayer& L = f_.L;
        const int M = L.dim_m;
        const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K() - s->kg * M));
        const uint64_t half = L.psum_bytes + static_cast<uint64_t>(s->half) * M * L.out_seg;
        // The requantised outputs must be in their half before the DMA reads them.
        waiting("the requantisation's output-buffer accesses");
        const uint64_t t = ctx.now_cycles();
        s->psum_read->wait(ctx);
        s->out_writes.wait(ctx);
        ctx.settle(t, kOrderStore);
        waiting("the DMA (output writes)");
        for (int m = 0; m < mvalid; ++m)
            tickets_.push_back(f_.dma->submit({L.out_addr(s->n, s->pt, s->kg * M + m), L.out_seg, true, f_.out,
                                              half + static_cast<uint64_t>(m) * L.out_seg}));
        for (uint64_t t : tickets_) f_.dma->wait_done(t);
        tickets_.clear();
        waiting("");
        f_.out->occupancy -= L.psum_bytes + static_cast<uint64_t>(M) * L.out_seg;
        f_.out_sem.post();
        ++f_.cnt.stores;
        f_.store_done_ev.notify(sc_core::SC_ZERO_TIME);
        ctx.monitor.progress();
        f_.probe();
        delete s;
    });
}

}  // namespace sx::se
