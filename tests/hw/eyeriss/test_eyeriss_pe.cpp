// Eyeriss PE array timing (hand-derived cycles) and the RLC codec.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include <systemc>

#include "hw/buffer/global_buffer.h"
#include "hw/eyeriss/pe_array.h"
#include "hw/eyeriss/rlc.h"
#include "hw/eyeriss/rs_mapper.h"
#include "tests/hw/eyeriss/eyeriss_test_buffers.h"

using namespace sx;
using namespace sx::eyeriss;
using namespace sc_core;

namespace {

using eyeriss_test::buf;

// Runs one pass of `layer` on the PE array from cycle 0 and returns array_free().
struct PassRunner : sc_module {
    SC_HAS_PROCESS(PassRunner);
    PassRunner(sc_module_name n, const Layer& l, const char* arbiter = "") : sc_module(n), layer(l), arb(arbiter) {
        ctx.clk = sc_time(5, SC_NS);
        SC_THREAD(run);
        SC_THREAD(link_writer);
    }
    // A link-style GLB write of `write_bytes` at `write_addr`, issued at cycle 2 (while the
    // filters load), running concurrently with the array's first ifmap read.
    void link_writer() {
        if (!write_bytes) return;
        ctx.wait_until(2);
        BufferAccess a = glb_->issue_write(write_addr, write_bytes);
        write_done = glb_->wait(a);
    }
    void run() {
        const EyerissParams prm;
        const RsMapping m = map_layer(layer, prm, 2.4);
        // The buffers' default arbiter (round robin), as configs/eyeriss.json runs them, unless
        // the test names one.
        BufferConfig gc = buf("glb", 102400, 25), fc = buf("fil", 8192, 1);
        gc.arbiter = fc.arbiter = arb;
        BufferConfig hc = gc;
        hc.name = "glb_psum_hi";
        GlobalBuffer glb(gc, ctx), fil(fc, ctx), hi(hc, ctx);
        glb_ = &glb;
        // The ifmap block in the GLB at 0 (where the link would have written it), all ones.
        std::vector<int16_t> ifm(static_cast<std::size_t>(layer.H * layer.W), 1);
        std::memcpy(glb.data(0, ifm.size() * 2), ifm.data(), ifm.size() * 2);
        std::vector<int16_t> w(static_cast<std::size_t>(m.filter_pass_bytes / 2), 1);
        std::memcpy(fil.data(0, w.size() * 2), w.data(), w.size() * 2);
        PeArray pe(m, prm);
        pe.begin_residency(0, 0, 0, 0);
        // Strip 0: its ifmap rows only (all of them when the set is not strip-mined).
        pe.set_ifmaps(glb, 0, 0, 0, 0, std::min<int64_t>(layer.H, m.ifmap_rows), 0, 0);
        const uint64_t fl = pe.load_filters(fil, ctx, m.filter_pass_bytes);
        pe.run_pass(0, true, fl, glb, hi, 8192, ctx);
        filters_loaded = fl;
        done = pe.array_free();
        // The first output's psum, where the array accumulated it: the GLB's psum region at
        // 8192 (low 16 bits) and the shadow store (high 16 bits).
        uint16_t lo = 0, hi16 = 0;
        std::memcpy(&lo, glb.data(8192, 2), 2);
        std::memcpy(&hi16, hi.data(8192, 2), 2);
        psum0 = static_cast<int32_t>(static_cast<uint32_t>(hi16) << 16 | lo);
        macs = pe.counters().macs_executed;
        mapping = m;
        sc_stop();
    }
    Layer layer;
    std::string arb;
    SimContext ctx;
    GlobalBuffer* glb_ = nullptr;
    uint64_t write_addr = 0, write_bytes = 0, write_done = 0;
    uint64_t filters_loaded = 0, done = 0, macs = 0;
    int32_t psum0 = 0;
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
    // Output (0, 0): 3x3 ones (GLB ifmaps) x 3x3 ones (filters) = 9, in the GLB's psum region.
    CHECK(r.psum0 == 9);
}

namespace {
// The one-set layer below with a concurrent link-style write of 4000 bytes at 1024 issued at
// cycle 2: 500 64-bit words, 20 on each of the 25 banks (alone: 2 -> 22). The array's first
// ifmap read (15 values at 0: 30 bytes = words 0-3, banks 0-3) is issued at cycle 3, when the
// filters are loaded.
Layer one_set_layer() {
    Layer l;
    l.name = "one_set_conflict";
    l.C = l.K = 1;
    l.H = l.W = 5;
    l.R = l.S = 3;
    return l;
}
}  // namespace

TEST_CASE("GLB bank conflict, link write vs ifmap read, round robin: the read is not held up") {
    PassRunner r("runner", one_set_layer());
    r.write_addr = 1024;
    r.write_bytes = 4000;
    sc_start();
    // Banks 0-3 serve the read at cycle 3 (the write was served at 2): done at 4, behind the
    // network (18), so the pass is as without the write: 38. Column 1's read (5 values at
    // byte 6: words 0-1) takes banks 0-1 at cycle 18, done at 19, behind its network (23).
    // The write loses cycles 3 and 18 on banks 0 and 1: 22 -> 24.
    CHECK(r.done == 38);
    CHECK(r.write_done == 24);
    CHECK(r.psum0 == 9);
}

TEST_CASE("GLB bank conflict, link write vs ifmap read, fcfs: the read waits for the write") {
    PassRunner r("runner", one_set_layer(), "fcfs");
    r.write_addr = 1024;
    r.write_bytes = 4000;
    sc_start();
    // Banks 0-3 are the write's until 22; the read takes cycle 22: done 23 > the network's 18.
    // Column 0: MACs 23 .. 26. Column 1: its 5 values 23 -> 28; MACs 28 .. 31; column 0's psums
    // issued at 26 + 3 = 29. Column 2: due at 28, issued at 29 behind that drain (one thread
    // issues in time order) -> 34; MACs 34 .. 37 + pipeline drain 2 -> 39; chain 3 -> 42; one
    // psum-network cycle -> 43 (38 + 5).
    CHECK(r.write_done == 22);
    CHECK(r.done == 43);
    CHECK(r.psum0 == 9);
}

TEST_CASE("a strip-mined set runs its first strip in hand-derived cycles") {
    // 1 channel, 1 filter 7x7, 22x22 ifmap, stride 1: output 16x16. The logical set 7x16 is
    // wider than the 14 columns and two stacked pieces (2 x 7 rows) do not fit the 12 rows, so
    // it is strip-mined: strips of e = 8 output rows (7x8 = 56 PEs), each needing 14 ifmap rows.
    Layer l;
    l.name = "strip";
    l.C = l.K = 1;
    l.H = l.W = 22;
    l.R = l.S = 7;
    PassRunner r("runner", l);
    sc_start();
    REQUIRE(r.mapping.set_h == 7);
    REQUIRE(r.mapping.e == 8);
    REQUIRE(r.mapping.pieces == 1);
    REQUIRE(r.mapping.strips == 2);
    REQUIRE(r.mapping.active_pes == 56);
    REQUIRE(r.mapping.p == 1);
    REQUIRE(r.mapping.q == 1);
    // Filters: 49 values over the 64-bit filter network: ceil(49/4) = 13 cycles.
    CHECK(r.filters_loaded == 13);
    // Column 0: the window is 14 rows x 7 columns = 98 values on the 16-bit ifmap network
    //   (the spare spad entries, 12 - 7 = 5, take them from the filter load's end): 13 -> 111;
    //   MACs p*q*S = 7: 111 .. 118.
    // Columns 1..15: 14 new values each (one per ifmap row), into spare entries, behind the
    //   previous delivery: column k's values arrive at 111 + 14k and its MACs start then
    //   (the network, 14 cycles, is slower than the 7 MACs). Column 15 starts at 321, ends at
    //   328 plus the 3-stage pipeline drain (2) at the row end: 330.
    // Last psums: up the 7-PE column (7 - 1 + ceil(1/4) = 7) -> 337, then 8 psums over the
    //   64-bit psum network (2 cycles) -> 339.
    CHECK(r.done == 339);
    // 8 x 16 outputs x 49 MACs, every ifmap value non-zero.
    CHECK(r.macs == 8 * 16 * 49);
    CHECK(r.psum0 == 49);  // 7x7 ones x 7x7 ones, accumulated in the GLB
}

TEST_CASE("RLC round trip: runs longer than 31, trailing zeros, dense rows") {
    std::vector<int16_t> row(100, 0);
    row[0] = 5;
    row[40] = -3;
    row[41] = 7;
    row[98] = 1;
    std::vector<uint8_t> bytes;
    rlc_encode_row(row.data(), 100, bytes);
    // Pairs: (0,5) (31,0) (7,-3) (0,7) (31,0) (24,1) (0,0 trailing) = 7 pairs -> 3 words.
    CHECK(bytes.size() == 24);
    const std::size_t first_row_bytes = bytes.size();
    std::vector<int16_t> dense(30);
    for (int i = 0; i < 30; ++i) dense[static_cast<std::size_t>(i)] = static_cast<int16_t>(i + 1);
    rlc_encode_row(dense.data(), 30, bytes);
    // Dense: 30 pairs -> 10 words of 64 bits (21.3 bits per value against 16 raw).
    CHECK(bytes.size() - first_row_bytes == 80);
    RlcDecoder d1(5, 0, 0, 100);
    std::vector<int16_t> out;
    d1.feed(bytes.data(), first_row_bytes, out);
    CHECK(out == row);
    RlcDecoder d2(5, 0, 0, 30);
    std::vector<int16_t> out2;
    d2.feed(bytes.data() + first_row_bytes, bytes.size() - first_row_bytes, out2);
    CHECK(out2 == dense);
}

TEST_CASE("RLC plane stream: rows packed, a row range decoded from the middle of a word") {
    // Three rows of 10 values in one stream; runs continue across row ends.
    std::vector<int16_t> v(30, 0);
    v[2] = 4;
    v[9] = 1;
    v[15] = -2;   // row 1 starts with 5 zeros (continuing nothing: row 0 ended on a level)
    v[27] = 9;
    std::vector<uint8_t> bytes;
    RlcEncoder enc(bytes);
    const RlcPosition r0 = enc.append(v.data(), 10);
    const RlcPosition r1 = enc.append(v.data() + 10, 10);
    const int64_t r1_end = enc.end_pair();
    const RlcPosition r2 = enc.append(v.data() + 20, 10);
    enc.flush();
    // Pairs: (2,4) (6,1) | (5,-2) then row 1's 4 trailing zeros run on into row 2:
    // (11,9) holds 4 zeros of row 1 and 7 of row 2 before the 9, then (1,0) closes the stream.
    CHECK(r0.pair == 0);
    CHECK(r1.pair == 2);
    CHECK(r1.offset == 0);
    CHECK(r1_end == 4);       // the pair holding row 1's last zeros is pair 3
    CHECK(r2.pair == 3);
    CHECK(r2.offset == 4);    // 4 of pair 3's values belong to row 1
    CHECK(bytes.size() == 16); // 5 pairs -> 2 words, the last padded
    // Row 2 alone: from word 1 (pair 3 is its first pair), skip 0 pairs, 4 values.
    RlcDecoder d(5, r2.pair % 3, r2.offset, 10);
    std::vector<int16_t> out;
    d.feed(bytes.data() + r2.pair / 3 * 8, bytes.size() - static_cast<std::size_t>(r2.pair / 3 * 8), out);
    CHECK(out == std::vector<int16_t>(v.begin() + 20, v.end()));
    // Rows 1-2 from word 0, skipping pairs 0-1.
    RlcDecoder d12(5, r1.pair % 3, r1.offset, 20);
    std::vector<int16_t> out12;
    d12.feed(bytes.data(), bytes.size(), out12);
    CHECK(out12 == std::vector<int16_t>(v.begin() + 10, v.end()));
}

TEST_CASE("RLC with 2 pairs per word: 16-bit runs, words padded after the second pair") {
    // eyeriss.rlc_pairs_per_word = 2, rlc_run_bits = 16: a pair is 32 bits, two fill a word.
    std::vector<int16_t> row(1000, 0);
    row[0] = 5;
    row[700] = -3;
    row[999] = 1;
    std::vector<uint8_t> bytes;
    rlc_encode_row(row.data(), 1000, bytes, 16, 2);
    // Pairs: (0,5) (699,-3) (298,1) = 3 pairs -> 2 words (the second holds one pair and padding).
    CHECK(bytes.size() == 16);
    RlcDecoder d(16, 0, 0, 1000, 2);
    std::vector<int16_t> out;
    d.feed(bytes.data(), bytes.size(), out);
    CHECK(out == row);
    // The same row with the chip's format (5-bit runs, 3 pairs per word): runs of 699 and 298
    // are cut every 32 values (a pair with level 0): 1 + 22 + 10 = 33 pairs -> 11 words.
    std::vector<uint8_t> chip;
    rlc_encode_row(row.data(), 1000, chip);
    CHECK(chip.size() == 88);
    // Dense values: one pair each, 2 per word -> 4 bytes per value (3 per word: 2.67).
    std::vector<int16_t> dense(30, 7);
    std::vector<uint8_t> b2, b3;
    rlc_encode_row(dense.data(), 30, b2, 5, 2);
    rlc_encode_row(dense.data(), 30, b3, 5, 3);
    CHECK(b2.size() == 15 * 8);
    CHECK(b3.size() == 10 * 8);
    // A row located in the middle of a 2-pair stream: skip pairs within its word.
    std::vector<uint8_t> s;
    RlcEncoder enc(s, 5, 2);
    enc.append(dense.data(), 3);
    const RlcPosition r1 = enc.append(dense.data() + 3, 27);
    enc.flush();
    CHECK(r1.pair == 3);
    RlcDecoder mid(5, r1.pair % 2, r1.offset, 27, 2);
    std::vector<int16_t> tail;
    mid.feed(s.data() + r1.pair / 2 * 8, s.size() - static_cast<std::size_t>(r1.pair / 2 * 8), tail);
    CHECK(tail == std::vector<int16_t>(27, 7));
}
