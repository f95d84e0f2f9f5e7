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
        std::vector<int16_t> ifm(static_cast<std::size_t>(layer.C * layer.H * layer.W), 1);
        std::memcpy(glb.data(0, ifm.size() * 2), ifm.data(), ifm.size() * 2);
        std::vector<int16_t> w(static_cast<std::size_t>(m.filter_pass_bytes / 2), 1);
        std::memcpy(fil.data(0, w.size() * 2), w.data(), w.size() * 2);
        PeArray pe(m, prm);
        pe.begin_residency(0, 0, 0, 0);
        // Strip 0: its ifmap rows only (all of them when the set is not strip-mined).
        pe.set_ifmaps(glb, 0, 0, 0, 0, std::min<int64_t>(layer.H, m.ifmap_rows), 0, 0);
        const uint64_t fl = pe.load_filters(fil, ctx, m.filter_pass_bytes);
        // Psums of an earlier channel block (first_acc false): psum_init in every psum of the
        // residency's region, as the earlier pass left them in the GLB.
        if (!first_acc) {
            const std::size_t np = static_cast<std::size_t>(m.n * m.m * m.e * m.F);
            std::vector<int16_t> ps(np, psum_init);
            std::memcpy(glb.data(8192, np * 2), ps.data(), np * 2);
            std::memset(hi.data(8192, np * 2), 0, np * 2);
        }
        pe.run_pass(0, first_acc, glb, hi, 8192, ctx);
        psum_in_flits = pe.psum_in_bus().flits();
        psum_in_stall = pe.psum_in_bus().stall_cycles();
        filters_loaded = fl;
        done = pe.array_free();
        // The first output's psum, where the array accumulated it: the GLB's psum region at
        // 8192 (low 16 bits) and the shadow store (high 16 bits).
        uint16_t lo = 0, hi16 = 0;
        std::memcpy(&lo, glb.data(8192, 2), 2);
        std::memcpy(&hi16, hi.data(8192, 2), 2);
        psum0 = static_cast<int32_t>(static_cast<uint32_t>(hi16) << 16 | lo);
        macs = pe.counters().macs_executed;
        ifmap_flits = pe.ifmap_bus().flits();
        mapping = m;
        sc_stop();
    }
    Layer layer;
    std::string arb;
    SimContext ctx;
    GlobalBuffer* glb_ = nullptr;
    uint64_t write_addr = 0, write_bytes = 0, write_done = 0;
    uint64_t filters_loaded = 0, done = 0, macs = 0, ifmap_flits = 0;
    bool first_acc = true;
    int16_t psum_init = 0;
    uint64_t psum_in_flits = 0, psum_in_stall = 0;
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
    // Block rules (hw/eyeriss/noc.h, pe_array.cpp): a flit is on a bus one cycle and in the PE
    // the next; it goes once its GLB read is done, the bus is free and its PEs can accept it.
    // A PE's step starts when its last step is done, its filters are in and its psum entries
    // are free; it ends after q*S*p MAC cycles, or after its last value's arrival plus the
    // MACs behind it. Ifmap flit (one value) of row h goes to the PEs (output row j, filter
    // row rr) with j + rr = h; PE row rr's psums go up the column (bottom rr = 2 first).
    // Filters: one 64-bit flit per set row (3 values), sent 0, 1, 2; the filter GLB read
    // (18 bytes, 3 words on one bank) is done at 3: all in at 3.
    CHECK(r.filters_loaded == 3);
    // Column 0: the GLB reads (each row's 3 values at its own address: words 0, 1, 2-3, 3-4, 5;
    //   bank 3 serves two rows) are issued at 3: rows 0-2 and 4 done at 4, row 3 at 5 (its flits
    //   go from 13). Flits 4 .. 18,
    //   row h's value w at 4 + 3h + w, in at 5 + 3h + w; value w is window position w, with
    //   (3 - w) MACs behind it: a PE on row h ends at 8 + 3h (MACs alone: 3 + 3 = 6).
    //   Psums (1 per PE, one 64-bit packet): bottom PE (h = j + 2) sends at 14 + 3j, the
    //   middle one at 15 + 3j, the top one is ready at 16 + 3j: psum-out grants 16, 19, 22.
    // Column 1: the drain's GLB writes are issued at 16 (first grant). Its GLB reads (one value
    //   per row, words 0, 2, 3, 4, 5) at 19 (the ifmap bus is free at 19), done 20; flits 20 ..
    //   24, in at 21 + h;
    //   window position 2, one MAC behind it: a PE ends at max(its start 8 + 3h + 3, 22 + h)
    //   = 22 + h. Chain: top ready 26 + j: grants 26, 27, 28.
    // Column 2: GLB read at 25, done 26; flits 26 .. 30, in at 27 + h; ends 28 + h plus the
    //   3-stage pipeline drain (2) at the row end: 30 + h. Chain: top ready 34 + j: grants
    //   34, 35, 36; the last packet is in the GLB at 37 (its write, issued at 34, done at 35).
    CHECK(r.done == 37);
    // 9 outputs x 9 MACs, all ifmap values non-zero.
    CHECK(r.macs == 81);
    // Output (0, 0): 3x3 ones (GLB ifmaps) x 3x3 ones (filters) = 9, in the GLB's psum region.
    CHECK(r.psum0 == 9);
}

namespace {
// The one-set layer below with a concurrent link-style write of 4000 bytes at 1024 issued at
// cycle 2: 500 64-bit words, 20 on each of the 25 banks (alone: 2 -> 22). The array's first
// ifmap reads (each row's 3 values at its own address: words 0, 1, 2-3, 3-4, 5 on banks 0-5)
// are issued at cycle 3, when the filters are loaded.
Layer one_set_layer() {
    Layer l;
    l.name = "one_set_conflict";
    l.C = l.K = 1;
    l.H = l.W = 5;
    l.R = l.S = 3;
    return l;
}
}  // namespace

TEST_CASE("GLB bank conflict, link write vs ifmap read, round robin: the banks are shared word by word") {
    PassRunner r("runner", one_set_layer());
    r.write_addr = 1024;
    r.write_bytes = 4000;
    sc_start();
    // Round robin serves a bank's requests in sweeps, in issue order: at 3 the new sweep on
    // banks 0-5 serves the write, then the reads from 4: rows 0-2 and 4 done at 5, row 3 (its
    // word 3 behind row 2's on bank 3) at 6, one and two cycles later than alone. Column 0 is
    // one cycle later than in the test above: flits 5 .. 19 (row 3's from 14), PE on row h ends
    // 9 + 3h, grants 17, 20, 23. Column 1: the drain write at 17 (the step's 3 psums, adjacent
    // at 8192: word 1024, bank 24) behind the link write's word at 17: done 19; GLB reads at
    // 20 (bus free at 20) on
    // banks 0, 2, 3, 4, 5, the write's word first: done 22; flits 22 .. 26, PEs end 24 + h;
    // grants 28, 29, 30. Column 2: GLB reads at 27 (banks 1-4, 6; the write is done there by
    // 25): done 28; flits 28 .. 32, PEs end 30 + h + 2 (pipeline drain); top ready 36 + j:
    // grants 36, 37, 38; last packet in the GLB at 39 (+2 against 37).
    // The write (20 words per bank from 2: 22 alone) loses cycle 4 on banks 0-5 and 5 on
    // bank 3 (the two rows), 18 on 24 (the drain), 21 on 0, 2, 3, 4, 5 (column 1's reads):
    // done 25 on bank 3.
    CHECK(r.done == 39);
    CHECK(r.write_done == 25);
    CHECK(r.psum0 == 9);
}

TEST_CASE("GLB bank conflict, link write vs ifmap read, fcfs: the read waits for the write") {
    PassRunner r("runner", one_set_layer(), "fcfs");
    r.write_addr = 1024;
    r.write_bytes = 4000;
    sc_start();
    // Banks 0-5 are the write's until 22; the reads take cycle 22: done 23 (row 3's, behind
    // row 2's on bank 3, at 24: its flits go from 32). Nothing crosses
    // the ifmap network before it is read: flits 23 .. 37, PEs end 27 + 3h; chain: top ready
    // 35 + 3j: grants 35, 38, 41. Column 1: drain at 35 (done 36), read at 38 (bus free),
    // done 39; flits 39 .. 43; PEs end max(27 + 3h + 3, 41 + h) = 41 + h; grants 45, 46, 47.
    // Column 2: read at 44, done 45; flits 45 .. 49; PEs end 47 + h + 2 (drain); top ready
    // 53 + j: grants 53, 54, 55; in the GLB at 56 (37 + 19: the read waits 19 cycles).
    CHECK(r.write_done == 22);
    CHECK(r.done == 56);
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
    // Bound by the 16-bit ifmap network: 14 new values per output column (one per ifmap row)
    // cross it in 14 cycles, against 7 MAC cycles per PE.
    // Filters: each of the 7 set rows gets its 7 values in two 64-bit flits: 14 flits, 0 .. 13,
    //   the last in at 14 (the filter GLB read, 13 words on one bank, is done at 13).
    CHECK(r.filters_loaded == 14);
    // Column 0: GLB reads of the 14 rows' 7 values (14 bytes each, 44 bytes apart) issued at
    //   13 (the thread waited for the filter read): row 0 (words 0-1) done 14 (row 9 shares its
    //   banks 0-1, behind it), every row long before its turn on the ifmap network. 98 flits 14 .. 111: row h's value
    //   w in at 15 + 7h + w, window position w, 7 - w MACs behind it: the PE on row h = j + rr
    //   ends at 22 + 7h (the 5 spare ifmap entries and the values used first hold the rest).
    // Columns x = 1 .. 15: one new value per row, window position 6 (one MAC behind it); the
    //   GLB read when the bus is free (112 + 15(x - 1)), done a cycle later, then 14 flits:
    //   PE on row h ends at 115 + h + 15(x - 1) (its MACs, 7 from its last end, are shorter).
    //   Column 15: 325 + h, plus the pipeline drain (2): 327 + h.
    // Last psums: the 7-PE column j: bottom (h = j + 6) sends at 333 + j, one hop per cycle up
    //   the vertical links: the top is ready at 339 + j; psum-out grants 339 .. 346 (8 columns,
    //   one 64-bit packet each); in the GLB at 347.
    CHECK(r.done == 347);
    // 8 x 16 outputs x 49 MACs, every ifmap value non-zero.
    CHECK(r.macs == 8 * 16 * 49);
    CHECK(r.psum0 == 49);  // 7x7 ones x 7x7 ones, accumulated in the GLB
}

TEST_CASE("multicast: one ifmap flit reaches every PE on its row's diagonal in both filter sets") {
    // 1 channel, 2 filters 3x3, 5x5 ifmap: two 3x3 sets on different filters (t = 2, p = 1):
    // the ifmap network's IDs (channel set, ifmap row) match a row's PEs in both sets.
    Layer l;
    l.name = "multicast";
    l.C = 1;
    l.K = 2;
    l.H = l.W = 5;
    l.R = l.S = 3;
    PassRunner r("runner", l);
    sc_start();
    REQUIRE(r.mapping.t == 2);
    REQUIRE(r.mapping.p == 1);
    REQUIRE(r.mapping.active_pes == 18);
    // Filters: 6 set rows (2 sets x 3 rows), one flit each, sent 0 .. 5, in at 1 .. 6; the
    // filter GLB read (36 bytes, 5 words, one bank) is done at 5: in at 5, the last row at 6.
    CHECK(r.filters_loaded == 6);
    // Each ifmap value crosses the network once for both sets: 15 + 5 + 5 flits, not 2x.
    CHECK(r.ifmap_flits == 25);
    // Column 0: GLB reads at 5, done 6 (row 3's, behind row 2's on bank 3, at 7, before its
    //   flits' turn); flits 6 .. 20 as in the one-set test, 1 cycle later:
    //   a PE on row h ends at 10 + 3h in both sets. Chain: the top of column (set, j) is ready
    //   at 18 + 3j; the two sets' columns share the psum-out bus, first come first served
    //   (ties by column): grants 18, 19, 21, 22, 24, 25.
    // Column 1: drain write at 18 (done 19), read at 21 (bus free), done 22; flits 22 .. 26;
    //   PEs end 24 + h; tops ready 28 + j: grants 28, 29, 30, 31, 32, 33.
    // Column 2: read at 27, done 28; flits 28 .. 32; PEs end 30 + h + 2 (pipeline drain); tops
    //   ready 36 + j: grants 36 .. 41; in the GLB at 42 (5 more than one set: the psum-out
    //   bus carries twice the psums).
    CHECK(r.done == 42);
    CHECK(r.macs == 2 * 9 * 9);
    CHECK(r.psum0 == 9);
}

TEST_CASE("psum accumulation across the vertical links of two channel sets") {
    // 2 channels, 1 filter 3x3, 5x5 ifmap: two 3x3 sets on different channels stacked in one
    // column (r = 2): each output's psum runs up a chain of 6 PEs (channel set 1 at the
    // bottom), one 64-bit link hop per cycle, and its top PE drains it to the GLB.
    Layer l;
    l.name = "vertical";
    l.C = 2;
    l.K = 1;
    l.H = l.W = 5;
    l.R = l.S = 3;
    PassRunner r("runner", l);
    sc_start();
    REQUIRE(r.mapping.r == 2);
    REQUIRE(r.mapping.q == 1);
    REQUIRE(r.mapping.active_pes == 18);
    // Filters: 6 set rows, one flit each, sent 0 .. 5; GLB read (5 words) done 5: in at 5, the
    // bottom row's at 6.
    CHECK(r.filters_loaded == 6);
    // Column 0: the reads of 2 channels x 5 rows x 3 columns (one per row, words 0-11) at 5,
    //   done 6 (the second row on banks 3 and 8 at 7, long before its flits' turn);
    //   channel 0's 15 flits 6 .. 20, channel 1's 21 .. 35 (in at 22 + 3h + w). PEs end at
    //   10 + 3h (channel set 0) and 25 + 3h (channel set 1), h = j + rr.
    //   Chain of column j (bottom = channel set 1, filter row 2): sends at 31 + 3j, 32 + 3j,
    //   33 + 3j, then channel set 0's PEs (done long before) pass the sum on at 34 + 3j,
    //   35 + 3j: the top is ready at 36 + 3j. Grants 36, 39, 42.
    // Column 1: read (20 bytes from byte 6) at 36, done 37; drain write at 36; flits: channel
    //   0 37 .. 41, channel 1 42 .. 46. PEs end 39 + h and 44 + h; chain: bottom sends at
    //   46 + j, ... top ready 51 + j: grants 51, 52, 53.
    // Column 2: read at 47, done 48; flits 48 .. 57; PEs end 52 + h and 57 + h (with the
    //   pipeline drain); bottom sends 59 + j, top ready 64 + j: grants 64, 65, 66; in the GLB
    //   at 67.
    CHECK(r.done == 67);
    CHECK(r.ifmap_flits == 30 + 10 + 10);
    CHECK(r.macs == 9 * 18);
    CHECK(r.psum0 == 18);  // 2 channels x 3x3 ones x 3x3 ones, summed up the column
}

TEST_CASE("psum-in network: psums of an earlier channel block stream from the GLB into the bottom PEs") {
    // The one-set layer (first test) as a later channel block: each step first reads its 3
    // psums (one per output row j, F = 3 values apart) from the GLB's psum region and sends
    // them over the 64-bit psum-in network, one flit per column, into the column's bottom PE
    // (filter row 2), which adds them as the sum passes up the vertical links.
    PassRunner r("runner", one_set_layer());
    r.first_acc = false;
    r.psum_init = 100;
    sc_start();
    // All three bottom PEs sit on PE row 2: one X-bus, so each flit waits for the previous
    // one to leave its register (a full X-bus stalls the Y-bus). The psum spad is double
    // (24 entries >= 2p): a bottom PE takes the flit once its step has started (noc.h,
    // pe_array.cpp).
    // Column 0: the psum-in read (the step's 3 psums, adjacent: 6 bytes at 8192, word 1024,
    //   bank 24) is issued at 3 with the
    //   ifmap read (banks 0-3), done 4. Bottom PEs start at 3 (filters in): Y-bus 4, 5, 6, each
    //   passed on by X-bus 2 at once (the register is free from 5, 6): in at 5, 6, 7; no stall.
    //   Chain and grants as in the first test: the bottom PE's own psum (14 + 3j) is later.
    // Column 1: the psum-in read when the bus is free (7) and a PE may be near its step (the
    //   earliest step end, 8): bytes 8198-8203 (words 1024-1025) issued 8, done 9. Bottom PEs start their step at their last end,
    //   14 + 3j. Column 0's flit: Y 9, X-bus at 14 (stall 5), register free from 15; column
    //   1's: Y waits from 10 to 15 for the register (stall 5), X at 17 (stall 2); column 2's:
    //   Y 18 (from 16: stall 2), X at 20 (stall 2). In at 15, 18, 21: before the bottom PEs'
    //   own psums (24 + j), so the step ends as in the first test.
    // Column 2: read at 22 (the earliest step end; words 1025-1026), done 23; bottom PEs start at 24 + j (their
    //   last ends). Y 23, X 24 (stall 1); Y 25 (register free from 25; Y-bus free from 24:
    //   stall 1), X 25; Y 26, X 26. In at 25, 26, 27, before the own psums (32 + j).
    // Psum-in stall: 0 + (5 + 5 + 2 + 2 + 2) + (1 + 1) = 18 cycles; 9 flits; the pass ends at
    // 37 as without incoming psums.
    CHECK(r.psum_in_flits == 9);
    CHECK(r.psum_in_stall == 18);
    CHECK(r.done == 37);
    // Output (0, 0): the incoming 100 (through the GLB, the psum-in network and the bottom PE)
    // plus 3x3 ones x 3x3 ones.
    CHECK(r.psum0 == 109);
}

TEST_CASE("X-buses: a PE that cannot accept stalls its X-bus, the Y-bus goes on to the other rows") {
    // PEs 0, 1 on X-bus 0, PEs 2, 3 on X-bus 1, PE 4 on X-bus 2. Row ID 0 column ID 0 matches
    // PE 0 (X-bus 0) and PE 2 (X-bus 1); row ID 1 column ID 0 matches PE 4 (X-bus 2).
    MulticastIds ids;
    ids.assign(0, 0, 0, 0);
    ids.assign(1, 0, 1, 0);
    ids.assign(2, 0, 0, 1);
    ids.assign(3, 0, 1, 1);
    ids.assign(4, 1, 0, 2);
    const Multicast& a = ids.match(0, 0);
    REQUIRE(a.pes == std::vector<int>{0, 2});
    REQUIRE(a.xbus == std::vector<int>{0, 1});
    const Multicast& b = ids.match(1, 0);
    REQUIRE(b.xbus == std::vector<int>{2});
    REQUIRE(ids.match(1, 1).pes.empty());
    GlobalBus bus(1, 3);
    // Flit A (tag 0/0), data ready at 0; PE 0 can accept at once, PE 2 only from cycle 5.
    // Y-bus at 0; X-bus 0 passes it at 0 (in PE 0 at 1); X-bus 1 holds it until 5 (in PE 2 at
    // 6) and is free again from 6.
    const uint64_t ya = bus.send_y(0, a);
    CHECK(ya == 0);
    CHECK(bus.send_x(0, ya, 0) == 0);
    CHECK(bus.send_x(1, ya, 5) == 5);
    // Flit B (tag 1/0) for X-bus 2: the Y-bus is free from 1 and X-bus 2 is empty: on at 1,
    // in PE 4 at 2. (A single-level bus held by PE 2 would have sent it at 6.)
    const uint64_t yb = bus.send_y(0, b);
    CHECK(yb == 1);
    CHECK(bus.send_x(2, yb, 0) == 1);
    // Flit C (tag 0/0 again), both PEs ready: X-bus 1 still holds A until 5, so the Y-bus
    // waits for its register, free from 6: Y 6, both X-buses at 6 (the Y-bus stalled 4 cycles,
    // 2 .. 5, behind the full X-bus).
    const uint64_t yc = bus.send_y(0, a);
    CHECK(yc == 6);
    CHECK(bus.send_x(0, yc, 0) == 6);
    CHECK(bus.send_x(1, yc, 0) == 6);
    // Flit D (tag 1/0): behind C on the Y-bus: 7.
    CHECK(bus.send_y(0, b) == 7);
    // Stalls: A on X-bus 1, 5 cycles; C on the Y-bus, 6 - 2 = 4 cycles.
    CHECK(bus.stall_cycles() == 9);
    CHECK(bus.flits() == 4);
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

namespace {
// Two passes of `layer`'s first filter block: the second pass's filters prefetched (their
// "DMA" done from the start) while the first runs; the second load starts once every PE is done.
struct PrefetchRunner : sc_module {
    SC_HAS_PROCESS(PrefetchRunner);
    PrefetchRunner(sc_module_name n, const Layer& l) : sc_module(n), layer(l) {
        ctx.clk = sc_time(5, SC_NS);
        SC_THREAD(run);
    }
    void run() {
        const EyerissParams prm;
        m = map_layer(layer, prm, 2.4);
        GlobalBuffer glb(buf("glb", 102400, 25), ctx), fil(buf("fil", 8192, 1), ctx);
        BufferConfig hc = buf("glb", 102400, 25);
        hc.name = "glb_psum_hi";
        GlobalBuffer hi(hc, ctx);
        std::vector<int16_t> ifm(static_cast<std::size_t>(layer.C * layer.H * layer.W), 1);
        std::memcpy(glb.data(0, ifm.size() * 2), ifm.data(), ifm.size() * 2);
        std::vector<int16_t> w(static_cast<std::size_t>(m.filter_pass_bytes / 2), 1);
        std::memcpy(fil.data(0, w.size() * 2), w.data(), w.size() * 2);
        PeArray pe(m, prm);
        pe.begin_residency(0, 0, 0, 0);
        pe.set_ifmaps(glb, 0, 0, 0, 0, std::min<int64_t>(layer.H, m.ifmap_rows), 0, 0);
        pe.load_filters(fil, ctx, m.filter_pass_bytes);
        flits_per_load = pe.filter_bus().flits();
        pe.arm_filter_prefetch([] { return true; }, &fil, m.filter_pass_bytes);
        pe.run_pass(0, true, glb, hi, 65536, ctx);
        ctx.wait_until(std::max(pe.array_free(), pe.filter_bus().free_at()));
        t1 = ctx.now_cycles();
        pe.load_filters(fil, ctx, m.filter_pass_bytes);
        bus_free = pe.filter_bus().free_at();
        sc_stop();
    }
    Layer layer;
    SimContext ctx;
    RsMapping m;
    uint64_t flits_per_load = 0, t1 = 0, bus_free = 0;
};
}  // namespace

TEST_CASE("filter prefetch: every set row's spare-entry flits crossed the network during the last pass") {
    // 11x11 filters, 3 channels: p*q*S filter values per PE exceed half the 224-entry filter
    // spad, so a row's flits are partly prefetched (into the spare entries), partly sent at the
    // next load. The prefetched flits of ALL rows went during the first pass; the second load
    // sends only the rest: rows x (C - early) flits from t1, one per cycle (no PE busy: the
    // load starts after every step). Were each row's prefetched flits queued behind the
    // previous rows' late flits, the bus would be busy rows x C - early cycles.
    Layer l;
    l.name = "prefetch";
    l.C = 3;
    l.K = 32;
    l.H = l.W = 63;
    l.R = l.S = 11;
    l.stride = 4;
    PrefetchRunner r("prefetch_runner", l);
    sc_start();
    const EyerissParams prm;
    const int64_t per_pe = r.m.p * r.m.q * r.m.S, fv = 4;  // 64-bit filter network
    const int64_t C = (per_pe + fv - 1) / fv, early = std::min(C, (prm.spad_filter - per_pe) / fv);
    INFO("p " << r.m.p << " q " << r.m.q << " S " << r.m.S << ": C " << C << " early " << early);
    REQUIRE(early > 0);
    REQUIRE(early < C);
    REQUIRE(r.flits_per_load % static_cast<uint64_t>(C) == 0);
    const uint64_t rows = r.flits_per_load / static_cast<uint64_t>(C);
    REQUIRE(rows >= 2);
    CHECK(r.bus_free - r.t1 == rows * static_cast<uint64_t>(C - early));
}
