#pragma once
// The weight broadcast bus and every PE's weight FIFO, as plain C++ run by the PE-array
// process (replaces the FifoSchedule recurrence of stage 1).
//
// Blocks and their rules (docs/scnn.md, "Weight broadcast"):
// - The bus carries one FIFO entry (one weight vector: F weights with their run fields) per
//   cycle, in broadcast order, to every target PE at once (all PEs, or the one PE of a
//   channel-split piece). Entry j of a piece goes on the bus at the first cycle at which the
//   bus is free, the piece's bytes have arrived from DRAM and every target FIFO has a free
//   entry: one full FIFO holds the bus for all PEs.
// - Each PE's FIFO is real storage of `capacity` entries (the weight vectors themselves). A
//   PE starts a piece when it is done with its previous piece, its group has started and each
//   entry it reads lands before its first read (run() with the PE's earliest_start(); the
//   plain run() waits for the last entry); the piece's entries leave the FIFO when the PE has
//   finished the piece (it replays them for every activation vector of its tile).
// - Slots: one per PE that can have work, plus (optionally) one standing for all idle PEs;
//   only the first `stored_slots` hold data (idle PEs do nothing with what they receive).
// Everything is event-to-event over cycle numbers (no per-cycle loop), so idle time is
// skipped exactly: each entry's cycle is the max of the three conditions above.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "hw/scnn/layer_engine.h"

namespace sx::scnn {

constexpr uint64_t kUnknown = UINT64_MAX;

class WeightBroadcast {
public:
    // `slots`: PEs tracked; `stored_slots`: the first slots whose FIFOs hold data; F: weights
    // per entry.
    WeightBroadcast(int slots, int stored_slots, int capacity_entries, int F);

    // Cycle from which `entries` more entries fit in the target FIFOs (target -1: all slots),
    // given the pieces appended so far; nullopt while that depends on a piece appended but not
    // yet delivered and run. The model requests a piece's bytes from DRAM at this cycle.
    std::optional<uint64_t> room_from(int target, uint32_t entries) const;
    // Appends the next piece (broadcast order); returns its index (counting every piece
    // appended so far: pieces() before the append).
    std::size_t append(int target, uint32_t entries);
    std::size_t pieces() const { return target_.size(); }

    // Puts piece `idx` (the oldest not delivered) on the bus: its vectors (from the decoded
    // piece: `vectors` describe the entries, `values` their weights in order) go out one per
    // cycle from `ready` (bytes arrived) as the bus and the target FIFOs allow, and are written
    // into every stored target FIFO. Returns the cycle after its last entry landed.
    // `reads` (optional, per stored slot): false for a PE that will not read the piece (no
    // activations of its channel): its FIFO holds the entries (occupancy, timing) but their
    // weights are not copied, since nothing ever reads them.
    uint64_t deliver(std::size_t idx, uint64_t ready, const std::vector<FifoVector>& vectors,
                     const std::vector<WgtEntry>& values, const std::vector<char>* reads = nullptr);
    // What slot `slot`'s PE reads out of its FIFO for piece `idx` (just delivered): the weights
    // of its entries in order, and their vectors.
    void read(int slot, std::size_t idx, std::vector<FifoVector>& vectors, std::vector<WgtEntry>& values) const;
    // The same entries in place (no copy): valid until the next deliver().
    FifoView view(int slot, std::size_t idx) const;
    // Piece `idx` (just delivered) runs work[slot] cycles on each target slot, starting when
    // the PE is free, its group has started and the piece's last entry is in its FIFO. Returns
    // the latest finish among its targets.
    uint64_t run(std::size_t idx, const std::vector<uint64_t>& work);
    // Same, but slot s may start as early as its_start(s): the PE reads entry j first
    // first_use[j] cycles into the piece, so it can start once every entry it reads lands by
    // then (earliest_start()). Its entries leave the FIFO when it finishes, never before the
    // last one landed.
    template <class StartFn> uint64_t run(std::size_t idx, const std::vector<uint64_t>& work, StartFn its_start);
    // The earliest start of the piece just delivered for a PE that reads entry j first
    // first_use[j] cycles into it (UINT64_MAX: never): max over j of (landing cycle - first use).
    uint64_t earliest_start(const std::vector<uint64_t>& first_use) const;

    // Start a new output-channel group: no PE starts a piece before `cycle`.
    void start_group(uint64_t cycle) { group_start_ = cycle; }
    // Latest finish over all slots (the barrier at the end of a group).
    uint64_t barrier() const;
    uint64_t landed(std::size_t idx) const { return landed_[idx]; }
    uint64_t pe_free(int slot) const { return pe_free_[static_cast<std::size_t>(slot)]; }

    // Per slot: busy cycles; cycles waiting with an empty FIFO, split by what held the piece
    // back: its bytes from DRAM, or the bus (busy with other entries or held by a full FIFO).
    std::vector<uint64_t> busy, wait_dram, wait_bus;
    uint64_t bus_busy_cycles = 0;   // cycles the bus carried an entry
    uint64_t bus_held_cycles = 0;   // cycles the bus had an entry ready but a target FIFO was full
    uint64_t fifo_writes = 0;       // entries written into FIFOs (tracked slots: the idle PEs' one slot once)
    // Entries the bus carried to every PE (target -1) and to one PE (channel-split pieces):
    // the broadcast's wire energy and the FIFO writes of every PE (scnn_energy.cpp).
    uint64_t broadcast_entries = 0, unicast_entries = 0;
    // Exactness test mode (SimContext::step_mode): deliver() also steps the bus one cycle at a
    // time from the FIFOs' occupancy and throws SimulationError if that differs from the
    // computed entry cycles.
    bool step_check = false;

private:
    struct Resident {
        std::size_t piece;
        uint32_t entries;
        uint64_t finish;   // kUnknown until run
    };
    struct Ring {          // one PE's FIFO storage
        std::vector<WgtEntry> w;      // capacity x F weights
        std::vector<FifoVector> v;    // capacity entries
        struct Stored {
            std::size_t piece;
            uint64_t first, n;  // entry positions [first, first + n)
            uint64_t finish;    // kUnknown until run
            bool copied;        // its weights were written (a PE that reads it)
        };
        std::deque<Stored> pieces;
        uint64_t head = 0, tail = 0;  // entry positions (monotone; slot = pos % capacity)
    };
    template <class Fn> void for_targets(int target, Fn fn) const {
        if (target >= 0) fn(target);
        else
            for (int s = 0; s < slots_; ++s) fn(s);
    }
    void step_deliver(std::size_t idx, uint64_t from, uint64_t ready, const std::vector<uint64_t>& at) const;
    void store(int slot, std::size_t idx, const std::vector<uint64_t>& at, const std::vector<FifoVector>& vectors,
               const std::vector<WgtEntry>& values, bool copy);

    int slots_, stored_, F_;
    uint32_t cap_;
    std::vector<std::deque<Resident>> res_;   // per slot, oldest first
    std::vector<Ring> ring_;
    std::vector<int> target_;
    std::vector<uint64_t> landed_, ready_;  // per piece
    std::vector<uint64_t> pe_free_;
    std::vector<uint64_t> req_;  // scratch
    std::vector<uint64_t> at_;   // entry bus cycles of the piece just delivered
    uint64_t run_slot(std::size_t idx, int s, uint64_t work, uint64_t earliest);
    uint64_t group_start_ = 0, bus_free_ = 0;
    std::size_t next_deliver_ = 0;
};

template <class StartFn>
uint64_t WeightBroadcast::run(std::size_t idx, const std::vector<uint64_t>& work, StartFn its_start) {
    uint64_t latest = 0;
    for_targets(target_[idx], [&](int s) {
        latest = std::max(latest, run_slot(idx, s, work[static_cast<std::size_t>(s)], its_start(s)));
    });
    return latest;
}

}  // namespace sx::scnn

namespace sx::scnn {

// The FIFO entries of a decoded piece, in the order the PE uses them: sparse, chunks of F
// weights inside each stride phase (w[offs[p] .. offs[p+1])); dense, vector v of [v0, v1)
// = the F (or fewer, at the block's last channels) channels at one of the `taps` taps.
void piece_to_fifo(const WeightBlock& piece, bool sparse, int F, int64_t taps, std::vector<FifoVector>& vectors,
                   std::vector<WgtEntry>& values);
// The piece as a PE reads it back out of its FIFO: `header`'s shape with the weights of
// `vectors` / `values` (sparse: w and offs over `phases`; dense: dv).
// `values` is moved into `out` (left in an unspecified state).
void piece_from_fifo(const WeightBlock& header, bool sparse, int phases, const std::vector<FifoVector>& vectors,
                     std::vector<WgtEntry>& values, WeightBlock& out);

}  // namespace sx::scnn
