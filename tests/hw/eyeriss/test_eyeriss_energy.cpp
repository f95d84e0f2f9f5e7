// Eyeriss area, distribution (wire-model) energy and leakage by the issue-15 rules, with the
// round-number technology table (tests/round_tech_table.h): every expected value is derived
// by hand in the comments.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

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
    CHECK(eyeriss_leakage_pj(r, 1000, 200) == Approx(10000));
}

TEST_CASE("eyeriss micro-layer: energy classes and leakage from the run's own counters") {
    // One 3x3 conv, C 2 -> K 4 on 8 x 8, through the whole model with the round table.
    const ArchConfig a = round_eyeriss();
    json doc = {{"name", "micro"}, {"source", "test"}, {"batch", 1}, {"input", {{"C", 2}, {"H", 8}, {"W", 8}}},
                {"layers", json::array({json{{"name", "c1"}, {"type", "conv"}, {"C", 2}, {"K", 4}, {"H", 8}, {"W", 8},
                                             {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1}}})}};
    RunOptions opt;
    opt.check = true;
    const RunResult run = simulate(a, parse_workload(doc, "micro.json"), opt);
    REQUIRE(run.check_passed);
    const LayerResult& l = run.layers.at(0);
    const AreaReport area = eyeriss_area(a);
    const auto x = [&](const char* k) { return l.extra.at(k); };
    // Every flit of the filter network goes over the Y-bus and at least one X-bus; the ifmap
    // network's multicast drives at least as many X-buses as Y flits; psum-in flits go to one
    // X-bus each (the bottom PE of a column).
    CHECK(x("noc_filter_y_flits") > 0);
    CHECK(x("noc_filter_x_flits") >= x("noc_filter_y_flits"));
    CHECK(x("noc_ifmap_x_flits") >= x("noc_ifmap_y_flits"));
    CHECK(x("noc_psum_in_x_flits") == x("noc_psum_in_y_flits"));
    CHECK(x("noc_psum_out_flits") > 0);
    // The Noc column is the formula of the previous test on these counts (16/64-bit flits,
    // 12 x 14 array at the configuration's pitch, wire 0.25, reg_bit 0.125, comparator 1 pJ).
    const double pitch = area.pe_pitch_mm, h = 12 * pitch, w = 14 * pitch;
    const double bitmm = 64 * (x("noc_filter_y_flits") * h + x("noc_filter_x_flits") * w) +
                         16 * (x("noc_ifmap_y_flits") * h + x("noc_ifmap_x_flits") * w) +
                         64 * (x("noc_psum_in_y_flits") * h + x("noc_psum_in_x_flits") * w) +
                         64 * x("noc_psum_out_flits") * (h + w) + 64 * x("psum_link_packets") * pitch;
    const double regbits = 64 * x("noc_filter_x_flits") + 16 * x("noc_ifmap_x_flits") + 64 * x("noc_psum_in_x_flits") +
                           64 * x("psum_link_packets");
    const double ids = 12 * (x("noc_filter_y_flits") + x("noc_ifmap_y_flits") + x("noc_psum_in_y_flits")) +
                       14 * (x("noc_filter_x_flits") + x("noc_ifmap_x_flits") + x("noc_psum_in_x_flits"));
    CHECK(l.energy(EnergyComponent::Noc) == Approx(0.25 * bitmm + 0.125 * regbits + ids));
    // Fifo: 8 accesses of 2 pJ per 64-bit word through the link FIFO.
    CHECK(x("link_fifo_words") > 0);
    CHECK(l.energy(EnergyComponent::Fifo) == Approx(16 * x("link_fifo_words")));
    // RegisterFile: every scratchpad access costs 2 pJ in the round table.
    CHECK(l.energy(EnergyComponent::RegisterFile) == Approx(2.0 * static_cast<double>(l.rf_accesses)));
    // Leakage = static power x latency: cycles x 5 ns at 200 MHz.
    CHECK(l.energy(EnergyComponent::Leakage) == Approx(area.static_power_mw() * static_cast<double>(l.cycles) * 5.0));
    CHECK(l.energy(EnergyComponent::Leakage) > 0);
}
