#pragma once
// All-bank refresh, one REF per tREFI per channel. When a refresh is due the manager closes
// every open bank (PREA at the first legal cycle >= due) and issues REF once all banks may be
// activated; the REF then blocks every bank for tRFC. Refresh is committed ahead of other
// commands (never postponed) and lazily: an idle channel schedules no wake-ups, the missed
// refreshes are committed at their due cycles when the channel is next looked at. That is
// exact because an idle channel issues nothing that could interleave with them.
#include <cstdint>

#include "hw/dram/timing_checker.h"

namespace sx {

class RefreshManager {
public:
    explicit RefreshManager(uint32_t tREFI) : tREFI_(tREFI), next_due_(tREFI) {}

    uint64_t next_due() const { return next_due_; }

    struct Issued {
        uint32_t banks_closed = 0;  // banks precharged by the PREA
        uint64_t pre_cycle = 0;     // PREA cycle (valid if banks_closed > 0)
        uint64_t ref_cycle = 0;     // REF cycle
    };
    // Commit the refresh due at next_due(); open_row[b] < 0 means bank b is closed (updated).
    Issued refresh(TimingChecker& tc, int32_t* open_row, uint32_t banks);

private:
    uint64_t tREFI_;
    uint64_t next_due_;
};

}  // namespace sx
