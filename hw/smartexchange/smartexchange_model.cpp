#include "hw/smartexchange/smartexchange_model.h"

#include <algorithm>
#include <cstring>

#include "hw/buffer/global_buffer.h"
#include "hw/common/at_memory.h"
#include "hw/dma/dma.h"
#include "hw/dram/dram.h"
#include "hw/smartexchange/se_energy.h"
#include "hw/smartexchange/pe_array.h"
#include "hw/smartexchange/se_layer.h"
#include "hw/smartexchange/se_params.h"
#include "hw/smartexchange/se_pipeline.h"
#include "sw/common/error.h"
#include "sw/reference/conv_reference.h"

namespace sx {

using namespace sc_core;

namespace {

GlobalBuffer* make_buffer(const ArchConfig& arch, const char* role, const SimContext& ctx,
                          std::vector<std::unique_ptr<GlobalBuffer>>& all) {
    for (const auto& b : arch.buffers)
        if (b.role == role) {
            all.push_back(std::make_unique<GlobalBuffer>(b, ctx));
            return all.back().get();
        }
    throw InputError(arch.file, "/buffers", std::string("a buffer with role \"") + role + "\" (smartexchange)");
}

class SeModel : public sc_module, public AcceleratorModel {
public:
    SC_HAS_PROCESS(SeModel);
    SeModel(sc_module_name name, const ArchConfig& arch, SimContext& ctx)
        : sc_module(name), arch_(arch), ctx_(ctx), prm_(parse_se_params(arch)),
          pe_(arch.pe.dim_m, arch.pe.dim_c, arch.pe.dim_f, prm_.bit_serial),
          task_q_("task_q", prm_.fifo_depth), dec_q_("dec_q", prm_.fifo_depth), re_q_("re_q", 1),
          store_q_("store_q", prm_.fifo_depth), in_sem_("in_sem", 2), w_sem_("w_sem", 2), out_sem_("out_sem", 2) {
        if (arch.pe.dim_m < 1 || arch.pe.dim_c < 1 || arch.pe.dim_f < 1)
            throw InputError(arch.file, "/pe_array", "dim_m, dim_c and dim_f >= 1 for smartexchange");
        in_ = make_buffer(arch, "input", ctx, buffers_);
        out_ = make_buffer(arch, "output", ctx, buffers_);
        wb_ = make_buffer(arch, "weight", ctx, buffers_);
        idx_ = make_buffer(arch, "index", ctx, buffers_);
        uint32_t align = 1;
        if (prm_.memory == "dram") {
            const DramConfig dc = parse_dram_config(JsonNode(arch.dram.preset, arch.dram.preset_path), arch.dram.channels,
                                                    arch.dram.bus_width_bits, arch.dram.clock_mhz_override);
            dram_ = std::make_unique<Dram>("dram", dc);
            align = dram_->bytes_per_burst();
        } else {
            fixed_ = std::make_unique<AtMemory>("memory", 0, ctx.clk, static_cast<uint64_t>(prm_.fixed_latency_cycles),
                                                static_cast<uint64_t>(prm_.fixed_bytes_per_cycle));
            align = 1;
        }
        burst_ = align;
        dma_ = std::make_unique<Dma>("dma", ctx, prm_.dma_max_outstanding, static_cast<uint32_t>(prm_.dma_transfer_bytes),
                                     align, prm_.fifo_depth * 8);
        if (dram_) dma_->socket.bind(dram_->socket);
        else dma_->socket.bind(fixed_->socket);
        mon_ctrl_ = ctx.monitor.add("controller");
        mon_dec_ = ctx.monitor.add("index_decoder");
        mon_re_ = ctx.monitor.add("rebuild_engines");
        mon_pe_ = ctx.monitor.add("pe_array");
        mon_st_ = ctx.monitor.add("store_unit");
        SC_THREAD(decoder_thread);
        SC_THREAD(rebuild_thread);
        SC_THREAD(pe_thread);
        SC_THREAD(store_thread);
    }

    void run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                   LayerConservation& cons) override;
    void trace(sc_trace_file* tf) override {
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

private:
    void decoder_thread();
    void rebuild_thread();
    void pe_thread();
    void store_thread();
    void probe(bool pe_busy = false);
    uint64_t load(uint64_t dram, uint64_t bytes, GlobalBuffer* b, uint64_t addr) {
        ctx_.monitor.waiting(mon_ctrl_, "DMA loads of the next tile");  // submit blocks while the DMA queue is full
        return dma_->submit({dram, bytes, false, b, addr});
    }

    const ArchConfig& arch_;
    SimContext& ctx_;
    SeParams prm_;
    PeArray pe_;
    std::vector<std::unique_ptr<GlobalBuffer>> buffers_;
    GlobalBuffer *in_ = nullptr, *out_ = nullptr, *wb_ = nullptr, *idx_ = nullptr;
    std::unique_ptr<Dram> dram_;
    std::unique_ptr<AtMemory> fixed_;
    std::unique_ptr<Dma> dma_;
    uint32_t burst_ = 1;
    sc_fifo<SeTask*> task_q_;
    sc_fifo<SeChunk*> dec_q_, re_q_;
    sc_fifo<SeStore*> store_q_;
    sc_semaphore in_sem_, w_sem_, out_sem_;
    sc_event store_done_ev_;
    int mon_ctrl_, mon_dec_, mon_re_, mon_pe_, mon_st_;

    // Per layer.
    SeLayer L_;
    SeCounters cnt_;
    std::vector<int32_t>* outputs_ = nullptr;
    uint64_t stores_expected_ = 0;
    bool tracing_ = false;
    struct Vcd {
        int dma_outstanding = 0;
        bool dma_req_pending = false, pe_busy = false;
        int task_q = 0, dec_q = 0, re_q = 0, store_q = 0;
        uint64_t in_occ = 0, w_occ = 0, out_occ = 0;
    } vcd_;
};

void SeModel::probe(bool pe_busy) {
    if (!tracing_) return;
    vcd_.dma_outstanding = dma_->outstanding();
    vcd_.dma_req_pending = dma_->req_pending_ref();
    vcd_.task_q = task_q_.num_available();
    vcd_.dec_q = dec_q_.num_available();
    vcd_.re_q = re_q_.num_available();
    vcd_.store_q = store_q_.num_available();
    vcd_.pe_busy = pe_busy;
    vcd_.in_occ = in_->occupancy;
    vcd_.w_occ = wb_->occupancy;
    vcd_.out_occ = out_->occupancy;
}

// Controller: tiles, loads (double-buffered), hands tasks to the decoder, waits for the last
// store. Runs in the caller's thread.
void SeModel::run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                        LayerConservation& cons) {
    if (!job.image) throw SimulationError("smartexchange: layer " + job.layer->name + " has no weight image");
    L_ = plan_se_layer(*job.layer, *job.image, arch_, prm_, burst_);
    const SeLayer& L = L_;
    tracing_ = job.trace;
    outputs.assign(static_cast<std::size_t>(L.N * L.K * L.P * L.Q), 0);
    outputs_ = &outputs;
    cnt_ = SeCounters{};
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
    const bool input_resident = L.n_ptiles == 1 && L.N == 1;
    stores_expected_ = static_cast<uint64_t>(L.N * L.n_ptiles * L.n_kgroups);
    cnt_.stores = 0;
    const uint64_t M = static_cast<uint64_t>(L.dim_m);
    int in_half = 1, w_half = 1;
    bool resident_loaded = false;
    std::vector<uint64_t> tickets;
    auto load_weights = [&](int64_t kg, uint32_t wt, uint64_t wbase, uint64_t ibase) {
        for (uint64_t m = 0; m < M; ++m) {
            const int64_t k = kg * static_cast<int64_t>(M) + static_cast<int64_t>(m);
            if (k >= L.K) break;
            const uint32_t r0 = L.wt_first(wt), r1 = L.wt_end(wt);
            if (L.decomposed) {
                const uint32_t nz0 = L.nz_at[k * (L.n_wtiles + 1) + wt], nz1 = L.nz_at[k * (L.n_wtiles + 1) + wt + 1];
                const uint64_t b0 = 3ull * nz0 / 2, b1 = (3ull * nz1 + 1) / 2;
                tickets.push_back(load(L.ce_off[k] + b0, b1 - b0, wb_, wbase + m * L.w_slot));
                uint32_t bl0 = L.block_first[wt], bl1 = bl0;
                for (uint32_t b = 0; b < job.image->blocks_per_filter; ++b)
                    if (job.image->blocks[b].first_row < r1) bl1 = b;
                tickets.push_back(load(L.dram_basis + (k * job.image->blocks_per_filter + bl0) * 10ull,
                                       (bl1 - bl0 + 1) * 10ull, wb_, wbase + m * L.w_slot + L.w_slot_ce));
                const uint64_t bit0 = static_cast<uint64_t>(k) * L.rows_per_filter + r0;
                const uint64_t bit1 = static_cast<uint64_t>(k) * L.rows_per_filter + r1;
                tickets.push_back(load(L.dram_bitmap + bit0 / 8, (bit1 + 7) / 8 - bit0 / 8, idx_, ibase + m * L.idx_slot));
            } else {
                tickets.push_back(load(L.dram_raw + (static_cast<uint64_t>(k) * L.rows_per_filter + r0) * L.row_len,
                                       static_cast<uint64_t>(r1 - r0) * L.row_len, wb_, wbase + m * L.w_slot));
            }
        }
    };
    for (int64_t n = 0; n < L.N; ++n)
        for (int64_t pt = 0; pt < L.n_ptiles; ++pt) {
            const bool new_input = !input_resident || (n == 0 && pt == 0);
            if (new_input) {
                ctx_.monitor.waiting(mon_ctrl_, "a free input buffer half (pe_array still using both)");
                in_sem_.wait();
                ctx_.monitor.waiting(mon_ctrl_, "");
                in_half ^= 1;
                const int64_t lo = L.in_lo(pt), hi = L.in_hi(pt);
                for (int64_t c = 0; c < L.C; ++c)
                    tickets.push_back(load(L.dram_in + static_cast<uint64_t>(((n * L.C + c) * L.H + lo) * L.W),
                                           static_cast<uint64_t>((hi - lo) * L.W), in_,
                                           in_half * L.in_half + static_cast<uint64_t>(c) * L.in_rows_max * L.W));
                in_->occupancy += static_cast<uint64_t>(L.C * (hi - lo) * L.W);
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
                        if (!resident_loaded) {
                            for (int64_t kk = 0; kk < L.n_kgroups; ++kk)
                                for (uint32_t ww = 0; ww < L.n_wtiles; ++ww) {
                                    const uint64_t j = static_cast<uint64_t>(kk) * L.n_wtiles + ww;
                                    load_weights(kk, ww, j * L.w_tile_bytes, j * L.idx_tile_bytes);
                                }
                            wb_->occupancy += static_cast<uint64_t>(L.n_kgroups) * L.n_wtiles * L.w_tile_bytes;
                            resident_loaded = true;
                        }
                    } else {
                        ctx_.monitor.waiting(mon_ctrl_, "a free weight buffer half");
                        w_sem_.wait();
                        ctx_.monitor.waiting(mon_ctrl_, "");
                        w_half ^= 1;
                        t->w_base = w_half * (wb_->capacity() / 2);
                        t->idx_base = w_half * (idx_->capacity() / 2);
                        t->release_weights = true;
                        load_weights(kg, wt, t->w_base, t->idx_base);
                        wb_->occupancy += L.w_tile_bytes;
                    }
                    ctx_.monitor.waiting(mon_ctrl_, "DMA loads of the next tile");
                    for (uint64_t tk : tickets) dma_->wait_done(tk);
                    tickets.clear();
                    ctx_.monitor.waiting(mon_ctrl_, "room in the task FIFO (index decoder busy)");
                    probe();
                    task_q_.write(t);
                    ctx_.monitor.waiting(mon_ctrl_, "");
                    ++cnt_.tasks;
                }
        }
    ctx_.monitor.waiting(mon_ctrl_, "the last output store of the layer");
    while (cnt_.stores < stores_expected_) wait(store_done_ev_);
    ctx_.monitor.waiting(mon_ctrl_, "");
    // Hand back the input half held by a resident input and the resident weights.
    if (input_resident) in_sem_.post();
    in_->occupancy = wb_->occupancy = out_->occupancy = 0;
    probe();
    tracing_ = false;

    // Results.
    const uint64_t first = dma_->stats.first_request_cycle == UINT64_MAX ? start : dma_->stats.first_request_cycle;
    const uint64_t end = std::max(dma_->stats.last_write_done_cycle, ctx_.now_cycles());
    res.cycles = end - first;
    res.macs_executed = cnt_.macs_executed;
    res.macs_skipped = cnt_.macs_skipped;
    res.active_pes = static_cast<uint64_t>(std::min<int64_t>(L.dim_m, L.K)) * L.dim_c * L.dim_f;
    res.buffer(BufferRole::Input) = in_->counters;
    res.buffer(BufferRole::Output) = out_->counters;
    res.buffer(BufferRole::Weight) = wb_->counters;
    res.buffer(BufferRole::Index) = idx_->counters;
    res.rf_accesses = cnt_.rf_accesses;
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
    e.macs_executed = cnt_.macs_executed;
    e.lane_digit_cycles = cnt_.lane_digit_cycles;
    e.bit_serial = prm_.bit_serial;
    e.rows_rebuilt = cnt_.rows_rebuilt;
    e.basis_loads = cnt_.basis_loads;
    e.bitmap_bits = cnt_.bitmap_bits;
    e.rf_accesses = cnt_.rf_accesses;
    e.adder_tree_ops = cnt_.adder_tree_ops;
    e.mac_units = static_cast<uint64_t>(L.dim_m) * L.dim_c * L.dim_f;
    e.cycles = res.cycles;
    e.dram = ds;
    e.dram_valid = dram_ != nullptr;
    e.dram_bytes = res.dram_read_bytes + res.dram_write_bytes;
    apply_se_energy(arch_, e, res);

    auto& x = res.extra;
    x["compute_cycles"] = static_cast<double>(cnt_.compute_cycles);
    x["stall_input_fetch_cycles"] = static_cast<double>(cnt_.stall_input);
    x["stall_psum_write_cycles"] = static_cast<double>(cnt_.stall_output);
    x["stall_waiting_weights_cycles"] = static_cast<double>(cnt_.stall_weights);
    x["act_rows_read"] = static_cast<double>(cnt_.act_rows_read);
    x["act_rows_skipped"] = static_cast<double>(cnt_.act_rows_skipped);
    x["rows_rebuilt"] = static_cast<double>(cnt_.rows_rebuilt);
    x["rows_bypassed"] = static_cast<double>(cnt_.rows_bypassed);
    x["rows_zero_skipped"] = static_cast<double>(cnt_.rows_zero);
    x["basis_loads"] = static_cast<double>(cnt_.basis_loads);
    x["bitmap_bits"] = static_cast<double>(cnt_.bitmap_bits);
    x["passes"] = static_cast<double>(cnt_.chunks);
    x["passes_skipped"] = static_cast<double>(cnt_.chunks_skipped);
    x["steps"] = static_cast<double>(cnt_.steps);
    x["tiles_input"] = static_cast<double>(L.N * L.n_ptiles);
    x["tiles_weight"] = static_cast<double>(L.n_kgroups * L.n_wtiles);
    x["weights_resident"] = L.weights_resident ? 1.0 : 0.0;
    x["dma_overfetch_bytes"] = static_cast<double>(dma_->stats.overfetch_bytes);
    x["dma_request_stall_cycles"] = static_cast<double>(dma_->stats.req_stall_cycles);
    x["lane_digit_cycles"] = static_cast<double>(cnt_.lane_digit_cycles);
}


void SeModel::decoder_thread() {
    guarded(ctx_, [&] {
        for (;;) {
            SeTask* t = task_q_.read();
            const SeLayer& L = L_;
            const int M = L.dim_m;
            const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K - t->kg * M));
            const uint32_t r0 = L.wt_first(t->wt), r1 = L.wt_end(t->wt);
            std::vector<uint32_t> seen(static_cast<std::size_t>(M), 0);  // non-zero rows so far per slice
            for (uint32_t i0 = r0; i0 < r1; i0 += L.chunk_rows) {
                SeChunk* ch = new SeChunk;
                ch->task = *t;
                ch->i0 = i0;
                ch->i1 = std::min(r1, i0 + L.chunk_rows);
                ch->first_of_task = i0 == r0;
                ch->last_of_task = ch->i1 == r1;
                const uint32_t rows = ch->rows();
                ch->nz.assign(static_cast<std::size_t>(M) * rows, 0);
                ch->ce_nibble.assign(static_cast<std::size_t>(M) * rows, 0);
                uint64_t done = ctx_.now_cycles();
                for (int m = 0; m < mvalid; ++m) {
                    const int64_t k = t->kg * M + m;
                    uint8_t* nz = &ch->nz[static_cast<std::size_t>(m) * rows];
                    if (!L.decomposed) {
                        std::fill(nz, nz + rows, 1);
                        continue;
                    }
                    // The slot holds the bitmap bytes covering the tile's bits from byte bit0/8 on.
                    const uint64_t bit0 = static_cast<uint64_t>(k) * L.rows_per_filter + r0;
                    const uint64_t rel0 = bit0 % 8 + (i0 - r0), rel1 = rel0 + rows - 1;
                    const uint64_t slot = t->idx_base + static_cast<uint64_t>(m) * L.idx_slot;
                    done = std::max(done, idx_->read(slot + rel0 / 8, rel1 / 8 - rel0 / 8 + 1));
                    const uint8_t* bm = idx_->data(slot, rel1 / 8 + 1);
                    const uint32_t nz0 = L.nz_at[static_cast<std::size_t>(k) * (L.n_wtiles + 1) + t->wt];
                    for (uint32_t r = 0; r < rows; ++r) {
                        const uint64_t b = rel0 + r;
                        if ((bm[b >> 3] >> (b & 7)) & 1u) {
                            nz[r] = 1;
                            ch->ce_nibble[static_cast<std::size_t>(m) * rows + r] = 3 * seen[m] + ((3 * nz0) & 1u);
                            ++seen[m];
                        }
                    }
                    cnt_.bitmap_bits += rows;
                }
                if (L.decomposed)
                    done = std::max(done, ctx_.now_cycles() + (rows + prm_.index_bits_per_cycle - 1) /
                                                                 static_cast<uint64_t>(prm_.index_bits_per_cycle));
                ctx_.wait_until(done);
                ctx_.monitor.waiting(mon_dec_, "room in the decoder->rebuild FIFO");
                probe();
                dec_q_.write(ch);
                ctx_.monitor.waiting(mon_dec_, "");
                ctx_.monitor.progress();
            }
            delete t;
        }
    });
}

void SeModel::rebuild_thread() {
    guarded(ctx_, [&] {
        for (;;) {
            SeChunk* ch = dec_q_.read();
            // Two register-file banks per line: rebuilding the next pass starts only once the
            // PE array has taken the previous one.
            while (re_q_.num_free() == 0) {
                ctx_.monitor.waiting(mon_re_, "the PE array to take the previous pass (both RF banks full)");
                wait(re_q_.data_read_event());
            }
            ctx_.monitor.waiting(mon_re_, "");
            const SeLayer& L = L_;
            const SeTask& t = ch->task;
            const int M = L.dim_m;
            const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K - t.kg * M));
            const uint32_t rows = ch->rows(), J = L.row_len, r0 = L.wt_first(t.wt);
            ch->w.assign(static_cast<std::size_t>(M) * rows * J, 0);
            uint64_t done = ctx_.now_cycles(), line_max = 0;
            std::vector<uint64_t> line_rows(static_cast<std::size_t>(L.dim_c));
            for (int m = 0; m < mvalid; ++m) {
                const int64_t k = t.kg * M + m;
                const uint64_t slot = t.w_base + static_cast<uint64_t>(m) * L.w_slot;
                const uint8_t* nz = &ch->nz[static_cast<std::size_t>(m) * rows];
                int8_t* w = &ch->w[static_cast<std::size_t>(m) * rows * J];
                std::fill(line_rows.begin(), line_rows.end(), 0);
                if (!L.decomposed) {
                    const uint64_t a = slot + static_cast<uint64_t>(ch->i0 - r0) * J;
                    done = std::max(done, wb_->read(a, static_cast<uint64_t>(rows) * J));
                    std::memcpy(w, wb_->data(a, static_cast<uint64_t>(rows) * J), static_cast<std::size_t>(rows) * J);
                    for (uint32_t r = 0; r < rows; ++r) ++line_rows[r % L.dim_c];
                    cnt_.rows_bypassed += rows;
                    for (uint64_t n : line_rows) line_max = std::max(line_max, n * prm_.bypass_cycles_per_row);
                    continue;
                }
                uint32_t nib0 = UINT32_MAX, nib1 = 0, nnz = 0;
                int last_block = -1;
                const ImageLayer& img = *L.image;
                for (uint32_t r = 0; r < rows; ++r) {
                    if (!nz[r]) continue;
                    ++nnz;
                    ++line_rows[r % L.dim_c];
                    const uint32_t nib = ch->ce_nibble[static_cast<std::size_t>(m) * rows + r];
                    nib0 = std::min(nib0, nib);
                    nib1 = nib + 3;
                    uint8_t codes[3];
                    const uint8_t* ce = wb_->data(slot, L.w_slot_ce);
                    for (int q = 0; q < 3; ++q) {
                        const uint32_t x = nib + q;
                        codes[q] = (x & 1) ? static_cast<uint8_t>(ce[x >> 1] >> 4) : static_cast<uint8_t>(ce[x >> 1] & 0x0F);
                        if (!ce_code_valid(codes[q]))
                            throw SimulationError("rebuild engine: invalid Ce code " + std::to_string(codes[q]) +
                                                  " in layer " + L.layer->name + ", filter " + std::to_string(k));
                    }
                    // The block (basis) of this row: same partition for every filter.
                    const uint32_t i = ch->i0 + r;
                    uint32_t b = L.block_first[t.wt];
                    while (b + 1 < img.blocks_per_filter && img.blocks[b + 1].first_row <= i) ++b;
                    const uint64_t ba = slot + L.w_slot_ce + static_cast<uint64_t>(b - L.block_first[t.wt]) * 10;
                    if (static_cast<int>(b) != last_block) {
                        // Loaded into the idle engine of the ping-pong pair while the other rebuilds.
                        done = std::max(done, wb_->read(ba, 10));
                        ++cnt_.basis_loads;
                        last_block = static_cast<int>(b);
                    }
                    const uint8_t* bb = wb_->data(ba, 10);
                    BasisBlock blk;
                    for (int u = 0; u < 3; ++u)
                        for (int j = 0; j < 3; ++j) blk.basis[u][j] = static_cast<int8_t>(bb[u * 3 + j]);
                    blk.rebuild_shift = bb[9];
                    rebuild_row(blk, codes, &w[r * J]);
                }
                if (nnz > 0) done = std::max(done, wb_->read(slot + nib0 / 2, (nib1 + 1) / 2 - nib0 / 2));
                cnt_.rows_rebuilt += nnz;
                cnt_.rows_zero += rows - nnz;
                cnt_.rf_accesses += static_cast<uint64_t>(nnz) * J;  // weight register writes
                for (uint64_t n : line_rows) line_max = std::max(line_max, n * prm_.rebuild_cycles_per_row);
            }
            ctx_.wait_until(std::max(done, ctx_.now_cycles() + line_max));
            probe();
            re_q_.write(ch);
            ctx_.monitor.progress();
        }
    });
}

void SeModel::pe_thread() {
    guarded(ctx_, [&] {
        int out_half = 1;
        bool psum_valid = false;
        std::vector<PeStep> steps;
        std::vector<PeArray::Fetch> fetches;
        std::vector<int32_t> acc_cur, acc_next;
        for (;;) {
            const uint64_t t0 = ctx_.now_cycles();
            if (re_q_.num_available() == 0) ctx_.monitor.waiting(mon_pe_, "rebuilt weights from the rebuild engines");
            SeChunk* ch = re_q_.read();
            ctx_.monitor.waiting(mon_pe_, "");
            const SeLayer& L = L_;
            const SeTask& t = ch->task;
            const int M = L.dim_m, F = L.dim_f;
            const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K - t.kg * M));
            const int64_t prows = L.pt_rows(t.pt), p0 = L.pt_first(t.pt);
            if (t.first_of_group && ch->first_of_task) {
                ctx_.monitor.waiting(mon_pe_, "a free output buffer half (store unit behind)");
                out_sem_.wait();
                ctx_.monitor.waiting(mon_pe_, "");
                out_half ^= 1;
                psum_valid = false;
                // Accumulator clear: valid bits reset, no data traffic.
                std::memset(out_->data(0, L.psum_bytes), 0, L.psum_bytes);
                out_->occupancy += L.psum_bytes + static_cast<uint64_t>(M) * L.out_seg;
            } else {
                cnt_.stall_weights += ctx_.now_cycles() - t0;
            }
            ++cnt_.chunks;
            const uint32_t rows = ch->rows();
            bool any = false;
            for (int m = 0; m < mvalid && !any; ++m)
                for (uint32_t r = 0; r < rows; ++r)
                    if (ch->nz[static_cast<std::size_t>(m) * rows + r]) {
                        any = true;
                        break;
                    }
            if (!any) {
                // Every slice's rows are zero: no step, no activation read.
                ++cnt_.chunks_skipped;
                uint64_t vj = 0;
                for (uint32_t r = 0; r < rows; ++r)
                    for (uint32_t j = 0; j < L.row_len; ++j) {
                        int64_t c, kr, ks;
                        vj += L.act_coord(ch->i0 + r, j, c, kr, ks) ? 1 : 0;
                    }
                cnt_.macs_skipped += vj * static_cast<uint64_t>(mvalid) * static_cast<uint64_t>(prows * L.Q);
                cnt_.act_rows_skipped += static_cast<uint64_t>(rows) * static_cast<uint64_t>(prows) *
                                         static_cast<uint64_t>((L.Q + F - 1) / F);
            } else {
                steps.clear();
                for (int64_t p = p0; p < p0 + prows; ++p)
                    for (int64_t q0 = 0; q0 < L.Q; q0 += F) steps.push_back({p, q0});
                auto reserve_fetch = [&]() {
                    uint64_t d = ctx_.now_cycles();
                    for (const auto& f : fetches) d = std::max(d, in_->read(f.addr, f.bytes));
                    fetches.clear();
                    return d;
                };
                uint64_t d_next = pe_.step(L, *ch, steps[0], *in_, fetches, cnt_);
                acc_next = pe_.acc();
                uint64_t fetch_done = reserve_fetch(), psum_done = ctx_.now_cycles();
                for (std::size_t s = 0; s < steps.size(); ++s) {
                    const uint64_t before = ctx_.now_cycles();
                    if (fetch_done > before) {
                        ctx_.monitor.waiting(mon_pe_, "activations from the input buffer");
                        ctx_.wait_until(fetch_done);
                        cnt_.stall_input += fetch_done - before;
                    }
                    const uint64_t start = ctx_.now_cycles(), d = d_next;
                    acc_cur.swap(acc_next);
                    if (s + 1 < steps.size()) {
                        d_next = pe_.step(L, *ch, steps[s + 1], *in_, fetches, cnt_);
                        acc_next = pe_.acc();
                        fetch_done = reserve_fetch();
                    }
                    const uint64_t end = std::max(start + d, psum_done);
                    cnt_.stall_output += end - (start + d);
                    cnt_.compute_cycles += d;
                    if (tracing_) probe(true);
                    ctx_.monitor.waiting(mon_pe_, "");
                    ctx_.wait_until(end);
                    // Partial sums of the step to the output buffer (read-modify-write after
                    // the first pass of the group).
                    const PeStep& st = steps[s];
                    const int lanes = static_cast<int>(std::min<int64_t>(F, L.Q - st.q0));
                    psum_done = ctx_.now_cycles();
                    for (int m = 0; m < mvalid; ++m) {
                        const uint64_t a = L.psum_addr(st.p - p0, st.q0, m);
                        if (psum_valid) psum_done = std::max(psum_done, out_->read(a, lanes * 4ull));
                        psum_done = std::max(psum_done, out_->write(a, lanes * 4ull));
                        int32_t* ps = reinterpret_cast<int32_t*>(out_->data(a, lanes * 4ull));
                        for (int f = 0; f < lanes; ++f) ps[f] += acc_cur[static_cast<std::size_t>(m) * F + f];
                    }
                    ++cnt_.steps;
                    ctx_.monitor.progress();
                }
                psum_valid = true;
                ctx_.wait_until(psum_done);
                if (tracing_) probe(false);
            }
            if (t.last_of_group && ch->last_of_task) {
                // Requantise the group's partial sums into its output half.
                const uint64_t cnt = static_cast<uint64_t>(prows * L.Q);
                const uint64_t half = L.psum_bytes + static_cast<uint64_t>(out_half) * M * L.out_seg;
                uint64_t done = out_->read(0, L.psum_addr(prows, 0, 0));
                for (int m = 0; m < mvalid; ++m) {
                    done = std::max(done, out_->write(half + static_cast<uint64_t>(m) * L.out_seg, L.out_seg));
                    int8_t* o = reinterpret_cast<int8_t*>(out_->data(half + static_cast<uint64_t>(m) * L.out_seg, L.out_seg));
                    const int64_t k = t.kg * M + m;
                    for (uint64_t i = 0; i < cnt; ++i) {
                        const int64_t pl = static_cast<int64_t>(i) / L.Q, q = static_cast<int64_t>(i) % L.Q;
                        int32_t v;
                        std::memcpy(&v, out_->data(L.psum_addr(pl, q, m) + static_cast<uint64_t>(q % F) * 4, 4), 4);
                        (*outputs_)[static_cast<std::size_t>(((t.n * L.K + k) * L.P + p0) * L.Q + static_cast<int64_t>(i))] = v;
                        o[i] = requantize(v, L.requant_shift);
                    }
                }
                ctx_.wait_until(done);
                ctx_.monitor.waiting(mon_pe_, "room in the store FIFO");
                store_q_.write(new SeStore{t.n, t.pt, t.kg, out_half});
                ctx_.monitor.waiting(mon_pe_, "");
            }
            if (ch->last_of_task) {
                if (t.release_weights) {
                    wb_->occupancy -= L.w_tile_bytes;
                    w_sem_.post();
                }
                if (t.release_input) {
                    in_->occupancy -= static_cast<uint64_t>(L.C * (L.in_hi(t.pt) - L.in_lo(t.pt)) * L.W);
                    in_sem_.post();
                }
            }
            probe();
            delete ch;
            ctx_.monitor.progress();
        }
    });
}

void SeModel::store_thread() {
    guarded(ctx_, [&] {
        std::vector<uint64_t> tickets;
        for (;;) {
            SeStore* s = store_q_.read();
            const SeLayer& L = L_;
            const int M = L.dim_m;
            const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K - s->kg * M));
            const uint64_t half = L.psum_bytes + static_cast<uint64_t>(s->half) * M * L.out_seg;
            ctx_.monitor.waiting(mon_st_, "the DMA (output writes)");
            for (int m = 0; m < mvalid; ++m)
                tickets.push_back(dma_->submit({L.out_addr(s->n, s->pt, s->kg * M + m), L.out_seg, true, out_,
                                                half + static_cast<uint64_t>(m) * L.out_seg}));
            for (uint64_t t : tickets) dma_->wait_done(t);
            tickets.clear();
            ctx_.monitor.waiting(mon_st_, "");
            out_->occupancy -= L.psum_bytes + static_cast<uint64_t>(M) * L.out_seg;
            out_sem_.post();
            ++cnt_.stores;
            store_done_ev_.notify(SC_ZERO_TIME);
            ctx_.monitor.progress();
            probe();
            delete s;
        }
    });
}

}  // namespace

std::unique_ptr<AcceleratorModel> make_smartexchange_model(const ArchConfig& arch, SimContext& ctx) {
    return std::unique_ptr<AcceleratorModel>(new SeModel("smartexchange", arch, ctx));
}

}  // namespace sx
