#include "hw/dram/refresh_manager.h"

namespace sx {

RefreshManager::Issued RefreshManager::refresh(TimingChecker& tc, int32_t* open_row, uint32_t banks) {
    Issued r;
    const uint64_t due = next_due_;
    uint64_t pre = due;
    for (uint32_t b = 0; b < banks; ++b) {
        if (open_row[b] < 0) continue;
        const uint64_t e = tc.earliest_precharge(b);
        if (e > pre) pre = e;
        ++r.banks_closed;
    }
    if (r.banks_closed) {
        for (uint32_t b = 0; b < banks; ++b) {
            if (open_row[b] < 0) continue;
            tc.record(DramCommand::Pre, b, pre);
            open_row[b] = -1;
        }
        r.pre_cycle = pre;
    }
    uint64_t ref = tc.earliest_refresh();
    if (ref < due) ref = due;
    tc.record_refresh(ref);
    r.ref_cycle = ref;
    next_due_ += tREFI_;
    return r;
}

}  // namespace sx
