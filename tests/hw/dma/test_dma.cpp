// DMA against the fixed-latency AT memory stub (hw/common/at_memory.h): latency 10 cycles,
// 16 B/cycle, END_REQ one cycle after BEGIN_REQ. 1 ns clock.
#include <catch2/catch.hpp>

#include "hw/common/at_memory.h"
#include "hw/dma/dma.h"

using namespace sx;
using namespace sc_core;

namespace {

struct Top : sc_module {
    SC_HAS_PROCESS(Top);
    Top(sc_module_name n, int outstanding, uint64_t bytes)
        : sc_module(n), mem("mem", 4096, ctx.clk, 10, 16), dma("dma", ctx, outstanding, 64, 1, 8),
          buf(make_cfg(), ctx), bytes_(bytes) {
        dma.socket.bind(mem.socket);
        std::vector<uint8_t> v(4096);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 7);
        mem.backdoor_write(0, v.data(), v.size());
        SC_THREAD(run);
    }
    static BufferConfig make_cfg() {
        BufferConfig b;
        b.name = "in";
        b.capacity_bytes = 4096;
        b.banks = 8;
        b.port_width_bits = 64;
        return b;
    }
    void run() {
        const uint64_t t = dma.submit({100, bytes_, false, &buf, 0});
        dma.wait_done(t);
        done_cycle = ctx.now_cycles();
        sc_stop();
    }
    SimContext ctx;
    AtMemory mem;
    Dma dma;
    GlobalBuffer buf;
    uint64_t bytes_;
    uint64_t done_cycle = 0;
};

}  // namespace

// 256 bytes from address 100 = transactions [100,128) [128,192) [192,256) [256,320) [320,356):
// 28 + 64 + 64 + 64 + 36 bytes. One outstanding: each waits for the previous response:
// accept at t+1, data from t+1+10 for ceil(n/16) cycles (2, 4, 4, 4, 3) -> 13, 15, 15, 15, 14
// cycles back to back = 72 cycles (+ 1 cycle for the last buffer write).
// Four outstanding: requests at 0,1,2,3 are accepted at 1,2,3,4; the bus then streams:
// first data ends at 1+10+2 = 13, then +4, +4, +4 (ends 25); the fifth request goes out when
// the first response frees a slot (13), accepted at 14, data at 24 -> bus free at 25, ends 28.
// Buffer write of the last 36 bytes (5 words over 8 banks) ends a cycle later: 29.
TEST_CASE("DMA with one outstanding transaction serialises") {
    Top top("top", 1, 256);
    sc_start();
    CHECK(top.dma.stats.read_bytes == 256);
    CHECK(top.dma.stats.bursts == 5);
    CHECK(top.done_cycle == 73);
    uint8_t* d = top.buf.data(0, 256);
    for (int i = 0; i < 256; ++i) CHECK(d[i] == static_cast<uint8_t>((100 + i) * 7));
}

TEST_CASE("DMA overlaps outstanding transactions") {
    Top top("top", 4, 256);
    sc_start();
    CHECK(top.dma.stats.bursts == 5);
    CHECK(top.done_cycle == 29);
}

// Clock-domain crossing (hw/dma/dma.h): the memory on a clock of its own, the DMA on the 1 ns
// core clock. One 64-byte transaction from address 0 (transfer 64 B, no alignment), memory
// latency 10 of its cycles, 16 B per memory cycle, END_REQ one memory cycle after BEGIN_REQ.
namespace {

struct CdcTop : sc_module {
    SC_HAS_PROCESS(CdcTop);
    CdcTop(sc_module_name n, double mem_ns, bool cross, uint32_t sync)
        : sc_module(n), mem("mem", 4096, sc_time(mem_ns, SC_NS), 10, 16), dma("dma", ctx, 1, 64, 1, 8, cross, sync),
          buf(Top::make_cfg(), ctx) {
        dma.socket.bind(mem.socket);
        std::vector<uint8_t> v(64);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 5 + 1);
        mem.backdoor_write(0, v.data(), v.size());
        SC_THREAD(run);
    }
    void run() {
        const uint64_t t = dma.submit({0, 64, false, &buf, 0});
        dma.wait_done(t);
        done_cycle = ctx.now_cycles();
        sc_stop();
    }
    SimContext ctx;
    AtMemory mem;
    Dma dma;
    GlobalBuffer buf;
    uint64_t done_cycle = 0;
};

}  // namespace

// 2.5 ns memory clock: accepted at 2.5 ns, data from 2.5 + 10 x 2.5 = 27.5 ns for 64 / 16 = 4
// memory cycles: BEGIN_RESP at 37.5 ns, between core edges 37 and 38.
//  - synchronizer, 2 cycles: captured at edge 38, usable at 40; the buffer write (8 words over
//    8 banks, one cycle) ends at 41;
//  - synchronizer, 0 cycles: lands on edge 38, write ends at 39;
//  - no crossing (as if the memory were on the core clock): the write is reserved at cycle
//    37 (37.5 ns floored), ends at 38 - half a core cycle before the data had arrived.
TEST_CASE("DMA: a response from another clock domain pays a two-flop synchronizer") {
    CdcTop top("top", 2.5, true, 2);
    sc_start();
    CHECK(top.done_cycle == 41);
    uint8_t* d = top.buf.data(0, 64);
    for (int i = 0; i < 64; ++i) CHECK(d[i] == static_cast<uint8_t>(i * 5 + 1));
}

TEST_CASE("DMA: with no synchronizer stages a crossing response still waits for the next core edge") {
    CdcTop top("top", 2.5, true, 0);
    sc_start();
    CHECK(top.done_cycle == 39);
}

TEST_CASE("DMA: without a crossing the response is used in the cycle it arrives") {
    CdcTop top("top", 2.5, false, 0);
    sc_start();
    CHECK(top.done_cycle == 38);
}

// 2 ns memory clock: BEGIN_RESP at 2 + 20 + 8 = 30 ns, exactly on core edge 30, which captures
// it: usable at 32, buffer write ends at 33.
TEST_CASE("DMA: a response arriving on a core edge is captured by that edge") {
    CdcTop top("top", 2.0, true, 2);
    sc_start();
    CHECK(top.done_cycle == 33);
}
