// Eyeriss PE array timing (hand-derived cycles) and the RLC codec.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include <systemc>

#include "hw/buffer/global_buffer.h"
#include "hw/eyeriss/pe_array.h"
#include "hw/eyeriss/rlc.h"
#include "hw/eyeriss/rs_mapper.h"

using namespace sx;
using namespace sc_core;

namespace {

BufferConfig buf(const char* name, uint64_t bytes, int banks) {
    BufferConfig b;
    b.name = name;
    b.capacity_bytes = bytes;
    b.banks = banks;
    b.port_width_bits = 64;
    b.role = "input";
    return b;
}

// Runs one pass of `layer` on the PE array from cycle 0 and returns array_free().
struct PassRunner : sc_module {
    SC_HAS_PROCESS(PassRunner);
    PassRunner(sc_module_name n, const Layer& l) : sc_module(n), layer(l) { SC_THREAD(run); }
    void run() {
        ctx.clk = sc_time(5, SC_NS);
        const EyerissParams prm;
        const RsMapping m = map_layer(layer, prm, 2.4);
        GlobalBuffer glb(buf("glb", 102400, 25), ctx), fil(buf("fil", 8192, 1), ctx);
        std::vector<int16_t> ifm(static_cast<std::size_t>(layer.H * layer.W), 1);
        std::vector<int16_t> w(static_cast<std::size_t>(m.filter_pass_bytes / 2), 1);
        std::memcpy(fil.data(0, w.size() * 2), w.data(), w.size() * 2);
        PeArray pe(m, prm);
        pe.begin_residency(0, 0, 0, 0);
        pe.set_ifmaps(ifm.data(), 0, layer.H, 0, 0);
        const uint64_t fl = pe.load_filters(fil, ctx, m.filter_pass_bytes);
        pe.run_pass(0, true, fl, glb, 8192, ctx);
        filters_loaded = fl;
        done = pe.array_free();
        macs = pe.counters().macs_executed;
        mapping = m;
        sc_stop();
    }
    Layer layer;
    SimContext ctx;
    uint64_t filters_loaded = 0, done = 0, macs = 0;
    RsMapping mapping;
};

}  // namespace

TEST_CASE("a layer that fits one PE set runs one pass in hand-derived cycles") {
    // 1 channel, 1 filter 3x3, 5x5 ifmap, stride 1, no padding: output 3x3, one 3x3 PE set,
    // p = q = 1, one pass.
    Layer l;
    l.name = "one_set";
    l.C = l.K = 1;
    l.H = l.W = 5;
    l.R = l.S = 3;
    PassRunner r("runner", l);
    sc_start();
    REQUIRE(r.mapping.set_h == 3);
    REQUIRE(r.mapping.e == 3);
    REQUIRE(r.mapping.active_pes == 9);
    // Filters: 9 values over the 64-bit filter network (4 per cycle): ceil(9/4) = 3 cycles.
    CHECK(r.filters_loaded == 3);
    // Each PE does p*q*S = 3 MACs per output column.
    // Column 0: the 5 ifmap rows x 3 columns = 15 values over the 16-bit ifmap network from
    //   cycle 3 -> 18; MACs 18 .. 21.
    // Column 1: 5 new values go into spare spad entries (12 - 3 = 9 free) from the start of
    //   column 0's MACs, behind column 0's delivery: 18 -> 23; MACs 23 .. 26. Column 0's
    //   psums leave after the column chain (3 rows - 1 + ceil(1/4) = 3): issued at 24.
    // Column 2: its values are due at 23, but one thread makes the GLB accesses in time
    //   order and the psum drain above was issued at 24 first, so they go 24 -> 29; MACs
    //   29 .. 32 plus the 3-stage pipeline drain (2) at the row end -> 34.
    // Last psums: chain 3 -> 37, one 64-bit psum-network cycle -> 38.
    CHECK(r.done == 38);
    // 9 outputs x 9 MACs, all ifmap values non-zero.
    CHECK(r.macs == 81);
}

TEST_CASE("RLC round trip: runs longer than 31, trailing zeros, dense rows") {
    std::vector<int16_t> row(100, 0);
    row[0] = 5;
    row[40] = -3;
    row[41] = 7;
    row[98] = 1;
    std::vector<uint8_t> bytes;
    rlc_encode_row(row.data(), 100, bytes);
    std::vector<int16_t> dense(30);
    for (int i = 0; i < 30; ++i) dense[static_cast<std::size_t>(i)] = static_cast<int16_t>(i + 1);
    rlc_encode_row(dense.data(), 30, bytes);
    CHECK(bytes.size() % 8 == 0);
    // Dense: 30 pairs -> 10 words of 64 bits (21.3 bits per value against 16 raw).
    RlcDecoder d1(100);
    std::vector<int16_t> out;
    std::size_t first_row_bytes = 0;
    {
        std::vector<uint8_t> one;
        rlc_encode_row(row.data(), 100, one);
        first_row_bytes = one.size();
    }
    CHECK(bytes.size() - first_row_bytes == 80);
    d1.feed(bytes.data(), first_row_bytes, out);
    CHECK(out == row);
    RlcDecoder d2(30);
    std::vector<int16_t> out2;
    d2.feed(bytes.data() + first_row_bytes, bytes.size() - first_row_bytes, out2);
    CHECK(out2 == dense);
}
