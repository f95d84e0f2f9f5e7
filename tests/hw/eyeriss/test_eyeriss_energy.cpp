// Eyeriss area, distribution (wire-model) energy and leakage by the issue-15 rules, with the
// round-number technology table (tests/round_tech_table.h): every expected value is derived
// by hand in the comments.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "hw/energy/energy_model.h"
#include "hw/eyeriss/eyeriss_area.h"
#include "hw/eyeriss/eyeriss_energy.h"
#include "hw/sim/design_config.h"
#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"
#include "tests/round_tech_table.h"
#include "tests/test_scratch.h"

using namespace sx;
using namespace sx::eyeriss;

namespace {

// configs/eyeriss.json with the round table (written to a scratch file) and `overrides`.
ArchConfig round_eyeriss(std::map<std::string, json> overrides = {}) {
    const auto dir = test::scratch_dir("eyeriss_energy");
    const std::string tech = (dir / "round.json").string();
    std::ofstream(tech) << test::round_tech_table_json().dump();
    overrides["/technology"] = tech;
    ArchConfig a = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/eyeriss.json", overrides);
    configure_design(a);
    return a;
}

double block_mm2(const AreaReport& r, const std::string& name) {
    for (const BlockArea& b : r.blocks)
        if (b.block == name) return b.area_mm2;
    FAIL("no block " << name);
    return 0;
}

}  // namespace

TEST_CASE("eyeriss area: a 2 x 3 array is the sum of its blocks, counted by hand") {
    const ArchConfig a = round_eyeriss({{"/pe_array/rows", 2}, {"/pe_array/cols", 3}});
    const AreaReport r = eyeriss_area(a);
    // Round table: mac_16b 1000 um2 / 10 uW, comparator_8b and add_8b 100 um2 / 1 uW,
    // reg_bit 5 um2 / 0.0625 uW, crossbar_bit 2 um2 / 0.03125 uW, every SRAM bank 0.5 mm2 / 1 mW,
    // control 0.25 of the rest.
    // One PE: MAC 1000; ifmap spad 12 x 16 = 192 b -> 960; psum spad 24 x 16 = 384 b -> 1920;
    // zero detect 2 comparators -> 200; ID match, 3 networks -> 300; psum link register 64 b ->
    // 320 um2; = 4700 um2 = 0.0047 mm2, + the filter spad SRAM 0.5 mm2 = 0.5047 mm2.
    CHECK(block_mm2(r, "pe/mac") == Approx(6 * 0.001));
    CHECK(block_mm2(r, "pe/ifmap_spad") == Approx(6 * 0.00096));
    CHECK(block_mm2(r, "pe/filter_spad") == Approx(6 * 0.5));
    CHECK(block_mm2(r, "pe/psum_spad") == Approx(6 * 0.00192));
    CHECK(r.pe_pitch_mm == Approx(std::sqrt(0.5047)));
    // Networks: X-bus flit registers 2 rows x (64 + 16 + 64) = 288 b -> 1440 um2; Y-bus row-ID
    // comparators 2 x 3 -> 600 um2; psum-out mux 3 x 64 crosspoint bits -> 384 um2.
    CHECK(block_mm2(r, "noc/xbus_flit_regs") == Approx(0.00144));
    CHECK(block_mm2(r, "noc/ybus_row_id_match") == Approx(0.0006));
    CHECK(block_mm2(r, "noc/psum_out_mux") == Approx(0.000384));
    // RLC: 2 comparators 200 + 2 adders 200 + (64 + 64 + 16) b x 5 = 720 -> 1120 um2. Link FIFO
    // 512 B = 4096 b -> 20480 um2. GLBs: 25 + 1 banks x 0.5 = 13 mm2.
    CHECK(block_mm2(r, "link/fifo") == Approx(0.02048));
    CHECK(block_mm2(r, "glb/glb_fmap") == Approx(12.5));
    // Sum: 6 x 0.5047 + 0.002424 + 0.00112 + 0.02048 + 13 = 16.052224; control x 1.25.
    CHECK(r.total_mm2() == Approx(16.052224 * 1.25));
    double sum = 0;
    for (const BlockArea& b : r.blocks) sum += b.area_mm2;
    CHECK(r.total_mm2() == Approx(sum));
    // Static power: PE 10 + 12 + 1000 + 24 + 2 + 3 + 4 = 1055 uW x 6 = 6330; networks 18 + 6 +
    // 6 = 30; RLC 2 + 2 + 9 = 13; FIFO 256; GLBs 26 000 uW: 32 629 uW x 1.25 = 40.78625 mW.
    CHECK(r.static_power_mw() == Approx(40.78625));
    CHECK(r.class_mm2(AreaClass::Control) == Approx(16.052224 * 0.25));
}

TEST_CASE("eyeriss energy: each class from the counts and the round table, by hand") {
    const ArchConfig a = round_eyeriss();
    const EyerissParams& p = a.design_params<EyerissParams>();
    EyerissEvents ev;
    ev.macs = 100;
    ev.psum_adds = 10;
    ev.ifmap_spad = 20;
    ev.filter_spad = 30;
    ev.psum_spad = 40;
    ev.filter_y = 2;
    ev.filter_x = 6;
    ev.ifmap_y = 5;
    ev.ifmap_x = 7;
    ev.psum_in_y = 3;
    ev.psum_in_x = 3;
    ev.psum_out = 4;
    ev.psum_link_packets = 8;
    ev.fifo_words = 16;
    LayerResult res;
    const double pitch = 0.5;  // mm: array 12 x 0.5 = 6 mm high, 14 x 0.5 = 7 mm wide
    eyeriss_dynamic_energy(a.tech, p, pitch, ev, res);
    // PeArray: 100 MACs x 4 + 10 adds x 1 = 410 pJ.
    CHECK(res.energy(EnergyComponent::PeArray) == Approx(410));
    // RegisterFile: (20 + 30 + 40) x 2 = 180 pJ.
    CHECK(res.energy(EnergyComponent::RegisterFile) == Approx(180));
    // Fifo: 16 words x 8 16-bit accesses (4 written + 4 read) x 2 = 256 pJ.
    CHECK(res.energy(EnergyComponent::Fifo) == Approx(256));
    // Noc, wire at 0.25 pJ/bit/mm:
    //   filter 64 b: Y 2 x 64 x 6 mm = 768 bit-mm, X 6 x 64 x 7 = 2688;
    //   ifmap 16 b: Y 5 x 16 x 6 = 480, X 7 x 16 x 7 = 784;
    //   psum-in 64 b: Y 3 x 64 x 6 = 1152, X 3 x 64 x 7 = 1344;
    //   psum-out 4 x 64 x 13 = 3328; links 8 x 64 x 0.5 = 256;
    //   sum 10 800 bit-mm x 0.25 = 2700 pJ.
    // X-bus and link registers at 0.125 pJ/bit: (6 x 64 + 7 x 16 + 3 x 64 + 8 x 64) = 1200 b ->
    //   150 pJ. ID match at 1 pJ: Y flits (2 + 5 + 3) x 12 rows = 120, X flits (6 + 7 + 3) x 14
    //   cols = 224 -> 344 pJ. Noc = 2700 + 150 + 344 = 3194 pJ.
    CHECK(res.energy(EnergyComponent::Noc) == Approx(3194));
    // Leakage: static power x latency; 1000 cycles at 200 MHz = 5000 ns; 2 mW -> 10 000 pJ.
    AreaReport r;
    BlockArea b;
    b.leakage_mw = 2;
    r.blocks.push_back(b);
    CHECK(leakage_pj(r.static_power_mw(), 1000, 200) == Approx(10000));
}

TEST_CASE("eyeriss micro-layer: every class's pJ and the leakage derived by hand from the counters") {
    // One 3x3 conv, C 2 -> K 4 on 8 x 8 (padding 1), batch 1, the 12 x 14 array of
    // configs/eyeriss.json with the round table.
    const ArchConfig a = round_eyeriss();
    json doc = {{"name", "micro"}, {"source", "test"}, {"batch", 1}, {"input", {{"C", 2}, {"H", 8}, {"W", 8}}},
                {"layers", json::array({json{{"name", "c1"}, {"type", "conv"}, {"C", 2}, {"K", 4}, {"H", 8}, {"W", 8},
                                             {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1}}})}};
    RunOptions opt;
    opt.check = true;
    const RunResult run = simulate(a, parse_workload(doc, "micro.json"), opt);
    REQUIRE(run.check_passed);
    const LayerResult& l = run.layers.at(0);
    const auto x = [&](const char* k) { return l.extra.at(k); };
    // The mapping: sets of 3 filter rows x 8 output rows, r = 2 channel sets, t = 2 filter sets,
    // p = 2 filters per PE, q = 1, n = 1: 2 x 2 x 3 x 8 = 96 PEs, one pass of 8 steps (one
    // output column each). Each set has a band of 3 X-buses to itself (14 / 8 = 1 set per band).
    REQUIRE(x("eyeriss_set_h") == 3);
    REQUIRE(x("eyeriss_set_e") == 8);
    REQUIRE(x("eyeriss_r") == 2);
    REQUIRE(x("eyeriss_t") == 2);
    REQUIRE(x("eyeriss_p") == 2);
    REQUIRE(x("eyeriss_q") == 1);
    REQUIRE(l.active_pes == 96);
    REQUIRE(x("steps") == 8);
    // Filter network: a PE holds p x q x S = 6 values = 2 flits of 64 b; 12 set rows (2 filter
    // sets x 6 chain rows) -> 24 Y flits, each to the one X-bus of its set row -> 24 X flits.
    CHECK(x("noc_filter_y_flits") == 24);
    CHECK(x("noc_filter_x_flits") == 24);
    // Ifmap network: 2 channels x 8 rows x 8 columns = 128 values, one 16-bit Y flit each.
    // Row h goes to filter row rr of output row j = h + 1 - rr: 2 X-buses for h = 0 and 7, 3
    // for h = 1..6 (22 per channel and column), in both filter sets: 44 x 8 columns x 2
    // channels = 704 X flits.
    CHECK(x("noc_ifmap_y_flits") == 128);
    CHECK(x("noc_ifmap_x_flits") == 704);
    // One channel block: no psums come back from the GLB.
    CHECK(x("noc_psum_in_y_flits") == 0);
    // Psums: 2 x 8 = 16 columns, ceil(p / 4) = 1 packet each per step: 128 psum-out packets;
    // each goes up the column's 6 - 1 = 5 links: 640 link packets.
    CHECK(x("noc_psum_out_flits") == 128);
    CHECK(x("psum_link_packets") == 640);
    // Pitch: one PE is 4700 um2 of logic and registers + the 0.5 mm2 filter spad SRAM
    // (previous test): pitch P = sqrt(0.5047) mm; array 12 P high, 14 P wide.
    const double P = std::sqrt(0.5047);
    // Noc wire (bit-mm): filter 64 x 24 x (12 + 14) P = 39 936 P; ifmap 16 x (128 x 12 + 704 x
    // 14) P = 182 272 P; psum-out 64 x 128 x 26 P = 212 992 P; links 64 x 640 x P = 40 960 P;
    // 476 160 P x 0.25 pJ = 119 040 P pJ. Registers: (64 x 24 + 16 x 704 + 64 x 640) b x 0.125
    // = 6720 pJ. ID compares at 1 pJ: 12 x (24 + 128) + 14 x (24 + 704) = 12 016 pJ.
    CHECK(l.energy(EnergyComponent::Noc) == Approx(119040 * P + 6720 + 12016));
    // PeArray: executed MACs x 4 pJ + psum adds x 1 pJ; adds: every PE but the 16 bottom ones
    // (first accumulation: nothing comes in) adds p = 2 per step: 80 x 2 x 8 = 1280.
    const double macs = static_cast<double>(l.macs_executed);
    CHECK(l.macs_executed + l.macs_skipped == 4 * 8 * 8 * 2 * 9);
    CHECK(l.energy(EnergyComponent::PeArray) == Approx(4 * macs + 1280));
    // RegisterFile, 2 pJ per access: ifmap 96 PEs x 8 steps x (q S = 3 reads + 1 new value) =
    // 3072; filter 96 x 6 loaded + one read per executed MAC; psum a read and a write per
    // executed MAC + 2 x 1280 for the adds.
    CHECK(l.energy(EnergyComponent::RegisterFile) == Approx(2 * (3072 + 576 + macs + 2 * macs + 2560)));
    // Fifo: the raw first-layer input, 2 x 8 x 8 x 2 B = 32 words, plus the RLC words of the
    // output (data-dependent), each word 8 accesses x 2 pJ.
    CHECK(x("link_fifo_words") > 32);
    CHECK(l.energy(EnergyComponent::Fifo) == Approx(16 * x("link_fifo_words")));
    // Leakage: static power of the 12 x 14 configuration: PE 1055 uW x 168 = 177 240; X-bus
    // registers 12 x 144 b x 0.0625 = 108, Y-bus comparators 36, psum-out mux 14 x 64 x 0.03125
    // = 28; RLC 13; FIFO 256; GLBs 26 banks x 1 mW = 26 000: 203 681 uW x 1.25 = 254.60125 mW,
    // times the latency (cycles x 5 ns at 200 MHz).
    CHECK(eyeriss_area(a).static_power_mw() == Approx(254.60125));
    CHECK(l.energy(EnergyComponent::Leakage) == Approx(254.60125 * static_cast<double>(l.cycles) * 5.0));
}
