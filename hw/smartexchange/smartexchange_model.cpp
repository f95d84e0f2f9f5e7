#include "hw/smartexchange/smartexchange_model.h"

#include <algorithm>

#include "hw/buffer/global_buffer.h"
#include "hw/common/at_memory.h"
#include "hw/dma/dma.h"
#include "hw/dram/dram.h"
#include "hw/smartexchange/index_decoder.h"
#include "hw/smartexchange/pe_array_driver.h"
#include "hw/smartexchange/rebuild_engines.h"
#include "hw/smartexchange/se_controller.h"
#include "hw/smartexchange/se_energy.h"
#include "hw/smartexchange/se_fabric.h"
#include "hw/smartexchange/se_layer.h"
#include "hw/smartexchange/se_params.h"
#include "hw/smartexchange/store_unit.h"
#include "sw/common/error.h"

namespace sx::se {

using namespace sc_core;

namespace {

GlobalBuffer* make_buffer(const ArchConfig& arch, const char* role, const SimContext& ctx,
                          std::vector<std::unique_ptr<GlobalBuffer>>& all) {
    for (const auto& b : arch.buffers)
        if (b.role == role) {
            all.push_back(std::make_unique<GlobalBuffer>(b, ctx));
            return all.back().get();
        }
    throw arch.error_at("/buffers", std::string("a buffer with role \"") + role + "\" (smartexchange)");
}

// The accelerator: the memory behind the DMA, the global buffers, and the blocks wired
// through the fabric. Block construction order is the order of their SystemC processes
// (decoder, rebuild, PE, store), which fixes the order of same-cycle buffer reservations.
class SeModel : public sc_module, public AcceleratorModel {
public:
    SeModel(sc_module_name name, const ArchConfig& arch, SimContext& ctx)
        : sc_module(name), arch_(arch), ctx_(ctx), fab_(ctx, arch.design_params<SeParams>()) {
        if (arch.pe.dim_m < 1 || arch.pe.dim_c < 1 || arch.pe.dim_f < 1)
            throw arch.error_at("/pe_array", "dim_m, dim_c and dim_f >= 1 for smartexchange");
        const SeParams& prm = fab_.prm;
        fab_.in = make_buffer(arch, "input", ctx, buffers_);
        fab_.out = make_buffer(arch, "output", ctx, buffers_);
        fab_.wb = make_buffer(arch, "weight", ctx, buffers_);
        fab_.idx = make_buffer(arch, "index", ctx, buffers_);
        uint32_t align = 1;
        if (prm.memory == "dram") {
            const DramConfig dc = parse_dram_config(JsonNode(arch.dram.preset, arch.dram.preset_path), arch.dram.channels,
                                                    arch.dram.bus_width_bits, arch.dram.clock_mhz_override);
            dram_ = std::make_unique<Dram>("dram", dc);
            align = dram_->bytes_per_burst();
        } else {
            fixed_ = std::make_unique<AtMemory>("memory", 0, ctx.clk, static_cast<uint64_t>(prm.fixed_latency_cycles),
                                                static_cast<uint64_t>(prm.fixed_bytes_per_cycle));
        }
        burst_ = align;
        dma_ = std::make_unique<Dma>("dma", ctx, prm.dma_max_outstanding, static_cast<uint32_t>(prm.dma_transfer_bytes),
                                     align, prm.fifo_depth * 8);
        if (dram_) dma_->socket.bind(dram_->socket);
        else dma_->socket.bind(fixed_->socket);
        fab_.dma = dma_.get();
        ctrl_ = std::make_unique<SeController>(fab_);
        decoder_ = std::make_unique<SeIndexDecoder>("index_decoder", fab_);
        rebuild_ = std::make_unique<SeRebuildEngines>("rebuild_engines", fab_);
        pe_ = std::make_unique<SePeArrayDriver>("pe_array", fab_, arch.pe.dim_m, arch.pe.dim_c, arch.pe.dim_f);
        store_ = std::make_unique<SeStoreUnit>("store_unit", fab_);
    }

    void run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                   LayerConservation& cons) override;
    void trace(sc_trace_file* tf) override { fab_.trace(tf); }
    bool traces_vcd() const override { return true; }

private:
    void fill_result(uint64_t first, const DramStats& dram_before, LayerResult& res, LayerConservation& cons);

    const ArchConfig& arch_;
    SimContext& ctx_;
    SeFabric fab_;
    std::vector<std::unique_ptr<GlobalBuffer>> buffers_;
    std::unique_ptr<Dram> dram_;
    std::unique_ptr<AtMemory> fixed_;
    std::unique_ptr<Dma> dma_;
    uint32_t burst_ = 1;
    std::unique_ptr<SeController> ctrl_;
    std::unique_ptr<SeIndexDecoder> decoder_;
    std::unique_ptr<SeRebuildEngines> rebuild_;
    std::unique_ptr<SePeArrayDriver> pe_;
    std::unique_ptr<SeStoreUnit> store_;
};

void SeModel::run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                        LayerConservation& cons) {
    if (!job.image) throw SimulationError("smartexchange: layer " + job.layer->name + " has no weight image");
    fab_.L = plan_se_layer(*job.layer, *job.image, arch_, fab_.prm, burst_);
    const SeLayer& L = fab_.L;
    fab_.tracing = job.trace;
    outputs.assign(static_cast<std::size_t>(L.N() * L.K() * L.P() * L.Q()), 0);
    fab_.outputs = &outputs;
    fab_.cnt = SeCounters{};
    for (auto& b : buffers_) b->counters = BufferCounters{};
    dma_->stats = DmaStats{};
    // The host puts the layer's data into DRAM (backdoor: no simulated time).
    const std::vector<uint8_t> image = se_dram_image(L, *job.inputs);
    DramStats dram_before;
    if (dram_) {
        dram_->write_backdoor(0, image.data(), image.size());
        dram_before = dram_->stats();
    } else {
        fixed_->backdoor_write(0, image.data(), image.size());
        fixed_->read_bytes = fixed_->write_bytes = 0;
    }
    const uint64_t start = ctx_.now_cycles();
    ctrl_->run();
    fab_.tracing = false;
    // Latency: the layer's first DRAM request to its last output write.
    fill_result(dma_->stats.first_request_cycle == UINT64_MAX ? start : dma_->stats.first_request_cycle, dram_before,
                res, cons);
}

void SeModel::fill_result(uint64_t first, const DramStats& dram_before, LayerResult& res, LayerConservation& cons) {
    const SeLayer& L = fab_.L;
    const SeCounters& c = fab_.cnt;
    const uint64_t end = std::max(dma_->stats.last_write_done_cycle, ctx_.now_cycles());
    res.cycles = end - first;
    res.macs_executed = c.macs_executed;
    res.macs_skipped = c.macs_skipped;
    res.active_pes = static_cast<uint64_t>(std::min<int64_t>(L.dim_m, L.K())) * L.dim_c * L.dim_f;
    res.buffer(BufferRole::Input) = fab_.in->counters;
    res.buffer(BufferRole::Output) = fab_.out->counters;
    res.buffer(BufferRole::Weight) = fab_.wb->counters;
    res.buffer(BufferRole::Index) = fab_.idx->counters;
    res.rf_accesses = c.rf_accesses;
    DramStats ds;
    if (dram_) {
        ds = dram_->stats() - dram_before;
        res.dram_row_hits = ds.row_hits;
        res.dram_row_misses = ds.row_misses;
        cons.dram_read_bytes = ds.bytes_read;
        res.dram_read_bytes = ds.bytes_read;
        res.dram_write_bytes = ds.bytes_written;
    } else {
        cons.dram_read_bytes = fixed_->read_bytes;
        res.dram_read_bytes = fixed_->read_bytes;
        res.dram_write_bytes = fixed_->write_bytes;
    }
    cons.buffer_bytes_in = dma_->stats.buffer_bytes_in;
    cons.overfetch_bytes = dma_->stats.overfetch_bytes;

    SeEnergyCounts e;
    e.macs_executed = c.macs_executed;
    e.lane_digit_cycles = c.lane_digit_cycles;
    e.bit_serial = fab_.prm.bit_serial;
    e.rows_rebuilt = c.rows_rebuilt;
    e.basis_loads = c.basis_loads;
    e.bitmap_bits = c.bitmap_bits;
    e.rf_accesses = c.rf_accesses;
    e.adder_tree_ops = c.adder_tree_ops;
    e.mac_units = static_cast<uint64_t>(L.dim_m) * L.dim_c * L.dim_f;
    e.cycles = res.cycles;
    e.dram = ds;
    e.dram_valid = dram_ != nullptr;
    e.dram_bytes = res.dram_read_bytes + res.dram_write_bytes;
    apply_se_energy(arch_, e, res);

    auto& x = res.extra;
    x["compute_cycles"] = static_cast<double>(c.compute_cycles);
    x["stall_input_fetch_cycles"] = static_cast<double>(c.stall_input);
    x["stall_psum_write_cycles"] = static_cast<double>(c.stall_output);
    x["stall_waiting_weights_cycles"] = static_cast<double>(c.stall_weights);
    x["act_rows_read"] = static_cast<double>(c.act_rows_read);
    x["act_rows_skipped"] = static_cast<double>(c.act_rows_skipped);
    x["rows_rebuilt"] = static_cast<double>(c.rows_rebuilt);
    x["rows_bypassed"] = static_cast<double>(c.rows_bypassed);
    x["rows_zero_skipped"] = static_cast<double>(c.rows_zero);
    x["basis_loads"] = static_cast<double>(c.basis_loads);
    x["bitmap_bits"] = static_cast<double>(c.bitmap_bits);
    x["passes"] = static_cast<double>(c.chunks);
    x["passes_skipped"] = static_cast<double>(c.chunks_skipped);
    x["steps"] = static_cast<double>(c.steps);
    x["tiles_input"] = static_cast<double>(L.N() * L.n_ptiles);
    x["tiles_weight"] = static_cast<double>(L.n_kgroups * L.n_wtiles);
    x["weights_resident"] = L.weights_resident ? 1.0 : 0.0;
    x["dma_overfetch_bytes"] = static_cast<double>(dma_->stats.overfetch_bytes);
    x["dma_request_stall_cycles"] = static_cast<double>(dma_->stats.req_stall_cycles);
    x["lane_digit_cycles"] = static_cast<double>(c.lane_digit_cycles);
}

}  // namespace

std::unique_ptr<AcceleratorModel> make_smartexchange_model(const ArchConfig& arch, SimContext& ctx) {
    return std::unique_ptr<AcceleratorModel>(new SeModel("smartexchange", arch, ctx));
}

}  // namespace sx::se
