#include "hw/buffer/round_robin_arbiter.h"

#include <algorithm>
#include <limits>

namespace sx {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
}

RoundRobinArbiter::RoundRobinArbiter(const ArbiterGeometry& g, ArbiterListener& l) : BufferArbiter(g, l) {}

void RoundRobinArbiter::bring(Bank& b, uint64_t to) {
    // d cycles serve d requests in rotation: the pointer moves d places, a sweep ends each time
    // it passes the last request. Exact because nobody runs out before `to` (to <= b.ev).
    const uint64_t k = b.size(), d = to - b.t;
    b.t = to;
    if (k == 0 || d == 0) return;
    if (k == 1) {  // uncontended (the common case): no division
        b.sweep += d;
        return;
    }
    uint64_t p = b.next + d;
    if (p >= k) {
        b.sweep += p / k;
        p %= k;
    }
    b.next = static_cast<std::size_t>(p);
}

void RoundRobinArbiter::find_first(Bank& b) {
    // The lowest (finish sweep, index): the order in which requests run out. Requests from
    // `next` on finish in sweep >= `sweep`, the ones before it (served in this sweep already) in
    // sweep >= sweep + 1; so the first request from `next` on that finishes in this sweep, or
    // else the first before `next` that finishes in the next one, is the lowest, and is usually
    // found within a few places of `next`. Otherwise a full scan.
    const Entry* q = b.q();
    const std::size_t k = b.size(), nx = b.next;
    for (std::size_t i = nx; i < k; ++i)
        if (q[i].fin == b.sweep) {
            b.first = i;
            return;
        }
    for (std::size_t i = 0; i < nx; ++i)
        if (q[i].fin == b.sweep + 1) {
            b.first = i;
            return;
        }
    std::size_t m = 0;
    for (std::size_t i = 1; i < k; ++i)
        if (q[i].fin < q[m].fin) m = i;
    b.first = m;
}

void RoundRobinArbiter::remove(Bank& b, std::size_t i) {
    // Shift the shorter side of the queue over the gap.
    const std::size_t k = b.size();
    Entry* q = b.q();
    if (i < k / 2) {
        std::move_backward(q, q + i, q + i + 1);
        ++b.h;
    } else {
        std::move(q + i + 1, q + k, q + i);
        b.e.pop_back();
    }
    if (--b.n == 0) {
        b.e.clear();
        b.h = 0;
    }
}

void RoundRobinArbiter::update_ev(Bank& b) {
    // Request i (finish sweep F) moves its last word (F - sweep) * k + i - next cycles after b.t
    // (F == sweep implies i >= next: the ones before `next` were served in this sweep already),
    // so the first to run out does so one cycle later.
    const uint64_t k = b.size();
    if (k == 0) {
        b.ev = kNever;
        return;
    }
    b.ev = b.t + (b.q()[b.first].fin - b.sweep) * k + b.first + 1 - b.next;
}

void RoundRobinArbiter::admit(State& s, const Pending& p) const {
    // Word w0 + i is in bank (w0 + i) % B; the first `rem` banks from w0's get one word more.
    // A newcomer joins the end of each bank's rotation: it is served in the current sweep (the
    // pointer is never past the end), so it moves its c-th and last word in sweep sweep + c - 1.
    const uint64_t B = geo_.banks, full = p.words / B, rem = p.words % B;
    const uint64_t n = std::min(p.words, B);
    std::size_t id = static_cast<std::size_t>(p.w0 % B);
    const std::size_t highest = id + n > B ? B - 1 : id + n - 1;
    if (s.banks.size() <= highest) s.banks.resize(highest + 1);
    for (uint64_t i = 0; i < n; ++i, id = id + 1 == B ? 0 : id + 1) {
        Bank& b = s.banks[id];
        const std::size_t k = b.size();
        if (k == 0) {
            s.active.push_back(static_cast<uint32_t>(id));
            b.t = s.t;
            b.next = 0;
            b.sweep = 0;
        }
        bring(b, s.t);
        const uint64_t fin = b.sweep + full + (i < rem ? 1 : 0) - 1;
        if (b.h != 0 && b.e.size() == b.e.capacity()) {  // reuse the gone front before growing
            b.e.erase(b.e.begin(), b.e.begin() + static_cast<std::ptrdiff_t>(b.h));
            b.h = 0;
        }
        b.e.push_back({fin, p.slot});
        ++b.n;
        if (k == 0 || fin < b.q()[b.first].fin) b.first = k;
        update_ev(b);
    }
    if (s.banks_left.size() <= p.slot) s.banks_left.resize(p.slot + 1, 0);
    s.banks_left[p.slot] = static_cast<uint32_t>(n);
    ++s.in_flight;
}

template <typename Done>
void RoundRobinArbiter::run(State& s, uint64_t limit, Done&& done) const {
    // Next event: the first request to run out of words on a bank.
    auto next_event = [&s] {
        uint64_t ev = kNever;
        for (uint32_t id : s.active) ev = std::min(ev, s.banks[id].ev);
        return ev;
    };
    uint64_t ev = next_event();
    for (;;) {
        if (ev == kNever || ev > limit) {  // (nothing in flight: nothing waits for a port either)
            if (limit != kNever) s.t = std::max(s.t, limit);
            return;
        }
        s.t = ev;
        // Drop the requests that ran out; `next` keeps pointing at the same successor. The same
        // pass finds the following event (admissions below update their banks' events, then all
        // are scanned again).
        finished_.clear();
        uint64_t following = kNever;
        bool emptied = false;
        for (uint32_t id : s.active) {
            Bank& b = s.banks[id];
            if (b.ev != ev) {
                following = std::min(following, b.ev);
                continue;
            }
            bring(b, ev);
            // A bank moves one word per cycle: exactly one request (`first`) runs out here.
            const std::size_t m = b.first;
            const uint32_t slot = b.q()[m].slot;
            if (--s.banks_left[slot] == 0) finished_.push_back(slot);
            remove(b, m);
            const std::size_t w = b.size();
            // It was just served, so `next` is past it (or wrapped to 0 with a new sweep): the
            // successor keeps its turn.
            if (m < b.next) --b.next;
            if (w == 0) b.next = 0;
            find_first(b);
            update_ev(b);
            following = std::min(following, b.ev);
            emptied = emptied || w == 0;
        }
        if (emptied)
            s.active.erase(std::remove_if(s.active.begin(), s.active.end(),
                                          [&s](uint32_t id) { return s.banks[id].size() == 0; }),
                           s.active.end());
        for (uint32_t slot : finished_) {
            --s.in_flight;
            done(slot, ev);
        }
        // Freed ports serve waiting requests from this cycle on.
        bool admitted = false;
        while (!s.waiting.empty() && (geo_.ports == 0 || s.in_flight < geo_.ports)) {
            admit(s, s.waiting.front());
            s.waiting.pop_front();
            admitted = true;
        }
        ev = admitted ? next_event() : following;
    }
}

void RoundRobinArbiter::advance(uint64_t now) {
    if (now <= st_.t) return;
    run(st_, now, [&](uint32_t slot, uint64_t c) { listener_.completed(slot, c, ArbiterListener::kDelayBeyondOwn); });
}

void RoundRobinArbiter::issue(uint32_t slot, uint64_t now, uint64_t w0, uint64_t words) {
    advance(now);
    plan_valid_ = false;
    if (plan_.size() <= slot) plan_.resize(slot + 1);
    const Pending p{slot, w0, words};
    if (st_.waiting.empty() && (geo_.ports == 0 || st_.in_flight < geo_.ports)) admit(st_, p);
    else st_.waiting.push_back(p);
}

uint64_t RoundRobinArbiter::plan(uint32_t slot, uint64_t now) {
    advance(now);
    if (!plan_valid_) {
        scratch_ = st_;
        run(scratch_, kNever, [&](uint32_t s, uint64_t c) { plan_[s] = c; });
        plan_valid_ = true;
    }
    return plan_.at(slot);
}

}  // namespace sx
