#pragma once
// Word-interleaved round robin (the default policy): every bank serves, each cycle, one word of
// the next in-flight request (in issue order, cyclically) that still has words on that bank. So
// concurrent requests share the banks word by word, and a long access (e.g. requantisation
// reading every partial sum) no longer holds a bank against a short later one for its whole
// length: the short one gets every k-th cycle of the banks it needs, k = requests there.
//
// Since a later request can delay an earlier one, completions are not known at issue. The
// schedule is computed exactly and event-driven: between two events (a request issued, a request
// running out of words on a bank) every bank's rotation is periodic, so the state jumps from one
// event to the next in closed form (never cycle by cycle), and a bank's state is brought forward
// only when an event touches it. plan() runs a copy of the state
// forward with no further requests; the plan stays valid until the next issue.
#include <cstdint>
#include <deque>
#include <vector>

#include "hw/buffer/buffer_arbiter.h"

namespace sx {

class RoundRobinArbiter : public BufferArbiter {
public:
    RoundRobinArbiter(const ArbiterGeometry& g, ArbiterListener& l);
    bool completion_fixed_at_issue() const override { return false; }
    void issue(uint32_t slot, uint64_t now, uint64_t w0, uint64_t words) override;
    void advance(uint64_t now) override;
    uint64_t plan(uint32_t slot, uint64_t now) override;

private:
    struct Entry {
        uint32_t slot;
        uint64_t left;  // words of the request still to move on this bank
    };
    struct Bank {
        std::vector<Entry> q;   // requests with words here, in issue order
        std::size_t next = 0;   // index in q of the one served next
        uint64_t t = 0;         // cycle q describes (banks are brought forward only when touched)
        uint64_t ev = UINT64_MAX;  // cycle the first of q runs out (UINT64_MAX: q empty)
        bool stale = false;        // ev to recompute (requests joined since)
    };
    struct Pending {
        uint32_t slot;
        uint64_t w0, words;
    };
    struct State {
        uint64_t t = 0;                  // cycle the state describes (words before t are moved)
        // Indexed by bank, sized up to the highest bank touched so far (a 2^20-bank buffer
        // costs memory only for the banks its accesses reach).
        std::vector<Bank> banks;
        std::vector<uint32_t> active;      // banks with requests (the only ones an event scans)
        std::vector<uint32_t> banks_left;  // per slot: banks it still has words on (0: not in flight)
        std::deque<Pending> waiting;       // requests waiting for a port, in issue order
        uint64_t in_flight = 0;
    };
    void admit(State& s, const Pending& p) const;
    static void bring(Bank& b, uint64_t to);  // to <= b.ev
    static void update_ev(Bank& b);
    // Runs `s` to cycle `limit` (UINT64_MAX: until nothing is left), calling done(slot, cycle)
    // for each request that completes on the way.
    template <typename Done>
    void run(State& s, uint64_t limit, Done&& done) const;

    mutable std::vector<uint32_t> finished_;  // run()'s scratch
    State st_;
    State scratch_;               // plan(): a copy of st_ run forward
    std::vector<uint64_t> plan_;  // per slot, valid while plan_valid_
    bool plan_valid_ = false;
};

}  // namespace sx
