#pragma once
// The wiring between the SmartExchange blocks: the bounded FIFOs that carry work items, the
// semaphores through which buffer halves are handed back, the global buffers and the DMA the
// blocks share, the per-layer plan they all read and the counters they all add to, and the
// VCD probe of the handshake signals.
//
//   controller --task_q--> index decoder --dec_q--> rebuild engines --re_q--> PE array driver
//   PE array driver --store_q--> store unit; in_sem / w_sem / out_sem: two halves each, the
//   streams of the shared tile streamer (hw/system/tile_streamer.h) the controller drives
#include <cstdint>
#include <vector>

#include <systemc>

#include "hw/buffer/global_buffer.h"
#include "hw/common/output_requant.h"
#include "hw/common/sim_context.h"
#include "hw/dma/dma.h"
#include "hw/smartexchange/se_layer.h"
#include "hw/smartexchange/se_params.h"
#include "hw/smartexchange/se_pipeline.h"
#include "hw/system/tile_streamer.h"

namespace sx::se {

struct SeFabric {
    SeFabric(SimContext& ctx, const SeParams& prm);

    SimContext& ctx;
    const SeParams prm;
    GlobalBuffer *in = nullptr, *out = nullptr, *wb = nullptr, *idx = nullptr;
    Dma* dma = nullptr;

    // Load/compute/store hand-off: input, weight and output buffer halves.
    TileStreamer streamer;
    const int in_stream, w_stream, out_stream;

    sc_core::sc_fifo<SeTask*> task_q;
    sc_core::sc_fifo<SeChunk*> dec_q;
    sc_core::sc_fifo<SeChunk*> re_q;  // 1 deep: the second RF bank of every line
    sc_core::sc_fifo<SeStore*> store_q;
    sc_core::sc_semaphore &in_sem, &w_sem, &out_sem;  // the streamer's halves
    sc_core::sc_event store_done_ev;

    // Per layer, set by the controller before its first task.
    SeLayer L;
    SeCounters cnt;
    std::vector<int32_t>* outputs = nullptr;  // N x K x P x Q accumulators (for the check)
    const OutputRequant* requant = nullptr;   // the layer's requantisation (null: fixed ReLU + shift)
    bool tracing = false;                     // this layer is the --vcd one

    // VCD: snapshot of the handshake signals and buffer occupancies (only while tracing).
    void probe(bool pe_busy = false);
    void trace(sc_core::sc_trace_file* tf);

private:
    struct Vcd {
        int dma_outstanding = 0;
        bool dma_req_pending = false, pe_busy = false;
        int task_q = 0, dec_q = 0, re_q = 0, store_q = 0;
        uint64_t in_occ = 0, w_occ = 0, out_occ = 0;
    } vcd_;
};

// A block of the pipeline: one SystemC module whose one process loops forever on the work
// items of its input FIFO, reporting what it waits for under its name in the progress monitor
// (the watchdog's diagnostic).
class SeBlock : public sc_core::sc_module {
protected:
    SeBlock(sc_core::sc_module_name name, SeFabric& fab, const char* monitor_name)
        : sc_module(name), f_(fab), mon_(fab.ctx.monitor.add(monitor_name)) {}
    // The process body: `one_item` forever; an exception ends the simulation (SimContext::fail).
    template <typename F>
    void forever(F&& one_item) {
        guarded(f_.ctx, [&] {
            for (;;) one_item();
        });
    }
    void waiting(const char* what) { f_.ctx.monitor.waiting(mon_, what); }

    SeFabric& f_;
    int mon_;
};

}  // namespace sx::se
