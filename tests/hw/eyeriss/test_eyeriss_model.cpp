// End-to-end Eyeriss runs through simulate() (configs/eyeriss.json: the 60 MHz link preset)
// with the bit-exact check, for user-found cases.
#include <catch2/catch.hpp>

#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"

using namespace sx;

TEST_CASE("user case eyeriss-vgg16-first-layer: VGG-16 conv1_1 completes bit-exact on the 60 MHz link") {
    // Was: "watchdog: no progress for 1000000 cycles (at cycle 2000000): eyeriss_link waits for
    // DMA". The mapping keeps the strip's ifmaps resident in one GLB ring slot across K/m = 6
    // psum blocks; the controller waited for a store queued behind a load stalled on its tail
    // (eyeriss_link.cpp, run()).
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/eyeriss.json");
    const Workload wl = load_workload(std::string(SX_SOURCE_DIR) + "/tests/hw/eyeriss/data/vgg16_conv1_1.json");
    RunOptions opt;
    opt.check = true;
    const RunResult r = simulate(arch, wl, opt);
    REQUIRE(r.check_passed);
    const LayerResult& l = r.layers.at(0);
    REQUIRE(l.simulated);
    // The arrangement that deadlocked: one ring slot, ifmaps resident, >= 3 psum blocks.
    CHECK(l.extra.at("eyeriss_ifmap_slots") == 1);
    CHECK(64 / l.extra.at("eyeriss_m") >= 3);
    CHECK(l.macs_executed + l.macs_skipped == l.macs);
    // The link bounds the layer: 64-bit words at 60 MHz = 2.4 bytes per 200 MHz core cycle.
    const double link_cycles = static_cast<double>(l.dram_read_bytes + l.dram_write_bytes) / 2.4;
    CHECK(static_cast<double>(l.cycles) >= link_cycles);
    // Input read once (raw, 3 x 224 x 224 x 2 B = 301 056 B) plus 16 strips of 3 456 B filters.
    CHECK(l.dram_read_bytes >= 301056);
}

TEST_CASE("eyeriss.rlc_pairs_per_word = 2 with 16-bit runs: the RLC path stays bit-exact") {
    // The second layer reads its input RLC-coded from DRAM (written by the first), so both the
    // encoder (PE array, ofmap) and the link's decoder run with 2 pairs per word.
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/eyeriss.json",
                                             {{"/eyeriss/rlc_pairs_per_word", 2}, {"/eyeriss/rlc_run_bits", 16}});
    const auto conv = [](const char* name, int c, int k) {
        return json{{"name", name}, {"type", "conv"}, {"C", c}, {"K", k}, {"H", 14}, {"W", 14},
                    {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1}};
    };
    json doc = {{"name", "two"}, {"source", "test"}, {"batch", 1}, {"input", {{"C", 3}, {"H", 14}, {"W", 14}}},
                {"layers", json::array({conv("c1", 3, 16), conv("c2", 16, 16)})}};
    RunOptions opt;
    opt.check = true;
    const RunResult r = simulate(arch, parse_workload(doc, "two.json"), opt);
    REQUIRE(r.check_passed);
    REQUIRE(r.layers.size() == 2);
    CHECK(r.layers.at(1).dram_read_bytes > 0);
}
