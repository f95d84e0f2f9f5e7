#include "hw/eyeriss/eyeriss_model.h"

#include <algorithm>
#include <cstring>

#include "hw/buffer/global_buffer.h"
#include "hw/dma/dma.h"
#include "hw/energy/energy_model.h"
#include "hw/eyeriss/eyeriss_area.h"
#include "hw/eyeriss/eyeriss_energy.h"
#include "hw/eyeriss/eyeriss_link.h"
#include "hw/eyeriss/eyeriss_params.h"
#include "hw/eyeriss/pe_array.h"
#include "hw/eyeriss/rlc.h"
#include "hw/eyeriss/rs_mapper.h"
#include "hw/system/layer_result_builder.h"
#include "hw/system/memory_system.h"
#include "sw/common/error.h"
#include "sw/reference/conv_reference.h"

namespace sx::eyeriss {

using namespace sc_core;

namespace {

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
uint64_t align_up(uint64_t a, uint64_t b) { return (a + b - 1) / b * b; }

BufferConfig fifo_config(uint64_t bytes) {
    BufferConfig b;
    b.name = "link_fifo";
    b.capacity_bytes = bytes;
    b.banks = 1;
    b.port_width_bits = 64;
    b.role = "input";
    b.arbiter = "fcfs";  // one writer, one reader: the policy does not matter
    b.ports = 0;
    return b;
}

// Eyeriss's blocks issue buffer accesses and wait for them (issue 13), so any arbiter works:
// the configured one (round robin by default, fcfs selectable); ports unlimited unless configured.
BufferConfig eyeriss_buffer(const BufferConfig& b) {
    BufferConfig c = b;
    if (c.ports < 0) c.ports = 0;
    return c;
}

class EyerissModel : public sc_module, public AcceleratorModel {
public:
    EyerissModel(sc_module_name name, const ArchConfig& arch, SimContext& ctx)
        : sc_module(name), arch_(arch), ctx_(ctx), prm_(arch.design_params<EyerissParams>()), area_(eyeriss_area(arch)) {
        for (const auto& b : arch.buffers) {
            if (b.role == "input") {
                glb_ = std::make_unique<GlobalBuffer>(eyeriss_buffer(b), ctx);
                // The upper 16 bits of the model's 32-bit psums, at the psum addresses of the
                // GLB (the chip's psums are 16-bit; docs/eyeriss.md): storage only, its time is
                // the GLB's.
                BufferConfig hi = eyeriss_buffer(b);
                hi.name += "_psum_hi";
                psum_hi_ = std::make_unique<GlobalBuffer>(hi, ctx);
            }
            if (b.role == "weight") fil_ = std::make_unique<GlobalBuffer>(eyeriss_buffer(b), ctx);
        }
        // The shared memory system (hw/system): DRAM at the link clock (dram.clock_mhz) and the
        // DMA; the link FIFO and RLC codec behind the DMA are Eyeriss' own (eyeriss_link.h).
        MemorySystemParams mp;
        mp.dma_max_outstanding = prm_.dma_max_outstanding;
        mp.dma_transfer_bytes = static_cast<uint32_t>(prm_.dma_transfer_bytes);
        mp.dma_queue_depth = 64;
        mem_ = std::make_unique<MemorySystem>(arch, ctx, mp);
        burst_ = mem_->burst_bytes();
        link_bytes_per_cycle_ = mem_->peak_bandwidth_bytes_per_s() / (arch.clock_mhz * 1e6);
        chunk_ = static_cast<uint32_t>(std::max<uint64_t>(burst_, prm_.link_fifo_bytes / 2 / burst_ * burst_));
        fifo_ = std::make_unique<GlobalBuffer>(fifo_config(2 * chunk_), ctx);
        dma_ = &mem_->dma();
        link_ = std::make_unique<EyerissLink>("link", ctx, *dma_, *glb_, *fifo_, chunk_, prm_.rlc_run_bits, prm_.rlc_pairs_per_word);
        mon_ = ctx.monitor.add("eyeriss_controller");
    }

    void run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                   LayerConservation& cons) override;

private:
    struct StoreRecord {
        uint64_t dram_addr = 0;
        PeArray::Residency r;
        std::vector<uint64_t> stream_end;  // byte offset after each (image, filter) stream
    };
    // The layer's cycles, work, traffic, energy and the design's extra keys into `res`.
    void fill_results(const PeArray& pe, uint64_t t0, uint64_t t1, uint64_t ofmap_values, uint64_t ofmap_zeros,
                      LayerConservation& cons, LayerResult& res);
    void verify_dram_outputs(const Layer& L, const std::vector<StoreRecord>& records, const std::vector<int32_t>& outputs,
                             const OutputRequant* rq, std::vector<int8_t>* stored,
                             int shift) const;
    // DRAM image of a layer: pre-tiled filters (one block per pass), then the ifmaps as rows
    // (raw 16-bit for the first layer, RLC otherwise), then room for the outputs.
    void build_dram_image(const LayerJob& job, bool rlc_input);
    uint64_t filter_block_addr(int64_t g, int64_t kb, int64_t fold, int64_t cb) const {
        return ((((g * nkb_) + kb) * M_.r_folds + fold) * M_.channel_blocks() + cb) * fblock_bytes_;
    }

    const ArchConfig& arch_;
    SimContext& ctx_;
    EyerissParams prm_;
    // Area once per model: its PE pitch sets the wire lengths, its static power the leakage.
    AreaReport area_;
    std::unique_ptr<GlobalBuffer> glb_, fil_, fifo_, psum_hi_;
    std::unique_ptr<MemorySystem> mem_;
    Dma* dma_ = nullptr;
    std::unique_ptr<EyerissLink> link_;
    uint32_t burst_ = 64, chunk_ = 256;
    double link_bytes_per_cycle_ = 1;
    int mon_;

    RsMapping M_;
    int64_t nkb_ = 0;               // filter blocks of p*t per group
    uint64_t fblock_bytes_ = 0;
    uint64_t in_base_ = 0, out_base_ = 0;
    std::vector<uint64_t> row_off_;  // raw input: DRAM offset of each input row (N*C*H + 1 entries)
    std::vector<int64_t> row_pair_;  // RLC input, per row: first pair (absolute), values of it before the row, end pair
};

void EyerissModel::build_dram_image(const LayerJob& job, bool rlc_input) {
    const Layer& L = *job.layer;
    const RsMapping& M = M_;
    const std::vector<int8_t>& w = *job.weights;
    nkb_ = cdiv(M.Kg, M.p * M.t);
    fblock_bytes_ = align_up(M.filter_pass_bytes, 8);
    const int64_t nblocks = M.groups * nkb_ * M.r_folds * M.channel_blocks();
    std::vector<uint8_t> img(static_cast<std::size_t>(nblocks) * fblock_bytes_, 0);
    // Filter block order = the order the filter network sends them: filter, channel, row, col.
    for (int64_t g = 0; g < M.groups; ++g)
        for (int64_t kb = 0; kb < nkb_; ++kb)
            for (int64_t fold = 0; fold < M.r_folds; ++fold)
                for (int64_t cb = 0; cb < M.channel_blocks(); ++cb) {
                    auto* dst = reinterpret_cast<int16_t*>(img.data() + filter_block_addr(g, kb, fold, cb));
                    std::size_t i = 0;
                    for (int64_t kk = 0; kk < M.p * M.t; ++kk)
                        for (int64_t cc = 0; cc < M.q * M.r; ++cc)
                            for (int64_t rr = 0; rr < M.set_h; ++rr)
                                for (int64_t s = 0; s < M.S; ++s, ++i) {
                                    const int64_t k = kb * M.p * M.t + kk, c = cb * M.q * M.r + cc,
                                                  fr = fold * M.set_h + rr;
                                    if (k >= M.Kg || c >= M.Cg || fr >= M.R) continue;
                                    dst[i] = w[static_cast<std::size_t>((((g * M.Kg + k) * M.Cg + c) * M.R + fr) * M.S + s)];
                                }
                }
    in_base_ = align_up(img.size(), burst_);
    img.resize(in_base_, 0);
    const std::vector<int8_t>& x = *job.inputs;
    const int64_t rows = L.N * L.C * L.H;
    row_off_.assign(static_cast<std::size_t>(rows + 1), 0);
    row_pair_.assign(static_cast<std::size_t>(rlc_input ? 3 * rows : 0), 0);
    std::vector<int16_t> row(static_cast<std::size_t>(L.W));
    // RLC: one stream per plane (image, channel), rows packed (rlc.h); raw: 16-bit rows.
    img.resize(align_up(img.size(), 8), 0);
    for (int64_t plane = 0; plane < L.N * L.C; ++plane) {
        RlcEncoder enc(img, prm_.rlc_run_bits, prm_.rlc_pairs_per_word);
        const int64_t base_pair = static_cast<int64_t>(img.size() / 8) * prm_.rlc_pairs_per_word;
        for (int64_t h = 0; h < L.H; ++h) {
            const int64_t r = plane * L.H + h;
            row_off_[static_cast<std::size_t>(r)] = img.size();
            for (int64_t c = 0; c < L.W; ++c) row[static_cast<std::size_t>(c)] = x[static_cast<std::size_t>(r * L.W + c)];
            if (rlc_input) {
                const RlcPosition at = enc.append(row.data(), L.W);
                row_pair_[static_cast<std::size_t>(3 * r)] = base_pair + at.pair;
                row_pair_[static_cast<std::size_t>(3 * r + 1)] = at.offset;
                row_pair_[static_cast<std::size_t>(3 * r + 2)] = base_pair + enc.end_pair();
            } else {
                const auto* b = reinterpret_cast<const uint8_t*>(row.data());
                img.insert(img.end(), b, b + L.W * 2);
            }
        }
        if (rlc_input) enc.flush();
    }
    row_off_[static_cast<std::size_t>(rows)] = img.size();
    out_base_ = align_up(img.size(), burst_);
    mem_->backdoor_write(0, img);
}

// The outputs the check compares (`outputs`, the int32 psums as the encoder read them from the
// GLB) must be what reached DRAM: every store's RLC streams are read back and decoded, and each
// value must equal its psum requantised (`rq`, or ReLU + shift). A store written to the wrong
// place, overwritten by another, or cut short fails the layer here. The decoded values go to
// `stored` (N x K x E x F int8) when given.
void EyerissModel::verify_dram_outputs(const Layer& L, const std::vector<StoreRecord>& records,
                                       const std::vector<int32_t>& outputs, const OutputRequant* rq,
                                       std::vector<int8_t>* stored, int shift) const {
    if (stored) stored->assign(outputs.size(), 0);
    const RsMapping& M = M_;
    std::vector<uint8_t> bytes;
    std::vector<int16_t> vals;
    for (const StoreRecord& rec : records) {
        uint64_t prev = 0;
        std::size_t si = 0;
        for (int64_t i = 0; i < rec.r.vimg; ++i)
            for (int64_t kk = 0; kk < rec.r.vk; ++kk, ++si) {
                const uint64_t end = rec.stream_end.at(si);
                bytes.resize(end - prev);
                mem_->backdoor_read(rec.dram_addr + prev, bytes.data(), bytes.size());
                prev = end;
                vals.clear();
                RlcDecoder dec(prm_.rlc_run_bits, 0, 0, rec.r.e_real * M.F, prm_.rlc_pairs_per_word);
                dec.feed(bytes.data(), bytes.size(), vals);
                const int64_t img = rec.r.b * M.n + i, k = rec.r.g * M.Kg + rec.r.fb * M.m + kk;
                for (int64_t j = 0; j < rec.r.e_real; ++j)
                    for (int64_t x = 0; x < M.F; ++x) {
                        const std::size_t vi = static_cast<std::size_t>(j * M.F + x);
                        const auto oi = static_cast<std::size_t>(((img * L.K + k) * M.E + rec.r.s * M.e + j) * M.F + x);
                        const int32_t acc = outputs[oi];
                        if (vi >= vals.size() || vals[vi] != (rq ? apply_output_requant(acc, *rq, k) : requantize(acc, shift)))
                            throw SimulationError("eyeriss: layer " + L.name + ": output (image " + std::to_string(img) +
                                                  ", filter " + std::to_string(k) + ", row " +
                                                  std::to_string(rec.r.s * M.e + j) + ", column " + std::to_string(x) +
                                                  ") in DRAM differs from its psum in the GLB requantised");
                        if (stored) (*stored)[oi] = static_cast<int8_t>(vals[vi]);
                    }
            }
    }
}

void EyerissModel::run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                             LayerConservation& cons) {
    const Layer& L = *job.layer;
    const bool first_layer = L.inputs.empty() || (L.inputs.size() == 1 && L.inputs[0] == "input");
    // The limits the mapper meets are the configuration's: name its file (or the --set option)
    // and field, not the layer.
    if (L.S > prm_.spad_ifmap)
        throw arch_.error_at("/eyeriss/spad_ifmap_entries",
                             "room for a filter row of layer '" + L.name + "' (S = " + std::to_string(L.S) + ")",
                             std::to_string(prm_.spad_ifmap) + " entries");
    try {
        M_ = map_layer(L, prm_, link_bytes_per_cycle_, !first_layer);
    } catch (const InputError& e) {
        const std::string glb = "/buffers/" + glb_->name(), fil = "/buffers/" + fil_->name();
        throw arch_.error_at({glb + "/capacity_kib", glb + "/banks", fil + "/capacity_kib", "/eyeriss/spad_filter_entries",
                              "/eyeriss/spad_psum_entries", "/eyeriss/spad_ifmap_entries", "/bits/activation"},
                             "GLB buffers (" + glb + ", " + fil + ") and scratchpads that hold one row-stationary pass of layer '" +
                                 L.name + "'",
                             e.found());
    }
    const RsMapping& M = M_;
    build_dram_image(job, !first_layer);
    glb_->counters = BufferCounters{};
    fil_->counters = BufferCounters{};
    fifo_->counters = BufferCounters{};
    mem_->begin_layer();
    link_->fifo_words = link_->codec_values = 0;
    const uint64_t t0 = ctx_.now_cycles();

    const uint64_t vb = static_cast<uint64_t>(prm_.value_bytes);
    const uint64_t bank = prm_.glb_bank_bytes;
    const uint64_t slot_bytes = static_cast<uint64_t>(M.ifmap_banks) * bank;
    // One slot: every bank the psums leave is a ring for the ifmaps, so the next block loads
    // into what the current one leaves free and its tail waits for the current block's end.
    const bool ring = M.ifmap_slots == 1;
    const uint64_t ring_bytes = static_cast<uint64_t>(prm_.glb_banks - M.psum_banks) * bank;
    const uint64_t ps_base = ring ? ring_bytes : slot_bytes * static_cast<uint64_t>(M.ifmap_slots);
    outputs.assign(static_cast<std::size_t>(L.N * L.K * M.E * M.F), 0);
    PeArray pe(M, prm_);

    // The accumulation blocks (filter-row folds x channel blocks) of one psum residency.
    const int64_t acc_blocks = M.acc_blocks();
    // One use of an ifmap block: (group, batch, strip, psum block, accumulation block).
    struct Use {
        int64_t g, b, s, fb, fold, cb;
        int slot;
        bool load;          // the slot does not hold this block yet
        int64_t after;      // the load is submitted once this use has ended (-1: at once)
        int64_t tail_after; // ring: the load's tail waits for this use to end (-1: none)
    };
    std::vector<Use> uses;
    {
        std::vector<int64_t> slot_key(static_cast<std::size_t>(M.ifmap_slots), -1), slot_last(slot_key);
        const bool resident = M.ifmap_resident();
        int64_t prev_load = -1;
        for (int64_t g = 0; g < M.groups; ++g)
            for (int64_t b = 0; b < M.batches(); ++b)
                for (int64_t s = 0; s < M.strips; ++s)
                    for (int64_t fb = 0; fb < M.filter_blocks(); ++fb)
                        for (int64_t ab = 0; ab < acc_blocks; ++ab) {
                            const int64_t u = static_cast<int64_t>(uses.size());
                            // Resident: channel block ab always in slot ab; otherwise round robin.
                            const int slot = static_cast<int>(resident && !ring ? ab : u % M.ifmap_slots);
                            const int64_t key = ((g * M.batches() + b) * M.strips + s) * acc_blocks + ab;
                            auto& sk = slot_key[static_cast<std::size_t>(slot)];
                            auto& sl = slot_last[static_cast<std::size_t>(slot)];
                            Use k{g, b, s, fb, ab / M.channel_blocks(), ab % M.channel_blocks(), slot, sk != key, sl, -1};
                            if (ring && k.load) {
                                // Submitted when the block before the previous one is done with.
                                k.after = prev_load > 0 ? prev_load - 1 : -1;
                                k.tail_after = u - 1;
                                prev_load = u;
                            }
                            uses.push_back(k);
                            sk = key;
                            sl = u;
                        }
    }
    // Load job for the ifmaps of a use into its slot.
    struct Load {
        LinkJob job;
        int64_t row0 = 0, nrows = 0;
    };
    auto make_load = [&](const Use& k, Load& ld) {
        LinkJob& j = ld.job;
        j = LinkJob{};
        j.rlc = !first_layer;
        j.row_len = L.W;
        j.glb_addr = ring ? 0 : static_cast<uint64_t>(k.slot) * slot_bytes;
        const int64_t lo = k.s * M.e * M.stride - M.pad + k.fold * M.set_h;
        const int64_t hi = lo + M.ifmap_rows;  // exclusive
        const int64_t row0 = std::max<int64_t>(0, lo);
        const int64_t row1 = std::min<int64_t>(L.H, hi);
        const int64_t nrows = std::max<int64_t>(0, row1 - row0);
        ld.row0 = row0;
        ld.nrows = nrows;
        for (int64_t i = 0; i < M.n; ++i) {
            const int64_t img = k.b * M.n + i;
            for (int64_t cc = 0; cc < M.q * M.r; ++cc) {
                const int64_t c = k.cb * M.q * M.r + cc;
                if (img >= M.N || c >= M.Cg || nrows == 0) continue;
                const int64_t base = (img * L.C + k.g * M.Cg + c) * L.H;
                LinkRange rg;
                rg.values = nrows * L.W;
                if (j.rlc) {
                    // Whole words from the one holding the first row's first pair to the one
                    // holding the last row's last pair.
                    const int64_t p0 = row_pair_[static_cast<std::size_t>(3 * (base + row0))];
                    const int64_t p1 = row_pair_[static_cast<std::size_t>(3 * (base + row0 + nrows - 1) + 2)];
                    const int64_t ppw = prm_.rlc_pairs_per_word;
                    rg.addr = static_cast<uint64_t>(p0 / ppw) * 8;
                    rg.bytes = static_cast<uint64_t>(cdiv(p1, ppw) - p0 / ppw) * 8;
                    rg.skip_pairs = p0 % ppw;
                    rg.skip_values = row_pair_[static_cast<std::size_t>(3 * (base + row0) + 1)];
                } else {
                    rg.addr = row_off_[static_cast<std::size_t>(base + row0)];
                    rg.bytes = row_off_[static_cast<std::size_t>(base + row0 + nrows)] - rg.addr;
                }
                j.ranges.push_back(rg);
                j.values_expected += nrows * L.W;
            }
        }
    };
    std::vector<std::unique_ptr<Load>> loads(uses.size());
    std::vector<std::size_t> slot_load(static_cast<std::size_t>(M.ifmap_slots), SIZE_MAX);  // use whose load the slot holds
    std::size_t next_load = 0;  // next use whose load is not submitted yet
    uint64_t ring_cursor = 0, prev_block_bytes = 0;
    std::vector<std::size_t> waiting_release;  // ring loads whose tail waits
    // Submit, in use order, every load whose space has been released (uses before `done` have
    // ended); release ring tails whose wait is over.
    auto submit_loads = [&](int64_t done) {
        for (std::size_t w : waiting_release)
            if (uses[w].tail_after < done && !loads[w]->job.released) link_->release(&loads[w]->job);
        for (; next_load < uses.size(); ++next_load) {
            const Use& k = uses[next_load];
            if (!k.load) continue;
            if (k.after >= done) break;
            loads[next_load] = std::make_unique<Load>();
            LinkJob& j = loads[next_load]->job;
            make_load(k, *loads[next_load]);
            if (ring) {
                const uint64_t bytes = static_cast<uint64_t>(j.values_expected) * 2;
                if (bytes > ring_bytes) throw SimulationError("eyeriss: an ifmap block larger than the GLB ifmap area");
                j.ring_bytes = ring_bytes;
                j.ring_offset = ring_cursor;
                ring_cursor = (ring_cursor + bytes) % ring_bytes;
                j.head_bytes = ring_bytes - prev_block_bytes;
                j.released = k.tail_after < done;
                prev_block_bytes = bytes;
                if (!j.released) waiting_release.push_back(next_load);
            }
            link_->submit(&j);
        }
        waiting_release.erase(std::remove_if(waiting_release.begin(), waiting_release.end(),
                                             [&](std::size_t w) { return loads[w]->job.released; }),
                              waiting_release.end());
    };

    LinkJob stores[2];
    int store_slot = 0;
    bool store_used[2] = {false, false};
    LinkJob* last_store = nullptr;
    // Each residency's outputs get a DRAM region of the worst-case RLC size (one pair per value,
    // every plane segment padded to a word), so a store's address is known before its encoder
    // runs; the traffic is the encoded bytes only.
    const int64_t ppw = prm_.rlc_pairs_per_word;
    const uint64_t out_region = align_up(static_cast<uint64_t>(M.n * M.m * cdiv(M.e * M.F, ppw) * 8), burst_);
    std::vector<StoreRecord> records;
    uint64_t ofmap_values = 0, ofmap_zeros = 0;
    const int shift = requant_shift(L);
    const int64_t pt = M.p * M.t;
    // Filter prefetch: the filter GLB holds one pass; the next pass's block is fetched as soon as
    // the current one has gone to the scratchpads.
    struct PassRef {
        int64_t g, kb, fold, cb;
    };
    std::vector<PassRef> plan;  // every pass in execution order
    for (const Use& k : uses)
        for (int64_t kb = k.fb * M.m / pt; kb < std::min<int64_t>(cdiv(M.Kg, pt), (k.fb + 1) * M.m / pt); ++kb)
            plan.push_back({k.g, kb, k.fold, k.cb});
    std::size_t pi = 0;
    uint64_t fticket = 0;
    auto filter_load = [&](const PassRef& r) {
        fticket = dma_->submit({filter_block_addr(r.g, r.kb, r.fold, r.cb), fblock_bytes_, false, fil_.get(), 0});
    };

    submit_loads(0);
    filter_load(plan[0]);
    for (std::size_t ui = 0; ui < uses.size(); ++ui) {
        const Use& k = uses[ui];
        const int64_t ab = k.fold * M.channel_blocks() + k.cb;
        if (ab == 0) pe.begin_residency(k.g, k.b, k.s, k.fb);
        if (k.load) {
            ctx_.monitor.waiting(mon_, "ifmap load");
            link_->wait(&loads[ui]->job);
            ctx_.monitor.waiting(mon_, "");
            std::size_t& held = slot_load[static_cast<std::size_t>(k.slot)];
            if (held != SIZE_MAX) loads[held].reset();  // done, and its data overwritten
            held = ui;
        }
        const Load& ld = *loads[slot_load[static_cast<std::size_t>(k.slot)]];
        pe.set_ifmaps(*glb_, ld.job.glb_addr, ld.job.ring_bytes, ld.job.ring_offset, ld.row0, ld.nrows, k.fold, k.cb);
        const int64_t kb_end = std::min<int64_t>(cdiv(M.Kg, pt), (k.fb + 1) * M.m / pt);
        for (int64_t kb = k.fb * M.m / pt; kb < kb_end; ++kb) {
            ctx_.monitor.waiting(mon_, "filters");
            dma_->wait_done(fticket);
            ctx_.monitor.waiting(mon_, "");
            pe.load_filters(*fil_, ctx_, fblock_bytes_);
            if (++pi < plan.size()) {
                filter_load(plan[pi]);
                pe.arm_filter_prefetch([this, t = fticket] { return dma_->done(t); }, fil_.get(), fblock_bytes_);
            }
            if (ab == 0 && kb == k.fb * M.m / pt && last_store) {
                // The psum region still holds the previous residency until its store has read it.
                ctx_.monitor.waiting(mon_, "psum region: the previous store's read");
                link_->wait_psums_read(last_store);
                ctx_.monitor.waiting(mon_, "");
            }
            pe.run_pass(kb, ab == 0, *glb_, *psum_hi_, ps_base, ctx_);
        }
        // The use's ifmap reads have all been made: its slot may take the next block.
        submit_loads(static_cast<int64_t>(ui) + 1);
        if (ab + 1 < acc_blocks) continue;
        // Residency done: ReLU + requantise, RLC, store (runs behind the next block).
        LinkJob& st = stores[store_slot];
        if (store_used[store_slot]) link_->wait(&st);
        st = LinkJob{};
        st.store = true;
        st.dram_addr = out_base_ + out_region * records.size();
        records.push_back({st.dram_addr, pe.residency(), {}});
        // The encoder reads the psums from the GLB when the link reads them (not now).
        st.encode = [&, ri = records.size() - 1, ps_base](LinkJob& j) {
            StoreRecord& rec = records[ri];
            j.bytes.clear();
            ofmap_values += encode_residency_outputs(M, rec.r, *glb_, *psum_hi_, ps_base, L.K, shift, job.requant, outputs, j.bytes,
                                                     prm_.rlc_run_bits, prm_.rlc_pairs_per_word, ofmap_zeros,
                                                     &rec.stream_end);
            if (j.bytes.size() > out_region) throw SimulationError("eyeriss: a store larger than its DRAM region");
            j.bytes.resize(align_up(j.bytes.size(), burst_), 0);
        };
        st.glb_read_addr = ps_base;
        st.glb_read_bytes = pe.residency_psum_values() * vb;
        ctx_.wait_until(pe.array_free());
        link_->submit(&st);
        last_store = &st;
        store_used[store_slot] = true;
        store_slot ^= 1;
    }
    for (int i = 0; i < 2; ++i)
        if (store_used[i]) link_->wait(&stores[i]);
    ctx_.wait_until(pe.array_free());
    const uint64_t t1 = ctx_.now_cycles();
    verify_dram_outputs(L, records, outputs, job.requant, job.stored_outputs, shift);

    fill_results(pe, t0, t1, ofmap_values, ofmap_zeros, cons, res);
}

void EyerissModel::fill_results(const PeArray& pe, uint64_t t0, uint64_t t1, uint64_t ofmap_values, uint64_t ofmap_zeros,
                                LayerConservation& cons, LayerResult& res) {
    const RsMapping& M = M_;
    const PeCounters& c = pe.counters();
    const MemoryLayerStats ms = mem_->end_layer();
    const DramStats& ds = ms.dram;
    LayerResultBuilder rb(arch_, res, cons);
    rb.cycles(t0, t1);
    rb.work(c.macs_executed, c.macs_gated, static_cast<uint64_t>(M.active_pes));
    rb.memory(ms);
    rb.buffer(BufferRole::Input, glb_->counters);
    rb.buffer(BufferRole::Weight, fil_->counters);
    rb.rf_accesses(c.ifmap_spad + c.filter_spad + c.psum_spad);

    const TechTable& T = arch_.tech;
    add_buffer_energy(arch_, res);
    rb.dram_energy(ms);
    EyerissEvents ev;
    ev.macs = c.macs_executed;
    ev.psum_adds = c.psum_adds;
    ev.ifmap_spad = c.ifmap_spad;
    ev.filter_spad = c.filter_spad;
    ev.psum_spad = c.psum_spad;
    ev.filter_y = pe.filter_bus().flits();
    ev.filter_x = pe.filter_bus().xflits();
    ev.ifmap_y = pe.ifmap_bus().flits();
    ev.ifmap_x = pe.ifmap_bus().xflits();
    ev.psum_in_y = pe.psum_in_bus().flits();
    ev.psum_in_x = pe.psum_in_bus().xflits();
    ev.psum_out = pe.psum_out_bus().flits();
    ev.psum_link_packets = c.psum_link_packets;
    ev.fifo_words = link_->fifo_words;
    eyeriss_dynamic_energy(T, prm_, area_.pe_pitch_mm, ev, res);
    res.energy(EnergyComponent::Leakage) = leakage_pj(area_.static_power_mw(), res.cycles, arch_.clock_mhz);

    auto& x = res.extra;
    x["eyeriss_set_h"] = M.set_h;
    x["eyeriss_set_e"] = M.e;
    x["eyeriss_pieces"] = M.pieces;
    x["eyeriss_strips"] = M.strips;
    x["eyeriss_n"] = M.n;
    x["eyeriss_p"] = M.p;
    x["eyeriss_q"] = M.q;
    x["eyeriss_r"] = M.r;
    x["eyeriss_t"] = M.t;
    x["eyeriss_m"] = static_cast<double>(M.m);
    // One slot: the ifmaps use every bank the psums leave, as a ring.
    x["eyeriss_glb_ifmap_banks"] = M.ifmap_slots == 1 ? prm_.glb_banks - M.psum_banks : M.ifmap_banks * M.ifmap_slots;
    x["eyeriss_ifmap_slots"] = M.ifmap_slots;
    x["eyeriss_glb_psum_banks"] = M.psum_banks;
    x["passes"] = static_cast<double>(c.passes);
    x["passes_filter_major"] = static_cast<double>(c.filter_major_passes);
    x["steps"] = static_cast<double>(c.steps);
    x["compute_cycles"] = static_cast<double>(c.compute_cycles);
    x["stall_ifmap_cycles"] = static_cast<double>(c.stall_ifmap);
    x["stall_psum_cycles"] = static_cast<double>(c.stall_psum);
    x["filter_load_cycles"] = static_cast<double>(c.filter_load_cycles);
    // Cycles flits waited on each global network for a full X-bus or a PE that could not accept.
    x["noc_stall_ifmap_cycles"] = static_cast<double>(pe.ifmap_bus().stall_cycles());
    x["noc_stall_filter_cycles"] = static_cast<double>(pe.filter_bus().stall_cycles());
    x["noc_stall_psum_in_cycles"] = static_cast<double>(pe.psum_in_bus().stall_cycles());
    x["ifmap_zero_fraction"] = c.ifmap_values ? static_cast<double>(c.ifmap_zeros) / static_cast<double>(c.ifmap_values) : 0;
    x["ofmap_zero_fraction"] = ofmap_values ? static_cast<double>(ofmap_zeros) / static_cast<double>(ofmap_values) : 0;
    // The distribution energy's counts (eyeriss_energy.h).
    x["noc_filter_y_flits"] = static_cast<double>(ev.filter_y);
    x["noc_filter_x_flits"] = static_cast<double>(ev.filter_x);
    x["noc_ifmap_y_flits"] = static_cast<double>(ev.ifmap_y);
    x["noc_ifmap_x_flits"] = static_cast<double>(ev.ifmap_x);
    x["noc_psum_in_y_flits"] = static_cast<double>(ev.psum_in_y);
    x["noc_psum_in_x_flits"] = static_cast<double>(ev.psum_in_x);
    x["noc_psum_out_flits"] = static_cast<double>(ev.psum_out);
    x["psum_link_packets"] = static_cast<double>(ev.psum_link_packets);
    x["link_fifo_words"] = static_cast<double>(ev.fifo_words);
    x["rlc_codec_values"] = static_cast<double>(link_->codec_values);
    x["dma_overfetch_bytes"] = static_cast<double>(ms.dma.overfetch_bytes);
    x["dram_energy_pj"] = ds.total_pj();
}

}  // namespace

std::unique_ptr<AcceleratorModel> make_eyeriss_model(const ArchConfig& arch, SimContext& ctx) {
    return std::make_unique<EyerissModel>("eyeriss", arch, ctx);
}

}  // namespace sx::eyeriss
