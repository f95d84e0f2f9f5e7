#include "hw/eyeriss/eyeriss_model.h"

#include <algorithm>
#include <cstring>

#include "hw/buffer/global_buffer.h"
#include "hw/dma/dma.h"
#include "hw/dram/dram.h"
#include "hw/energy/energy_model.h"
#include "hw/eyeriss/eyeriss_link.h"
#include "hw/eyeriss/eyeriss_params.h"
#include "hw/eyeriss/pe_array.h"
#include "hw/eyeriss/rlc.h"
#include "hw/eyeriss/rs_mapper.h"
#include "sw/common/error.h"
#include "sw/reference/conv_reference.h"

namespace sx {

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
    return b;
}

class EyerissModel : public sc_module, public AcceleratorModel {
public:
    EyerissModel(sc_module_name name, const ArchConfig& arch, SimContext& ctx)
        : sc_module(name), arch_(arch), ctx_(ctx), prm_(parse_eyeriss_params(arch)) {
        for (const auto& b : arch.buffers) {
            if (b.role == "input") glb_ = std::make_unique<GlobalBuffer>(b, ctx);
            if (b.role == "weight") fil_ = std::make_unique<GlobalBuffer>(b, ctx);
        }
        const DramConfig dc = parse_dram_config(JsonNode(arch.dram.preset, arch.dram.preset_path), arch.dram.channels,
                                                arch.dram.bus_width_bits, arch.dram.clock_mhz_override);
        dram_ = std::make_unique<Dram>("dram", dc);
        burst_ = dram_->bytes_per_burst();
        link_bytes_per_cycle_ = dc.peak_bandwidth_bytes_per_s() / (arch.clock_mhz * 1e6);
        chunk_ = static_cast<uint32_t>(std::max<uint64_t>(burst_, prm_.link_fifo_bytes / 2 / burst_ * burst_));
        fifo_ = std::make_unique<GlobalBuffer>(fifo_config(2 * chunk_), ctx);
        dma_ = std::make_unique<Dma>("dma", ctx, prm_.dma_max_outstanding, static_cast<uint32_t>(prm_.dma_transfer_bytes),
                                     burst_, 64);
        dma_->socket.bind(dram_->socket);
        link_ = std::make_unique<EyerissLink>("link", ctx, *dma_, *glb_, *fifo_, chunk_, prm_.rlc_run_bits);
        mon_ = ctx.monitor.add("eyeriss_controller");
    }

    void run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                   LayerConservation& cons) override;

private:
    // DRAM image of a layer: pre-tiled filters (one block per pass), then the ifmaps as rows
    // (raw 16-bit for the first layer, RLC otherwise), then room for the outputs.
    void build_dram_image(const LayerJob& job, bool rlc_input);
    uint64_t filter_block_addr(int64_t g, int64_t kb, int64_t fold, int64_t cb) const {
        return ((((g * nkb_) + kb) * M_.r_folds + fold) * M_.channel_blocks() + cb) * fblock_bytes_;
    }

    const ArchConfig& arch_;
    SimContext& ctx_;
    EyerissParams prm_;
    std::unique_ptr<GlobalBuffer> glb_, fil_, fifo_;
    std::unique_ptr<Dram> dram_;
    std::unique_ptr<Dma> dma_;
    std::unique_ptr<EyerissLink> link_;
    uint32_t burst_ = 64, chunk_ = 256;
    double link_bytes_per_cycle_ = 1;
    int mon_;

    RsMapping M_;
    int64_t nkb_ = 0;               // filter blocks of p*t per group
    uint64_t fblock_bytes_ = 0;
    uint64_t in_base_ = 0, out_base_ = 0;
    std::vector<uint64_t> row_off_;  // DRAM offset of each input row (N*C*H + 1 entries)
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
    std::vector<int16_t> row(static_cast<std::size_t>(L.W));
    for (int64_t r = 0; r < rows; ++r) {
        row_off_[static_cast<std::size_t>(r)] = img.size();
        for (int64_t c = 0; c < L.W; ++c) row[static_cast<std::size_t>(c)] = x[static_cast<std::size_t>(r * L.W + c)];
        if (rlc_input) {
            rlc_encode_row(row.data(), L.W, img, prm_.rlc_run_bits);
        } else {
            const auto* b = reinterpret_cast<const uint8_t*>(row.data());
            img.insert(img.end(), b, b + L.W * 2);
        }
    }
    row_off_[static_cast<std::size_t>(rows)] = img.size();
    out_base_ = align_up(img.size(), burst_);
    dram_->write_backdoor(0, img.data(), img.size());
}

void EyerissModel::run_layer(const LayerJob& job, LayerResult& res, std::vector<int32_t>& outputs,
                             LayerConservation& cons) {
    const Layer& L = *job.layer;
    M_ = map_layer(L, prm_, link_bytes_per_cycle_);
    const RsMapping& M = M_;
    const bool first_layer = L.inputs.empty() || (L.inputs.size() == 1 && L.inputs[0] == "input");
    build_dram_image(job, !first_layer);
    glb_->counters = BufferCounters{};
    fil_->counters = BufferCounters{};
    fifo_->counters = BufferCounters{};
    dma_->stats = DmaStats{};
    link_->fifo_words = link_->codec_values = 0;
    const DramStats dram_before = dram_->stats();
    const uint64_t t0 = ctx_.now_cycles();

    const uint64_t vb = static_cast<uint64_t>(prm_.value_bytes);
    const uint64_t bank = prm_.glb_bank_bytes;
    const uint64_t if_half = static_cast<uint64_t>(M.ifmap_banks) * bank;
    const uint64_t ps_base = if_half * (M.ifmap_double ? 2 : 1);
    outputs.assign(static_cast<std::size_t>(L.N * L.K * M.E * M.F), 0);
    PeArray pe(M, prm_);

    // The accumulation blocks (filter-row folds x channel blocks) of one psum residency.
    const int64_t acc_blocks = M.r_folds * M.channel_blocks();
    struct IfBlock {
        int64_t g, b, s, fold, cb;
    };
    // Load job for the ifmaps of (group, batch, strip, channel block) into GLB half `half`.
    auto make_load = [&](const IfBlock& k, int half, LinkJob& j, int64_t& row0, int64_t& nrows) {
        j = LinkJob{};
        j.rlc = !first_layer;
        j.row_len = L.W;
        j.glb_addr = static_cast<uint64_t>(half) * if_half;
        const int64_t lo = k.s * M.e * M.stride - M.pad + k.fold * M.set_h;
        const int64_t hi = lo + M.ifmap_rows;  // exclusive
        row0 = std::max<int64_t>(0, lo);
        const int64_t row1 = std::min<int64_t>(L.H, hi);
        nrows = std::max<int64_t>(0, row1 - row0);
        for (int64_t i = 0; i < M.n; ++i) {
            const int64_t img = k.b * M.n + i;
            for (int64_t cc = 0; cc < M.q * M.r; ++cc) {
                const int64_t c = k.cb * M.q * M.r + cc;
                if (img >= M.N || c >= M.Cg || nrows == 0) continue;
                const int64_t base = (img * L.C + k.g * M.Cg + c) * L.H;
                const uint64_t a = row_off_[static_cast<std::size_t>(base + row0)];
                const uint64_t e = row_off_[static_cast<std::size_t>(base + row0 + nrows)];
                if (!j.ranges.empty() && j.ranges.back().first + j.ranges.back().second == a) j.ranges.back().second += e - a;
                else j.ranges.push_back({a, e - a});
                j.values_expected += nrows * L.W;
            }
        }
    };
    std::vector<IfBlock> order;
    for (int64_t g = 0; g < M.groups; ++g)
        for (int64_t b = 0; b < M.batches(); ++b)
            for (int64_t s = 0; s < M.strips; ++s)
                for (int64_t fb = 0; fb < M.filter_blocks(); ++fb)
                    for (int64_t fold = 0; fold < M.r_folds; ++fold)
                        for (int64_t cb = 0; cb < M.channel_blocks(); ++cb) order.push_back({g, b, s, fold, cb});
    LinkJob loads[2], stores[2];
    int64_t lrow0[2] = {0, 0}, lrows[2] = {0, 0};
    int store_slot = 0;
    bool store_used[2] = {false, false};
    uint64_t out_cursor = out_base_;
    const int64_t pt = M.p * M.t;
    // Filter prefetch: the filter GLB holds one pass; the next pass's block is fetched as soon as
    // the current one has gone to the scratchpads.
    struct PassRef {
        int64_t g, kb, fold, cb;
    };
    std::vector<PassRef> plan;  // every pass in execution order
    {
        std::size_t o = 0;
        for (int64_t g = 0; g < M.groups; ++g)
            for (int64_t b = 0; b < M.batches(); ++b)
                for (int64_t s = 0; s < M.strips; ++s)
                    for (int64_t fb = 0; fb < M.filter_blocks(); ++fb)
                        for (int64_t ab = 0; ab < acc_blocks; ++ab, ++o)
                            for (int64_t kb = fb * M.m / pt; kb < std::min<int64_t>(cdiv(M.Kg, pt), (fb + 1) * M.m / pt); ++kb)
                                plan.push_back({g, kb, order[o].fold, order[o].cb});
    }
    std::size_t pi = 0;
    uint64_t fticket = 0;
    auto filter_load = [&](const PassRef& r) {
        fticket = dma_->submit({filter_block_addr(r.g, r.kb, r.fold, r.cb), fblock_bytes_, false, fil_.get(), 0});
    };

    int cur = 0;
    make_load(order[0], 0, loads[0], lrow0[0], lrows[0]);
    link_->submit(&loads[0]);
    std::size_t oi = 0;
    filter_load(plan[0]);
    for (int64_t g = 0; g < M.groups; ++g)
        for (int64_t b = 0; b < M.batches(); ++b)
            for (int64_t s = 0; s < M.strips; ++s)
                for (int64_t fb = 0; fb < M.filter_blocks(); ++fb) {
                    pe.begin_residency(g, b, s, fb);
                    for (int64_t ab = 0; ab < acc_blocks; ++ab, ++oi) {
                        const IfBlock& k = order[oi];
                        ctx_.monitor.waiting(mon_, "ifmap load");
                        link_->wait(&loads[cur]);
                        ctx_.monitor.waiting(mon_, "");
                        pe.set_ifmaps(reinterpret_cast<const int16_t*>(glb_->data(static_cast<uint64_t>(cur) * if_half, std::max<uint64_t>(2, static_cast<uint64_t>(loads[cur].values_expected) * 2))),
                                      lrow0[cur], lrows[cur], k.fold, k.cb);
                        // Prefetch the next block's ifmaps into the other half, or after this block.
                        const bool has_next = oi + 1 < order.size();
                        if (has_next && M.ifmap_double) {
                            make_load(order[oi + 1], cur ^ 1, loads[cur ^ 1], lrow0[cur ^ 1], lrows[cur ^ 1]);
                            link_->submit(&loads[cur ^ 1]);
                        }
                        const int64_t kb_end = std::min<int64_t>(cdiv(M.Kg, pt), (fb + 1) * M.m / pt);
                        for (int64_t kb = fb * M.m / pt; kb < kb_end; ++kb) {
                            ctx_.monitor.waiting(mon_, "filters");
                            dma_->wait_done(fticket);
                            ctx_.monitor.waiting(mon_, "");
                            const uint64_t fl_end = pe.load_filters(*fil_, ctx_, fblock_bytes_);
                            if (++pi < plan.size()) filter_load(plan[pi]);
                            pe.run_pass(kb, ab == 0, fl_end, *glb_, ps_base, ctx_);
                        }
                        if (has_next && !M.ifmap_double) {
                            make_load(order[oi + 1], cur, loads[cur], lrow0[cur], lrows[cur]);
                            link_->submit(&loads[cur]);
                        } else if (has_next) {
                            cur ^= 1;
                        }
                    }
                    // Residency done: ReLU + requantise, RLC, store (runs behind the next block).
                    LinkJob& st = stores[store_slot];
                    if (store_used[store_slot]) link_->wait(&st);
                    st = LinkJob{};
                    st.store = true;
                    pe.finish_residency(outputs, L, requant_shift(L), st.bytes, prm_.rlc_run_bits);
                    st.bytes.resize(align_up(st.bytes.size(), burst_), 0);
                    st.dram_addr = out_cursor;
                    out_cursor += st.bytes.size();
                    st.glb_read_addr = ps_base;
                    st.glb_read_bytes = pe.residency_psum_values() * vb;
                    ctx_.wait_until(pe.array_free());
                    link_->submit(&st);
                    store_used[store_slot] = true;
                    store_slot ^= 1;
                }
    for (int i = 0; i < 2; ++i)
        if (store_used[i]) link_->wait(&stores[i]);
    ctx_.wait_until(pe.array_free());
    const uint64_t t1 = ctx_.now_cycles();

    // Results.
    const PeCounters& c = pe.counters();
    res.cycles = t1 - t0;
    res.macs_executed = c.macs_executed;
    res.macs_skipped = c.macs_gated;
    res.active_pes = static_cast<uint64_t>(M.active_pes);
    const DramStats ds = dram_->stats() - dram_before;
    res.dram_read_bytes = ds.bytes_read;
    res.dram_write_bytes = ds.bytes_written;
    res.dram_row_hits = ds.row_hits;
    res.dram_row_misses = ds.row_misses;
    res.buffer(BufferRole::Input) = glb_->counters;
    res.buffer(BufferRole::Weight) = fil_->counters;
    res.rf_accesses = c.ifmap_spad + c.filter_spad + c.psum_spad;
    cons.dram_read_bytes = ds.bytes_read;
    cons.buffer_bytes_in = dma_->stats.buffer_bytes_in;
    cons.overfetch_bytes = dma_->stats.overfetch_bytes;

    const TechTable& T = arch_.tech;
    add_buffer_energy(arch_, res);
    res.energy(EnergyComponent::Dram) = ds.total_pj();
    // The link FIFO is register storage: counted with the register files.
    res.energy(EnergyComponent::RegisterFile) =
        static_cast<double>(c.ifmap_spad) * T.pj("spad_ifmap_16b") + static_cast<double>(c.filter_spad) * T.pj("spad_weight_16b") +
        static_cast<double>(c.psum_spad) * T.pj("spad_psum_16b") + static_cast<double>(link_->fifo_words * 8) * T.pj("fifo_access_16b");
    res.energy(EnergyComponent::Noc) = static_cast<double>(c.noc_values) * T.pj("noc_hop_16b");
    // 16-bit MACs; the incoming-psum accumulations use the same adder.
    res.energy(EnergyComponent::PeArray) =
        static_cast<double>(c.macs_executed) * T.pj("mac_16b") + static_cast<double>(c.psum_adds) * T.pj("add_16b");
    res.energy(EnergyComponent::Leakage) =
        leakage_pj(leakage_mw(arch_, static_cast<uint64_t>(prm_.rows * prm_.cols)), res.cycles, arch_.clock_mhz);

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
    x["eyeriss_glb_ifmap_banks"] = M.ifmap_banks * (M.ifmap_double ? 2 : 1);
    x["eyeriss_glb_psum_banks"] = M.psum_banks;
    x["passes"] = static_cast<double>(c.passes);
    x["passes_filter_major"] = static_cast<double>(c.filter_major_passes);
    x["steps"] = static_cast<double>(c.steps);
    x["compute_cycles"] = static_cast<double>(c.compute_cycles);
    x["stall_ifmap_cycles"] = static_cast<double>(c.stall_ifmap);
    x["stall_psum_cycles"] = static_cast<double>(c.stall_psum);
    x["filter_load_cycles"] = static_cast<double>(c.filter_load_cycles);
    x["ifmap_zero_fraction"] = c.ifmap_values ? static_cast<double>(c.ifmap_zeros) / static_cast<double>(c.ifmap_values) : 0;
    x["rlc_codec_values"] = static_cast<double>(link_->codec_values);
    x["dma_overfetch_bytes"] = static_cast<double>(dma_->stats.overfetch_bytes);
    x["dram_energy_pj"] = ds.total_pj();
}

}  // namespace

std::unique_ptr<AcceleratorModel> make_eyeriss_model(const ArchConfig& arch, SimContext& ctx) {
    return std::make_unique<EyerissModel>("eyeriss", arch, ctx);
}

}  // namespace sx
