// Global buffer timing: storage, capacity, and bank timing under fcfs, through the
// issue-then-wait API from one SystemC thread that issues every access at the same cycle and
// then waits for each. The arbitration policies under concurrent requests are in
// test_buffer_arbitration.cpp.
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn
#include <catch2/catch.hpp>

#include <systemc>
#include <vector>

#include "hw/buffer/global_buffer.h"
#include "hw/common/sanitizer_stack.h"
#include "sw/common/error.h"

using namespace sx;

namespace {
BufferConfig cfg(int banks, int port_bits, uint64_t cap, const char* arbiter = "fcfs") {
    BufferConfig b;
    b.name = "buf";
    b.capacity_bytes = cap;
    b.banks = banks;
    b.port_width_bits = port_bits;
    b.role = "input";
    b.arbiter = arbiter;
    return b;
}

struct Access {
    uint64_t addr, bytes;
    bool write = false;
};

// Issues `accesses` in order at one cycle (arbitration order = list order), waits for each and
// returns their completion cycles relative to that cycle (SystemC time does not restart
// between calls in a process).
std::vector<uint64_t> issue_together(GlobalBuffer& b, const SimContext& ctx, const std::vector<Access>& accesses) {
    const uint64_t base = ctx.now_cycles();
    std::vector<uint64_t> done(accesses.size(), 0);
    sc_core::sc_spawn([&] {
        std::vector<BufferAccess> h;
        for (const auto& a : accesses) h.push_back(b.issue(a.addr, a.bytes, a.write));
        for (std::size_t i = 0; i < h.size(); ++i) done[i] = b.wait(h[i]) - base;
    });
    sc_core::sc_start();
    // Back on the main stack for ASan before a test throws here (hw/common/sanitizer_stack.h).
    sanitizer_resume_main_stack();
    return done;
}
}  // namespace

// 4 banks x 8 B. 64 B at 0 = words 0..7, two per bank -> 2 cycles.
TEST_CASE("an access wider than the ports takes several cycles") {
    SimContext ctx;
    GlobalBuffer b(cfg(4, 64, 1024), ctx);
    CHECK(issue_together(b, ctx, {{0, 64}}) == std::vector<uint64_t>{2});
    CHECK(b.counters.reads == 8);
    CHECK(b.counters.read_bytes == 64);
    // 8 B misaligned by 4 touches two words (banks 0 and 1 of the next round): both free at 2.
    SimContext ctx2;
    GlobalBuffer c(cfg(4, 64, 1024), ctx2);
    CHECK(issue_together(c, ctx2, {{4, 8}}) == std::vector<uint64_t>{1});
    CHECK(c.counters.reads == 2);
}

// Word 0 and word 4 share bank 0: the second access waits for the first. Ports are unlimited
// by default, so the three accesses are all admitted at cycle 0.
TEST_CASE("bank conflicts stall") {
    SimContext ctx;
    GlobalBuffer b(cfg(4, 64, 1024), ctx);
    CHECK(b.ports() == 0);
    // bank 0 at cycle 0; word 4 -> bank 0: waits 1 cycle; bank 1 is free.
    CHECK(issue_together(b, ctx, {{0, 8, true}, {32, 8, true}, {8, 8, true}}) == std::vector<uint64_t>{1, 2, 1});
    CHECK(b.counters.conflict_cycles == 1);
    CHECK(b.counters.writes == 3);
}

// Outside the capacity is refused at issue, under either policy.
TEST_CASE("capacity is a hard limit") {
    SimContext ctx;
    GlobalBuffer b(cfg(2, 64, 256), ctx);
    CHECK(issue_together(b, ctx, {{248, 8}}) == std::vector<uint64_t>{1});
    CHECK_THROWS_AS(b.issue_read(250, 8), SimulationError);
    GlobalBuffer rr(cfg(2, 64, 256, "round_robin"), ctx);
    CHECK_THROWS_AS(rr.issue_read(250, 8), SimulationError);
}

TEST_CASE("a buffer without a configured arbiter takes round robin") {
    SimContext ctx;
    GlobalBuffer d(cfg(2, 64, 256, ""), ctx);  // no arbiter configured: the default
    CHECK(d.arbiter() == "round_robin");
}

// Issue 11: storage follows the data. A buffer at the documented maximum (1 TiB) is fully
// addressable, reads zeros where never written, keeps what is written at both ends, and takes
// host pages only for what was touched (here: 3 pages of 4 KiB; a host array of the capacity
// would be 2^28 pages).
TEST_CASE("a 1 TiB buffer takes host memory only for the bytes it holds") {
    SimContext ctx;
    const uint64_t cap = uint64_t{1} << 40;
    GlobalBuffer b(cfg(8, 64, cap), ctx);
    CHECK(b.capacity() == cap);
    b.data(0, 8)[0] = 0x5a;
    b.data(cap / 2, 8)[7] = 0xa5;
    b.data(cap - 1, 1)[0] = 0x11;
    CHECK(b.data(0, 1)[0] == 0x5a);
    CHECK(b.data(cap / 2 + 7, 1)[0] == 0xa5);
    CHECK(b.data(cap - 1, 1)[0] == 0x11);
    const uint64_t resident = b.host_resident_bytes();  // scans 2^28 page flags: ~1 s, so once
    CHECK(resident <= 3 * 4096);
    CHECK(resident >= 3 * 4096 / 4);  // the pages written are resident (any page size <= 16 KiB)
    CHECK_THROWS_AS(b.data(cap - 1, 2), SimulationError);
    CHECK(issue_together(b, ctx, {{cap - 8, 8, true}}) == std::vector<uint64_t>{1});  // timing works at the top too
}

TEST_CASE("buffer storage starts zeroed and is the same memory across accesses") {
    SimContext ctx;
    GlobalBuffer b(cfg(4, 64, 3 * 4096 + 5), ctx);  // not a whole number of pages
    const uint8_t* p = b.data(0, b.capacity());
    for (uint64_t i = 0; i < b.capacity(); ++i) REQUIRE(p[i] == 0);
    b.data(4096 + 3, 1)[0] = 7;
    CHECK(p[4096 + 3] == 7);  // one contiguous array: pointers from data() stay valid
    b.data(b.capacity() - 1, 1)[0] = 9;
    CHECK(p[b.capacity() - 1] == 9);
}
