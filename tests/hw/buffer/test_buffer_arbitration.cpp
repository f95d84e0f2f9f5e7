// Ports and bank arbitration of the global buffer under concurrent requests, with SystemC
// threads that issue and then wait (the buffer's API since issue 12). Expected cycles are derived
// by hand in the comments. Buffers here have 8-byte port words; word w is in bank w % banks.
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <systemc>

#include "hw/buffer/buffer_arbiter.h"
#include "hw/buffer/global_buffer.h"
#include "sw/common/error.h"

using namespace sx;

namespace {

BufferConfig cfg(int banks, const char* arbiter, int ports = -1) {
    BufferConfig b;
    b.name = "buf";
    b.capacity_bytes = 4096;
    b.banks = banks;
    b.port_width_bits = 64;
    b.role = "input";
    b.arbiter = arbiter;
    b.ports = ports;
    return b;
}

struct Req {
    uint64_t at;  // issue cycle
    uint64_t addr, bytes;
};

// One thread per issue cycle: it waits until then, issues that cycle's requests in the order
// given (so arbitration order is the order in the list) and waits for each. Returns every
// request's completion cycle, and the buffer's conflict cycles through `conflicts`. Cycles are
// relative to the start of the call (SystemC time does not restart between calls in a process).
std::vector<uint64_t> run(const BufferConfig& c, const std::vector<Req>& reqs, uint64_t* conflicts = nullptr) {
    SimContext ctx;
    GlobalBuffer buf(c, ctx);
    const uint64_t base = ctx.now_cycles();
    std::vector<uint64_t> done(reqs.size(), 0);
    std::map<uint64_t, std::vector<std::size_t>> by_cycle;
    for (std::size_t i = 0; i < reqs.size(); ++i) by_cycle[reqs[i].at].push_back(i);
    for (auto& [at, ids] : by_cycle) {
        const uint64_t when = base + at;
        const std::vector<std::size_t> mine = ids;
        sc_core::sc_spawn([&, when, mine] {
            ctx.wait_until(when);
            std::vector<BufferAccess> h;
            for (std::size_t i : mine) h.push_back(buf.issue_read(reqs[i].addr, reqs[i].bytes));
            for (std::size_t k = 0; k < mine.size(); ++k) done[mine[k]] = buf.wait(h[k]);
        });
    }
    sc_core::sc_start();
    for (uint64_t& d : done) d -= base;
    if (conflicts) *conflicts = buf.counters.conflict_cycles;
    return done;
}

}  // namespace

// 8 banks, 2 ports. A = 16 B at 0 (words 0, 1: banks 0, 1), B = 16 B at 16 (banks 2, 3),
// C = 16 B at 32 (banks 4, 5), all at cycle 0: disjoint banks, one cycle each alone.
// A and B take the two ports and complete at 1; C waits for A's port, which serves it from
// cycle 1: done at 2 (1 conflict cycle). Same under both policies (no bank is shared).
TEST_CASE("a request beyond the ports waits for one") {
    for (const char* arb : {"round_robin", "fcfs"}) {
        uint64_t conflicts = 0;
        CHECK(run(cfg(8, arb, 2), {{0, 0, 16}, {0, 16, 16}, {0, 32, 16}}, &conflicts) ==
              std::vector<uint64_t>{1, 1, 2});
        CHECK(conflicts == 1);
        // Unlimited ports (0): nothing waits.
        CHECK(run(cfg(8, arb, 0), {{0, 0, 16}, {0, 16, 16}, {0, 32, 16}}) == std::vector<uint64_t>{1, 1, 1});
    }
}

// 2 banks. A = 32 B at 0 (words 0..3: two per bank), B = 32 B at 64 (words 8..11: two per
// bank), both at cycle 0. Round robin: each bank alternates A, B, A, B over cycles 0..3, so A's
// words move in cycles 0 and 2 (done 3) and B's in 1 and 3 (done 4); conflicts (3-2) + (4-2) = 3.
// FCFS: A holds both banks for cycles 0, 1 (done 2), B follows in 2, 3 (done 4); conflicts 2.
TEST_CASE("round robin interleaves two concurrent accesses word by word") {
    uint64_t conflicts = 0;
    CHECK(run(cfg(2, "round_robin"), {{0, 0, 32}, {0, 64, 32}}, &conflicts) == std::vector<uint64_t>{3, 4});
    CHECK(conflicts == 3);
    CHECK(run(cfg(2, "fcfs"), {{0, 0, 32}, {0, 64, 32}}, &conflicts) == std::vector<uint64_t>{2, 4});
    CHECK(conflicts == 2);
}

// 2 banks. L = 160 B at 0 (20 words, 10 per bank) at cycle 0: alone, done at 10. S = 16 B at 0
// (one word per bank) at cycle 2, when L has 8 words left per bank.
// Round robin: from cycle 2 each bank rotates L, S (S joins behind L): L moves a word in cycle 2,
// S in cycle 3 -> S done at 4; L lost one cycle per bank -> done at 11. L's waiter had planned
// 10 and sleeps again until 11 (the re-plan when S arrives).
// FCFS: S waits for L to release both banks at 10, moves in cycle 10 -> done 11; L done at 10.
TEST_CASE("a long access blocks a short later one under fcfs, not under round robin") {
    const std::vector<Req> reqs = {{0, 0, 160}, {2, 0, 16}};
    CHECK(run(cfg(2, "round_robin"), reqs) == std::vector<uint64_t>{11, 4});
    CHECK(run(cfg(2, "fcfs"), reqs) == std::vector<uint64_t>{10, 11});
}

// 4 banks. X = 8 B at 0 (bank 0), Y = 8 B at 32 (word 4: bank 0 again), Z = 8 B at 8 (bank 1),
// all at cycle 0. Y waits for X on bank 0 under either policy: X 1, Y 2, Z 1; 1 conflict cycle.
TEST_CASE("bank conflicts stall under both policies") {
    for (const char* arb : {"round_robin", "fcfs"}) {
        uint64_t conflicts = 0;
        CHECK(run(cfg(4, arb), {{0, 0, 8}, {0, 32, 8}, {0, 8, 8}}, &conflicts) == std::vector<uint64_t>{1, 2, 1});
        CHECK(conflicts == 1);
    }
}

// The event-driven round robin against a cycle-by-cycle model written separately here: per
// cycle, completions free ports, waiting requests are admitted first come first served, new
// requests arrive, then every bank moves one word of the request at its rotation pointer (a
// cyclic list in admission order; a request that runs out leaves, its successor is next).
namespace {

struct Listener : ArbiterListener {
    std::map<uint32_t, uint64_t> done;
    void completed(uint32_t slot, uint64_t cycle, uint64_t) override { done[slot] = cycle; }
};

struct Rand {
    uint64_t at, w0, words;
};

std::vector<uint64_t> reference_rr(uint64_t banks, uint64_t ports, const std::vector<Rand>& reqs) {
    struct E {
        std::size_t id;
        uint64_t left;
    };
    std::vector<std::vector<E>> q(banks);
    std::vector<std::size_t> ptr(banks, 0);
    std::vector<uint64_t> left_banks(reqs.size(), 0), done(reqs.size(), 0);
    std::deque<std::size_t> waiting;
    uint64_t in_flight = 0;
    std::size_t next = 0, finished = 0;
    auto admit = [&](std::size_t id) {
        for (uint64_t i = 0; i < reqs[id].words; ++i) {
            auto& bq = q[(reqs[id].w0 + i) % banks];
            auto it = std::find_if(bq.begin(), bq.end(), [&](const E& e) { return e.id == id; });
            if (it == bq.end()) {
                bq.push_back({id, 1});
                ++left_banks[id];
            } else {
                ++it->left;
            }
        }
        ++in_flight;
    };
    std::vector<std::size_t> just_done;
    for (uint64_t t = 0; finished < reqs.size(); ++t) {
        for (std::size_t id : just_done) {
            done[id] = t;
            --in_flight;
            ++finished;
        }
        just_done.clear();
        while (!waiting.empty() && (ports == 0 || in_flight < ports)) {
            admit(waiting.front());
            waiting.pop_front();
        }
        for (; next < reqs.size() && reqs[next].at == t; ++next) {
            if (waiting.empty() && (ports == 0 || in_flight < ports)) admit(next);
            else waiting.push_back(next);
        }
        for (uint64_t b = 0; b < banks; ++b) {
            auto& bq = q[b];
            if (bq.empty()) continue;
            std::size_t& p = ptr[b];
            if (--bq[p].left == 0) {
                if (--left_banks[bq[p].id] == 0) just_done.push_back(bq[p].id);
                bq.erase(bq.begin() + static_cast<std::ptrdiff_t>(p));
                if (p >= bq.size()) p = 0;
            } else {
                p = (p + 1) % bq.size();
            }
        }
    }
    return done;
}

}  // namespace

// 1000 random request sets (1-8 banks, 0-3 ports, up to 12 requests of 1-40 words issued over
// 30 cycles): the arbiter's completions equal the cycle-by-cycle model's, and a plan made when
// the last request is issued equals the final completions.
TEST_CASE("round robin completions equal a cycle-by-cycle model on random request sets") {
    std::mt19937_64 rng(12);
    for (int iter = 0; iter < 1000; ++iter) {
        const uint64_t banks = 1 + rng() % 8, ports = rng() % 4;
        const std::size_t n = 1 + rng() % 12;
        std::vector<Rand> reqs(n);
        for (auto& r : reqs) r = {rng() % 30, rng() % 64, 1 + rng() % 40};
        std::sort(reqs.begin(), reqs.end(), [](const Rand& a, const Rand& b) { return a.at < b.at; });
        const std::vector<uint64_t> want = reference_rr(banks, ports, reqs);
        Listener l;
        auto arb = make_buffer_arbiter("round_robin", {banks, ports}, l);
        for (std::size_t i = 0; i < n; ++i) arb->issue(static_cast<uint32_t>(i), reqs[i].at, reqs[i].w0, reqs[i].words);
        const uint64_t last = reqs.back().at;
        arb->advance(last);
        std::vector<uint64_t> planned(n, 0);
        for (std::size_t i = 0; i < n; ++i)
            planned[i] = l.done.count(static_cast<uint32_t>(i)) ? l.done[static_cast<uint32_t>(i)]
                                                                : arb->plan(static_cast<uint32_t>(i), last);
        arb->advance(UINT64_MAX / 2);
        std::vector<uint64_t> got(n, 0);
        for (std::size_t i = 0; i < n; ++i) got[i] = l.done.at(static_cast<uint32_t>(i));
        INFO("iteration " << iter << ", banks " << banks << ", ports " << ports);
        REQUIRE(got == want);
        REQUIRE(planned == want);
    }
}

// Long queues (the arbiter keeps, per bank, the sweep of its rotation in which each request
// moves its last word, and finds the next to run out from the rotation pointer): 300 random
// sets of up to 48 requests of 1-120 words on 1-16 banks issued over 40 cycles, so banks hold
// tens of requests over many sweeps, and requests leave from the front, middle and back of a
// queue. Completions equal the cycle-by-cycle model's; a plan made after each issue cycle never
// moves earlier from one issue cycle to the next and never passes the final completion.
TEST_CASE("round robin completions equal a cycle-by-cycle model with long queues") {
    std::mt19937_64 rng(13);
    for (int iter = 0; iter < 300; ++iter) {
        const uint64_t banks = 1 + rng() % 16, ports = rng() % 3 == 0 ? 1 + rng() % 24 : 0;
        const std::size_t n = 1 + rng() % 48;
        std::vector<Rand> reqs(n);
        for (auto& r : reqs) r = {rng() % 40, rng() % 256, 1 + (rng() % 4 == 0 ? rng() % 120 : rng() % 6)};
        std::sort(reqs.begin(), reqs.end(), [](const Rand& a, const Rand& b) { return a.at < b.at; });
        const std::vector<uint64_t> want = reference_rr(banks, ports, reqs);
        Listener l;
        auto arb = make_buffer_arbiter("round_robin", {banks, ports}, l);
        std::vector<uint64_t> planned(n, 0);
        INFO("iteration " << iter << ", banks " << banks << ", ports " << ports << ", requests " << n);
        for (std::size_t i = 0; i < n; ++i) {
            arb->issue(static_cast<uint32_t>(i), reqs[i].at, reqs[i].w0, reqs[i].words);
            if (i + 1 < n && reqs[i + 1].at == reqs[i].at) continue;
            for (std::size_t j = 0; j <= i; ++j) {
                const auto slot = static_cast<uint32_t>(j);
                if (l.done.count(slot)) continue;
                const uint64_t p = arb->plan(slot, reqs[i].at);
                REQUIRE(p >= planned[j]);
                REQUIRE(p <= want[j]);
                planned[j] = p;
            }
        }
        arb->advance(UINT64_MAX / 2);
        std::vector<uint64_t> got(n, 0);
        for (std::size_t i = 0; i < n; ++i) got[i] = l.done.at(static_cast<uint32_t>(i));
        REQUIRE(got == want);
    }
}

// The names the configuration accepts are the registry's (a new policy must be added to both).
TEST_CASE("the arbiter registry builds every registered policy and rejects others") {
    Listener l;
    CHECK(buffer_arbiter_names() == std::vector<std::string>{"round_robin", "fcfs"});
    for (const auto& n : buffer_arbiter_names()) CHECK(make_buffer_arbiter(n, {4, 2}, l) != nullptr);
    CHECK_THROWS_AS(make_buffer_arbiter("lottery", {4, 2}, l), std::invalid_argument);
}
