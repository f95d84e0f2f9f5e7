#pragma once
// Internal to hw/scnn: the SCNN / DCNN model's SystemC module, shared by scnn_model.cpp
// (construction, DMA bookkeeping, the layer's results) and scnn_image.cpp (one image: the
// weight broadcast, the PEs, the group barrier, halo exchange, post-processing and stores).
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "hw/buffer/global_buffer.h"
#include "hw/dma/dma.h"
#include "hw/scnn/dram_layout.h"
#include "hw/scnn/layer_engine.h"
#include "hw/scnn/scnn_area.h"
#include "hw/scnn/scnn_params.h"
#include "hw/scnn/weight_broadcast.h"
#include "hw/sim/accelerator_model.h"
#include "hw/system/memory_system.h"

namespace sx::scnn {

// One weight-stream load: stream bytes [from, to) landed at `addr` of `buf`.
struct Landing {
    uint64_t from, to;   // stream bytes [from, to)
    GlobalBuffer* buf;
    uint64_t addr;       // where `from` landed in buf
    std::size_t ticket;  // its index in the arrival table
};
// The arrival-table index of the load (in `loads`, stream order) that brought stream byte
// end - 1: the ticket of a piece ending at `end` that earlier loads already covered. Loads of
// other data (input tiles) issued after it have later tickets and may arrive later.
// SimulationError if no load covers it.
std::size_t covering_load(const std::vector<Landing>& loads, uint64_t end);

// Per-layer bookkeeping of ScnnModel::run (one instance per layer).
struct LayerRun {
    LayerEngine* e = nullptr;
    WeightBroadcast* bc = nullptr;
    std::size_t slots = 0;
    uint64_t act_addr = 0, out_addr = 0, out_base = 0, oaram_ring = 0, iaram_per_pe = 0;
    std::optional<ScnnDramLayout> layout;  // planned when image 0 is prepared (dram_layout.h)
    uint64_t out_bound = 0;                // an image's stores, at most
    // Counters reported per layer (LayerResult extras, docs/scnn.md "Per-layer counters").
    uint64_t halo_cycles = 0, halo_port_stalls = 0, ppu_cycles = 0, input_passes = 0, groups_run = 0,
             halo_values = 0, ppu_outputs = 0, block_wait_input = 0, group_bound = 0, barrier_wait = 0,
             drain_wait = 0, ppu_port_stalls = 0;
    // Partial sums x PE pitches they crossed on the halo / reduction links (a value to the
    // above-left neighbour crosses two): the links' wire energy (scnn_energy.cpp).
    uint64_t halo_value_hops = 0;
    std::vector<OutStream> written;  // streams sent to DRAM, read back at the end
    std::vector<uint64_t> busy_before;
    // Per active PE: IARAM words the DMA wrote into its bank (its tiles, port_width_bits words
    // per channel load). Not arbitrated against the PE's reads (docs/scnn.md, "IARAM port"):
    // reported as the bound of what that contention could cost.
    std::vector<uint64_t> iaram_write_words;
};

// One group's post-processed outputs, stored to DRAM from OARAM once drained.
struct GroupStore {
    uint64_t at = 0;
    std::vector<uint8_t> bytes;       // the PPU's output of one group, all PEs
    std::vector<OutStream> streams;   // where each (PE, channel) stream sits in it
};

// Per-image state of ScnnModel::run_image: input tiles in IARAM, weight pieces in flight, the
// groups' stores waiting to drain.
struct ImageState {
    bool resident = false;                 // all input tiles fit IARAM: loaded once per image
    std::vector<uint64_t> ch_bytes, ch_addr;  // per input channel: tiles' bytes, DRAM address
    std::vector<std::size_t> in_idx;       // per channel: DMA ticket of its load
    std::vector<uint64_t> in_at, in_decoded, in_pass;  // IARAM address; pass decoded / loaded
    uint64_t iaram_ring = 0, pass = 0;
    std::vector<std::size_t> wt_idx;       // per piece: DMA ticket of its weights
    std::size_t f = 0;                     // staging: next piece to prefetch
    std::size_t base = 0;                  // the broadcast's index of the image's piece 0
    uint64_t prev_barrier = 0, drain_prev = 0, drain_prev2 = 0;
    std::deque<GroupStore> stores;
};

class ScnnModel : public sc_core::sc_module, public AcceleratorModel {
public:
    SC_HAS_PROCESS(ScnnModel);
    ScnnModel(sc_core::sc_module_name name, const ArchConfig& arch, SimContext& ctx, std::unique_ptr<PeArrayPolicy> pol);

    void run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                   LayerConservation& cons) override;
    // Sparse baselines run on raw, unstructured weights pruned at the workload's densities
    // (issue 5), never on SmartExchange's row-structured image; DCNN on the same weights.
    SyntheticWeightForm synthetic_weight_form() const override { return SyntheticWeightForm::Unstructured; }

private:
    void completion_thread();
    std::size_t load(uint64_t dram, uint64_t bytes, GlobalBuffer* b, uint64_t addr);
    std::size_t load_piece(const WeightBlock& b, GlobalBuffer* buf, uint64_t addr);
    void landed(uint64_t from, uint64_t n, std::vector<uint8_t>& out);
    void pe_thread();
    void run(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs, LayerConservation& cons);
    void report(LayerRun& lr, LayerResult& res, LayerConservation& cons, uint64_t start);
    // scnn_image.cpp
    void run_image(LayerRun& lr, int64_t n);
    void prepare_image(LayerRun& lr, int64_t n, ImageState& st);
    void plan_layout(LayerRun& lr);
    void ensure_input(LayerRun& lr, ImageState& st, int64_t c);
    void run_group(LayerRun& lr, ImageState& st, int64_t g);
    void run_piece(LayerRun& lr, std::size_t c, std::size_t idx, uint64_t ready);
    GroupStore drain_group(LayerRun& lr, int64_t g, uint64_t barrier);
    void issue_store(LayerRun& lr, GroupStore& s);

    const ArchConfig& arch_;
    SimContext& ctx_;
    ScnnParams prm_;
    std::unique_ptr<PeArrayPolicy> pol_;
    // The configuration's floorplan and static power (scnn_area.h), computed once per model.
    ScnnFloorplan floorplan_;
    BufferConfig iaram_cfg_, oaram_cfg_;
    std::unique_ptr<GlobalBuffer> iaram_, oaram_, wfifo_, wstage_;
    BufferConfig stage_cfg_;
    std::unique_ptr<MemorySystem> mem_;
    Dma* dma_ = nullptr;
    uint32_t burst_ = 64;
    int mon_ = 0, mon_done_ = 0;
    const LayerJob* job_ = nullptr;
    LayerResult* res_ = nullptr;
    LayerConservation* cons_ = nullptr;
    std::vector<int32_t>* out_ = nullptr;
    bool busy_ = false;
    sc_core::sc_event start_ev_, done_ev_, watch_ev_, arrival_ev_;
    std::vector<uint64_t> watch_;
    std::vector<uint64_t> arrival_;
    std::size_t next_done_ = 0;
    uint64_t stream_upto_ = 0;  // weight stream: DRAM bytes fetched so far (this image)
    uint64_t last_load_bytes_ = 0;
    uint64_t consumed_upto_ = 0;  // weight stream: bytes broadcast (landing window room)
    std::vector<Landing> landing_;  // this image's weight loads, in stream order
    // Scratch of run_piece: the piece's bytes and FIFO vectors, the PEs' work and start cycles.
    std::vector<uint8_t> piece_bytes_;
    std::vector<FifoVector> vec_;
    std::vector<WgtEntry> val_;
    std::vector<uint64_t> work_, start_, first_use_;
    std::vector<char> reads_;
    std::vector<uint32_t> ppu_bits_;  // drain_group: per output value, the bits its PPU emits
};

}  // namespace sx::scnn
