#include "hw/buffer/round_robin_arbiter.h"

#include <algorithm>
#include <limits>

namespace sx {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
}

RoundRobinArbiter::RoundRobinArbiter(const ArbiterGeometry& g, ArbiterListener& l) : BufferArbiter(g, l) {}

void RoundRobinArbiter::bring(Bank& b, uint64_t to) {
    // Over d cycles of the rotation each request moves d / k words and the d % k from `next` on
    // one more. Exact because nobody runs out before `to` (to <= b.ev).
    const uint64_t k = b.q.size(), d = to - b.t;
    b.t = to;
    if (k == 0 || d == 0) return;
    if (k == 1) {  // uncontended (the common case): no division
        b.q[0].left -= d;
        return;
    }
    const uint64_t base = d / k, extra = d % k;
    for (uint64_t i = 0; i < k; ++i) {
        const uint64_t j = i >= b.next ? i - b.next : i + k - b.next;  // place in the rotation
        b.q[i].left -= base + (j < extra ? 1 : 0);
    }
    b.next = static_cast<std::size_t>((b.next + d) % k);
}

void RoundRobinArbiter::update_ev(Bank& b) {
    // The request j places after `next` moves its r-th remaining word in cycle b.t + (r-1)k + j,
    // so it runs out at b.t + (r - 1) * k + j + 1.
    const uint64_t k = b.q.size();
    b.ev = kNever;
    if (k == 1) {
        b.ev = b.t + b.q[0].left;
        return;
    }
    for (uint64_t i = 0; i < k; ++i) {
        const uint64_t j = i >= b.next ? i - b.next : i + k - b.next;
        b.ev = std::min(b.ev, b.t + (b.q[i].left - 1) * k + j + 1);
    }
}

void RoundRobinArbiter::admit(State& s, const Pending& p) const {
    // Word w0 + i is in bank (w0 + i) % B; the first `rem` banks from w0's get one word more.
    // A newcomer joins the end of each bank's rotation.
    const uint64_t B = geo_.banks, full = p.words / B, rem = p.words % B;
    const uint64_t n = std::min(p.words, B);
    for (uint64_t i = 0; i < n; ++i) {
        const std::size_t id = static_cast<std::size_t>((p.w0 + i) % B);
        if (s.banks.size() <= id) s.banks.resize(id + 1);
        Bank& b = s.banks[id];
        if (b.q.empty()) {
            s.active.push_back(static_cast<uint32_t>(id));
            b.t = s.t;
        }
        bring(b, s.t);
        b.q.push_back({p.slot, full + (i < rem ? 1 : 0)});
        b.stale = true;  // a burst of same-cycle requests recomputes it once, in run()
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
        for (uint32_t id : s.active) {
            Bank& b = s.banks[id];
            if (b.stale) {
                update_ev(b);
                b.stale = false;
            }
            ev = std::min(ev, b.ev);
        }
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
        // pass finds the following event (banks that admissions below touch are marked stale).
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
            std::size_t w = 0, next = b.next;
            for (std::size_t i = 0; i < b.q.size(); ++i) {
                if (b.q[i].left == 0) {
                    if (i < b.next) --next;
                    if (--s.banks_left[b.q[i].slot] == 0) finished_.push_back(b.q[i].slot);
                    continue;
                }
                b.q[w++] = b.q[i];
            }
            b.q.resize(w);
            b.next = next >= w ? 0 : next;
            update_ev(b);
            following = std::min(following, b.ev);
            emptied = emptied || w == 0;
        }
        if (emptied)
            s.active.erase(std::remove_if(s.active.begin(), s.active.end(),
                                          [&s](uint32_t id) { return s.banks[id].q.empty(); }),
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
