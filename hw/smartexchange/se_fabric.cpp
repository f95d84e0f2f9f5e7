#include "hw/smartexchange/se_fabric.h"

namespace sx::se {

SeFabric::SeFabric(SimContext& c, const SeParams& p)
    : ctx(c), prm(p), streamer(c),
      in_stream(streamer.add_stream("in_sem", 2, "a free input buffer half (pe_array still using both)")),
      w_stream(streamer.add_stream("w_sem", 2, "a free weight buffer half")),
      out_stream(streamer.add_stream("out_sem", 2, "a free output buffer half")), task_q("task_q", p.fifo_depth),
      dec_q("dec_q", p.fifo_depth), re_q("re_q", 1), store_q("store_q", p.fifo_depth),
      in_sem(streamer.halves(in_stream)), w_sem(streamer.halves(w_stream)), out_sem(streamer.halves(out_stream)) {}

void SeFabric::probe(bool pe_busy) {
    if (!tracing) return;
    vcd_.dma_outstanding = dma->outstanding();
    vcd_.dma_req_pending = dma->req_pending_ref();
    vcd_.task_q = task_q.num_available();
    vcd_.dec_q = dec_q.num_available();
    vcd_.re_q = re_q.num_available();
    vcd_.store_q = store_q.num_available();
    vcd_.pe_busy = pe_busy;
    vcd_.in_occ = in->occupancy;
    vcd_.w_occ = wb->occupancy;
    vcd_.out_occ = out->occupancy;
}

void SeFabric::trace(sc_core::sc_trace_file* tf) {
    sc_trace(tf, vcd_.dma_outstanding, "dma_outstanding");
    sc_trace(tf, vcd_.dma_req_pending, "dma_req_pending");
    sc_trace(tf, vcd_.task_q, "task_fifo_level");
    sc_trace(tf, vcd_.dec_q, "decoder_fifo_level");
    sc_trace(tf, vcd_.re_q, "rebuild_fifo_level");
    sc_trace(tf, vcd_.store_q, "store_fifo_level");
    sc_trace(tf, vcd_.pe_busy, "pe_busy");
    sc_trace(tf, vcd_.in_occ, "input_buffer_occupancy");
    sc_trace(tf, vcd_.w_occ, "weight_buffer_occupancy");
    sc_trace(tf, vcd_.out_occ, "output_buffer_occupancy");
}

}  // namespace sx::se
