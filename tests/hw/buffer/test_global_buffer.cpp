// Global buffer timing at simulation time 0 (no process needed: reservations are made "now").
#include <catch2/catch.hpp>

#include "hw/buffer/global_buffer.h"
#include "sw/common/error.h"

using namespace sx;

namespace {
BufferConfig cfg(int banks, int port_bits, uint64_t cap) {
    BufferConfig b;
    b.name = "buf";
    b.capacity_bytes = cap;
    b.banks = banks;
    b.port_width_bits = port_bits;
    b.role = "input";
    return b;
}
}  // namespace

// 4 banks x 8 B. 64 B at 0 = words 0..7, two per bank -> 2 cycles.
TEST_CASE("an access wider than the ports takes several cycles") {
    SimContext ctx;
    GlobalBuffer b(cfg(4, 64, 1024), ctx);
    CHECK(b.read(0, 64) == 2);
    CHECK(b.counters.reads == 8);
    CHECK(b.counters.read_bytes == 64);
    // 8 B misaligned by 4 touches two words (banks 0 and 1 of the next round): both free at 2.
    SimContext ctx2;
    GlobalBuffer c(cfg(4, 64, 1024), ctx2);
    CHECK(c.read(4, 8) == 1);
    CHECK(c.counters.reads == 2);
}

// Word 0 and word 4 share bank 0: the second access waits for the first.
TEST_CASE("bank conflicts stall") {
    SimContext ctx;
    GlobalBuffer b(cfg(4, 64, 1024), ctx);
    CHECK(b.write(0, 8) == 1);    // bank 0, cycle 0
    CHECK(b.write(32, 8) == 2);   // word 4 -> bank 0: waits 1 cycle
    CHECK(b.write(8, 8) == 1);    // bank 1 is free
    CHECK(b.counters.conflict_cycles == 1);
    CHECK(b.counters.writes == 3);
}

TEST_CASE("capacity is a hard limit") {
    SimContext ctx;
    GlobalBuffer b(cfg(2, 64, 256), ctx);
    CHECK_NOTHROW(b.read(248, 8));
    CHECK_THROWS_AS(b.read(250, 8), SimulationError);
}
