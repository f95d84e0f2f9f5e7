#include "hw/dram/fr_fcfs_scheduler.h"

namespace sx {

DramDecision FrFcfsScheduler::choose(const DramCandidate* c, std::size_t n,
                                     const uint8_t* bank_has_hit, uint64_t now) const {
    DramDecision d;
    int best_col = -1, best_row = -1;
    for (std::size_t i = 0; i < n; ++i) {
        const DramCandidate& k = c[i];
        if (k.cmd == DramCommand::Pre && bank_has_hit[k.bank]) continue;
        if (k.earliest > now) {
            if (k.earliest < d.next_wake) d.next_wake = k.earliest;
            continue;
        }
        if (k.cmd == DramCommand::Rd || k.cmd == DramCommand::Wr) {
            if (best_col < 0 || k.seq < c[best_col].seq) best_col = int(i);
        } else if (best_row < 0 || k.seq < c[best_row].seq) {
            best_row = int(i);
        }
    }
    d.pick = best_col >= 0 ? best_col : best_row;
    return d;
}

}  // namespace sx
