#include "hw/smartexchange/smartexchange_model.h"

#include <algorithm>

#include "hw/buffer/global_buffer.h"
#include "hw/smartexchange/index_decoder.h"
#include "hw/smartexchange/pe_array_driver.h"
#include "hw/smartexchange/rebuild_engines.h"
#include "hw/smartexchange/se_area.h"
#include "hw/smartexchange/se_controller.h"
#include "hw/smartexchange/se_energy.h"
#include "hw/smartexchange/se_fabric.h"
#include "hw/smartexchange/se_layer.h"
#include "hw/smartexchange/se_params.h"
#include "hw/smartexchange/store_unit.h"
#include "hw/system/dram_fit.h"
#include "hw/system/layer_result_builder.h"
#include "hw/system/memory_system.h"
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

MemorySystemParams memory_params(const SeParams& prm) {
    MemorySystemParams m;
    m.fixed_memory = prm.memory == "fixed";
    m.fixed_latency_cycles = static_cast<uint64_t>(prm.fixed_latency_cycles);
    m.fixed_bytes_per_cycle = static_cast<uint64_t>(prm.fixed_bytes_per_cycle);
    m.dma_max_outstanding = prm.dma_max_outstanding;
    m.dma_transfer_bytes = static_cast<uint32_t>(prm.dma_transfer_bytes);
    m.dma_queue_depth = prm.fifo_depth * 8;
    return m;
}

// The accelerator: the memory system (hw/system), the global buffers, and the blocks wired
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
        mem_ = std::make_unique<MemorySystem>(arch, ctx, memory_params(prm));
        fab_.dma = &mem_->dma();
        ctrl_ = std::make_unique<SeController>(fab_);
        decoder_ = std::make_unique<SeIndexDecoder>("index_decoder", fab_);
        rebuild_ = std::make_unique<SeRebuildEngines>("rebuild_engines", fab_);
        pe_ = std::make_unique<SePeArrayDriver>("pe_array", fab_, arch.pe.dim_m, arch.pe.dim_c, arch.pe.dim_f);
        store_ = std::make_unique<SeStoreUnit>("store_unit", fab_);
        // Floorplan and static power, once per model (every layer's leakage and wire lengths).
        const AreaReport area = se_area(arch);
        pe_pitch_mm_ = area.pe_pitch_mm;
        static_power_mw_ = area.static_power_mw();
    }

    void run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                   LayerConservation& cons) override;
    void trace(sc_trace_file* tf) override { fab_.trace(tf); }
    bool traces_vcd() const override { return true; }

private:
    void fill_result(uint64_t start, LayerResult& res, LayerConservation& cons);
    void read_back_outputs(std::vector<int8_t>& stored) const;  // N x K x P x Q

    const ArchConfig& arch_;
    SimContext& ctx_;
    SeFabric fab_;
    std::vector<std::unique_ptr<GlobalBuffer>> buffers_;
    std::unique_ptr<MemorySystem> mem_;
    std::unique_ptr<SeController> ctrl_;
    std::unique_ptr<SeIndexDecoder> decoder_;
    std::unique_ptr<SeRebuildEngines> rebuild_;
    std::unique_ptr<SePeArrayDriver> pe_;
    std::unique_ptr<SeStoreUnit> store_;
    double pe_pitch_mm_ = 0, static_power_mw_ = 0;  // se_area(arch)
};

void SeModel::run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                        LayerConservation& cons) {
    if (!job.image) throw SimulationError("smartexchange: layer " + job.layer->name + " has no weight image");
    fab_.L = plan_se_layer(*job.layer, *job.image, arch_, fab_.prm, mem_->burst_bytes());
    const SeLayer& L = fab_.L;
    fab_.tracing = job.trace;
    outputs.assign(static_cast<std::size_t>(L.N() * L.K() * L.P() * L.Q()), 0);
    fab_.outputs = &outputs;
    fab_.requant = job.requant;
    fab_.cnt = SeCounters{};
    for (auto& b : buffers_) b->counters = BufferCounters{};
    // The layout (se_layer.cpp) needs more than the uncompressed data simulate() checked
    // (hw/system/dram_fit.h): burst-aligned regions, output segments per tile.
    if (mem_->has_dram() && L.dram_end > mem_->dram()->config().capacity_bytes())
        throw batch_does_not_fit(arch_, job.layer->name, job.layer->N, L.dram_end, mem_->dram()->config().capacity_bytes(),
                                 "SmartExchange's layout: inputs, weights and output segments, burst-aligned");
    // The host puts the layer's data into DRAM (backdoor: no simulated time).
    mem_->backdoor_write(0, se_dram_image(L, *job.inputs));
    mem_->begin_layer();
    const uint64_t start = ctx_.now_cycles();
    ctrl_->run();
    fab_.tracing = false;
    if (job.stored_outputs) read_back_outputs(*job.stored_outputs);
    fill_result(start, res, cons);
}

// The int8 outputs as the store unit left them in DRAM: one segment per (image, output-row
// tile, channel) at out_addr, its prows x Q values row-major (backdoor: no simulated time).
void SeModel::read_back_outputs(std::vector<int8_t>& stored) const {
    const SeLayer& L = fab_.L;
    const int64_t K = L.K(), P = L.P(), Q = L.Q();
    stored.assign(static_cast<std::size_t>(L.N() * K * P * Q), 0);
    for (int64_t n = 0; n < L.N(); ++n)
        for (int64_t pt = 0; pt < L.n_ptiles; ++pt)
            for (int64_t k = 0; k < K; ++k)
                mem_->backdoor_read(L.out_addr(n, pt, k),
                                    reinterpret_cast<uint8_t*>(stored.data()) + ((n * K + k) * P + L.pt_first(pt)) * Q,
                                    static_cast<uint64_t>(L.pt_rows(pt) * Q));
}

void SeModel::fill_result(uint64_t start, LayerResult& res, LayerConservation& cons) {
    const SeLayer& L = fab_.L;
    const SeCounters& c = fab_.cnt;
    const MemoryLayerStats ms = mem_->end_layer();
    LayerResultBuilder rb(arch_, res, cons);
    // Latency: the layer's first DRAM request to its last output write.
    rb.cycles_from_first_request(ms, start, ctx_.now_cycles());
    rb.work(c.macs_executed, c.macs_skipped,
            static_cast<uint64_t>(std::min<int64_t>(L.dim_m, L.K())) * L.dim_c * L.dim_f);
    rb.buffer(BufferRole::Input, fab_.in->counters);
    rb.buffer(BufferRole::Output, fab_.out->counters);
    rb.buffer(BufferRole::Weight, fab_.wb->counters);
    rb.buffer(BufferRole::Index, fab_.idx->counters);
    rb.rf_accesses(c.rf_accesses);
    rb.memory(ms);

    SeEnergyCounts e;
    e.bit_serial = fab_.prm.bit_serial;
    e.lane_digit_cycles = c.lane_digit_cycles;
    e.macs_executed = c.macs_executed;
    e.adder_tree_ops = c.adder_tree_ops;
    e.adder_trees = c.adder_trees;
    e.psum_rmw_adds = c.psum_rmw_adds;
    e.rf_writes = c.rf_writes;
    e.rf_reads = c.rf_reads;
    e.rows_rebuilt = c.rows_rebuilt;
    e.basis_loads = c.basis_loads;
    e.bitmap_bits = c.bitmap_bits;
    e.act_values_broadcast = c.act_values_broadcast;
    e.stage_bytes = c.stage_bytes;
    e.psums_out = c.psums_out;
    e.pe_pitch_mm = pe_pitch_mm_;
    e.static_power_mw = static_power_mw_;
    e.cycles = res.cycles;
    e.dram = ms.dram;
    e.dram_valid = ms.dram_valid;
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
    x["dma_overfetch_bytes"] = static_cast<double>(ms.dma.overfetch_bytes);
    x["dma_request_stall_cycles"] = static_cast<double>(ms.dma.req_stall_cycles);
    x["lane_digit_cycles"] = static_cast<double>(c.lane_digit_cycles);
    x["act_values_broadcast"] = static_cast<double>(c.act_values_broadcast);
    x["stage_bytes"] = static_cast<double>(c.stage_bytes);
    x["adder_trees"] = static_cast<double>(c.adder_trees);
    x["adder_tree_adds"] = static_cast<double>(c.adder_tree_ops);
    x["psums_out"] = static_cast<double>(c.psums_out);
    x["psum_rmw_adds"] = static_cast<double>(c.psum_rmw_adds);
    x["rf_reads"] = static_cast<double>(c.rf_reads);
    x["rf_writes"] = static_cast<double>(c.rf_writes);
}

}  // namespace

std::unique_ptr<AcceleratorModel> make_smartexchange_model(const ArchConfig& arch, SimContext& ctx) {
    return std::unique_ptr<AcceleratorModel>(new SeModel("smartexchange", arch, ctx));
}

}  // namespace sx::se
