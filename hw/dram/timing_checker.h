#pragma once
// JEDEC timing state of one channel: per-bank, per-bank-group and channel-wide "not before"
// cycles. earliest() answers when a command may issue; record() applies its consequences.
// Rules (t = issue cycle of the command):
//   ACT b : bank.rdwr = t+tRCD, bank.pre >= t+tRAS, bank.act = t+tRAS+tRP (tRC),
//           other ACT >= t+tRRD_S (t+tRRD_L same group), 5th ACT >= 1st + tFAW
//   RD  b : RD >= t+tCCD_S (L same group), WR >= t+tRTW, bank.pre >= t+tRTP
//   WR  b : WR >= t+tCCD_S (L), RD >= t+tCWL+tBURST+tWTR_S (L), bank.pre >= t+tCWL+tBURST+tWR
//   PRE b : bank.act >= t+tRP
//   REF   : every bank.act >= t+tRFC (all banks closed before, see RefreshManager)
//   every command: one per cycle on the command bus.
#include <cstdint>
#include <vector>

#include "hw/dram/dram_config.h"
#include "hw/dram/scheduler.h"

namespace sx {

class TimingChecker {
public:
    explicit TimingChecker(const DramConfig& cfg);

    uint64_t earliest(DramCommand cmd, uint32_t bank) const {
        const Bank& b = banks_[bank];
        const Group& g = groups_[b.group];
        uint64_t t = cmd_bus_;
        switch (cmd) {
        case DramCommand::Act:
            t = max3(t, b.act, max3(act_any_, g.act, faw_primed_ ? faw_[faw_head_] + t_.tFAW : 0));
            break;
        case DramCommand::Pre: t = t > b.pre ? t : b.pre; break;
        case DramCommand::Rd: t = max3(t, b.rdwr, rd_any_ > g.rd ? rd_any_ : g.rd); break;
        case DramCommand::Wr: t = max3(t, b.rdwr, wr_any_ > g.wr ? wr_any_ : g.wr); break;
        }
        return t;
    }
    void record(DramCommand cmd, uint32_t bank, uint64_t t);

    // Refresh support: earliest cycle all open banks may be precharged, and all banks activated.
    uint64_t earliest_precharge(uint32_t bank) const { return banks_[bank].pre > cmd_bus_ ? banks_[bank].pre : cmd_bus_; }
    uint64_t earliest_refresh() const;
    void record_refresh(uint64_t t);

private:
    static uint64_t max3(uint64_t a, uint64_t b, uint64_t c) {
        const uint64_t m = a > b ? a : b;
        return m > c ? m : c;
    }
    static void raise(uint64_t& v, uint64_t t) { if (t > v) v = t; }

    // group = bank % bank_groups, stored: a division per call was most of earliest()'s cost.
    struct Bank { uint64_t act = 0, pre = 0, rdwr = 0; uint32_t group = 0; };
    struct Group { uint64_t act = 0, rd = 0, wr = 0; };
    DramTimings t_;
    std::vector<Bank> banks_;
    std::vector<Group> groups_;
    uint64_t cmd_bus_ = 0, act_any_ = 0, rd_any_ = 0, wr_any_ = 0;
    // Issue cycles of the last four ACTs (ring); the next ACT waits for the oldest + tFAW.
    // Until four ACTs were seen there is no tFAW constraint (faw_primed_).
    uint64_t faw_[4] = {0, 0, 0, 0};
    uint32_t faw_head_ = 0;
    bool faw_primed_ = false;
};

}  // namespace sx
