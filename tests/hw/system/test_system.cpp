// The shared blocks of hw/system: the tile streamer's double-buffer hand-off, and the memory
// system + layer-result builder on the fixed-latency stub (core clock, no crossing).
#include <catch2/catch.hpp>

#include "hw/energy/energy_model.h"
#include "hw/system/layer_result_builder.h"
#include "hw/system/memory_system.h"
#include "hw/system/tile_streamer.h"

using namespace sx;
using namespace sc_core;

namespace {

BufferConfig buffer_cfg() {
    BufferConfig b;
    b.name = "in";
    b.role = "input";
    b.capacity_bytes = 4096;
    b.banks = 8;
    b.port_width_bits = 64;
    return b;
}

// A producer takes three halves of a two-half stream; the consumer releases one half at
// cycle 10 and the other at cycle 25. Halves alternate 0, 1, 0; the third acquire waits for
// the first release (cycle 10); a hand-off into a 1-deep FIFO waits for its reader.
struct StreamTop : sc_module {
    SC_HAS_PROCESS(StreamTop);
    explicit StreamTop(sc_module_name n) : sc_module(n), ts(ctx), q("q", 1) {
        s = ts.add_stream("halves", 2, "a free half");
        ts.set_monitor(ctx.monitor.add("producer"));
        SC_THREAD(producer);
        SC_THREAD(consumer);
    }
    void producer() {
        ts.begin_layer();
        for (int i = 0; i < 3; ++i) {
            half[i] = ts.acquire(s);
            at[i] = ctx.now_cycles();
        }
        ts.hand_off(q, 7, "room in the FIFO");
        ts.hand_off(q, 8, "room in the FIFO");
        handed_at = ctx.now_cycles();
    }
    void consumer() {
        wait(ctx.cycles(10));
        ts.release(s);
        wait(ctx.cycles(15));
        ts.release(s);
        wait(ctx.cycles(5));
        got = q.read();
    }
    SimContext ctx;
    TileStreamer ts;
    sc_fifo<int> q;
    int s = 0;
    int half[3] = {-1, -1, -1};
    uint64_t at[3] = {0, 0, 0};
    uint64_t handed_at = 0;
    int got = 0;
};

// The stub: 20-cycle latency, 16 B per cycle (MemorySystemParams defaults), one core clock.
struct MemTop : sc_module {
    SC_HAS_PROCESS(MemTop);
    MemTop(sc_module_name n, const ArchConfig& arch)
        : sc_module(n), arch_(arch), mem(arch, ctx, params()), buf(buffer_cfg(), ctx), ts(ctx) {
        ts.add_stream("in", 2, "a free input half");
        ts.attach(mem.dma());
        std::vector<uint8_t> img(300);
        for (std::size_t i = 0; i < img.size(); ++i) img[i] = static_cast<uint8_t>(i * 3);
        mem.backdoor_write(0, img);
        SC_THREAD(run);
    }
    static MemorySystemParams params() {
        MemorySystemParams p;
        p.fixed_memory = true;
        return p;
    }
    void run() {
        mem.begin_layer();
        ts.begin_layer();
        ts.load({10, 100, false, &buf, 0});
        ts.load({200, 50, false, &buf, 2048});
        ts.wait_loads();
        stats = mem.end_layer();
        LayerResultBuilder rb(arch_, res, cons);
        rb.cycles_from_first_request(stats, 0, ctx.now_cycles());
        rb.memory(stats);
        rb.dram_energy(stats);
    }
    const ArchConfig& arch_;
    SimContext ctx;
    MemorySystem mem;
    GlobalBuffer buf;
    TileStreamer ts;
    MemoryLayerStats stats;
    LayerResult res;
    LayerConservation cons;
};

}  // namespace

TEST_CASE("tile streamer: halves alternate and a third tile waits for the consumer's release") {
    StreamTop top("top");
    sc_start();
    CHECK(top.half[0] == 0);
    CHECK(top.half[1] == 1);
    CHECK(top.half[2] == 0);
    CHECK(top.at[0] == 0);
    CHECK(top.at[1] == 0);
    CHECK(top.at[2] == 10);
    // The first item fits the 1-deep FIFO at once; the second waits for the read at 10+15+5.
    CHECK(top.handed_at == 30);
    CHECK(top.got == 7);
}

TEST_CASE("memory system on the stub: per-layer bytes, conservation and latency through the result builder") {
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json");
    MemTop top("top", arch);
    sc_start();
    CHECK_FALSE(top.stats.dram_valid);
    // The stub needs no alignment: exactly the requested bytes, no overfetch.
    CHECK(top.stats.read_bytes == 150);
    CHECK(top.stats.dma.buffer_bytes_in == 150);
    CHECK(top.stats.dma.overfetch_bytes == 0);
    CHECK(top.cons.dram_read_bytes == 150);
    CHECK(top.cons.buffer_bytes_in == 150);
    CHECK(top.res.dram_read_bytes == 150);
    CHECK(top.res.energy(EnergyComponent::Dram) == dram_bytes_energy_pj(arch.tech, 150));
    // Data travelled through the memory into the buffer.
    const uint8_t* d = top.buf.data(0, 100);
    for (int i = 0; i < 100; ++i) CHECK(d[i] == static_cast<uint8_t>((10 + i) * 3));
    const uint8_t* e = top.buf.data(2048, 50);
    for (int i = 0; i < 50; ++i) CHECK(e[i] == static_cast<uint8_t>((200 + i) * 3));
    // Latency, first request (cycle 0) to the last load's data in the buffer. Transactions of
    // at most 64 B not crossing a 64-byte boundary: [10,64) 54 B, [64,110) 46 B, [200,250) 50 B,
    // requested at 0, 1, 2 and accepted a cycle later (END_REQ); the data bus streams them from
    // 1 + 20 = 21: 54 B in 4 cycles (25), 46 B in 3 (28), 50 B in 4 (32); the last buffer write
    // (7 port words, 7 different banks) takes one cycle: 33.
    CHECK(top.res.cycles == 33);
}
