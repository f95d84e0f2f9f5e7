#include "hw/buffer/round_robin_arbiter.h"

#include <algorithm>
#include <limits>

namespace sx {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
}

RoundRobinArbiter::RoundRobinArbiter(const ArbiterGeometry& g, ArbiterListener& l) : BufferArbiter(g, l) {
    st_.banks.resize(static_cast<std::size_t>(g.banks));
}

void RoundRobinArbiter::admit(State& s, const Pending& p) const {
    // Word w0 + i is in bank (w0 + i) % B; the first `rem` banks from w0's get one word more.
    const uint64_t B = geo_.banks, full = p.words / B, rem = p.words % B;
    const uint64_t n = std::min(p.words, B);
    for (uint64_t i = 0; i < n; ++i)
        s.banks[static_cast<std::size_t>((p.w0 + i) % B)].q.push_back({p.slot, full + (i < rem ? 1 : 0)});
    if (s.banks_left.size() <= p.slot) s.banks_left.resize(p.slot + 1, 0);
    s.banks_left[p.slot] = static_cast<uint32_t>(n);
    ++s.in_flight;
}

template <typename Done>
void RoundRobinArbiter::run(State& s, uint64_t limit, Done&& done) const {
    std::vector<uint32_t> finished;
    for (;;) {
        // Next event: the first request to run out of words on some bank. On a bank with k
        // requests, the one j places after `next` moves its r-th remaining word in the cycle
        // (r - 1) * k + j after s.t, so it runs out at s.t + (r - 1) * k + j + 1.
        uint64_t ev = kNever;
        for (const Bank& b : s.banks) {
            const uint64_t k = b.q.size();
            for (uint64_t i = 0; i < k; ++i) {
                const uint64_t j = (i + k - b.next) % k;
                ev = std::min(ev, s.t + (b.q[i].left - 1) * k + j + 1);
            }
        }
        if (ev == kNever) {  // nothing in flight, so nothing waits for a port either
            if (limit != kNever) s.t = std::max(s.t, limit);
            return;
        }
        const uint64_t to = std::min(ev, limit);
        // Every bank's rotation over d cycles: each request moves d / k words, the d % k from
        // `next` on one more. Exact because nobody runs out before `to`.
        const uint64_t d = to - s.t;
        if (d > 0)
            for (Bank& b : s.banks) {
                const uint64_t k = b.q.size();
                if (k == 0) continue;
                const uint64_t base = d / k, extra = d % k;
                for (uint64_t i = 0; i < k; ++i) {
                    const uint64_t j = (i + k - b.next) % k;
                    b.q[i].left -= base + (j < extra ? 1 : 0);
                }
                b.next = static_cast<std::size_t>((b.next + d) % k);
            }
        s.t = to;
        if (ev > limit) return;
        // Drop the requests that ran out; `next` keeps pointing at the same successor.
        finished.clear();
        for (Bank& b : s.banks) {
            std::size_t w = 0, next = b.next;
            for (std::size_t i = 0; i < b.q.size(); ++i) {
                if (b.q[i].left == 0) {
                    if (i < b.next) --next;
                    if (--s.banks_left[b.q[i].slot] == 0) finished.push_back(b.q[i].slot);
                    continue;
                }
                b.q[w++] = b.q[i];
            }
            b.q.resize(w);
            b.next = next >= w ? 0 : next;
        }
        for (uint32_t slot : finished) {
            --s.in_flight;
            done(slot, to);
        }
        // Freed ports serve waiting requests from this cycle on.
        while (!s.waiting.empty() && (geo_.ports == 0 || s.in_flight < geo_.ports)) {
            admit(s, s.waiting.front());
            s.waiting.pop_front();
        }
    }
}

void RoundRobinArbiter::advance(uint64_t now) {
    if (now <= st_.t) return;
    run(st_, now, [&](uint32_t slot, uint64_t c) { listener_.completed(slot, c); });
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
