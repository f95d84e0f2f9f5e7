// End-to-end SCNN / DCNN runs through simulate() (DRAM, DMA, IARAM/OARAM, PE process) on
// small layers: bit-exact against the reference, and the PE-array cycles derived by hand.
#include <catch2/catch.hpp>

#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"

using namespace sx;

namespace {

Workload one_layer(const json& layer) {
    json doc = {{"name", "micro"}, {"source", "test"}, {"batch", 1},
                {"input", {{"C", layer["C"]}, {"H", layer["H"]}, {"W", layer["W"]}}},
                {"layers", json::array({layer})}};
    return parse_workload(doc, "micro.json");
}

RunResult run(const std::string& cfg, const Workload& wl) {
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/" + cfg);
    RunOptions opt;
    opt.check = true;
    opt.seed = 3;
    return simulate(arch, wl, opt);
}

}  // namespace

TEST_CASE("DCNN layer: dense dot-product cycles by hand, bit-exact") {
    // C=2, K=8, 16x16, 3x3, pad 1 -> P=Q=16, 2x2 tiles (4 positions per PE), Kc = min(8,
    // 1024/4) = 8: one group of 2 blocks (one per input channel). Per block and PE:
    // ceil(8/F=4) x 3 x 3 taps x ceil(4 positions / I=4) = 18 cycles; 2 blocks -> 36 cycles on
    // every PE. The layer takes longer (DRAM loads, drain, stores) but the busiest PE is 36.
    const Workload wl = one_layer({{"name", "c"}, {"type", "conv"}, {"C", 2}, {"K", 8}, {"H", 16}, {"W", 16},
                                   {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1}});
    const RunResult r = run("dcnn.json", wl);
    REQUIRE(r.check_passed);
    const LayerResult& l = r.layers.at(0);
    CHECK(l.extra.at("busiest_pe_cycles") == 36);
    CHECK(l.extra.at("output_channel_groups") == 1);
    CHECK(l.active_pes == 64);
    CHECK(l.macs_executed == l.macs);
    CHECK(l.cycles > 36);
}

// The layer of the case above: 36 array cycles on each of the 64 PEs, one vector of I = 4
// dense 16-bit activations per cycle = 64 bits = one 64-bit IARAM port word: 36 x 64 = 2304
// IARAM reads, for DCNN and DCNN-opt alike. DCNN-opt's IARAM holds the compressed stream (fewer
// DMA bytes written), but its PE reads the tile decoded to dense values; counting 20-bit
// compressed entries per dense position made it 2 words per vector (4608 reads, twice DCNN's
// IARAM energy). One simulation per process (SystemC): one test case per design.
static void check_dense_iaram_reads(const std::string& cfg) {
    const Workload wl = one_layer({{"name", "c"}, {"type", "conv"}, {"C", 2}, {"K", 8}, {"H", 16}, {"W", 16},
                                   {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1}});
    const RunResult r = run(cfg, wl);
    REQUIRE(r.check_passed);
    const LayerResult& l = r.layers.at(0);
    REQUIRE(l.extra.at("busiest_pe_cycles") == 36);
    CHECK(l.buffer(BufferRole::Input).reads == 2304);
}

TEST_CASE("DCNN reads one 64-bit IARAM word per dense activation vector") { check_dense_iaram_reads("dcnn.json"); }

TEST_CASE("DCNN-opt reads its decoded dense vectors as DCNN does: one IARAM word each, not two") {
    check_dense_iaram_reads("dcnn-opt.json");
}

TEST_CASE("SCNN layer in one output-channel group: bit-exact, compute plus memory time") {
    // C=4, K=16, 16x16, 3x3, pad 1: region 4x4 -> Kc = min(16, 64) = 16: a single group, no
    // barrier inside. Cycles: at least the busiest PE's array cycles, plus the weight and input
    // transfers the FIFO cannot hide.
    const Workload wl = one_layer({{"name", "c"}, {"type", "conv"}, {"C", 4}, {"K", 16}, {"H", 16}, {"W", 16},
                                   {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1},
                                   {"stats", {{"weight_density", 0.5}, {"activation_density", 0.5}, {"source", "test"}}}});
    const RunResult r = run("scnn.json", wl);
    REQUIRE(r.check_passed);
    const LayerResult& l = r.layers.at(0);
    CHECK(l.extra.at("output_channel_groups") == 1);
    CHECK(l.extra.at("kc") == 16);
    CHECK(l.cycles >= static_cast<uint64_t>(l.extra.at("busiest_pe_cycles")));
    CHECK(l.macs_executed < l.macs);
    CHECK(l.dram_read_bytes > 0);
    CHECK(l.dram_write_bytes > 0);
}

TEST_CASE("SCNN FC layer: input channels spread over the PEs, at most 25% of the multipliers useful") {
    // FC with batch 1: each PE holds one activation per input channel, so a cycle pairs F=4
    // weights with 1 activation: 4 of 16 multipliers (25%) at best.
    const Workload wl = one_layer({{"name", "fc"}, {"type", "fc"}, {"C", 256}, {"K", 64}, {"H", 1}, {"W", 1}});
    const RunResult r = run("scnn.json", wl);
    REQUIRE(r.check_passed);
    const LayerResult& l = r.layers.at(0);
    CHECK(l.extra.at("channel_split") == 1);
    const double useful = l.extra.at("products") / l.extra.at("multiplier_slots");
    CHECK(useful <= 0.25);
    CHECK(useful > 0.2);
}
