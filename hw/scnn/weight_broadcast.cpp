#include "hw/scnn/weight_broadcast.h"

#include <algorithm>
#include <string>

#include "hw/common/sx_assert.h"
#include "sw/common/error.h"

namespace sx::scnn {

WeightBroadcast::WeightBroadcast(int slots, int stored_slots, int capacity_entries, int F)
    : busy(static_cast<std::size_t>(slots), 0), wait_dram(static_cast<std::size_t>(slots), 0),
      wait_bus(static_cast<std::size_t>(slots), 0), slots_(slots), stored_(stored_slots), F_(F),
      cap_(static_cast<uint32_t>(capacity_entries)), res_(static_cast<std::size_t>(slots)),
      ring_(static_cast<std::size_t>(stored_slots)), pe_free_(static_cast<std::size_t>(slots), 0) {
    for (Ring& r : ring_) {
        r.w.resize(static_cast<std::size_t>(cap_) * static_cast<std::size_t>(F_));
        r.v.resize(cap_);
    }
}

std::optional<uint64_t> WeightBroadcast::room_from(int target, uint32_t entries) const {
    const uint32_t need = std::min(entries, cap_);
    uint64_t t = 0;
    bool known = true;
    for_targets(target, [&](int s) {
        if (!known) return;
        const auto& q = res_[static_cast<std::size_t>(s)];
        // Walk from the newest resident piece back while the total still fits; every older
        // piece must have been finished (its entries left the FIFO) before these entries fit.
        uint32_t held = need;
        std::size_t i = q.size();
        while (i > 0 && held + q[i - 1].entries <= cap_) held += q[--i].entries;
        for (std::size_t j = 0; j < i; ++j) {
            if (q[j].finish == kUnknown) {
                known = false;
                return;
            }
            t = std::max(t, q[j].finish);
        }
    });
    if (!known) return std::nullopt;
    return t;
}

std::size_t WeightBroadcast::append(int target, uint32_t entries) {
    if (entries > cap_)
        throw SimulationError("scnn: a weight piece of " + std::to_string(entries) + " entries exceeds the " +
                              std::to_string(cap_) + "-entry weight FIFO");
    const std::size_t idx = target_.size();
    target_.push_back(target);
    landed_.push_back(kUnknown);
    ready_.push_back(kUnknown);
    for_targets(target, [&](int s) { res_[static_cast<std::size_t>(s)].push_back({idx, entries, kUnknown}); });
    return idx;
}

uint64_t WeightBroadcast::deliver(std::size_t idx, uint64_t ready, const std::vector<FifoVector>& vectors,
                                  const std::vector<WgtEntry>& values, const std::vector<char>* reads) {
    if (idx != next_deliver_) throw SimulationError("scnn: weight pieces broadcast out of order");
    const int target = target_[idx];
    const std::size_t E = vectors.size();
    // req_[j]: the earliest cycle at which every target FIFO has a free entry for entry j. The
    // older pieces of a FIFO leave it in order as their PE finishes them, so entry j needs the
    // oldest pieces gone until the rest plus j fit: a step function, max over the targets.
    req_.assign(E, 0);
    for_targets(target, [&](int s) {
        const auto& q = res_[static_cast<std::size_t>(s)];
        uint64_t held = 0;
        for (const Resident& r : q)
            if (r.piece < idx) held += r.entries;
        for (const Resident& r : q) {
            if (r.piece >= idx) break;
            SX_ASSERT(r.finish != kUnknown, "scnn: weight piece delivered before an older one ran");
            // Entries j >= cap - held cannot enter before this piece has left.
            const uint64_t j0 = held >= cap_ ? 0 : cap_ - held;
            if (j0 < E) req_[j0] = std::max(req_[j0], r.finish);
            held -= r.entries;
        }
    });
    std::vector<uint64_t> at(E);
    const uint64_t bus_was_free = bus_free_;
    uint64_t need = 0, t = std::max(bus_free_, ready);
    for (std::size_t j = 0; j < E; ++j) {
        need = std::max(need, req_[j]);
        if (need > t) {
            bus_held_cycles += need - t;
            t = need;
        }
        at[j] = t++;
    }
    if (step_check) step_deliver(idx, bus_was_free, ready, at);
    at_ = at;
    bus_busy_cycles += E;
    (target < 0 ? broadcast_entries : unicast_entries) += E;
    bus_free_ = t;
    ready_[idx] = ready;
    landed_[idx] = t;
    for_targets(target, [&](int s) {
        fifo_writes += E;
        if (s < stored_) store(s, idx, at, vectors, values, !reads || (*reads)[static_cast<std::size_t>(s)]);
    });
    ++next_deliver_;
    return t;
}

void WeightBroadcast::step_deliver(std::size_t idx, uint64_t from, uint64_t ready,
                                   const std::vector<uint64_t>& at) const {
    // Cycle by cycle: the bus sends the next entry in a cycle when the bytes are there and every
    // target FIFO holds fewer than capacity entries (older pieces not finished by then, plus the
    // entries of this piece already sent).
    std::size_t j = 0;
    for (uint64_t cyc = from; j < at.size(); ++cyc) {
        bool room = cyc >= ready;
        for_targets(target_[idx], [&](int s) {
            if (!room) return;
            uint64_t held = j;
            for (const Resident& r : res_[static_cast<std::size_t>(s)])
                if (r.piece < idx && r.finish > cyc) held += r.entries;
            room = held < cap_;
        });
        if (!room) continue;
        if (at[j] != cyc)
            throw SimulationError("exactness: weight broadcast entry " + std::to_string(j) + " of piece " +
                                  std::to_string(idx) + " computed at cycle " + std::to_string(at[j]) +
                                  ", stepped at " + std::to_string(cyc));
        ++j;
    }
}

void WeightBroadcast::store(int slot, std::size_t idx, const std::vector<uint64_t>& at,
                            const std::vector<FifoVector>& vectors, const std::vector<WgtEntry>& values, bool copy) {
    Ring& r = ring_[static_cast<std::size_t>(slot)];
    const auto F = static_cast<std::size_t>(F_);
    r.pieces.push_back({idx, r.tail, vectors.size(), kUnknown, copy});
    std::size_t w = 0;
    for (std::size_t j = 0; j < vectors.size(); ++j) {
        // Entries of pieces the PE has finished by this cycle have left the FIFO.
        while (r.pieces.size() > 1 && r.pieces.front().finish <= at[j]) {
            r.head = r.pieces.front().first + r.pieces.front().n;
            r.pieces.pop_front();
        }
        if (r.tail - r.head >= cap_)
            throw SimulationError("scnn: weight FIFO of slot " + std::to_string(slot) + " written beyond its " +
                                  std::to_string(cap_) + " entries at cycle " + std::to_string(at[j]));
        if (copy) {
            const std::size_t pos = static_cast<std::size_t>(r.tail % cap_);
            r.v[pos] = vectors[j];
            std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(w), vectors[j].n,
                        r.w.begin() + static_cast<std::ptrdiff_t>(pos * F));
            w += vectors[j].n;
        }
        ++r.tail;
    }
}

void WeightBroadcast::read(int slot, std::size_t idx, std::vector<FifoVector>& vectors,
                           std::vector<WgtEntry>& values) const {
    const Ring& r = ring_[static_cast<std::size_t>(slot)];
    SX_ASSERT(!r.pieces.empty() && r.pieces.back().piece == idx && r.pieces.back().copied,
              "scnn: PE reads a piece not in its FIFO");
    const auto& p = r.pieces.back();
    const auto F = static_cast<std::size_t>(F_);
    vectors.clear();
    values.clear();
    for (uint64_t e = p.first; e < p.first + p.n; ++e) {
        const std::size_t pos = static_cast<std::size_t>(e % cap_);
        vectors.push_back(r.v[pos]);
        values.insert(values.end(), r.w.begin() + static_cast<std::ptrdiff_t>(pos * F),
                      r.w.begin() + static_cast<std::ptrdiff_t>(pos * F + r.v[pos].n));
    }
}

FifoView WeightBroadcast::view(int slot, std::size_t idx) const {
    const Ring& r = ring_[static_cast<std::size_t>(slot)];
    SX_ASSERT(!r.pieces.empty() && r.pieces.back().piece == idx && r.pieces.back().copied,
              "scnn: PE reads a piece not in its FIFO");
    const auto& p = r.pieces.back();
    return {r.v.data(), r.w.data(), p.first, p.n, cap_, F_};
}

uint64_t WeightBroadcast::run(std::size_t idx, const std::vector<uint64_t>& work) {
    SX_ASSERT(idx + 1 == next_deliver_, "scnn: a weight piece runs before it was broadcast");
    const uint64_t landed = landed_[idx];
    return run(idx, work, [&](int) { return landed; });
}

uint64_t WeightBroadcast::earliest_start(const std::vector<uint64_t>& first_use) const {
    uint64_t t = 0;
    for (std::size_t j = 0; j < first_use.size() && j < at_.size(); ++j)
        if (first_use[j] != UINT64_MAX && at_[j] + 1 > first_use[j]) t = std::max(t, at_[j] + 1 - first_use[j]);
    return t;
}

uint64_t WeightBroadcast::run_slot(std::size_t idx, int s, uint64_t work, uint64_t earliest) {
    SX_ASSERT(idx + 1 == next_deliver_, "scnn: a weight piece runs before it was broadcast");
    const auto p = static_cast<std::size_t>(s);
    const uint64_t free = std::max(pe_free_[p], group_start_);
    const uint64_t start = std::max(free, earliest);
    // An empty FIFO: the part before the bytes arrived waited for DRAM, the rest for the bus.
    const uint64_t dram = std::min(start, std::max(free, ready_[idx])) - free;
    wait_dram[p] += dram;
    wait_bus[p] += start - free - dram;
    // The piece's entries leave the FIFO when the PE is done with it, and not before they are all in.
    const uint64_t end = std::max(start + work, landed_[idx]);
    busy[p] += work;
    pe_free_[p] = end;
    auto& q = res_[p];
    for (Resident& r : q)
        if (r.piece == idx) r.finish = end;
    if (s < stored_) ring_[p].pieces.back().finish = end;
    // Forget pieces that can no longer matter: a PE finishes its pieces in order, so once the
    // pieces behind the front hold a full FIFO, the front is older than anything room_from()
    // or deliver() has to wait for.
    uint64_t held = 0;
    for (const Resident& r : q) held += r.entries;
    while (q.size() > 1 && q.front().piece <= idx && held - q.front().entries >= cap_) {
        held -= q.front().entries;
        q.pop_front();
    }
    return end;
}

uint64_t WeightBroadcast::barrier() const {
    uint64_t t = group_start_;
    for (uint64_t f : pe_free_) t = std::max(t, f);
    return t;
}

}  // namespace sx::scnn

namespace sx::scnn {

void piece_to_fifo(const WeightBlock& piece, bool sparse, int F, int64_t taps, std::vector<FifoVector>& vectors,
                   std::vector<WgtEntry>& values) {
    vectors.clear();
    values.clear();
    if (sparse) {
        values = piece.w;
        for (std::size_t p = 0; p + 1 < piece.offs.size(); ++p)
            for (uint32_t i = piece.offs[p]; i < piece.offs[p + 1]; i += static_cast<uint32_t>(F))
                vectors.push_back({static_cast<uint8_t>(std::min<uint32_t>(piece.offs[p + 1] - i, static_cast<uint32_t>(F))),
                                   static_cast<uint8_t>(p)});
        return;
    }
    for (int32_t v : piece.dv) values.push_back({0, 0, 0, v});
    for (int64_t v = piece.v0; v < piece.v1; ++v) {
        const int64_t ka = piece.k0 + (v / taps) * F;
        vectors.push_back({static_cast<uint8_t>(std::min<int64_t>(piece.k1, ka + F) - ka), 0});
    }
}

uint64_t PeArrayPolicy::run_block(LayerEngine& e, int pe, const WeightBlock& b, std::vector<uint64_t>* first_use) {
    std::vector<FifoVector> vectors;
    std::vector<WgtEntry> values;
    const int F = e.params().F;
    piece_to_fifo(b, sparse(), F, e.layer().R * e.layer().S, vectors, values);
    // A FIFO of exactly the piece's entries, F weight slots each.
    std::vector<WgtEntry> ring(vectors.size() * static_cast<std::size_t>(F));
    std::size_t at = 0;
    for (std::size_t j = 0; j < vectors.size(); ++j) {
        std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(at), vectors[j].n,
                    ring.begin() + static_cast<std::ptrdiff_t>(j * static_cast<std::size_t>(F)));
        at += vectors[j].n;
    }
    const FifoView view{vectors.data(), ring.data(), 0, vectors.size(),
                        static_cast<uint32_t>(std::max<std::size_t>(1, vectors.size())), F};
    return run_fifo(e, pe, b, view, first_use);
}

void piece_from_fifo(const WeightBlock& header, bool sparse, int phases, const std::vector<FifoVector>& vectors,
                     std::vector<WgtEntry>& values, WeightBlock& out) {
    out.group = header.group;
    out.c = header.c;
    out.target = header.target;
    out.k0 = header.k0;
    out.k1 = header.k1;
    out.fifo_entries = header.fifo_entries;
    out.nonzeros = header.nonzeros;
    out.v0 = header.v0;
    out.v1 = header.v1;
    out.w.clear();
    out.offs.clear();
    out.dv.clear();
    if (!sparse) {
        for (const WgtEntry& w : values) out.dv.push_back(w.v);
        return;
    }
    out.w.swap(values);
    std::size_t at = 0;
    for (const FifoVector& v : vectors) {
        while (out.offs.size() <= v.phase) out.offs.push_back(static_cast<uint32_t>(at));
        at += v.n;
    }
    while (out.offs.size() <= static_cast<std::size_t>(phases)) out.offs.push_back(static_cast<uint32_t>(at));
}

}  // namespace sx::scnn
