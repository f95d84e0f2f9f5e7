// SCNN's timing blocks with hand-derived cycle counts (issue 14, stage 2): the weight broadcast
// bus and the per-PE weight FIFOs, the scatter crossbar's bank conflicts in one output-channel
// group on one PE, and the halo exchange over the inter-PE links.
#include <catch2/catch.hpp>

#include "hw/scnn/halo_links.h"
#include "hw/scnn/layer_engine.h"
#include "hw/scnn/weight_broadcast.h"
#include "sw/reference/conv_reference.h"
#include "tests/hw/scnn/engine_helpers.h"

using namespace sx;
using namespace sx::scnn;

namespace {

// n FIFO entries of one weight each (F = 1), values 1..n.
void vecs(int n, std::vector<FifoVector>& v, std::vector<WgtEntry>& w) {
    v.assign(static_cast<std::size_t>(n), FifoVector{1, 0});
    w.clear();
    for (int i = 0; i < n; ++i) w.push_back({0, 0, 0, i + 1});
}

}  // namespace

TEST_CASE("weight FIFO runs dry because the broadcast bus is busy, then because a full FIFO holds it") {
    // 2 PEs (slots 0, 1), FIFOs of 4 entries, 1 weight per entry, bus 1 entry per cycle. Every
    // piece's bytes are there at cycle 0 and each piece goes to one PE (channel split).
    WeightBroadcast bc(2, 2, 4, 1);
    std::vector<FifoVector> v;
    std::vector<WgtEntry> w;
    // A: 4 entries for PE 0. Bus cycles 0, 1, 2, 3 -> in the FIFO at 4; PE 0 works 10 -> 14.
    REQUIRE(bc.room_from(0, 4).value() == 0);
    const auto a = bc.append(0, 4);
    vecs(4, v, w);
    CHECK(bc.deliver(a, 0, v, w) == 4);
    CHECK(bc.run(a, {10, 0}) == 14);
    // B: 2 entries for PE 1. The bus is busy with A until cycle 4: B goes out at 4, 5, lands
    // at 6. PE 1, free since 0, waited 6 cycles with an empty FIFO, all of them for the bus.
    const auto b = bc.append(1, 2);
    vecs(2, v, w);
    CHECK(bc.deliver(b, 0, v, w) == 6);
    CHECK(bc.run(b, {0, 3}) == 9);  // 6 + 3
    CHECK(bc.wait_bus[1] == 6);
    CHECK(bc.wait_dram[1] == 0);
    // C: 2 entries for PE 0, whose FIFO is full with A (4 of 4) until PE 0 finishes A at 14:
    // the bus (free at 6) is held 8 cycles, C goes out at 14, 15 and lands at 16.
    CHECK(bc.room_from(0, 2).value() == 14);
    const auto c = bc.append(0, 2);
    vecs(2, v, w);
    CHECK(bc.deliver(c, 0, v, w) == 16);
    CHECK(bc.bus_held_cycles == 8);
    CHECK(bc.run(c, {2, 0}) == 18);  // PE 0 free at 14, C in its FIFO at 16
    // D: 1 entry for PE 1 (free at 9): out at 16, lands 17. PE 1's FIFO ran dry 8 cycles
    // because the bus was held by PE 0's full FIFO.
    const auto d = bc.append(1, 1);
    vecs(1, v, w);
    CHECK(bc.deliver(d, 0, v, w) == 17);
    CHECK(bc.run(d, {0, 1}) == 18);
    CHECK(bc.wait_bus[1] == 6 + 8);
    CHECK(bc.bus_busy_cycles == 9);
    CHECK(bc.barrier() == 18);
    // The FIFO storage holds the weights the bus wrote: PE 0 reads C back as 1, 2.
    bc.read(0, c, v, w);
    REQUIRE(w.size() == 2);
    CHECK(w[0].v == 1);
    CHECK(w[1].v == 2);
    // What the PE computes on: the same entries read in place from the ring (FifoView).
    const FifoView fv = bc.view(0, c);
    REQUIRE(fv.n == 2);
    CHECK(fv.vec(0).n == 1);
    CHECK(fv.weights(0)[0].v == 1);
    CHECK(fv.weights(1)[0].v == 2);
    // Bytes arriving late count as DRAM wait: E (1 entry for PE 1, ready at 30): PE 1 free at
    // 18, the bus free at 17 -> out at 30, lands 31: 12 cycles waiting for DRAM, 1 for the bus.
    const auto e = bc.append(1, 1);
    vecs(1, v, w);
    CHECK(bc.deliver(e, 30, v, w) == 31);
    bc.run(e, {0, 1});
    CHECK(bc.wait_dram[1] == 12);
    CHECK(bc.wait_bus[1] == 6 + 8 + 1);
}

TEST_CASE("one output-channel group on one PE: broadcast, crossbar conflicts and the barrier by hand") {
    // 1 x 1 PE array; C=2, K=4, 4x4 map, 1x1 filter, all ones. Region = tile = 4x4, channel
    // pitch 16 rounded to odd = 17, Kc = min(4, 1024/17) = 4: one group, one piece per input
    // channel of 4 weights (the 4 output channels at tap (0,0)) = 1 FIFO entry.
    Layer L;
    L.name = "one_pe";
    L.C = 2; L.K = 4; L.H = L.W = 4;
    const std::vector<int8_t> w(8, 1), in(32, 1);
    ScnnParams prm;
    LayerEngine e(L, prm, 1, 1, true, true, w, in, 16);
    REQUIRE(e.mapping().Kc == 4);
    REQUIRE(e.mapping().channel_pitch == 17);
    REQUIRE(e.blocks.size() == 2);
    e.load_image(0);
    test::load_tiles(e);
    auto pol = make_sparse_pe_array(32);
    // Per piece: 16 activations = 4 vectors of I = 4 (row h, columns 0..3), each x 1 weight
    // vector. Products of activation j (= 4h + w) and channel k go to address 17k + j, bank
    // mod 32. Vector 0 (j 0..3): banks k0 0-3, k1 17-20, k2 34-37 -> 2-5, k3 51-54 -> 19-22:
    // banks 2, 3, 19, 20 take 2 products -> 2 cycles. Vectors 1-3 alike (k0/k2 and k1/k3 overlap
    // by 2 banks; vector 3: k1 29-32 -> 29,30,31,0 and k3 63-66 -> 31,0,1,2) -> 2 cycles each.
    // A piece: 4 x 2 = 8 cycles, 4 stall cycles.
    WeightBroadcast bc(1, 1, prm.weight_fifo_entries, prm.F);
    std::vector<FifoVector> v, pv;
    std::vector<WgtEntry> wv, pw;
    WeightBlock pe_piece;
    std::vector<uint64_t> finish;
    for (std::size_t i = 0; i < e.blocks.size(); ++i) {
        const WeightBlock p = test::piece(e, i);
        piece_to_fifo(p, true, prm.F, 1, v, wv);
        REQUIRE(v.size() == 1);
        const auto idx = bc.append(-1, 1);
        bc.deliver(idx, 0, v, wv);
        bc.read(0, idx, pv, pw);
        piece_from_fifo(p, true, e.phases(), pv, pw, pe_piece);
        const uint64_t work = pol->run_block(e, 0, pe_piece);
        CHECK(work == 8);
        finish.push_back(bc.run(idx, {work}));
    }
    // Bus: piece 0's entry at cycle 0 (lands 1), piece 1's at 1 (lands 2). PE: piece 0 from 1
    // to 9, piece 1 from 9 to 17 (in its FIFO since 2). Barrier at 17; the PE waited 1 cycle
    // for the bus.
    CHECK(finish == std::vector<uint64_t>{9, 17});
    CHECK(bc.barrier() == 17);
    CHECK(bc.wait_bus[0] == 1);
    CHECK(e.cnt.conflict_stalls == 8);
    CHECK(e.cnt.products == 128);
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
}

TEST_CASE("halo exchange: links of one partial sum per cycle, receivers' merge port arbitrated round robin") {
    // Slots 0 = R, 1 = S receive; 2 = A and 3 = B send 3 and 2 partial sums to R, 4 = C sends 2
    // to S. Cycle 1: A and B both want R: A granted (1 stall), C -> S. Cycle 2: B (round robin;
    // A stalls), C done. Cycle 3: A; cycle 4: B (done); cycle 5: A (done). 5 cycles = the 5
    // partial sums R merges, 4 sender-cycles lost to R's busy port.
    std::vector<std::vector<HaloRun>> runs(5);
    runs[2] = {{0, 3}};
    runs[3] = {{0, 2}};
    runs[4] = {{1, 2}};
    const HaloTiming t = halo_exchange(runs, 1);
    CHECK(t.cycles == 5);
    CHECK(t.port_stalls == 4);
    CHECK(t.values == 7);
    // Width 2: cycle 1 A sends 2 to R (B stalls), C sends 2 to S (done); cycle 2 B sends 2 (done; A
    // stalls); cycle 3 A sends its last. 3 cycles, 2 stalls.
    const HaloTiming t2 = halo_exchange(runs, 2);
    CHECK(t2.cycles == 3);
    CHECK(t2.port_stalls == 2);
}

TEST_CASE("halo exchange of a 3x3 layer: what PE (1,1) sends, in order, and to whom") {
    // C=1, K=1, 16x16, 3x3, pad 1 on 8x8 PEs: 2x2 tiles, region 4x4 (2 halo rows/cols above and
    // left). PE 9 = (1,1) scans its region row by row: rows 0-1 send columns 0-1 to PE 0 (up-left)
    // and columns 2-3 to PE 1 (up); rows 2-3 send columns 0-1 to PE 8 (left): runs
    // [PE0 2, PE1 2, PE0 2, PE1 2, PE8 4] of Kc = 1 partial sum each.
    Layer L;
    L.name = "halo";
    L.C = 1; L.K = 1; L.H = L.W = 16; L.R = L.S = 3; L.padding = 1;
    const std::vector<int8_t> w(9, 1), in(256, 1);
    ScnnParams prm;
    LayerEngine e(L, prm, 8, 8, true, true, w, in, 16);
    e.load_image(0);
    test::load_tiles(e);
    auto pol = make_sparse_pe_array(32);
    for (int p = 0; p < 64; ++p) pol->run_block(e, p, test::piece(e, 0));
    std::vector<std::vector<HaloRun>> runs;
    const uint64_t moved = e.end_group(0, &runs);
    const auto slot = [&](int pe) {
        const auto& a = e.active_pes();
        return static_cast<int>(std::find(a.begin(), a.end(), pe) - a.begin());
    };
    const auto& r9 = runs.at(static_cast<std::size_t>(slot(9)));
    REQUIRE(r9.size() == 5);
    const int want[5][2] = {{0, 2}, {1, 2}, {0, 2}, {1, 2}, {8, 4}};
    for (int i = 0; i < 5; ++i) {
        CHECK(r9[static_cast<std::size_t>(i)].dst == slot(want[i][0]));
        CHECK(r9[static_cast<std::size_t>(i)].values == static_cast<uint64_t>(want[i][1]));
    }
    const HaloTiming t = halo_exchange(runs, 1);
    CHECK(t.values == moved);
    // Every inner receiver merges 12 partial sums (4 from each of 3 neighbours) through one port:
    // at least 12 cycles.
    CHECK(t.cycles >= 12);
    CHECK(e.outputs == reference_conv(L, in, w));
}
