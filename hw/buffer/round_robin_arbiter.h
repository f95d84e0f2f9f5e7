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
//
// A bank's rotation is counted in sweeps (one pass over its queue, in issue order, from the
// first request to the last). Each sweep serves every request there exactly once, whoever joins
// or leaves, so the sweep in which a request moves its last word on the bank is fixed when it
// joins: bringing a bank forward is O(1) (advance the pointer and the sweep count), and the
// next request to run out is the one with the lowest (finish sweep, place in the queue).
#include <cstdint>
#include <deque>
#include <vector>

#include "hw/buffer/buffer_arbiter.h"

namespace sx {

class RoundRobinArbiter : public BufferArbiter {
public:
    RoundRobinArbiter(const ArbiterGeometry& g, ArbiterListener& l);
    void issue(uint32_t slot, uint64_t now, uint64_t w0, uint64_t words) override;
    void advance(uint64_t now) override;
    uint64_t plan(uint32_t slot, uint64_t now) override;

private:
    struct Entry {
        uint64_t fin;  // the sweep in which the request moves its last word on this bank
        uint32_t slot;
    };
    struct Bank {
        // Requests with words here, in issue order: e[h..] (the h first are gone: a request
        // leaving near the front costs O(1), not a shift of the whole queue).
        std::vector<Entry> e;
        std::size_t h = 0;
        std::size_t n = 0;      // requests here: e.size() - h
        std::size_t next = 0;   // index (from h) of the one served next
        std::size_t first = 0;  // index (from h) of the one that runs out first (if any)
        uint64_t sweep = 0;     // sweeps completed since the bank was last empty
        uint64_t t = 0;         // cycle next/sweep describe (banks are brought forward only when touched)
        uint64_t ev = UINT64_MAX;  // cycle `first` runs out (UINT64_MAX: no request here)
        std::size_t size() const { return n; }
        Entry* q() { return e.data() + h; }
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
    static void find_first(Bank& b);
    static void remove(Bank& b, std::size_t i);
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
