#pragma once
// FR-FCFS (Rixner et al., ISCA 2000): among commands legal now, column commands to open rows
// (row hits) first, oldest first; then the oldest ACT/PRE. A bank whose open row still has
// pending hits is not precharged (this is what lets a younger hit overtake an older miss).
#include "hw/dram/scheduler.h"

namespace sx {

class FrFcfsScheduler final : public DramScheduler {
public:
    DramDecision choose(const DramCandidate* cands, std::size_t n, const uint8_t* bank_has_hit,
                        uint64_t now) const override;
    // Oldest first among equals; next_wake is a minimum over earliest cycles.
    bool collapses_equal_candidates() const override { return true; }
};

}  // namespace sx
