#include "hw/scnn/scnn_model.h"

#include <algorithm>
#include <cstring>

#include "hw/common/sx_assert.h"
#include "hw/energy/energy_model.h"
#include "hw/scnn/scnn_energy.h"
#include "hw/scnn/scnn_model_impl.h"
#include "hw/system/layer_result_builder.h"
#include "sw/common/error.h"

namespace sx::scnn {

using namespace sc_core;

namespace {

const BufferConfig& role_buffer(const ArchConfig& arch, const char* role) {
    for (const auto& b : arch.buffers)
        if (b.role == role) return b;
    throw arch.error_at("/buffers", std::string("a buffer with role \"") + role + "\" (scnn/dense)");
}

}  // namespace

ScnnModel::ScnnModel(sc_module_name name, const ArchConfig& arch, SimContext& ctx, std::unique_ptr<PeArrayPolicy> pol)
    : sc_module(name), arch_(arch), ctx_(ctx), prm_(arch.design_params<ScnnParams>()), pol_(std::move(pol)) {
    if (arch.pe.rows < 1 || arch.pe.cols < 1) throw arch.error_at("/pe_array", "rows and cols >= 1", "");
    if (arch.pe.multipliers_per_pe != prm_.F * prm_.I)
        throw arch.error_at("/pe_array/multipliers_per_pe", "F x I of the dataflow section",
                         std::to_string(arch.pe.multipliers_per_pe));
    // Weights, activations and outputs are stored in value fields of bits.activation bits
    // (two's complement): the int8 values need at least 8; unpacking goes through int32.
    if (arch.bits.activation < 8 || arch.bits.activation > 32)
        throw arch.error_at("/bits/activation",
                            "a value width in [8, 32] bits (SCNN/DCNN store int8 weights and activations in it)",
                            std::to_string(arch.bits.activation));
    floorplan_ = scnn_floorplan(arch, scnn_area(arch));
    iaram_cfg_ = role_buffer(arch, "input");
    oaram_cfg_ = role_buffer(arch, "output");
    // IARAM/OARAM banks are the PEs' own RAMs (capacity / banks each): a bank without a
    // byte has no size to cost or fill.
    for (const BufferConfig* b : {&iaram_cfg_, &oaram_cfg_})
        if (b->capacity_bytes < static_cast<uint64_t>(b->banks)) {
            const std::string at = "/buffers/" + b->name;
            throw arch.error_at({at + "/banks", at + "/capacity_kib"},
                                "at least one byte per bank (" + at + "/capacity_kib x 1024 / " + at + "/banks)",
                                std::to_string(b->banks) + " banks sharing " + std::to_string(b->capacity_bytes) +
                                    " bytes");
        }
    iaram_ = std::make_unique<GlobalBuffer>(iaram_cfg_, ctx);
    oaram_ = std::make_unique<GlobalBuffer>(oaram_cfg_, ctx);
    // Landing window of the weight broadcast: the DMA writes each block here and the bus
    // copies it into the FIFOs of the target PEs (FIFO occupancy itself is modelled by
    // FifoSchedule; this only gives the DMA a byte destination). 8 x 64-bit ports: faster
    // than the DRAM, so it never throttles the weight stream.
    BufferConfig wf;
    wf.name = "weight_broadcast";
    wf.role = "weight";
    wf.banks = 8;
    wf.port_width_bits = 64;
    wf.capacity_bytes = 64ull << 10;
    wfifo_ = std::make_unique<GlobalBuffer>(wf, ctx);
    if (prm_.weight_staging_kib > 0) {
        // Optional weight staging SRAM (docs/scnn.md, "Weight delivery"): the DMA prefetches
        // pieces into it ahead of the FIFOs, as far as its capacity allows.
        BufferConfig st;
        st.name = "weight_staging";
        st.role = "weight";
        st.banks = 8;
        st.port_width_bits = 64;
        st.capacity_bytes = static_cast<uint64_t>(prm_.weight_staging_kib) * 1024;
        stage_cfg_ = st;
        wstage_ = std::make_unique<GlobalBuffer>(st, ctx);
    }
    // The shared memory system (hw/system): DRAM + DMA. The DMA's command FIFO is deep: the
    // PE thread queues a whole weight stream ahead and paces itself by arrival times.
    MemorySystemParams mp;
    mp.dma_max_outstanding = prm_.dma_max_outstanding;
    mp.dma_transfer_bytes = static_cast<uint32_t>(prm_.dma_transfer_bytes);
    mp.dma_queue_depth = 1 << 16;
    mem_ = std::make_unique<MemorySystem>(arch, ctx, mp);
    burst_ = mem_->burst_bytes();
    dma_ = &mem_->dma();
    mon_ = ctx.monitor.add("pe_array");
    mon_done_ = ctx.monitor.add("dma_completion");
    SC_THREAD(pe_thread);
    SC_THREAD(completion_thread);
}


void ScnnModel::run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                          LayerConservation& cons) {
    job_ = &job;
    res_ = &res;
    cons_ = &cons;
    out_ = &outputs;
    busy_ = true;
    start_ev_.notify(SC_ZERO_TIME);
    while (busy_) wait(done_ev_);
}

// Records, in submission order, the cycle each DMA ticket's data was in place.
void ScnnModel::completion_thread() {
    guarded(ctx_, [&] {
        for (;;) {
            while (next_done_ >= watch_.size()) wait(watch_ev_);
            const uint64_t t = watch_[next_done_];
            ctx_.monitor.waiting(mon_done_, "a DMA transfer");
            dma_->wait_done(t);
            ctx_.monitor.waiting(mon_done_, "");
            arrival_[next_done_] = ctx_.now_cycles();
            ++next_done_;
            ctx_.monitor.progress();
            arrival_ev_.notify(SC_ZERO_TIME);
        }
    });
}
// Submits a load and returns its index in the arrival table.
std::size_t ScnnModel::load(uint64_t dram, uint64_t bytes, GlobalBuffer* b, uint64_t addr) {
    const uint64_t t = dma_->submit({dram, bytes, false, b, addr});
    watch_.push_back(t);
    arrival_.push_back(kUnknown);
    watch_ev_.notify(SC_ZERO_TIME);
    return watch_.size() - 1;
}

// The weight pieces of an image form one DRAM stream, read once and burst-aligned: a piece's
// load covers the bursts from where the previous load stopped up to its own end (the
// head of the next piece arrives with it). A piece already covered reuses the ticket of the
// load that brought its last burst.
// `addr`: where the load lands in `buf`; for the broadcast landing window (wfifo_) the
// stream offset modulo its capacity (a load crossing the end is split in two). Every load
// is recorded so that a piece's bytes can be read from where they landed (landed()).
// last_load_bytes_: bytes of the load issued (0 when the piece was already covered).
std::size_t ScnnModel::load_piece(const WeightBlock& b, GlobalBuffer* buf, uint64_t addr) {
    last_load_bytes_ = 0;
    const uint64_t end = (b.dram_addr + b.dram_bytes + burst_ - 1) / burst_ * burst_;
    if (end <= stream_upto_ && !landing_.empty()) {
        return covering_load(landing_, end);
    }
    const uint64_t from = std::max(stream_upto_, b.dram_addr / burst_ * burst_);
    stream_upto_ = end;
    last_load_bytes_ = end - from;
    if (buf == wfifo_.get() || buf == wstage_.get()) {
        // Both are rings over the stream: a load lands at its stream offset modulo the capacity.
        const uint64_t cap = buf->capacity();
        uint64_t at = from;
        std::size_t idx = 0;
        while (at < end) {
            const uint64_t a = at % cap, n = std::min(end - at, cap - a);
            idx = load(at, n, buf, a);
            landing_.push_back({at, at + n, buf, a, idx});
            at += n;
        }
        return idx;
    }
    const std::size_t idx = load(from, end - from, buf, addr);
    landing_.push_back({from, end, buf, addr, idx});
    return idx;
}
std::size_t covering_load(const std::vector<Landing>& loads, uint64_t end) {
    auto it = std::upper_bound(loads.begin(), loads.end(), end - 1,
                               [](uint64_t x, const Landing& l) { return x < l.from; });
    if (end == 0 || it == loads.begin() || (it - 1)->to < end)
        throw SimulationError("scnn: no weight load covers stream byte " + std::to_string(end - 1));
    return (it - 1)->ticket;
}
// Copies stream bytes [from, from + n) out of the buffers the loads put them in.
void ScnnModel::landed(uint64_t from, uint64_t n, std::vector<uint8_t>& out) {
    out.assign(n, 0);
    auto it = std::upper_bound(landing_.begin(), landing_.end(), from,
                               [](uint64_t x, const Landing& l) { return x < l.from; });
    if (it != landing_.begin()) --it;
    for (; it != landing_.end() && it->from < from + n; ++it) {
        const uint64_t a = std::max(from, it->from), z = std::min(from + n, it->to);
        if (a >= z) continue;
        std::memcpy(out.data() + (a - from), it->buf->data(it->addr + (a - it->from), z - a), z - a);
    }
}

void ScnnModel::pe_thread() {
    guarded(ctx_, [&] {
        for (;;) {
            while (!busy_) wait(start_ev_);
            run(*job_, *res_, *out_, *cons_);
            busy_ = false;
            done_ev_.notify(SC_ZERO_TIME);
        }
    });
}

void ScnnModel::run(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs, LayerConservation& cons) {
    const Layer& L = *job.layer;
    const bool sparse = pol_->sparse();
    // The previous layer's loads are all done (wait_all); once the completion thread has
    // recorded them its tables restart, so they do not grow over the layers of a run.
    while (next_done_ < watch_.size()) wait(arrival_ev_);
    watch_.clear();
    arrival_.clear();
    next_done_ = 0;
    std::optional<LayerEngine> engine;
    try {
        engine.emplace(L, prm_, arch_.pe.rows, arch_.pe.cols, sparse, sparse || prm_.compressed_dram, *job.weights,
                       *job.inputs, arch_.bits.activation);
    } catch (const AccumulatorTooSmall& x) {
        const std::string df = std::string("/") + to_string(arch_.dataflow);
        throw arch_.error_at({df + "/accumulator_entries", "/pe_array/rows", "/pe_array/cols"},
                             "accumulators that hold one output channel's tile and halo of layer '" + L.name + "' (" +
                                 std::to_string(x.needed) + " partial sums; smaller tiles need more PE rows/cols)",
                             std::to_string(prm_.accumulator_entries) + " entries");
    }
    LayerEngine& e = *engine;
    e.requant = job.requant;
    e.iaram_word_bits = static_cast<uint32_t>(iaram_cfg_.port_width_bits);  // each PE's IARAM bank port
    // The host writes the weight stream (every piece in broadcast order, compressed-sparse for
    // SCNN and DCNN-opt, raw for DCNN) at DRAM address 0 (backdoor: no simulated time).
    mem_->backdoor_write(0, e.weight_image);
    uint64_t max_piece = 0;
    for (const WeightBlock& b : e.blocks) max_piece = std::max(max_piece, b.dram_bytes);
    if (max_piece + 2 * burst_ > wfifo_->capacity())
        throw SimulationError("scnn: layer " + L.name + ": a weight piece of " + std::to_string(max_piece) +
                              " bytes does not fit the broadcast landing window");
    if (wstage_ && max_piece + 2 * burst_ > wstage_->capacity())
        throw arch_.error_at(std::string("/") + to_string(arch_.dataflow) + "/weight_staging_kib",
                             "a weight staging buffer that holds one weight piece of layer '" + L.name + "' (" +
                                 std::to_string(max_piece + 2 * burst_) + " bytes with burst alignment)",
                             std::to_string(wstage_->capacity()) + " bytes");
    // Only the PEs that can have work are tracked (LayerEngine::active_pes), so host memory and
    // time follow the layer rather than the PE count. The idle PEs all receive the same
    // broadcast pieces with no work, so they share one timeline: the last slot stands for all
    // of them (their waits count idle times; they never bound a FIFO's room or the barrier, as
    // an active PE finishes each piece no earlier than they do). Targeted pieces (channel
    // split) name a PE below max(C, K): its slot is its number.
    const std::vector<int>& act = e.active_pes();
    const std::size_t slots = act.size() + (e.idle_pes() > 0 ? 1 : 0);
    WeightBroadcast bc(static_cast<int>(slots), static_cast<int>(act.size()), prm_.weight_fifo_entries, prm_.F);
    bc.step_check = ctx_.step_mode;
    work_.assign(slots, 0);
    start_.assign(slots, 0);
    const uint64_t start = ctx_.now_cycles();
    mem_->begin_layer();
    iaram_->counters = oaram_->counters = wfifo_->counters = BufferCounters{};
    if (wstage_) wstage_->counters = BufferCounters{};
    LayerRun lr;
    lr.e = &e;
    lr.bc = &bc;
    lr.slots = slots;
    lr.busy_before.assign(slots, 0);
    // DRAM layout: weight pieces, then each image's activation tiles (channel-major), then outputs.
    lr.act_addr = (e.weight_bytes + burst_ - 1) / burst_ * burst_;
    lr.iaram_per_pe = iaram_cfg_.capacity_bytes / static_cast<uint64_t>(std::max(1, iaram_cfg_.banks));
    for (int64_t n = 0; n < L.N; ++n) run_image(lr, n);
    dma_->wait_all();
    // What reached DRAM: every (PE, channel) stream the PPU wrote, read back and decoded, must
    // be the ReLU'd, requantised accumulator values (the --check compares those accumulator
    // values, int32, with the reference).
    std::vector<uint8_t> back;
    std::size_t placed = 0;
    if (job.stored_outputs) job.stored_outputs->assign(e.outputs.size(), 0);
    for (const OutStream& st : lr.written) {
        back.assign(st.bytes, 0);
        mem_->backdoor_read(st.dram_addr, back.data(), st.bytes);
        if (!e.output_stream_matches(st, back.data()))
            throw SimulationError(std::string(sparse ? "scnn" : "dense") + ": layer " + L.name + ": outputs of PE " +
                                  std::to_string(st.pe) + ", channel " + std::to_string(st.k) +
                                  " in DRAM differ from what the post-processing unit wrote");
        if (job.stored_outputs) placed += e.place_stream(st, back.data(), *job.stored_outputs);
    }
    if (job.stored_outputs && placed != e.outputs.size())  // every output stored exactly once
        throw SimulationError(std::string(sparse ? "scnn" : "dense") + ": layer " + L.name + ": " +
                              std::to_string(placed) + " outputs read back from DRAM, " +
                              std::to_string(e.outputs.size()) + " computed");
    outputs = e.outputs;
    report(lr, res, cons, start);
}

void ScnnModel::report(LayerRun& lr, LayerResult& res, LayerConservation& cons, uint64_t start) {
    LayerEngine& e = *lr.e;
    const WeightBroadcast& bc = *lr.bc;
    const Layer& L = e.layer();
    const PlanarMapping& m = e.mapping();
    const bool sparse = e.sparse();
    const std::vector<int>& act = e.active_pes();
    const int64_t idle = e.idle_pes();
    // Every PE's FIFO takes a broadcast entry (the idle PEs' too: nothing gates them).
    const uint64_t fifo_writes = bc.broadcast_entries * static_cast<uint64_t>(m.pes()) + bc.unicast_entries;
    const MemoryLayerStats ms = mem_->end_layer();
    LayerResultBuilder rb(arch_, res, cons);
    rb.cycles_from_first_request(ms, start, ctx_.now_cycles());
    const uint64_t macs = static_cast<uint64_t>(L.macs());
    const uint64_t executed = sparse ? std::min(macs, e.cnt.products)
                              : prm_.zero_gating ? macs - std::min(macs, e.cnt.zero_gated) : macs;
    uint64_t active = 0, busiest = 0;
    for (const uint64_t b : bc.busy) {
        active += b > 0;
        busiest = std::max(busiest, b);
    }
    rb.work(executed, macs - executed, active);
    BufferCounters in = iaram_->counters;
    // SCNN: the words its IARAM ports read (iaram_port.h); DCNN: whole vectors of I dense
    // values, DCNN-opt included: its IARAM takes the compressed stream the DMA brought, but the
    // PE reads the tile decoded to dense values (decode_acts, once per channel per pass), I
    // positions per cycle, without run fields. Counting 20-bit entries (2 port words for I = 4)
    // charged DCNN-opt twice DCNN's IARAM energy for the same dense reads.
    const uint64_t vec_words = (static_cast<uint64_t>(prm_.I) * static_cast<uint64_t>(arch_.bits.activation) + 63) / 64;
    const uint64_t port_words = sparse ? e.cnt.iaram_words : e.cnt.iaram_reads * vec_words;
    in.reads += port_words;
    in.read_bytes += sparse ? (port_words * e.iaram_word_bits + 7) / 8 : port_words * 8;
    rb.buffer(BufferRole::Input, in);
    rb.buffer(BufferRole::Output, oaram_->counters);
    if (wstage_) rb.buffer(BufferRole::Weight, wstage_->counters);
    rb.rf_accesses(e.cnt.fifo_reads + fifo_writes + e.cnt.acc_reads + e.cnt.acc_writes);
    rb.memory(ms);
    const DramStats& ds = ms.dram;

    ScnnEnergyCounts ec;
    ec.sparse = sparse;
    ec.zero_gating = prm_.zero_gating;
    ec.crossbar_queue_entries = prm_.crossbar_queue_entries;
    ec.cnt = e.cnt;
    ec.broadcast_entries = bc.broadcast_entries;
    ec.unicast_entries = bc.unicast_entries;
    ec.pes = static_cast<uint64_t>(m.pes());
    ec.halo_values = lr.halo_values;
    ec.halo_value_hops = lr.halo_value_hops;
    ec.ppu_outputs = lr.ppu_outputs;
    ec.dram_pj = ds.total_pj();
    ec.F = prm_.F;
    ec.I = prm_.I;
    ec.widths = scnn_widths(arch_, prm_);
    ec.floorplan = floorplan_;
    ec.cycles = res.cycles;
    apply_scnn_energy(arch_, ec, res);
    if (wstage_) res.energy(EnergyComponent::WeightBuffer) = buffer_energy_pj(arch_.tech, stage_cfg_, res.buffer(BufferRole::Weight), stage_cfg_.banks);

    auto& x = res.extra;
    x["kc"] = static_cast<double>(m.Kc);
    x["output_channel_groups"] = static_cast<double>(lr.groups_run);
    x["tile_rows"] = static_cast<double>(m.Pt);
    x["tile_cols"] = static_cast<double>(m.Qt);
    x["channel_split"] = m.channel_split ? 1.0 : 0.0;
    x["busiest_pe_cycles"] = static_cast<double>(busiest);
    // Sum over groups of the busiest PE of the group: the compute time with barriers.
    x["group_busiest_pe_cycles_sum"] = static_cast<double>(lr.group_bound);
    x["array_cycles"] = static_cast<double>(e.cnt.array_cycles);
    x["crossbar_conflict_stall_cycles"] = static_cast<double>(e.cnt.conflict_stalls);
    if (sparse) x["iaram_port_stall_cycles"] = static_cast<double>(e.cnt.iaram_stalls);
    x["products"] = static_cast<double>(e.cnt.products);
    x["products_discarded"] = static_cast<double>(e.cnt.products_discarded);
    x["multiplier_slots"] = static_cast<double>(e.cnt.mult_slots);
    x["halo_cycles"] = static_cast<double>(lr.halo_cycles);
    x["halo_values"] = static_cast<double>(lr.halo_values);
    x["halo_value_hops"] = static_cast<double>(lr.halo_value_hops);
    x["weight_bus_broadcast_entries"] = static_cast<double>(bc.broadcast_entries);
    x["weight_bus_unicast_entries"] = static_cast<double>(bc.unicast_entries);
    x["ppu_cycles"] = static_cast<double>(lr.ppu_cycles);
    x["ppu_outputs"] = static_cast<double>(lr.ppu_outputs);
    x["ppu_oaram_port_stall_cycles"] = static_cast<double>(lr.ppu_port_stalls);
    x["input_passes"] = static_cast<double>(lr.input_passes);
    x["weight_bytes"] = static_cast<double>(e.weight_bytes);
    x["weight_fifo_reads"] = static_cast<double>(e.cnt.fifo_reads);
    x["input_wait_cycles"] = static_cast<double>(lr.block_wait_input);
    // IARAM words the DMA wrote into the busiest PE's bank, and into all banks: the most PE
    // cycles the (not modelled) contention with the PEs' reads could cost (docs/scnn.md).
    uint64_t iw_max = 0, iw_sum = 0;
    for (const uint64_t w : lr.iaram_write_words) {
        iw_max = std::max(iw_max, w);
        iw_sum += w;
    }
    x["iaram_dma_write_words_busiest_pe"] = static_cast<double>(iw_max);
    x["iaram_dma_write_words_sum"] = static_cast<double>(iw_sum);
    // PE cycles with an empty weight FIFO (summed over PEs; the idle PEs' shared slot counts for
    // each of them), split by what held the piece back: its bytes from DRAM, or the bus.
    uint64_t wd = 0, wb = 0;
    for (std::size_t p = 0; p < act.size(); ++p) {
        wd += bc.wait_dram[p];
        wb += bc.wait_bus[p];
    }
    if (idle > 0) {
        wd += bc.wait_dram[act.size()] * static_cast<uint64_t>(idle);
        wb += bc.wait_bus[act.size()] * static_cast<uint64_t>(idle);
    }
    x["pe_wait_weight_cycles_sum"] = static_cast<double>(wd + wb);
    x["fifo_empty_dram_cycles_sum"] = static_cast<double>(wd);
    x["fifo_empty_bus_cycles_sum"] = static_cast<double>(wb);
    x["broadcast_bus_busy_cycles"] = static_cast<double>(bc.bus_busy_cycles);
    x["broadcast_bus_held_cycles"] = static_cast<double>(bc.bus_held_cycles);
    x["barrier_wait_cycles_sum"] = static_cast<double>(lr.barrier_wait);
    x["accumulator_drain_wait_cycles"] = static_cast<double>(lr.drain_wait);
    x["halo_port_stall_cycles"] = static_cast<double>(lr.halo_port_stalls);
    // Multiplier utilisation: useful products over the multiplier slots of the layer's cycles.
    x["multiplier_utilisation"] =
        res.cycles ? static_cast<double>(e.cnt.products) / (static_cast<double>(res.cycles) * static_cast<double>(arch_.pe.total_macs())) : 0.0;
    x["dma_overfetch_bytes"] = static_cast<double>(ms.dma.overfetch_bytes);
}

std::unique_ptr<AcceleratorModel> make_scnn_family_model(const ArchConfig& arch, SimContext& ctx,
                                                         std::unique_ptr<PeArrayPolicy> policy) {
    return std::make_unique<ScnnModel>(arch.dataflow == Dataflow::Scnn ? "scnn" : "dcnn", arch, ctx, std::move(policy));
}

std::unique_ptr<AcceleratorModel> make_scnn_model(const ArchConfig& arch, SimContext& ctx) {
    const ScnnParams& p = arch.design_params<ScnnParams>();
    return make_scnn_family_model(
        arch, ctx, make_sparse_pe_array(p.accumulator_banks, p.accumulator_bank_mapping, p.crossbar_queue_entries));
}

}  // namespace sx::scnn
