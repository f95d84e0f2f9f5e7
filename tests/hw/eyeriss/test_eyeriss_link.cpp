// The Eyeriss link's job order (hw/eyeriss/eyeriss_link.cpp, run()): a load stalled on its
// unreleased tail must not hold back the stores queued behind it, because the controller may
// wait for one of those stores before it releases the tail (user case
// eyeriss-vgg16-first-layer: a deadlock). Link against the fixed-latency AT memory stub
// (latency 10 cycles, 16 B/cycle), 1 ns clock, FIFO of two 64-byte halves.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "hw/common/at_memory.h"
#include "hw/dma/dma.h"
#include "hw/eyeriss/eyeriss_link.h"
#include "tests/hw/eyeriss/eyeriss_test_buffers.h"

using namespace sx;
using namespace sx::eyeriss;
using namespace sc_core;

namespace {

using eyeriss_test::buf;

constexpr uint64_t kChunk = 64;
constexpr uint64_t kLoadBytes = 1024;   // 512 raw 16-bit values at DRAM 0
constexpr uint64_t kHeadBytes = 256;    // GLB bytes the load may write before its release
constexpr uint64_t kStoreAddr = 2048;
constexpr uint64_t kStoreBytes = 320;   // five chunks

struct Top : sc_module {
    SC_HAS_PROCESS(Top);
    Top(sc_module_name n)
        : sc_module(n), mem("mem", 4096, ctx.clk, 10, 16), dma("dma", ctx, 4, 64, 1, 8), glb(buf("glb", 4096, 4), ctx),
          fifo(buf("fifo", 2 * kChunk, 1), ctx), link("link", ctx, dma, glb, fifo, kChunk, 5, 3) {
        dma.socket.bind(mem.socket);
        std::vector<uint8_t> v(4096);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 7 + 3);
        mem.backdoor_write(0, v.data(), v.size());
        SC_THREAD(run);
    }
    void run() {
        // The controller's pattern: a ring load whose tail waits for the block in use, then a
        // store submitted behind it, which the controller waits for before it releases the tail.
        load.rlc = false;
        load.ranges.push_back({0, kLoadBytes, 0, 0, 0});
        load.values_expected = kLoadBytes / 2;
        load.head_bytes = kHeadBytes;
        load.released = false;
        link.submit(&load);
        store.store = true;
        store.bytes.resize(kStoreBytes);
        for (std::size_t i = 0; i < store.bytes.size(); ++i) store.bytes[i] = static_cast<uint8_t>(255 - i);
        store.dram_addr = kStoreAddr;
        link.submit(&store);
        link.wait(&store);  // before the fix: never returns (the simulation runs out of events)
        store_done_cycle = ctx.now_cycles();
        load_done_at_store = load.done;
        glb_bytes_at_store = static_cast<uint64_t>(load.values_written) * 2;
        release_cycle = ctx.now_cycles();
        link.release(&load);
        link.wait(&load);
        load_done_cycle = ctx.now_cycles();
        finished = true;
        sc_stop();
    }
    SimContext ctx;
    AtMemory mem;
    Dma dma;
    GlobalBuffer glb, fifo;
    EyerissLink link;
    LinkJob load, store;
    bool finished = false, load_done_at_store = true;
    uint64_t store_done_cycle = 0, release_cycle = 0, load_done_cycle = 0, glb_bytes_at_store = 0;
};

}  // namespace

TEST_CASE("a store queued behind a load stalled on its tail reaches DRAM before the release") {
    Top top("top");
    sc_start();
    REQUIRE(top.finished);  // no deadlock
    CHECK_FALSE(top.load_done_at_store);
    // The load decoded its head (and at most the chunks the FIFO held) but wrote no more than
    // kHeadBytes into the GLB before the release.
    CHECK(top.glb_bytes_at_store >= kHeadBytes);
    CHECK(top.glb_bytes_at_store <= kHeadBytes + 2 * kChunk);
    std::vector<uint8_t> got(kStoreBytes);
    top.mem.backdoor_read(kStoreAddr, got.data(), got.size());
    CHECK(got == top.store.bytes);
    // The load's values are DRAM's bytes, whole and in order, in the GLB after the release.
    REQUIRE(top.load.values_written == static_cast<int64_t>(kLoadBytes / 2));
    std::vector<uint8_t> want(kLoadBytes);
    top.mem.backdoor_read(0, want.data(), want.size());
    CHECK(std::memcmp(top.glb.data(0, kLoadBytes), want.data(), kLoadBytes) == 0);
    CHECK(top.load_done_cycle > top.release_cycle);
}
