#pragma once
// Scheduling policy interface. Each call the controller lists, for every burst in one
// channel's scheduler buffer, the next command that burst needs and the earliest cycle the
// timing checker allows it; the policy picks the one to issue now, or none, and says when
// to look again. Policies only choose: legality is the timing checker's job. A policy that
// never prefers the younger of two otherwise equal candidates (collapses_equal_candidates())
// is given one candidate per run of equal bursts (same bank, row, direction and arrival)
// instead of one per burst: the same decisions, fewer candidates (test_dram proves it).
#include <cstddef>
#include <cstdint>

namespace sx {

enum class DramCommand : uint8_t { Act, Pre, Rd, Wr };

struct DramCandidate {
    uint64_t earliest;   // first legal cycle of `cmd`
    uint64_t seq;        // arrival order of the burst (smaller = older)
    uint32_t index;      // position in the channel's scheduler buffer
    uint32_t bank;
    DramCommand cmd;
};

struct DramDecision {
    int pick = -1;                       // index into the candidate array, -1: nothing now
    uint64_t next_wake = UINT64_MAX;     // when nothing is picked: earliest cycle worth a look
};

class DramScheduler {
public:
    virtual ~DramScheduler() = default;
    // bank_has_hit[b]: some burst in the buffer targets the row currently open in bank b.
    virtual DramDecision choose(const DramCandidate* cands, std::size_t n,
                                const uint8_t* bank_has_hit, uint64_t now) const = 0;
    // True if the policy, given two candidates that differ only in age (seq, index), never
    // picks the younger, and its next_wake does not depend on the younger being listed. The
    // controller then lists only the oldest of each run of consecutive bursts with the same
    // bank, row, direction and arrival (a transaction's bursts): far fewer candidates to build
    // and scan, and the same decisions.
    virtual bool collapses_equal_candidates() const { return false; }
};

}  // namespace sx
