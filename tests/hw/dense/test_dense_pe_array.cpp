// The DCNN PE array (hw/dense) on the SCNN layer engine: weight vectors, pieces and cycles by
// hand, bit-exact against the reference convolution.
#include <catch2/catch.hpp>

#include "hw/dense/dense_pe_array.h"
#include "hw/scnn/layer_engine.h"
#include "tests/hw/scnn/engine_helpers.h"
#include "sw/reference/conv_reference.h"

using namespace sx;
using namespace sx::dense;
using namespace sx::scnn;

TEST_CASE("DCNN: weight vectors of F channels x one tap, pieces of half the FIFO, cycles by hand") {
    // C=1, K=16, 8x8 input, 3x3, pad 1: P=Q=8 -> 1x1 tile per PE (no output halo in the dense
    // design), Kc = min(16, 1024/1) = 16. One block: ceil(16/F=4) = 4 channel vectors x 9 taps
    // = 36 weight vectors; pieces of at most 50/2 = 25 vectors -> 25 + 11. Each vector holds the
    // PE's ceil(1 position / I=4) = 1 cycle: 25 and 11 cycles per PE, 36 in all.
    Layer L;
    L.name = "dense";
    L.C = 1; L.K = 16; L.H = L.W = 8; L.R = L.S = 3; L.padding = 1;
    std::vector<int8_t> w(16 * 9), in(64);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i % 7) - 3);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>(static_cast<int>(i % 5) - 1);
    ScnnParams prm;
    LayerEngine e(L, prm, 8, 8, false, false, w, in, 16);
    REQUIRE(e.mapping().Kc == 16);
    REQUIRE(e.blocks.size() == 2);
    CHECK(e.blocks[0].fifo_entries == 25);
    CHECK(e.blocks[1].fifo_entries == 11);
    // Uncompressed DRAM bytes: 25 x 4 and 11 x 4 weights of 16 bits.
    CHECK(e.blocks[0].dram_bytes == 200);
    CHECK(e.blocks[1].dram_bytes == 88);
    e.load_image(0);
    test::load_tiles(e);
    auto pol = dense::make_dense_pe_array();
    for (int pe = 0; pe < 64; ++pe) {
        CHECK(pol->run_block(e, pe, test::piece(e, 0)) == 25);
        CHECK(pol->run_block(e, pe, test::piece(e, 1)) == 11);
    }
    // Every MAC of the layer ran once: 64 outputs x 16 channels x 9 taps.
    CHECK(e.cnt.products == 64u * 16u * 9u);
    test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
}

TEST_CASE("DCNN: a 2x2 tile takes one cycle per weight vector, a 3x3 tile three") {
    // C=1, K=4, 16x16 and 24x24 inputs, 1x1 filter: P = 16 -> 2x2 tiles (4 positions, one
    // activation vector); P = 24 -> 3x3 tiles (9 positions -> ceil(9/4) = 3 vectors). One weight
    // vector (4 channels x 1 tap): 1 and 3 cycles.
    for (int64_t hw : {16, 24}) {
        Layer L;
        L.name = "tile";
        L.C = 1; L.K = 4; L.H = L.W = hw;
        std::vector<int8_t> w = {1, -2, 3, -4}, in(static_cast<std::size_t>(hw * hw), 2);
        ScnnParams prm;
        LayerEngine e(L, prm, 8, 8, false, false, w, in, 16);
        REQUIRE(e.blocks.size() == 1);
        e.load_image(0);
    test::load_tiles(e);
        auto pol = dense::make_dense_pe_array();
        uint64_t c = 0;
        for (int pe = 0; pe < 64; ++pe) c = std::max(c, pol->run_block(e, pe, test::piece(e, 0)));
        CHECK(c == (hw == 16 ? 1u : 3u));
        test::end_groups(e);
    CHECK(e.outputs == reference_conv(L, in, w));
    }
}
