#include "hw/scnn/scnn_model.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>

#include <systemc>

#include "hw/buffer/global_buffer.h"
#include "hw/common/sx_assert.h"
#include "hw/dma/dma.h"
#include "hw/energy/energy_model.h"
#include "hw/scnn/fifo_schedule.h"
#include "hw/scnn/scnn_energy.h"
#include "hw/scnn/scnn_params.h"
#include "hw/system/layer_result_builder.h"
#include "hw/system/memory_system.h"
#include "sw/common/error.h"

namespace sx::scnn {

using namespace sc_core;
using scnn::LayerEngine;

namespace {

const BufferConfig& role_buffer(const ArchConfig& arch, const char* role) {
    for (const auto& b : arch.buffers)
        if (b.role == role) return b;
    throw arch.error_at("/buffers", std::string("a buffer with role \"") + role + "\" (scnn/dense)");
}

class ScnnModel : public sc_module, public AcceleratorModel {
public:
    SC_HAS_PROCESS(ScnnModel);
    ScnnModel(sc_module_name name, const ArchConfig& arch, SimContext& ctx, std::unique_ptr<scnn::PeArrayPolicy> pol)
        : sc_module(name), arch_(arch), ctx_(ctx), prm_(arch.design_params<scnn::ScnnParams>()), pol_(std::move(pol)) {
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
        wf.capacity_bytes = 4ull << 20;
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

    void run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                   LayerConservation& cons) override {
        job_ = &job;
        res_ = &res;
        cons_ = &cons;
        out_ = &outputs;
        busy_ = true;
        start_ev_.notify(SC_ZERO_TIME);
        while (busy_) wait(done_ev_);
    }

    // Sparse baselines run on raw, unstructured weights pruned at the workload's densities
    // (issue 5), never on SmartExchange's row-structured image; DCNN on the same weights.
    SyntheticWeightForm synthetic_weight_form() const override { return SyntheticWeightForm::Unstructured; }

private:
    // Records, in submission order, the cycle each DMA ticket's data was in place.
    void completion_thread() {
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
    std::size_t load(uint64_t dram, uint64_t bytes, GlobalBuffer* b, uint64_t addr) {
        const uint64_t t = dma_->submit({dram, bytes, false, b, addr});
        watch_.push_back(t);
        arrival_.push_back(scnn::kUnknown);
        watch_ev_.notify(SC_ZERO_TIME);
        return watch_.size() - 1;
    }

    // The weight pieces of an image form one DRAM stream, read once and burst-aligned: a piece's
    // load covers the bursts from where the previous load stopped up to its own end (the
    // head of the next piece arrives with it). A piece already covered reuses that ticket.
    // `addr`: where the load lands in `buf`; for the broadcast landing window (wfifo_) the
    // stream offset modulo its capacity (a load crossing the end is split in two). Every load
    // is recorded so that a piece's bytes can be read from where they landed (landed()).
    // last_load_bytes_: bytes of the load issued (0 when the piece was already covered).
    std::size_t load_piece(const scnn::WeightBlock& b, GlobalBuffer* buf, uint64_t addr) {
        last_load_bytes_ = 0;
        const uint64_t end = (b.dram_addr + b.dram_bytes + burst_ - 1) / burst_ * burst_;
        if (end <= stream_upto_ && !watch_.empty()) return watch_.size() - 1;
        const uint64_t from = std::max(stream_upto_, b.dram_addr / burst_ * burst_);
        stream_upto_ = end;
        last_load_bytes_ = end - from;
        if (buf == wfifo_.get()) {
            const uint64_t cap = wfifo_->capacity();
            uint64_t at = from;
            std::size_t idx = 0;
            while (at < end) {
                const uint64_t a = at % cap, n = std::min(end - at, cap - a);
                landing_.push_back({at, at + n, buf, a});
                idx = load(at, n, buf, a);
                at += n;
            }
            return idx;
        }
        landing_.push_back({from, end, buf, addr});
        return load(from, end - from, buf, addr);
    }
    // Copies stream bytes [from, from + n) out of the buffers the loads put them in.
    void landed(uint64_t from, uint64_t n, std::vector<uint8_t>& out) {
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

    void pe_thread();
    void run(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs, LayerConservation& cons);

    const ArchConfig& arch_;
    SimContext& ctx_;
    scnn::ScnnParams prm_;
    std::unique_ptr<scnn::PeArrayPolicy> pol_;
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
    sc_event start_ev_, done_ev_, watch_ev_, arrival_ev_;
    std::vector<uint64_t> watch_;
    std::vector<uint64_t> arrival_;
    std::size_t next_done_ = 0;
    uint64_t stream_upto_ = 0;  // weight stream: DRAM bytes fetched so far (this image)
    uint64_t last_load_bytes_ = 0;
    struct Landing {
        uint64_t from, to;   // stream bytes [from, to)
        GlobalBuffer* buf;
        uint64_t addr;       // where `from` landed in buf
    };
    std::vector<Landing> landing_;  // this image's weight loads, in stream order
};

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
    } catch (const scnn::AccumulatorTooSmall& x) {
        const std::string df = std::string("/") + to_string(arch_.dataflow);
        throw arch_.error_at({df + "/accumulator_entries", "/pe_array/rows", "/pe_array/cols"},
                             "accumulators that hold one output channel's tile and halo of layer '" + L.name + "' (" +
                                 std::to_string(x.needed) + " partial sums; smaller tiles need more PE rows/cols)",
                             std::to_string(prm_.accumulator_entries) + " entries");
    }
    LayerEngine& e = *engine;
    const scnn::PlanarMapping& m = e.mapping();
    // The host writes the weight stream (every piece in broadcast order, compressed-sparse for
    // SCNN and DCNN-opt, raw for DCNN) at DRAM address 0 (backdoor: no simulated time).
    mem_->backdoor_write(0, e.weight_image);
    const int pes = m.pes();
    // Only the PEs that can have work are tracked (LayerEngine::active_pes), so host memory and
    // time follow the layer rather than the PE count. The idle PEs all receive the same
    // broadcast blocks with no work, so they share one timeline: slot `rep` of the schedule
    // stands for all of them (their waits count idle times; they never bound a FIFO's room or
    // the barrier, as an active PE finishes each block no earlier than they do).
    const std::vector<int>& act = e.active_pes();
    const int64_t idle = e.idle_pes();
    const std::size_t rep = act.size(), slots = act.size() + (idle > 0 ? 1 : 0);
    const uint64_t start = ctx_.now_cycles();
    mem_->begin_layer();
    iaram_->counters = oaram_->counters = wfifo_->counters = BufferCounters{};
    if (wstage_) wstage_->counters = BufferCounters{};
    const uint64_t stage_cap = wstage_ ? wstage_->capacity() : 0;
    auto align = [&](uint64_t x) { return (x + burst_ - 1) / burst_ * burst_; };

    // DRAM layout: weight blocks, then each image's activation tiles (channel-major), then outputs.
    const uint64_t act_base = align(e.weight_bytes);
    const uint64_t iaram_per_pe = iaram_cfg_.capacity_bytes / static_cast<uint64_t>(std::max(1, iaram_cfg_.banks));
    uint64_t out_addr = 0, act_addr = act_base;
    std::vector<uint64_t> busy_total(slots, 0);
    // Targeted blocks (channel split) name a PE below max(C, K): its slot is its number.
    scnn::FifoSchedule sched(static_cast<int>(slots), prm_.weight_fifo_entries);
    uint64_t halo_cycles_total = 0, ppu_cycles_total = 0, input_passes = 0, groups_run = 0, fifo_writes = 0,
             halo_values = 0, ppu_outputs = 0, block_wait_input = 0, group_bound = 0;
    struct Store {
        uint64_t at;
        std::vector<uint8_t> bytes;            // the PPU's output of one group, all PEs
        std::vector<scnn::OutStream> streams;  // where each (PE, channel) stream sits in it
    };
    std::vector<scnn::OutStream> written;      // streams sent to DRAM, read back at the end
    std::deque<Store> stores;
    uint64_t out_base = 0;
    uint64_t oaram_ring = 0;
    // The PPU writes a group's bytes into OARAM (ring addresses, in chunks of at most its
    // capacity) and the DMA stores them from there to DRAM.
    auto issue_store = [&](Store& s) {
        const uint64_t total = align(s.bytes.size());
        s.bytes.resize(total, 0);
        for (scnn::OutStream& st : s.streams) {
            st.dram_addr = out_base + out_addr + st.offset;
            written.push_back(st);
        }
        const uint64_t cap = oaram_cfg_.capacity_bytes / burst_ * burst_;
        for (uint64_t done = 0; done < total;) {
            const uint64_t nb = std::min(total - done, cap);
            if (oaram_ring + nb > cap) oaram_ring = 0;
            const uint64_t a = oaram_ring;
            std::memcpy(oaram_->data(a, nb), s.bytes.data() + done, nb);
            oaram_->post(a, nb, true);  // the PPU's write; the DMA store below reads it back
            dma_->submit({out_base + out_addr, nb, true, oaram_.get(), a});
            oaram_ring += nb;
            out_addr += nb;
            done += nb;
        }
    };

    const int64_t groups = static_cast<int64_t>(e.group_begin.size()) - 1;
    // Upper bound for the output region (for placing it after the inputs).
    for (int64_t n = 0; n < L.N; ++n) {
        e.load_image(n);
        uint64_t per_pe_max = 0;
        for (int pe : act) {
            uint64_t s = 0;
            for (int64_t c = 0; c < L.C; ++c) s += e.act_bytes(pe, c);
            per_pe_max = std::max(per_pe_max, s);
        }
        const bool resident = per_pe_max <= iaram_per_pe;
        std::vector<uint64_t> ch_bytes(static_cast<std::size_t>(L.C), 0), ch_addr(ch_bytes.size(), 0);
        // The host writes the image's input tiles (per channel, per PE, compressed for SCNN and
        // DCNN-opt) after the weights.
        mem_->backdoor_write(act_addr, e.act_image);
        for (int64_t c = 0; c < L.C; ++c) {
            for (int pe : act) ch_bytes[static_cast<std::size_t>(c)] += e.act_bytes(pe, c);
            ch_addr[static_cast<std::size_t>(c)] = act_addr;
            act_addr += ch_bytes[static_cast<std::size_t>(c)];
        }
        out_base = align(act_addr) + 0x1000000ull * static_cast<uint64_t>(n + 1);
        std::vector<std::size_t> in_idx(static_cast<std::size_t>(L.C), 0);
        std::vector<uint64_t> in_at(static_cast<std::size_t>(L.C), 0), in_decoded(static_cast<std::size_t>(L.C), 0);
        uint64_t iaram_ring = 0;
        // Input tiles are loaded per channel on first use in a pass (all groups when resident,
        // else again for every output-channel group), interleaved with the weight stream in the
        // order the PEs need them, rather than the whole layer ahead of the first weights.
        std::vector<uint64_t> in_pass(static_cast<std::size_t>(L.C), 0);
        uint64_t pass = 0;
        auto load_inputs = [&] {
            ++input_passes;
            ++pass;
        };
        auto ensure_input = [&](int64_t c) {
            const auto ci = static_cast<std::size_t>(c);
            if (in_pass[ci] == pass) return;
            in_pass[ci] = pass;
            const uint64_t cap = iaram_cfg_.capacity_bytes;
            const uint64_t b = ch_bytes[ci];
            if (b > cap)
                throw arch_.error_at("/buffers/" + iaram_cfg_.name + "/capacity_kib",
                                     "IARAM that holds one input channel of layer '" + L.name + "' (" +
                                         std::to_string(b) + " bytes)",
                                     std::to_string(cap) + " bytes");
            if (iaram_ring + b > cap) iaram_ring = 0;
            in_at[ci] = iaram_ring;
            in_idx[ci] = load(ch_addr[ci], b, iaram_.get(), iaram_ring);
            iaram_ring += b;
        };
        // Weight pieces of this image: DMA ticket, FIFO-room cycle. With a staging buffer the
        // DMA fetches ahead (pointer f) while the buffer has room; without, a piece is fetched
        // when its FIFO room is there (pointer s).
        const std::size_t nb = e.blocks.size();
        std::vector<std::size_t> wt_idx(nb, SIZE_MAX), sched_idx(nb, 0);
        std::vector<uint64_t> room_at(nb, 0);
        std::size_t f = 0;
        stream_upto_ = 0;
        landing_.clear();
        std::vector<uint8_t> piece_bytes;
        uint64_t staged = 0, stage_ring = 0;
        uint64_t prev_barrier = ctx_.now_cycles(), drain_prev = ctx_.now_cycles(), drain_prev2 = ctx_.now_cycles();
        std::vector<uint64_t> busy_before = sched.busy;
        for (int64_t g = 0; g < groups; ++g) {
            if (g == 0 || !resident) load_inputs();
            // Double-buffered accumulators: group g starts after the barrier of g-1 and once the
            // buffer it reuses (group g-2's) has been drained.
            const uint64_t gstart = std::max(prev_barrier, drain_prev2);
            sched.start_group(gstart);
            const std::size_t b0 = e.group_begin[static_cast<std::size_t>(g)], b1 = e.group_begin[static_cast<std::size_t>(g) + 1];
            std::size_t s = b0, c = b0;
            std::vector<uint64_t> work(slots, 0);
            while (c < b1) {
                const scnn::WeightBlock& cb = e.blocks[c];
                const std::size_t wi = wt_idx[c];
                const std::size_t ii = in_idx[static_cast<std::size_t>(cb.c)];
                if (c < s && wi != SIZE_MAX && arrival_[wi] != scnn::kUnknown && arrival_[ii] != scnn::kUnknown) {
                    // Schedule piece c: every target PE runs it (plain C++ arithmetic). It entered
                    // the FIFOs when they had room and its weights had arrived.
                    const uint64_t enter = std::max({room_at[c], arrival_[wi], arrival_[ii]});
                    if (arrival_[ii] > std::max(room_at[c], arrival_[wi]))
                        block_wait_input += arrival_[ii] - std::max(room_at[c], arrival_[wi]);
                    if (wstage_) {
                        staged -= cb.dram_bytes;
                        // Read out onto the broadcast bus (8 x 64-bit ports, at most a few cycles
                        // per piece, overlapped with the FIFO entry; counted, not timed).
                        wstage_->counters.reads += (cb.dram_bytes + 7) / 8;
                        wstage_->counters.read_bytes += cb.dram_bytes;
                    }
                    // The PEs work on what reached them: the channel's tiles decoded from IARAM
                    // (once per pass), the piece decoded from the bytes the broadcast carried.
                    const auto cc = static_cast<std::size_t>(cb.c);
                    if (in_decoded[cc] != pass) {
                        in_decoded[cc] = pass;
                        for (int pe : act) {
                            const uint64_t nbytes = e.act_bytes(pe, cb.c);
                            e.decode_acts(pe, cb.c,
                                          nbytes ? iaram_->data(in_at[cc] + e.act_offset(pe, cb.c), nbytes) : nullptr);
                        }
                    }
                    landed(cb.dram_addr, cb.dram_bytes, piece_bytes);
                    const scnn::WeightBlock piece = e.decode_piece(cb, piece_bytes.data());
                    std::fill(work.begin(), work.end(), 0);
                    for (std::size_t k = 0; k < act.size(); ++k)
                        if (piece.target < 0 || piece.target == act[k]) work[k] = pol_->run_block(e, act[k], piece);
                    sched.schedule(sched_idx[c], enter, work);
                    fifo_writes += static_cast<uint64_t>(cb.fifo_entries) * (cb.target < 0 ? static_cast<uint64_t>(pes) : 1u);
                    ++c;
                    ctx_.monitor.progress();
                    continue;
                }
                if (wstage_ && f < nb && (staged == 0 || staged + e.blocks[f].dram_bytes <= stage_cap)) {
                    // Prefetch into the staging buffer (ring addresses; a piece never wraps).
                    if (resident || e.blocks[f].group == g) ensure_input(e.blocks[f].c);
                    const uint64_t bytes = e.blocks[f].dram_bytes;
                    if (stage_ring + bytes + 2 * burst_ > stage_cap) stage_ring = 0;
                    wt_idx[f] = load_piece(e.blocks[f], wstage_.get(), stage_ring);
                    stage_ring += last_load_bytes_;
                    staged += bytes;
                    ++f;
                    continue;
                }
                std::optional<uint64_t> room;
                if (s < b1 && (!wstage_ || s < f)) room = sched.room_from(e.blocks[s].target, e.blocks[s].fifo_entries);
                const uint64_t now = ctx_.now_cycles();
                if (room && *room <= now) {
                    const scnn::WeightBlock& sb = e.blocks[s];
                    ensure_input(sb.c);
                    sched_idx[s] = sched.append(sb.target, sb.fifo_entries);
                    room_at[s] = *room;
                    if (!wstage_) wt_idx[s] = load_piece(sb, wfifo_.get(), 0);
                    ++s;
                    continue;
                }
                if (!stores.empty() && stores.front().at <= now) {
                    issue_store(stores.front());
                    stores.pop_front();
                    continue;
                }
                uint64_t until = scnn::kUnknown;
                if (room) until = std::min(until, *room);
                if (!stores.empty()) until = std::min(until, stores.front().at);
                ctx_.monitor.waiting(mon_, "weights or activations from DRAM");
                if (until != scnn::kUnknown) wait(ctx_.cycles(until - now), arrival_ev_);
                else wait(arrival_ev_);
                ctx_.monitor.waiting(mon_, "");
            }
            // Barrier, then halo exchange (or the FC partial-sum reduction) and post-processing
            // on the drained accumulator buffer while the next group computes.
            const uint64_t barrier = sched.barrier();
            // The group's data path: halo exchange (or reduction) between the PEs' accumulators,
            // then each PE's tile read out for the post-processing unit below.
            const uint64_t moved = e.end_group(g);
            const uint64_t halo_before = halo_values;
            uint64_t gmax = 0;
            for (std::size_t p = 0; p < slots; ++p) {
                gmax = std::max(gmax, sched.busy[p] - busy_before[p]);
                busy_before[p] = sched.busy[p];
            }
            group_bound += gmax;
            const int64_t kc = std::min(m.Kc, L.K - g * m.Kc);
            uint64_t halo = 0, ppu = 0;
            Store st;
            for (int pe : act) {  // idle PEs have no outputs and no halo
                uint64_t outs = 0;
                const std::size_t s0 = st.streams.size();
                const std::vector<uint8_t> b = e.pack_outputs(pe, g, st.streams, outs);
                for (std::size_t i = s0; i < st.streams.size(); ++i) st.streams[i].offset += st.bytes.size();
                st.bytes.insert(st.bytes.end(), b.begin(), b.end());
                ppu = std::max<uint64_t>(ppu, (outs + prm_.ppu_values_per_cycle - 1) / prm_.ppu_values_per_cycle);
                ppu_outputs += outs;
                const uint64_t h = static_cast<uint64_t>(m.halo_outputs(pe) * kc);
                halo_values += h;
                halo = std::max<uint64_t>(halo, (h + prm_.halo_values_per_cycle - 1) / prm_.halo_values_per_cycle);
            }
            if (m.channel_split) {
                // log2(PEs) reduction steps of Kc partial sums over the neighbour links.
                int steps = 0;
                while ((1 << steps) < pes) ++steps;
                halo = static_cast<uint64_t>(steps) * ((static_cast<uint64_t>(kc) + prm_.halo_values_per_cycle - 1) /
                                                       prm_.halo_values_per_cycle);
                halo_values += static_cast<uint64_t>(kc) * static_cast<uint64_t>(pes - 1);
            }
            // The halo values the exchange moved are the ones its time is charged for.
            SX_ASSERT(m.channel_split || moved == halo_values - halo_before,
                      "scnn: layer " + L.name + ": halo exchange moved " + std::to_string(moved) + " partial sums, timed " +
                          std::to_string(halo_values - halo_before));
            (void)moved;
            (void)halo_before;
            halo_cycles_total += halo;
            ppu_cycles_total += ppu;
            ++groups_run;
            const uint64_t drained = barrier + halo + ppu;
            st.at = drained;
            stores.push_back(std::move(st));
            prev_barrier = barrier;
            drain_prev2 = drain_prev;
            drain_prev = drained;
        }
        busy_total = sched.busy;
        // The next image may not start before this one's last group has drained.
        while (!stores.empty()) {
            ctx_.wait_until(stores.front().at);
            issue_store(stores.front());
            stores.pop_front();
        }
        sched.start_group(drain_prev);
    }
    dma_->wait_all();
    // What reached DRAM: every (PE, channel) stream the PPU wrote, read back and decoded, must
    // be the ReLU'd, requantised accumulator values (the --check compares those accumulator
    // values, int32, with the reference).
    std::vector<uint8_t> back;
    for (const scnn::OutStream& st : written) {
        back.assign(st.bytes, 0);
        mem_->backdoor_read(st.dram_addr, back.data(), st.bytes);
        if (!e.output_stream_matches(st, back.data()))
            throw SimulationError(std::string(sparse ? "scnn" : "dense") + ": layer " + L.name + ": outputs of PE " +
                                  std::to_string(st.pe) + ", channel " + std::to_string(st.k) +
                                  " in DRAM differ from what the post-processing unit wrote");
    }
    outputs = e.outputs;

    // Results.
    const MemoryLayerStats ms = mem_->end_layer();
    LayerResultBuilder rb(arch_, res, cons);
    rb.cycles_from_first_request(ms, start, ctx_.now_cycles());
    const uint64_t macs = static_cast<uint64_t>(L.macs());
    const uint64_t executed = sparse ? std::min(macs, e.cnt.products)
                              : prm_.zero_gating ? macs - std::min(macs, e.cnt.zero_gated) : macs;
    uint64_t active = 0, busiest = 0;
    for (const uint64_t b : busy_total) {
        active += b > 0;
        busiest = std::max(busiest, b);
    }
    rb.work(executed, macs - executed, active);
    BufferCounters in = iaram_->counters;
    const uint64_t vec_words = (static_cast<uint64_t>(prm_.I) * static_cast<uint64_t>(arch_.bits.activation + (sparse || prm_.compressed_dram ? 4 : 0)) + 63) / 64;
    in.reads += e.cnt.iaram_reads * vec_words;
    in.read_bytes += e.cnt.iaram_reads * vec_words * 8;
    rb.buffer(BufferRole::Input, in);
    rb.buffer(BufferRole::Output, oaram_->counters);
    if (wstage_) rb.buffer(BufferRole::Weight, wstage_->counters);
    rb.rf_accesses(e.cnt.fifo_reads + fifo_writes + e.cnt.acc_reads + e.cnt.acc_writes);
    rb.memory(ms);
    const DramStats& ds = ms.dram;

    scnn::ScnnEnergyCounts ec;
    ec.sparse = sparse;
    ec.zero_gating = prm_.zero_gating;
    ec.cnt = e.cnt;
    ec.fifo_writes = fifo_writes;
    ec.halo_values = halo_values;
    ec.ppu_outputs = ppu_outputs;
    ec.dram_pj = ds.total_pj();
    ec.F = prm_.F;
    ec.accumulator_kib = static_cast<double>(prm_.accumulator_entries) * 2 * static_cast<double>(arch_.bits.accumulator) / 8 / 1024;
    ec.mac_units = static_cast<uint64_t>(arch_.pe.total_macs());
    ec.cycles = res.cycles;
    scnn::apply_scnn_energy(arch_, ec, res);
    if (wstage_) res.energy(EnergyComponent::WeightBuffer) = buffer_energy_pj(arch_.tech, stage_cfg_, res.buffer(BufferRole::Weight));

    auto& x = res.extra;
    x["kc"] = static_cast<double>(m.Kc);
    x["output_channel_groups"] = static_cast<double>(groups_run);
    x["tile_rows"] = static_cast<double>(m.Pt);
    x["tile_cols"] = static_cast<double>(m.Qt);
    x["channel_split"] = m.channel_split ? 1.0 : 0.0;
    x["busiest_pe_cycles"] = static_cast<double>(busiest);
    // Sum over groups of the busiest PE of the group: the compute time with barriers.
    x["group_busiest_pe_cycles_sum"] = static_cast<double>(group_bound);
    x["array_cycles"] = static_cast<double>(e.cnt.array_cycles);
    x["crossbar_conflict_stall_cycles"] = static_cast<double>(e.cnt.conflict_stalls);
    x["products"] = static_cast<double>(e.cnt.products);
    x["products_discarded"] = static_cast<double>(e.cnt.products_discarded);
    x["multiplier_slots"] = static_cast<double>(e.cnt.mult_slots);
    x["halo_cycles"] = static_cast<double>(halo_cycles_total);
    x["halo_values"] = static_cast<double>(halo_values);
    x["ppu_cycles"] = static_cast<double>(ppu_cycles_total);
    x["input_passes"] = static_cast<double>(input_passes);
    x["weight_bytes"] = static_cast<double>(e.weight_bytes);
    x["weight_fifo_reads"] = static_cast<double>(e.cnt.fifo_reads);
    x["input_wait_cycles"] = static_cast<double>(block_wait_input);
    uint64_t ww = 0;
    for (std::size_t p = 0; p < act.size(); ++p) ww += sched.wait_weights[p];
    if (idle > 0) ww += sched.wait_weights[rep] * static_cast<uint64_t>(idle);
    x["pe_wait_weight_cycles_sum"] = static_cast<double>(ww);
    x["dma_overfetch_bytes"] = static_cast<double>(ms.dma.overfetch_bytes);
}

}  // namespace

std::unique_ptr<AcceleratorModel> make_scnn_family_model(const ArchConfig& arch, SimContext& ctx,
                                                         std::unique_ptr<scnn::PeArrayPolicy> policy) {
    return std::make_unique<ScnnModel>(arch.dataflow == Dataflow::Scnn ? "scnn" : "dcnn", arch, ctx, std::move(policy));
}

std::unique_ptr<AcceleratorModel> make_scnn_model(const ArchConfig& arch, SimContext& ctx) {
    const scnn::ScnnParams& p = arch.design_params<scnn::ScnnParams>();
    return make_scnn_family_model(arch, ctx, scnn::make_sparse_pe_array(p.accumulator_banks, p.accumulator_bank_mapping));
}

}  // namespace sx::scnn
