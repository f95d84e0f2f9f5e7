// Unit tests of SCNN's pure C++ parts with hand-derived figures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "hw/scnn/weight_broadcast.h"
#include "hw/scnn/layer_engine.h"
#include "tests/hw/scnn/engine_helpers.h"
#include "hw/scnn/planar_mapping.h"
#include "hw/scnn/scatter_crossbar.h"
#include "hw/scnn/sparse_encoding.h"
#include "sw/reference/conv_reference.h"

using namespace sx;
using namespace sx::scnn;

TEST_CASE("compressed-sparse: 4-bit runs, placeholder after 15 zeros, pack round trip") {
    // 3, then 20 zeros, then -5: run of 20 > 15 -> placeholder (run 15) + (-5, run 4).
    std::vector<int32_t> d(22, 0);
    d[0] = 3;
    d[21] = -5;
    const SparseStream s = encode_sparse(d);
    REQUIRE(s.entries.size() == 3);
    CHECK(s.entries[0].value == 3);
    CHECK(s.entries[0].run == 0);
    CHECK(s.entries[1].value == 0);
    CHECK(s.entries[1].run == 15);
    CHECK(s.entries[2].value == -5);
    CHECK(s.entries[2].run == 4);  // zeros 17..20 after the placeholder at 16
    CHECK(s.placeholders() == 1);
    CHECK(decode_sparse(s) == d);
    // 3 entries x (16 + 4) bits = 60 bits -> 8 bytes.
    CHECK(s.bytes(16) == 8);
    const auto packed = pack_sparse(s, 16);
    const SparseStream u = unpack_sparse(packed.data(), 3, 22, 16);
    CHECK(decode_sparse(u) == d);
    CHECK(sparse_positions(s) == std::vector<uint64_t>{0, 21});
}

TEST_CASE("scatter crossbar: bank conflicts stall the multiplier array") {
    ScatterCrossbar x(32);
    // 16 products to 16 different banks: one cycle.
    x.begin();
    for (uint32_t a = 0; a < 16; ++a) x.route(a);
    CHECK(x.end() == 1);
    // 16 products, addresses 0, 32, 64, ... all map to bank 0: 16 cycles, 15 stall cycles.
    x.begin();
    for (uint32_t a = 0; a < 16; ++a) x.route(a * 32);
    CHECK(x.end() == 16);
    CHECK(x.stall_cycles == 15);
    // 4 x 4 products where the four weights are four output channels with a per-channel region
    // of 8 entries and the four activations hit offsets 0..3: address = 8k + j. Banks 0..3,
    // 8..11, 16..19, 24..27: no conflict. With a region of 32 entries the four channels land on
    // the same banks: each bank gets 4 products -> 4 cycles.
    x.begin();
    for (uint32_t k = 0; k < 4; ++k)
        for (uint32_t j = 0; j < 4; ++j) x.route(8 * k + j);
    CHECK(x.end() == 1);
    x.begin();
    for (uint32_t k = 0; k < 4; ++k)
        for (uint32_t j = 0; j < 4; ++j) x.route(32 * k + j);
    CHECK(x.end() == 4);
}

TEST_CASE("scatter crossbar: the one-call cycle matches the stamped per-product path") {
    // cycle() / max_load() take the largest bank load without the stamped per-bank state; the
    // stamped route() path is the reference. Hand cases: {0, 32, 64, 1} -> bank 0 three times
    // -> 3 cycles; {5, 37, 6, 38} -> banks 5, 5, 6, 6 -> 2; no products -> 1 (the array issued).
    ScatterCrossbar x(32);
    const uint32_t a1[] = {0, 32, 64, 1}, a2[] = {5, 37, 6, 38};
    CHECK(x.max_load(a1, 4) == 3);
    CHECK(x.max_load(a2, 4) == 2);
    CHECK(x.max_load(a1, 0) == 1);
    // Every size 0..40 with addresses drawn from few banks (collisions on purpose).
    uint32_t seed = 12345;
    std::vector<uint32_t> addrs;
    for (int trial = 0; trial < 400; ++trial) {
        const std::size_t n = static_cast<std::size_t>(trial % 41);
        addrs.clear();
        for (std::size_t i = 0; i < n; ++i) {
            seed = seed * 1103515245u + 12345u;
            addrs.push_back((seed >> 8) % (trial % 3 == 0 ? 40u : 200u));
        }
        ScatterCrossbar ref(32), fast(32);
        ref.begin();
        ref.route(addrs.data(), n);
        const uint32_t want = ref.end();
        CHECK(fast.cycle(addrs.data(), n) == want);
        CHECK(fast.stall_cycles == ref.stall_cycles);
        CHECK(fast.products == ref.products);
        CHECK(fast.array_cycles == ref.array_cycles);
    }
}

TEST_CASE("scatter crossbar with bank queues: a passing conflict is absorbed, a persistent one is not") {
    // Unbuffered (0 queue entries): cycle 1 sends 2 products to bank 0 (2 cycles), cycle 2 two to
    // bank 1 (2 cycles), cycle 3 one to bank 2 (1 cycle): 5 cycles, 2 of them stalls.
    // One queue entry per bank: each bank still retires one product per cycle, and the array
    // issues again once no bank has more than one product waiting. Cycle 1 issues at 0, bank 0
    // is busy until 2 (1 waiting at cycle 1): next issue at 1. Cycle 2 at 1, bank 1 busy until 3:
    // next at 2. Cycle 3 at 2, bank 2 busy until 3: next at 3, nothing left to drain: 3 cycles.
    for (int q : {0, 1}) {
        ScatterCrossbar x(32, "interleaved", q);
        uint64_t t = 0;
        x.begin(); x.route(0); x.route(32); t += x.end();
        x.begin(); x.route(1); x.route(33); t += x.end();
        x.begin(); x.route(2); t += x.end();
        t += x.finish();
        CHECK(t == (q == 0 ? 5u : 3u));
        CHECK(x.stall_cycles == (q == 0 ? 2u : 0u));
        CHECK(x.products == 5);
    }
    // Persistent: 16 products to bank 0 take 16 cycles whatever the queue (2 entries: the array
    // issues again at 14, when 2 are left; finish() drains those 2).
    ScatterCrossbar x(32, "interleaved", 2);
    x.begin();
    for (uint32_t a = 0; a < 16; ++a) x.route(a * 32);
    CHECK(x.end() == 14);
    CHECK(x.finish() == 2);
    CHECK(x.stall_cycles == 15);
    // The queues start empty after finish(): 16 products on 16 banks take one cycle.
    x.begin();
    for (uint32_t a = 0; a < 16; ++a) x.route(a);
    CHECK(x.end() == 1);
    CHECK(x.finish() == 0);
}

TEST_CASE("planar mapping: tiles, halo and Kc from the accumulator buffer") {
    Layer L;
    L.name = "t";
    L.C = 1; L.K = 300; L.H = L.W = 16; L.R = L.S = 3; L.padding = 1;
    ScnnParams prm;
    const PlanarMapping m = plan_planar(L, prm, 8, 8, true);
    // P = Q = 16 -> 2 x 2 tiles; halo ceil(2/1) = 2 -> accumulator region 4 x 4 = 16 per channel,
    // channel pitch rounded up to odd: 17; Kc = floor(1024 / 17) = 60; ceil(300 / 60) = 5 groups.
    CHECK(m.Pt == 2);
    CHECK(m.halo_rows == 2);
    CHECK(m.channel_pitch == 17);
    CHECK(m.Kc == 60);
    CHECK(m.kgroups() == 5);
    // Address of (kk, p, q) in PE (1,1) (tile rows/cols 2..3, region from row/col 0):
    // kk * 17 + 4 p + q. Channels 0..3 at output (2,2): 10, 27, 44, 61 -> banks 10, 27, 12, 29.
    CHECK(m.acc_addr(9, 0, 2, 2) == 10);
    CHECK(m.acc_addr(9, 3, 2, 2) == 61);
    // Interior PE (1,1): region rows 0..3, cols 0..3 = 16, own 4 -> 12 halo partial sums per
    // channel; corner PE (0,0) has no neighbour above/left -> 0.
    CHECK(m.halo_outputs(9) == 12);
    CHECK(m.halo_outputs(0) == 0);
    // Edge PE (0,1): rows 0..1 (clipped), cols 0..3 -> 8 - 4 = 4.
    CHECK(m.halo_outputs(1) == 4);
}

namespace {
std::vector<int8_t> ones(std::size_t n) { return std::vector<int8_t>(n, 1); }
}  // namespace

TEST_CASE("SCNN layer that fits one output-channel group: per-PE cycles by hand") {
    // C=1, K=4, 8x8 input, 1x1 filter: P=Q=8 -> every PE owns one output position and one
    // activation. Kc = min(4, 1024/1) = 4: a single group with a single block (channel 0) of
    // 4 non-zero weights = 1 weight vector. Each PE: 1 activation vector x 1 weight vector =
    // 1 array cycle; products go to channels 0..3 at the same position: addresses 0..3, four
    // banks, no conflict -> 1 cycle per PE.
    Layer L;
    L.name = "one_group";
    L.C = 1; L.K = 4; L.H = L.W = 8;
    const auto w = ones(4), in = ones(64);
    ScnnParams prm;
    LayerEngine e(L, prm, 8, 8, true, true, w, in, 16);
    REQUIRE(e.mapping().Kc == 4);
    REQUIRE(e.blocks.size() == 1);
    CHECK(e.blocks[0].fifo_entries == 1);
    e.load_image(0);
    test::load_tiles(e);
    auto pol = make_sparse_pe_array(32);
    for (int pe = 0; pe < 64; ++pe) CHECK(pol->run_block(e, pe, test::piece(e, 0)) == 1);
    CHECK(e.cnt.products == 256);
    CHECK(e.cnt.conflict_stalls == 0);
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
}

TEST_CASE("SCNN halo case: products land in the neighbours' tiles, counted as halo") {
    // C=1, K=1, 16x16, 3x3, pad 1: 2x2 output tiles, halo of 2 rows/cols (region 4x4).
    // Input row h belongs to PE row (h+1)/2, so PE (1,1) holds inputs h,w in {1,2}: 4
    // activations = 1 vector. Their products land on output rows/cols h-1..h+1 = 0..3: own
    // tile rows 2..3 plus halo rows 0..1 (owned by PE row 0). 9 non-zero weights = 3 vectors.
    Layer L;
    L.name = "halo";
    L.C = 1; L.K = 1; L.H = L.W = 16; L.R = L.S = 3; L.padding = 1;
    const auto w = ones(9), in = ones(256);
    ScnnParams prm;
    LayerEngine e(L, prm, 8, 8, true, true, w, in, 16);
    e.load_image(0);
    test::load_tiles(e);
    auto pol = make_sparse_pe_array(32);
    const int pe = 9;  // (1,1)
    REQUIRE(e.acts(pe, 0).size() == 4);
    // Cycle count: 3 weight vectors x 1 activation vector; conflicts: weight vector 0 holds
    // taps (0,0),(0,1),(0,2),(1,0); the 4 activations (1,1),(1,2),(2,1),(2,2) give outputs
    // (h+1-r, w+1-s) in a 4x4 region (rows 0..3 -> region rows 0..3, address 4*row + col):
    // tap (0,0): (2,2),(2,3),(3,2),(3,3) -> addr 10,11,14,15; tap (0,1): (2,1),(2,2),(3,1),(3,2)
    // -> 9,10,13,14; tap (0,2): 8,9,12,13; tap (1,0): (1,2),(1,3),(2,2),(2,3) -> 6,7,10,11.
    // Bank loads (addr mod 32): 10 -> 3, 9 -> 2, 11 -> 2, 13 -> 2, 14 -> 2 ... max 3 -> 3 cycles.
    // Vector 1: taps (1,1),(1,2),(2,0),(2,1): (1,1)->5,6,9,10; (1,2)->4,5,8,9; (2,0)->2,3,6,7;
    // (2,1)->1,2,5,6: address 5 and 6 three times each -> 3 cycles. Vector 2: tap (2,2) ->
    // 0,1,4,5: 1 cycle. Total 3 + 3 + 1 = 7.
    CHECK(pol->run_block(e, pe, test::piece(e, 0)) == 7);
    // Halo partial sums sent after the group: 16 region entries - 4 own = 12.
    CHECK(e.mapping().halo_outputs(pe) == 12);
    for (int p = 0; p < 64; ++p)
        if (p != pe) pol->run_block(e, p, test::piece(e, 0));
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
}

TEST_CASE("SCNN weight vectors hold F output channels of one tap: no crossbar conflicts") {
    // C=1, K=4, 16x16, 3x3, pad 1, all weights 1: Kc = 4, one block of 36 non-zeros in tap-major
    // order (channel fastest) = 9 vectors, each the 4 channels of one tap. PE (1,1) holds inputs
    // h, w in {1, 2} (4 activations = 1 vector). For tap (r, s) the outputs are
    // (h+1-r, w+1-s): region positions base + {0, 1, 4, 5} (address 4 p + q); channel kk adds
    // kk x 17 (pitch 16 rounded up to odd). Banks mod 32: {0,1,4,5} + {0, 17, 2, 19} = 16
    // distinct banks whatever the base -> 1 cycle per vector, 9 cycles, 0 stalls.
    Layer L;
    L.name = "taps";
    L.C = 1; L.K = 4; L.H = L.W = 16; L.R = L.S = 3; L.padding = 1;
    const auto w = ones(36), in = ones(256);
    ScnnParams prm;
    LayerEngine e(L, prm, 8, 8, true, true, w, in, 16);
    e.load_image(0);
    test::load_tiles(e);
    REQUIRE(e.blocks.size() == 1);
    CHECK(e.blocks[0].fifo_entries == 9);
    CHECK(test::piece(e, 0).w[0].k == 0);
    CHECK(test::piece(e, 0).w[3].k == 3);
    CHECK(test::piece(e, 0).w[3].r == 0);
    CHECK(test::piece(e, 0).w[3].s == 0);
    auto pol = make_sparse_pe_array(32);
    CHECK(pol->run_block(e, 9, test::piece(e, 0)) == 9);
    CHECK(e.cnt.conflict_stalls == 0);
    for (int p = 0; p < 64; ++p)
        if (p != 9) pol->run_block(e, p, test::piece(e, 0));
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
}

TEST_CASE("Weight blocks larger than half the FIFO are cut into pieces at vector boundaries") {
    // C=1, K=64, 8x8, 3x3, pad 1, all weights 1: P=Q=8, 1x1 tiles, halo 2 -> region 3x3 = 9,
    // pitch 9, Kc = min(64, 1024/9 = 113) = 64. One block of 64 x 9 = 576 non-zeros = 144
    // vectors; pieces of at most 50/2 = 25 vectors: 5 x 25 + 19 = 6 pieces.
    Layer L;
    L.name = "pieces";
    L.C = 1; L.K = 64; L.H = L.W = 8; L.R = L.S = 3; L.padding = 1;
    const auto w = ones(576), in = ones(64);
    ScnnParams prm;
    LayerEngine e(L, prm, 8, 8, true, true, w, in, 16);
    REQUIRE(e.mapping().Kc == 64);
    REQUIRE(e.blocks.size() == 6);
    uint64_t nz = 0, bytes = 0;
    for (const auto& b : e.blocks) {
        CHECK(b.fifo_entries <= 25);
        nz += b.nonzeros;
        bytes += b.dram_bytes;
    }
    CHECK(e.blocks[5].fifo_entries == 19);
    CHECK(nz == 576);
    // DRAM: the block is one compressed stream of 576 entries x 20 bits = 1440 bytes.
    CHECK(bytes == 1440);
    // Every PE runs its single activation against every piece: 144 weight vectors, one cycle
    // each unless channels collide; results bit-exact.
    e.load_image(0);
    test::load_tiles(e);
    auto pol = make_sparse_pe_array(32);
    for (int p = 0; p < 64; ++p)
        for (std::size_t i = 0; i < e.blocks.size(); ++i) pol->run_block(e, p, test::piece(e, i));
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
}

TEST_CASE("SCNN single output pixel from a 3x3 map: the channel's PE holds its whole receptive field") {
    // User case scnn-single-pixel: C = K = 8, 3x3 map, 3x3 kernel, no padding -> P = Q = 1, so
    // input channels are split over the PEs (PE c holds channel c). All weights and inputs 1:
    // PE c holds the 9 activations of channel c (3 vectors of I = 4: 4 + 4 + 1) and gets one
    // block of 8 x 9 = 72 weights (18 vectors of F = 4, the 8 channels of a tap in 2 vectors)
    // -> 3 x 18 = 54 array cycles. Of its 9 x 72 pairs, those with h = r and w = s land on the
    // output: 9 taps x 8 channels = 72 per PE, 576 = K C R S in all (every MAC, since nothing is
    // zero); the 4 products of a cycle go to 4 channels, distinct banks: no stall. Before the fix
    // the PE held only activation (0, 0): 64 products and wrong outputs.
    Layer L;
    L.name = "single_pixel";
    L.C = 8; L.K = 8; L.H = L.W = 3; L.R = L.S = 3;
    const auto w = ones(576), in = ones(72);
    ScnnParams prm;
    LayerEngine e(L, prm, 8, 8, true, true, w, in, 16);
    REQUIRE(e.mapping().channel_split);
    REQUIRE(e.blocks.size() == 8);
    e.load_image(0);
    test::load_tiles(e);
    auto pol = make_sparse_pe_array(32);
    for (std::size_t i = 0; i < e.blocks.size(); ++i) {
        const WeightBlock b = test::piece(e, i);
        REQUIRE(b.target == static_cast<int>(b.c));
        CHECK(e.acts(b.target, b.c).size() == 9);
        for (int pe = 0; pe < 64; ++pe) CHECK(pol->run_block(e, pe, b) == (pe == b.target ? 54u : 0u));
    }
    CHECK(e.cnt.products == 576);
    CHECK(e.cnt.conflict_stalls == 0);
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
    CHECK(e.outputs[0] == 72);
}

TEST_CASE("SCNN input rows past the output plane: their PEs have empty tiles, their partial sums are halo") {
    // User case kernel_gt_input c1: 3x3 map, 5x5 kernel, padding 2 -> P = Q = 3, 1x1 tiles in
    // PE rows/cols 0..2 (3..7 empty), halo ceil(4/1) = 4 rows/cols. Input row h lines up with
    // output row h + 2: rows 0, 1, 2 -> PE rows 2, 3, 4 (likewise columns). PE (4,4) holds input
    // (2,2) only; its products land on outputs (4-r, 4-s), rows/cols 0..2 inside the plane:
    // its region [4*1 - 4, 3) = [0, 3) in both directions, 9 partial sums per channel, all
    // halo (empty tile). Before, halo_outputs() was 0 for an empty tile: partial sums that no
    // halo exchange carried. PE (2,2): region 3x3 minus its own output = 8. PE (5,5) holds
    // nothing: 0.
    Layer L;
    L.name = "kernel_gt_input";
    L.C = 1; L.K = 2; L.H = L.W = 3; L.R = L.S = 5; L.padding = 2;
    ScnnParams prm;
    const PlanarMapping m = plan_planar(L, prm, 8, 8, true);
    REQUIRE(m.P == 3);
    REQUIRE(m.halo_rows == 4);
    CHECK(m.owner_row(0) == 2);
    CHECK(m.owner_row(2) == 4);
    CHECK(m.holds_input(4 * 8 + 4));
    CHECK_FALSE(m.holds_input(5 * 8 + 5));
    CHECK(m.halo_outputs(4 * 8 + 4) == 9);
    CHECK(m.halo_outputs(2 * 8 + 2) == 8);
    CHECK(m.halo_outputs(5 * 8 + 5) == 0);
    CHECK(m.halo_outputs(0) == 0);  // own output (0,0), nothing above or left
    const auto w = ones(50), in = ones(9);
    LayerEngine e(L, prm, 8, 8, true, true, w, in, 16);
    e.load_image(0);
    test::load_tiles(e);
    CHECK(e.acts(4 * 8 + 4, 0).size() == 1);
    auto pol = make_sparse_pe_array(32);
    // Every product lands in its PE's tile or halo (else run_block throws).
    for (int pe = 0; pe < 64; ++pe) pol->run_block(e, pe, test::piece(e, 0));
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
}

TEST_CASE("data path: weight pieces and input tiles decode from their stored bytes to the layer's values") {
    // A strided layer (stride 2: 4 phases), 3 x 3 kernel, pruned weights with long zero runs
    // (placeholders) and some zero activations. Decoding every piece from the weight stream
    // must give back every non-zero weight exactly once, at its (k, r, s); decoding every PE's
    // tile from the image's bytes must give back the inputs the PE owns (SCNN: compressed;
    // DCNN: raw 16-bit; DCNN-opt: compressed).
    Layer L;
    L.name = "strided";
    L.C = 3; L.K = 20; L.H = L.W = 17; L.R = L.S = 3; L.stride = 2; L.padding = 1;
    std::vector<int8_t> w(static_cast<std::size_t>(L.K * L.C * 9)), in(static_cast<std::size_t>(L.C * 17 * 17));
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = (i * 7 % 23 == 0 || i % 41 == 5) ? static_cast<int8_t>(i % 11) - 5 : 0;
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = i % 3 == 0 ? 0 : static_cast<int8_t>(i % 13) - 6;
    for (const bool sparse : {true, false}) {
        for (const bool compressed : {true, false}) {
            if (sparse && !compressed) continue;
            ScnnParams prm;
            LayerEngine e(L, prm, 8, 8, sparse, compressed, w, in, 16);
            std::vector<int> seen(w.size(), 0);
            uint64_t bytes = 0;
            for (std::size_t i = 0; i < e.blocks.size(); ++i) {
                const WeightBlock& b = e.blocks[i];
                CHECK(b.dram_addr == bytes);
                bytes += b.dram_bytes;
                const WeightBlock d = test::piece(e, i);
                if (sparse) {
                    REQUIRE(d.w.size() == b.nonzeros);
                    for (const WgtEntry& x : d.w) {
                        const std::size_t at = static_cast<std::size_t>(((x.k * L.C + b.c) * 3 + x.r) * 3 + x.s);
                        CHECK(x.v == w[at]);
                        ++seen[at];
                    }
                } else {
                    // Vector v: F channels from k0 + (v / 9) * F at tap v % 9.
                    std::size_t j = 0;
                    for (int64_t v = b.v0; v < b.v1; ++v)
                        for (int64_t k = b.k0 + (v / 9) * 4; k < std::min(b.k1, b.k0 + (v / 9) * 4 + 4); ++k) {
                            const std::size_t at = static_cast<std::size_t>(((k * L.C + b.c) * 3 + (v % 9) / 3) * 3 + v % 3);
                            CHECK(d.dv.at(j++) == w[at]);
                            ++seen[at];
                        }
                    CHECK(j == d.dv.size());
                }
            }
            CHECK(bytes == e.weight_image.size());
            for (std::size_t i = 0; i < w.size(); ++i) CHECK(seen[i] == (sparse ? (w[i] != 0) : 1));
            e.load_image(0);
            test::load_tiles(e);
            uint64_t nz = 0;
            for (int pe : e.active_pes())
                for (int64_t c = 0; c < L.C; ++c) {
                    if (sparse) {
                        for (const ActEntry& a : e.acts(pe, c)) {
                            CHECK(a.v == in[static_cast<std::size_t>((c * 17 + a.h) * 17 + a.w)]);
                            ++nz;
                        }
                    } else {
                        const LayerEngine::TileView t = e.tile(pe, c);
                        for (int64_t h = t.h0; h < t.h1; ++h)
                            for (int64_t x = t.w0; x < t.w1; ++x) CHECK(t.at(h, x) == in[static_cast<std::size_t>((c * 17 + h) * 17 + x)]);
                    }
                }
            // SCNN: every input is owned by exactly one PE, so the non-zeros add up.
            if (sparse) CHECK(nz == static_cast<uint64_t>(std::count_if(in.begin(), in.end(), [](int8_t v) { return v != 0; })));
        }
    }
}
