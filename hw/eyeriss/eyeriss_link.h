#pragma once
// The off-chip side of Eyeriss: a 64-bit link FIFO between the DMA (DRAM) and the RLC codec.
// Loads stream DRAM byte ranges through the FIFO, decode them (RLC rows, or raw 16-bit values
// for the first layer's input) and write the values into the ifmap GLB; stores read psums
// from the GLB, and send the encoded words through the FIFO to DRAM. One SystemC thread
// serves jobs in order, except that while a load is stalled on its unreleased tail the link
// sends chunks of the stores queued behind it (eyeriss_link.cpp, run()); the controller waits
// for a job or lets it run behind compute.
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include <systemc>

#include "hw/buffer/global_buffer.h"
#include "hw/common/sim_context.h"
#include "hw/dma/dma.h"

namespace sx::eyeriss {

// One DRAM byte range of a load. RLC: whole 64-bit words; the first skip_pairs pairs and then
// skip_values values belong to the rows before the range, and the decoder stops after
// `values` values. Raw: 16-bit values.
struct LinkRange {
    uint64_t addr = 0, bytes = 0;
    int64_t skip_pairs = 0, skip_values = 0, values = 0;
};

struct LinkJob {
    bool store = false;
    // Load: DRAM ranges, decoded in order into glb at glb_addr (int16 values).
    std::vector<LinkRange> ranges;
    bool rlc = false;
    int64_t row_len = 0;
    uint64_t glb_addr = 0;
    int64_t values_expected = 0;
    // GLB ring: values go to glb_addr + (ring_offset + i) % ring_bytes (ring_bytes 0: no ring).
    // Only head_bytes may be written before release() (the rest overlaps a block in use).
    uint64_t ring_bytes = 0, ring_offset = 0;
    uint64_t head_bytes = UINT64_MAX;
    bool released = true;
    int64_t values_written = 0;   // decoded values written into the GLB so far
    // Store: encoded bytes (burst-padded) to DRAM at dram_addr; glb_read_bytes of psums are read
    // from the GLB first, then `encode` (if set) reads them from the GLB's storage and codes
    // them into `bytes` (the RLC encoder: the outputs leave from what the GLB holds at that
    // cycle, not from a copy); without `encode`, `bytes` is sent as given.
    std::vector<uint8_t> bytes;
    std::function<void(LinkJob&)> encode;
    uint64_t dram_addr = 0;
    uint64_t glb_read_addr = 0, glb_read_bytes = 0;
    // Store progress (the link may send part of a store while a load ahead of it is stalled).
    bool psums_read = false;  // the psum region may be overwritten from then on
    uint64_t sent = 0;  // bytes handed to the DMA and written to DRAM
    bool done = false;
};

class EyerissLink : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(EyerissLink);
    EyerissLink(sc_core::sc_module_name name, SimContext& ctx, Dma& dma, GlobalBuffer& glb, GlobalBuffer& fifo,
                uint32_t chunk_bytes, int run_bits, int pairs_per_word);

    void submit(LinkJob* job);  // from a thread; jobs run in order
    void wait(LinkJob* job);    // from a thread
    void release(LinkJob* job); // the GLB space past job->head_bytes is free
    // From a thread: returns once a store has read its psums out of the GLB (so the next psum
    // residency may overwrite them).
    void wait_psums_read(LinkJob* job);
    uint64_t fifo_words = 0;    // 64-bit words through the FIFO (energy)
    uint64_t codec_values = 0;  // values encoded or decoded

private:
    void run();
    void do_load(LinkJob& j);
    void do_store(LinkJob& j);
    void read_psums(LinkJob& j);
    // While a load is stalled: sends one chunk of the first unfinished queued store through
    // FIFO half `slot`, waits for it to reach DRAM; false if no store is queued.
    bool store_chunk_while_stalled(uint64_t slot);
    void finish(LinkJob* j);
    SimContext& ctx_;
    Dma& dma_;
    GlobalBuffer& glb_;
    GlobalBuffer& fifo_;
    uint32_t chunk_;
    int run_bits_;
    int pairs_per_word_;  // RLC pairs per 64-bit word (rlc.h)
    int mon_;
    std::deque<LinkJob*> q_;
    sc_core::sc_event submit_ev_, done_ev_, release_ev_, read_ev_;
};

}  // namespace sx::eyeriss
