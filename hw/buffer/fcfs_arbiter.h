#pragma once
// Whole accesses, first come first served (the buffer's only policy before issue 12): a request
// takes each of its banks for all its words there, after every earlier request's words on that
// bank. Later requests never delay earlier ones, so the completion is known at issue and is a
// reservation: a per-bank "free at" table and, with a port limit, a per-port one.
#include <queue>
#include <vector>

#include "hw/buffer/buffer_arbiter.h"

namespace sx {

class FcfsArbiter : public BufferArbiter {
public:
    FcfsArbiter(const ArbiterGeometry& g, ArbiterListener& l);
    void issue(uint32_t slot, uint64_t now, uint64_t w0, uint64_t words) override;
    void advance(uint64_t) override {}
    uint64_t plan(uint32_t slot, uint64_t now) override;

private:
    std::vector<uint64_t> bank_free_;  // cycle from which each bank is free
    // Cycles at which the busy ports free up (ports > 0 only; idle ports are not stored, so a
    // huge port count costs nothing); the earliest is taken first, which keeps admission in
    // issue order.
    std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> port_free_;
};

}  // namespace sx
