#include "hw/scnn/fifo_schedule.h"

#include <algorithm>

#include "hw/common/sx_assert.h"
#include "sw/common/error.h"

namespace sx::scnn {

FifoSchedule::FifoSchedule(int pes, int capacity_entries)
    : busy(static_cast<std::size_t>(pes), 0), wait_weights(static_cast<std::size_t>(pes), 0), pes_(pes),
      cap_(static_cast<uint32_t>(capacity_entries)), fifo_(static_cast<std::size_t>(pes)),
      pe_free_(static_cast<std::size_t>(pes), 0) {}

uint64_t FifoSchedule::finish_on(std::size_t block, int pe) const {
    if (block >= next_sched_) return kUnknown;
    const auto& f = pe_finish_[block];
    return target_[block] < 0 ? f[static_cast<std::size_t>(pe)] : f[0];
}

std::optional<uint64_t> FifoSchedule::room_from(int target, uint32_t entries) const {
    const uint32_t need = std::min(entries, cap_);
    uint64_t t = 0;
    auto one = [&](int pe) -> bool {
        const auto& q = fifo_[static_cast<std::size_t>(pe)];
        // Walk from the newest resident block back while the total still fits; every older
        // block must have been consumed (finished) before this one can enter.
        uint32_t held = need;
        std::size_t i = q.size();
        while (i > 0 && held + q[i - 1].entries <= cap_) {
            held += q[i - 1].entries;
            --i;
        }
        for (std::size_t j = 0; j < i; ++j) {
            const uint64_t f = finish_on(q[j].block, pe);
            if (f == kUnknown) return false;
            t = std::max(t, f);
        }
        return true;
    };
    if (target >= 0) {
        if (!one(target)) return std::nullopt;
    } else {
        for (int pe = 0; pe < pes_; ++pe)
            if (!one(pe)) return std::nullopt;
    }
    return t;
}

std::size_t FifoSchedule::append(int target, uint32_t entries) {
    const std::size_t idx = target_.size();
    target_.push_back(target);
    finish_.push_back(kUnknown);
    pe_finish_.emplace_back();
    const uint32_t e = std::min(entries, cap_);
    auto push = [&](int pe) {
        fifo_[static_cast<std::size_t>(pe)].push_back({idx, e});
    };
    if (target >= 0) push(target);
    else
        for (int pe = 0; pe < pes_; ++pe) push(pe);
    return idx;
}

uint64_t FifoSchedule::schedule(std::size_t idx, uint64_t enter, const std::vector<uint64_t>& work) {
    if (idx != next_sched_) throw SimulationError("scnn: weight blocks scheduled out of order");
    const int target = target_[idx];
    if constexpr (kAssertionsEnabled) {
        // FIFO occupancy: when the block enters, it and the older blocks its PEs have not
        // finished by then fit in each target FIFO (the caller waited for room_from()).
        auto occupancy_ok = [&](int pe) {
            uint64_t held = 0;
            for (const auto& r : fifo_[static_cast<std::size_t>(pe)])
                if (r.block == idx || (r.block < idx && finish_on(r.block, pe) > enter)) held += r.entries;
            return held <= cap_;
        };
        for (int pe = target >= 0 ? target : 0; pe < (target >= 0 ? target + 1 : pes_); ++pe)
            SX_ASSERT(occupancy_ok(pe), "scnn: weight block " + std::to_string(idx) + " entered PE " + std::to_string(pe) +
                                            "'s FIFO at cycle " + std::to_string(enter) + " beyond its " +
                                            std::to_string(cap_) + " entries");
    }
    auto& f = pe_finish_[idx];
    uint64_t latest = 0;
    auto run = [&](int pe) {
        const auto p = static_cast<std::size_t>(pe);
        const uint64_t ready = std::max(pe_free_[p], group_start_);
        const uint64_t start = std::max(ready, enter);
        wait_weights[p] += start - ready;
        const uint64_t end = start + work[p];
        busy[p] += work[p];
        pe_free_[p] = end;
        f.push_back(end);
        latest = std::max(latest, end);
    };
    if (target >= 0) run(target);
    else
        for (int pe = 0; pe < pes_; ++pe) run(pe);
    finish_[idx] = latest;
    ++next_sched_;
    // Forget blocks that can no longer matter: a PE finishes its blocks in order, so once the
    // blocks behind the front hold a full FIFO, the front is older than anything room_from()
    // has to wait for.
    auto trim = [&](int pe) {
        auto& q = fifo_[static_cast<std::size_t>(pe)];
        uint32_t held = 0;
        for (const auto& r : q) held += r.entries;
        while (q.size() > 1 && q.front().block < next_sched_ && held - q.front().entries >= cap_) {
            held -= q.front().entries;
            q.pop_front();
        }
    };
    if (target >= 0) trim(target);
    else
        for (int pe = 0; pe < pes_; ++pe) trim(pe);
    return latest;
}

uint64_t FifoSchedule::barrier() const {
    uint64_t t = group_start_;
    for (uint64_t f : pe_free_) t = std::max(t, f);
    return t;
}

}  // namespace sx::scnn
