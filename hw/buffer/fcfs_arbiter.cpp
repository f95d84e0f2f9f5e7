#include "hw/buffer/fcfs_arbiter.h"

#include <algorithm>
#include <stdexcept>

namespace sx {

FcfsArbiter::FcfsArbiter(const ArbiterGeometry& g, ArbiterListener& l)
    : BufferArbiter(g, l), bank_free_(static_cast<std::size_t>(g.banks), 0) {}

void FcfsArbiter::issue(uint32_t slot, uint64_t now, uint64_t w0, uint64_t words) {
    // Admission: the earliest free port (requests arrive in time order, so this is FIFO).
    uint64_t start = now;
    if (geo_.ports > 0) {
        while (!port_free_.empty() && port_free_.top() <= now) port_free_.pop();  // idle again
        if (port_free_.size() >= geo_.ports) {
            start = port_free_.top();
            port_free_.pop();
        }
    }
    const uint64_t B = geo_.banks, full = words / B, rem = words % B;
    uint64_t done = start, wait = start - now;
    for (uint64_t i = 0; i < std::min(words, B); ++i) {
        uint64_t& free = bank_free_[(w0 + i) % B];
        const uint64_t from = std::max(start, free);
        wait = std::max(wait, from - now);
        free = from + full + (i < rem ? 1 : 0);
        done = std::max(done, free);
    }
    if (geo_.ports > 0) port_free_.push(done);
    // Conflict cycles as before issue 12: the longest a port or bank kept the access waiting.
    listener_.completed(slot, done, wait);
}

uint64_t FcfsArbiter::plan(uint32_t, uint64_t) {
    throw std::logic_error("fcfs arbiter: completions are final at issue; plan() is never needed");
}

}  // namespace sx
