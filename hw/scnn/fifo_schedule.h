#pragma once
// Timing of the PE array as plain C++: the weight FIFO of every PE, the per-PE work of each
// weight block, and the barrier between output-channel groups. Blocks (the weights of one
// input channel for one output-channel group) are broadcast in order into the FIFOs of their
// target PEs (all PEs, or one PE when input channels are split over PEs). A block enters
// when every target FIFO has room for it and its data has arrived from DRAM; a PE starts a
// block when it has finished its previous block, the block is in its FIFO and the group has
// started. Everything is an exact recurrence over cycle numbers, so idle time is skipped
// without approximation.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace sx::scnn {

constexpr uint64_t kUnknown = UINT64_MAX;

class FifoSchedule {
public:
    FifoSchedule(int pes, int capacity_entries);

    // Cycle from which a block of `entries` for `target` (-1 = all PEs) fits into the FIFOs,
    // given the blocks scheduled so far; nullopt while that depends on a block appended but
    // not yet scheduled. `entries` above the capacity stream through an otherwise empty FIFO.
    std::optional<uint64_t> room_from(int target, uint32_t entries) const;

    // Append the next block (in broadcast order); it becomes resident in the target FIFOs.
    // Returns its index.
    std::size_t append(int target, uint32_t entries);
    // Schedule block `idx` (the oldest unscheduled one): it entered the FIFOs at `enter`; work[pe]
    // cycles for each target PE (indexed by PE). Returns the latest finish among its targets.
    uint64_t schedule(std::size_t idx, uint64_t enter, const std::vector<uint64_t>& work);

    // Start a new output-channel group: no PE starts a block before `cycle`.
    void start_group(uint64_t cycle) { group_start_ = cycle; }
    // Latest finish over all PEs so far (the barrier at the end of a group).
    uint64_t barrier() const;
    uint64_t pe_free(int pe) const { return pe_free_[static_cast<std::size_t>(pe)]; }
    // Per-PE cycles spent waiting for weights / the group start, and busy cycles.
    std::vector<uint64_t> busy, wait_weights;

private:
    struct Resident {
        std::size_t block;
        uint32_t entries;
    };
    int pes_;
    uint32_t cap_;
    std::vector<std::deque<Resident>> fifo_;     // per PE, oldest first
    std::vector<uint64_t> finish_;               // per block: latest finish (kUnknown until scheduled)
    std::vector<std::vector<uint64_t>> pe_finish_;  // per block, per target PE position
    std::vector<int> target_;
    std::vector<uint64_t> pe_free_;
    uint64_t group_start_ = 0;
    std::size_t next_sched_ = 0;
    uint64_t finish_on(std::size_t block, int pe) const;
};

}  // namespace sx::scnn
