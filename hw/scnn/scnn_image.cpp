// One image of a layer on the SCNN / DCNN PE array (ScnnModel, scnn_model_impl.h): the weight
// stream and input tiles loaded by the DMA, the broadcast bus into the PEs' weight FIFOs
// (weight_broadcast.h), the PEs' arithmetic (PeArrayPolicy), the barrier between output-channel
// groups, the halo exchange over the inter-PE links (halo_links.h), post-processing into OARAM
// and the stores to DRAM.
#include <algorithm>
#include <cstring>

#include "hw/common/sx_assert.h"
#include "hw/scnn/ppu.h"
#include "hw/scnn/scnn_model_impl.h"
#include "hw/scnn/sparse_encoding.h"
#include "hw/system/dram_fit.h"
#include "sw/common/error.h"

namespace sx::scnn {

using namespace sc_core;

// Puts piece c (broadcast index idx; bytes arrived at `ready`) on the broadcast bus and runs it on its target PEs:
// each PE computes on the weights it reads out of its own FIFO.
void ScnnModel::run_piece(LayerRun& lr, std::size_t c, std::size_t idx, uint64_t ready) {
    LayerEngine& e = *lr.e;
    const WeightBlock& cb = e.blocks[c];
    landed(cb.dram_addr, cb.dram_bytes, piece_bytes_);
    consumed_upto_ = std::max(consumed_upto_, (cb.dram_addr + cb.dram_bytes) / burst_ * burst_);
    const WeightBlock piece = e.decode_piece(cb, piece_bytes_.data());
    piece_to_fifo(piece, e.sparse(), prm_.F, e.layer().R * e.layer().S, vec_, val_);
    if (vec_.size() != cb.fifo_entries)
        throw SimulationError("scnn: layer " + e.layer().name + ": a weight piece of channel " + std::to_string(cb.c) +
                              " decoded to " + std::to_string(vec_.size()) + " FIFO entries, expected " +
                              std::to_string(cb.fifo_entries));
    const std::vector<int>& act = e.active_pes();
    // A PE without activations of the channel never reads the piece (no work; it leaves the
    // FIFO once it has landed).
    reads_.assign(act.size(), 1);
    if (e.sparse())
        for (std::size_t k = 0; k < act.size(); ++k) reads_[k] = !e.acts(act[k], cb.c).empty();
    lr.bc->deliver(idx, ready, vec_, val_, &reads_);
    std::fill(work_.begin(), work_.end(), 0);
    for (std::size_t k = 0; k < act.size(); ++k) {
        if (cb.target >= 0 && cb.target != act[k]) continue;
        if (!reads_[k]) {
            start_[k] = 0;
            continue;
        }
        // The PE reads its weights in place out of its own FIFO.
        work_[k] = pol_->run_fifo(e, act[k], piece, lr.bc->view(static_cast<int>(k), idx), &first_use_);
        // The PE streams behind the bus: it may start once each entry lands before its first use.
        start_[k] = lr.bc->earliest_start(first_use_);
    }
    const uint64_t landed = lr.bc->landed(idx);
    lr.bc->run(idx, work_, [&](int s) { return static_cast<std::size_t>(s) < act.size() ? start_[static_cast<std::size_t>(s)] : landed; });
}

// The group's bytes, which the PPUs have written into OARAM (ring addresses, in chunks of at
// most its capacity; timed by each PE's write port in drain_group, ppu.h), stored to DRAM by the
// DMA. Issued at the cycle the slowest PE's last word is in OARAM, so the DMA reads no byte
// before the PPU wrote it. The writes are not posted to the buffer model again: they were timed
// once, by the PPUs' ports, over the drain (docs/scnn.md, "Post-processing unit and OARAM").
void ScnnModel::issue_store(LayerRun& lr, GroupStore& s) {
    const uint64_t total = (s.bytes.size() + burst_ - 1) / burst_ * burst_;
    s.bytes.resize(total, 0);
    for (OutStream& st : s.streams) {
        st.dram_addr = lr.out_base + lr.out_addr + st.offset;
        lr.written.push_back(st);
    }
    const uint64_t cap = oaram_cfg_.capacity_bytes / burst_ * burst_;
    for (uint64_t done = 0; done < total;) {
        const uint64_t nb = std::min(total - done, cap);
        if (lr.oaram_ring + nb > cap) lr.oaram_ring = 0;
        const uint64_t a = lr.oaram_ring;
        std::memcpy(oaram_->data(a, nb), s.bytes.data() + done, nb);  // what the PPUs wrote
        dma_->submit({lr.out_base + lr.out_addr, nb, true, oaram_.get(), a});
        lr.oaram_ring += nb;
        lr.out_addr += nb;
        done += nb;
    }
}

// End of group g at `barrier` (every PE done with its pieces): halo exchange over the links (or
// the FC reduction), then post-processing of each PE's outputs into one store.
GroupStore ScnnModel::drain_group(LayerRun& lr, int64_t g, uint64_t barrier) {
    LayerEngine& e = *lr.e;
    const PlanarMapping& m = e.mapping();
    const Layer& L = e.layer();
    const std::vector<int>& act = e.active_pes();
    // Sum over groups of the busiest PE of the group; barrier wait = what the others idle.
    uint64_t gmax = 0;
    for (std::size_t p = 0; p < lr.slots; ++p) {
        gmax = std::max(gmax, lr.bc->busy[p] - lr.busy_before[p]);
        lr.busy_before[p] = lr.bc->busy[p];
    }
    lr.group_bound += gmax;
    for (std::size_t k = 0; k < act.size(); ++k) lr.barrier_wait += barrier - std::min(barrier, lr.bc->pe_free(static_cast<int>(k)));
    // The group's data path: partial sums moved between the PEs' accumulators, timed by the links.
    std::vector<std::vector<HaloRun>> runs;
    const uint64_t moved = e.end_group(g, m.channel_split ? nullptr : &runs);
    const int64_t kc = std::min(m.Kc, L.K - g * m.Kc);
    uint64_t halo = 0, ppu = 0;
    if (m.channel_split) {
        // The reduction tree over the links, as end_group moved the partial sums.
        const HaloTiming rt = reduction_tree(e.reduction_parents(), static_cast<uint64_t>(kc), prm_.halo_values_per_cycle);
        SX_ASSERT(rt.values == moved, "scnn: layer " + L.name + ": the reduction links carried " +
                                          std::to_string(rt.values) + " partial sums, the reduction moved " +
                                          std::to_string(moved));
        halo = rt.cycles;
        lr.halo_port_stalls += rt.port_stalls;
        lr.halo_values += moved;
        lr.halo_value_hops += moved;  // every reduction link joins neighbours (reduction_parents)
    } else {
        const HaloTiming ht = halo_exchange(runs, prm_.halo_values_per_cycle);
        if (ctx_.step_mode) {
            const HaloTiming hs = halo_exchange(runs, prm_.halo_values_per_cycle, false);
            if (hs.cycles != ht.cycles || hs.port_stalls != ht.port_stalls)
                throw SimulationError("exactness: halo exchange of layer " + L.name + " group " + std::to_string(g) +
                                      " computed " + std::to_string(ht.cycles) + " cycles, stepped " +
                                      std::to_string(hs.cycles));
        }
        SX_ASSERT(ht.values == moved, "scnn: layer " + L.name + ": halo links carried " + std::to_string(ht.values) +
                                          " partial sums, the exchange moved " + std::to_string(moved));
        halo = ht.cycles;
        lr.halo_port_stalls += ht.port_stalls;
        lr.halo_values += moved;
        for (std::size_t s = 0; s < runs.size(); ++s)
            for (const HaloRun& hr : runs[s]) {
                const int a = act[s], b = act[static_cast<std::size_t>(hr.dst)];
                const int di = a / m.pe_cols - b / m.pe_cols, dj = a % m.pe_cols - b % m.pe_cols;
                lr.halo_value_hops += hr.values * static_cast<uint64_t>((di < 0 ? -di : di) + (dj < 0 ? -dj : dj));
            }
    }
    GroupStore st;
    for (int pe : act) {  // idle PEs have no outputs
        uint64_t outs = 0;
        const std::size_t s0 = st.streams.size();
        ppu_bits_.clear();
        const std::vector<uint8_t> b = e.pack_outputs(pe, g, st.streams, outs, &ppu_bits_);
        for (std::size_t i = s0; i < st.streams.size(); ++i) st.streams[i].offset += st.bytes.size();
        st.bytes.insert(st.bytes.end(), b.begin(), b.end());
        // The PE's PPU drains its accumulators through its OARAM write port (ppu.h).
        const PpuTiming pt = ppu_drain(ppu_bits_, prm_.ppu_values_per_cycle, static_cast<uint32_t>(oaram_cfg_.port_width_bits));
        SX_ASSERT(pt.words == (b.size() * 8 + static_cast<uint64_t>(oaram_cfg_.port_width_bits) - 1) /
                                  static_cast<uint64_t>(oaram_cfg_.port_width_bits),
                  "scnn: the PPU's OARAM words do not hold its output bytes");
        ppu = std::max(ppu, pt.cycles);
        lr.ppu_port_stalls += pt.port_stalls;
        // OARAM accesses: the words the port wrote (energy; their time is the drain's).
        oaram_->counters.writes += pt.words;
        oaram_->counters.write_bytes += b.size();
        lr.ppu_outputs += outs;
    }
    lr.halo_cycles += halo;
    lr.ppu_cycles += ppu;
    ++lr.groups_run;
    st.at = barrier + halo + ppu;
    return st;
}

void ScnnModel::prepare_image(LayerRun& lr, int64_t n, ImageState& st) {
    LayerEngine& e = *lr.e;
    const Layer& L = e.layer();
    const std::vector<int>& act = e.active_pes();
    e.load_image(n);
    if (n == 0) plan_layout(lr);  // before the host writes the first image's inputs
    if (e.image_act_bytes() > e.image_act_bound())
        throw SimulationError("scnn: layer " + L.name + ": image " + std::to_string(n) + "'s inputs take " +
                              std::to_string(e.image_act_bytes()) + " bytes, above their bound " +
                              std::to_string(e.image_act_bound()));
    uint64_t per_pe_max = 0;
    for (int pe : act) {
        uint64_t s = 0;
        for (int64_t c = 0; c < L.C; ++c) s += e.act_bytes(pe, c);
        per_pe_max = std::max(per_pe_max, s);
    }
    st.resident = per_pe_max <= lr.iaram_per_pe;
    const auto C = static_cast<std::size_t>(L.C);
    st.ch_bytes.assign(C, 0);
    st.ch_addr.assign(C, 0);
    // The host writes the image's input tiles (per channel, per PE, compressed for SCNN and
    // DCNN-opt) after the weights.
    mem_->backdoor_write(lr.act_addr, e.act_image);
    for (std::size_t c = 0; c < C; ++c) {
        for (int pe : act) st.ch_bytes[c] += e.act_bytes(pe, static_cast<int64_t>(c));
        st.ch_addr[c] = lr.act_addr;
        lr.act_addr += st.ch_bytes[c];
    }
    lr.out_base = lr.layout->out_start(static_cast<uint64_t>(n), (lr.act_addr + burst_ - 1) / burst_ * burst_, 0);
    st.in_idx.assign(C, 0);
    st.in_at.assign(C, 0);
    st.in_decoded.assign(C, 0);
    st.in_pass.assign(C, 0);
    st.wt_idx.assign(e.blocks.size(), SIZE_MAX);
    st.base = lr.bc->pieces();
    stream_upto_ = 0;
    consumed_upto_ = 0;
    landing_.clear();
    st.prev_barrier = st.drain_prev = st.drain_prev2 = ctx_.now_cycles();
}

// Input tiles are loaded per channel on first use in a pass (all groups when resident, else
// again for every output-channel group), interleaved with the weight stream in the order the
// PEs need them, rather than the whole layer ahead of the first weights.
void ScnnModel::ensure_input(LayerRun& lr, ImageState& st, int64_t c) {
    const auto ci = static_cast<std::size_t>(c);
    if (st.in_pass[ci] == st.pass) return;
    st.in_pass[ci] = st.pass;
    const uint64_t cap = iaram_cfg_.capacity_bytes, b = st.ch_bytes[ci];
    if (b > cap)
        throw arch_.error_at("/buffers/" + iaram_cfg_.name + "/capacity_kib",
                             "IARAM that holds one input channel of layer '" + lr.e->layer().name + "' (" +
                                 std::to_string(b) + " bytes)",
                             std::to_string(cap) + " bytes");
    if (st.iaram_ring + b > cap) st.iaram_ring = 0;
    st.in_at[ci] = st.iaram_ring;
    st.in_idx[ci] = load(st.ch_addr[ci], b, iaram_.get(), st.iaram_ring);
    st.iaram_ring += b;
    const std::vector<int>& act = lr.e->active_pes();
    const auto wb = static_cast<uint64_t>(std::max(1, iaram_cfg_.port_width_bits));
    lr.iaram_write_words.resize(act.size(), 0);
    for (std::size_t k = 0; k < act.size(); ++k) lr.iaram_write_words[k] += (lr.e->act_bytes(act[k], c) * 8 + wb - 1) / wb;
}

// Group g: its pieces requested, broadcast and run as the DMA, the bus and the FIFOs allow; the
// stores of earlier groups issued when due; then the barrier and the group's drain.
void ScnnModel::run_group(LayerRun& lr, ImageState& st, int64_t g) {
    LayerEngine& e = *lr.e;
    const std::vector<int>& act = e.active_pes();
    WeightBroadcast& bc = *lr.bc;
    const std::size_t nb = e.blocks.size();
    const uint64_t stage_cap = wstage_ ? wstage_->capacity() : 0, window = wfifo_->capacity();
    if (g == 0 || !st.resident) {
        ++lr.input_passes;
        ++st.pass;
    }
    // Double-buffered accumulators: group g starts after the barrier of g-1 and once the
    // buffer it reuses (group g-2's) has been drained.
    const uint64_t gstart = std::max(st.prev_barrier, st.drain_prev2);
    lr.drain_wait += gstart - st.prev_barrier;
    bc.start_group(gstart);
    const std::size_t b0 = e.group_begin[static_cast<std::size_t>(g)], b1 = e.group_begin[static_cast<std::size_t>(g) + 1];
    // Weight pieces: with a staging buffer the DMA fetches ahead (st.f) while the buffer has
    // room; without, a piece is fetched (s) when its FIFO room is there and the landing window
    // has room for its bytes. c: the next piece to broadcast and run.
    std::size_t s = b0, c = b0;
    while (c < b1) {
        const WeightBlock& cb = e.blocks[c];
        const std::size_t wi = st.wt_idx[c], ii = st.in_idx[static_cast<std::size_t>(cb.c)];
        if (c < s && wi != SIZE_MAX && arrival_[wi] != kUnknown && arrival_[ii] != kUnknown) {
            // Piece c's weights and its channel's input tiles are on chip: broadcast and run.
            if (arrival_[ii] > arrival_[wi]) lr.block_wait_input += arrival_[ii] - arrival_[wi];
            if (wstage_) {
                // Read out onto the broadcast bus (8 x 64-bit ports, faster than the bus).
                wstage_->counters.reads += (cb.dram_bytes + 7) / 8;
                wstage_->counters.read_bytes += cb.dram_bytes;
            }
            // The PEs work on what reached them: the channel's tiles decoded from IARAM (once
            // per pass), the piece from the bytes the broadcast carried.
            const auto cc = static_cast<std::size_t>(cb.c);
            if (st.in_decoded[cc] != st.pass) {
                st.in_decoded[cc] = st.pass;
                for (int pe : act) {
                    const uint64_t nbytes = e.act_bytes(pe, cb.c);
                    e.decode_acts(pe, cb.c, nbytes ? iaram_->data(st.in_at[cc] + e.act_offset(pe, cb.c), nbytes) : nullptr);
                }
            }
            run_piece(lr, c, st.base + c, std::max(arrival_[wi], arrival_[ii]));
            ++c;
            ctx_.monitor.progress();
            continue;
        }
        if (wstage_ && st.f < nb &&
            (e.blocks[st.f].dram_addr + e.blocks[st.f].dram_bytes + burst_ - 1) / burst_ * burst_ <= consumed_upto_ + stage_cap) {
            // Prefetch into the staging buffer: a ring over the stream (stream offset modulo its
            // capacity); a load may not overwrite bytes not yet broadcast.
            if (st.resident || e.blocks[st.f].group == g) ensure_input(lr, st, e.blocks[st.f].c);
            st.wt_idx[st.f] = load_piece(e.blocks[st.f], wstage_.get(), 0);
            ++st.f;
            continue;
        }
        std::optional<uint64_t> room;
        if (s < b1 && (!wstage_ || s < st.f)) {
            room = bc.room_from(e.blocks[s].target, e.blocks[s].fifo_entries);
            // The landing window is a ring: a load may not overwrite bytes not yet broadcast.
            const uint64_t end = (e.blocks[s].dram_addr + e.blocks[s].dram_bytes + burst_ - 1) / burst_ * burst_;
            if (!wstage_ && end > consumed_upto_ + window) room.reset();
        }
        const uint64_t now = ctx_.now_cycles();
        if (room && *room <= now) {
            const WeightBlock& sb = e.blocks[s];
            ensure_input(lr, st, sb.c);
            bc.append(sb.target, sb.fifo_entries);
            if (!wstage_) st.wt_idx[s] = load_piece(sb, wfifo_.get(), 0);
            ++s;
            continue;
        }
        if (!st.stores.empty() && st.stores.front().at <= now) {
            issue_store(lr, st.stores.front());
            st.stores.pop_front();
            continue;
        }
        uint64_t until = kUnknown;
        if (room) until = std::min(until, *room);
        if (!st.stores.empty()) until = std::min(until, st.stores.front().at);
        ctx_.monitor.waiting(mon_, "weights or activations from DRAM");
        // Exactness test mode: one cycle at a time instead of the jump to the next known event.
        if (ctx_.step_mode && until != kUnknown && until > now + 1) until = now + 1;
        if (until != kUnknown) wait(ctx_.cycles(until - now), arrival_ev_);
        else if (ctx_.step_mode) wait(ctx_.cycles(1), arrival_ev_);
        else wait(arrival_ev_);
        ctx_.monitor.waiting(mon_, "");
    }
    // Barrier, then halo exchange (or the FC partial-sum reduction) and post-processing on the
    // drained accumulator buffer while the next group computes.
    const uint64_t barrier = bc.barrier();
    st.stores.push_back(drain_group(lr, g, barrier));
    st.prev_barrier = barrier;
    st.drain_prev2 = st.drain_prev;
    st.drain_prev = st.stores.back().at;
}

// The layer's DRAM layout (dram_layout.h) for its whole batch, from worst-case sizes, checked
// against the DRAM's capacity before anything of the layer is simulated: the images' inputs
// (every value of every tile stored) and stores (every output stored, one byte of rounding
// per (PE, channel) stream, one burst of padding per group store).
void ScnnModel::plan_layout(LayerRun& lr) {
    const LayerEngine& e = *lr.e;
    const Layer& L = e.layer();
    const bool compressed = e.sparse() || prm_.compressed_dram;
    const uint64_t per_image = static_cast<uint64_t>(L.output_elems() / std::max<int64_t>(1, L.N));
    const uint64_t groups = e.group_begin.size() - 1, streams = lr.slots * static_cast<uint64_t>(L.K);
    lr.out_bound = (per_image * static_cast<uint64_t>(arch_.bits.activation + (compressed ? kRunBits : 0)) + 7) / 8 +
                   streams + groups * burst_;
    uint64_t capacity = UINT64_MAX, row_period = burst_;
    if (mem_->has_dram()) {
        const DramConfig& dc = mem_->dram()->config();
        capacity = dc.capacity_bytes();
        row_period = capacity / static_cast<uint64_t>(dc.rows);
    }
    DramLayoutSizes sz;
    sz.weight_bytes = e.weight_bytes;
    sz.in_bound = e.image_act_bound();
    sz.out_bound = lr.out_bound;
    sz.images = static_cast<uint64_t>(L.N);
    sz.burst = burst_;
    sz.row_period = row_period;
    lr.layout.emplace(sz);
    if (lr.layout->end() > capacity)
        throw batch_does_not_fit(arch_, L.name, L.N, lr.layout->end(), capacity,
                                 std::string(e.sparse() ? "SCNN" : "DCNN") + "'s layout for the worst case: weights, " +
                                     std::to_string(sz.in_bound) + " bytes of inputs and " +
                                     std::to_string(sz.out_bound) + " of outputs per image, 2 DRAM rows between images");
    lr.act_addr = lr.layout->act_base();
}

void ScnnModel::run_image(LayerRun& lr, int64_t n) {
    ImageState st;
    prepare_image(lr, n, st);
    const uint64_t stored_before = lr.out_addr;
    const int64_t groups = static_cast<int64_t>(lr.e->group_begin.size()) - 1;
    for (int64_t g = 0; g < groups; ++g) run_group(lr, st, g);
    // The next image may not start before this one's last group has drained.
    while (!st.stores.empty()) {
        ctx_.wait_until(st.stores.front().at);
        issue_store(lr, st.stores.front());
        st.stores.pop_front();
    }
    if (lr.out_addr - stored_before > lr.out_bound)
        throw SimulationError("scnn: layer " + lr.e->layer().name + ": image " + std::to_string(n) + " stored " +
                              std::to_string(lr.out_addr - stored_before) + " bytes, above their bound " +
                              std::to_string(lr.out_bound));
    lr.bc->start_group(st.drain_prev);
}

}  // namespace sx::scnn
