#include "hw/dram/timing_checker.h"

namespace sx {

TimingChecker::TimingChecker(const DramConfig& cfg)
    : t_(cfg.t), banks_(std::size_t(cfg.banks)), groups_(std::size_t(cfg.bank_groups)) {
    for (std::size_t b = 0; b < banks_.size(); ++b) banks_[b].group = uint32_t(b % groups_.size());
}

void TimingChecker::record(DramCommand cmd, uint32_t bank, uint64_t t) {
    Bank& b = banks_[bank];
    Group& g = groups_[b.group];
    raise(cmd_bus_, t + 1);
    switch (cmd) {
    case DramCommand::Act:
        raise(b.rdwr, t + t_.tRCD);
        raise(b.pre, t + t_.tRAS);
        raise(b.act, t + t_.tRAS + t_.tRP);
        raise(act_any_, t + t_.tRRD_S);
        raise(g.act, t + t_.tRRD_L);
        // faw_[faw_head_] is the oldest of the last four; it becomes the newest.
        faw_[faw_head_] = t;
        faw_head_ = (faw_head_ + 1) & 3;
        if (faw_head_ == 0) faw_primed_ = true;
        break;
    case DramCommand::Pre:
        raise(b.act, t + t_.tRP);
        break;
    case DramCommand::Rd:
        raise(rd_any_, t + t_.tCCD_S);
        raise(g.rd, t + t_.tCCD_L);
        raise(wr_any_, t + t_.tRTW);
        raise(g.wr, t + t_.tRTW);
        raise(b.pre, t + t_.tRTP);
        break;
    case DramCommand::Wr: {
        const uint64_t data_end = t + t_.tCWL + t_.tBURST;
        raise(wr_any_, t + t_.tCCD_S);
        raise(g.wr, t + t_.tCCD_L);
        raise(rd_any_, data_end + t_.tWTR_S);
        raise(g.rd, data_end + t_.tWTR_L);
        raise(b.pre, data_end + t_.tWR);
        break;
    }
    }
}

uint64_t TimingChecker::earliest_refresh() const {
    uint64_t t = cmd_bus_;
    for (const Bank& b : banks_) raise(t, b.act);
    return t;
}

void TimingChecker::record_refresh(uint64_t t) {
    raise(cmd_bus_, t + 1);
    for (Bank& b : banks_) raise(b.act, t + t_.tRFC);
}

}  // namespace sx
