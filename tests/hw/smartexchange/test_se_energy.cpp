// SmartExchange area and energy by the issue-15 rules, derived by hand with the round
// technology table (tests/round_tech_table.h), written to a file and set as /technology:
//   energy (pJ): add_32b 1, add_16b 1, shift_add_8b 1, mac_8b 4, rf_read_16b 2, reg_bit 0.125,
//     index_bit 0.5, wire_bit_mm 0.25, dram_access_64b 512; SRAM 64-bit read 8, write 16;
//   area (um^2) / leakage (uW) per instance: add_* and shift_add_8b 100 / 1, mac_8b 1000 / 10,
//     reg_bit 5 / 0.0625; control_fraction 0.25; SRAM banks 0.5 mm^2 / 1 mW at every capacity.
// Configuration: configs/smartexchange.json with a 2 x 2 x 2 array (M slices x C lines x F
// lanes), Booth bit-serial lanes, fixed-latency memory (se_test_util.h), its defaults:
// rf_rows_per_line 8, ce_stage_slots 2, fifo_depth 2, one shared index decoder of 16 bits per
// cycle, buffers input 8 banks, output 16 banks x 64 bits, weight 4, index 1.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "hw/sim/design_area.h"
#include "hw/sim/design_config.h"
#include "hw/smartexchange/se_area.h"
#include "hw/smartexchange/se_energy.h"
#include "tests/hw/smartexchange/se_test_util.h"
#include "tests/round_tech_table.h"

using namespace sx;
using namespace sx::se;
using namespace sx::test;

namespace {

std::string round_table_file() {
    const std::string dir = temp_dir("round_tech");
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/round.json";
    std::ofstream(path) << round_tech_table_json().dump(1);
    return path;
}

ArchConfig small_arch(const std::string& tech, std::map<std::string, json> o = {}) {
    o["/technology"] = tech;
    o["/pe_array/dim_m"] = 2;
    o["/pe_array/dim_c"] = 2;
    o["/pe_array/dim_f"] = 2;
    o.emplace("/smartexchange/pe_timing", "booth_bit_serial");
    ArchConfig a = micro_arch(o);
    configure_design(a);
    return a;
}

const BlockArea& block(const AreaReport& r, const std::string& name) {
    for (const BlockArea& b : r.blocks)
        if (b.block == name) return b;
    FAIL("no block " << name);
    return r.blocks.front();
}

}  // namespace

// Blocks of the 2 x 2 x 2 array (8 lanes, 4 lines, 8 rebuild engines), by hand:
//   lane_shift_add      8 x add_32b                                   800 um2,   8 uW
//   lane_registers      8 x (32 + 8) = 320 bits                      1600 um2,  20 uW
//   line_weight_rf      4 lines x 2 banks x 8 rows x 3 x 8 = 1536 b  7680 um2,  96 uW
//   adder_trees         M x F x (C - 1) = 4 x add_32b                 400 um2,   4 uW
//   RE shift_add        8 REs x 3 = 24 x shift_add_8b                2400 um2,  24 uW
//   basis_registers     8 REs x 80 bits = 640 bits                   3200 um2,  40 uW
//   ce_staging_slots    2 slots x 2 slices x (16 rows x 12 + 160) = 1408 b  7040 um2, 88 uW
//   -> per slice (23120 / 2) 11560 um2: pitch sqrt(0.01156 mm2) = 0.10752 mm
//   index decoder       16 x add_16b + (16 + 16) bits          1600 + 160 um2,  16 + 2 uW
//   decoder FIFO        2 x 2 x 16 = 64 bits                          320 um2,   4 uW
//   psum adders         16 banks x 64 / 32 = 32 x add_32b            3200 um2,  32 uW
//   buffers             8 + 16 + 4 + 1 = 29 banks                    14.5 mm2,  29 mW
//   -> 0.0284 + 14.5 = 14.5284 mm2, 0.334 + 29 = 29.334 mW; control x 0.25: 3.6321 mm2, 7.3335 mW
//   total 18.1605 mm2, 36.6675 mW.
TEST_CASE("se area: each block counted by hand, the total is the sum of the blocks") {
    const std::string tech = round_table_file();
    const ArchConfig a = small_arch(tech);
    const AreaReport r = se_area(a);
    const auto um2 = [](double v) { return Approx(v * 1e-6).epsilon(1e-12); };
    CHECK(block(r, "pe_array/lane_shift_add").count == 8);
    CHECK(block(r, "pe_array/lane_shift_add").area_mm2 == um2(800));
    CHECK(block(r, "pe_array/lane_registers").count == 320);
    CHECK(block(r, "pe_array/line_weight_rf").count == 1536);
    CHECK(block(r, "pe_array/adder_trees").count == 4);
    CHECK(block(r, "rebuild_engines/shift_add").count == 24);
    CHECK(block(r, "rebuild_engines/basis_registers").count == 640);
    CHECK(block(r, "rebuild_engines/ce_staging_slots").count == 1408);
    CHECK(block(r, "rebuild_engines/ce_staging_slots").cls == AreaClass::Fifo);
    CHECK(block(r, "index_decoders/prefix_adders").count == 16);
    CHECK(block(r, "index_decoders/registers").count == 32);
    CHECK(block(r, "fifos/decoder_to_rebuild").count == 64);
    CHECK(block(r, "output/psum_adders").count == 32);
    CHECK(block(r, "glb/input").count == 8);
    CHECK(block(r, "control").area_mm2 == Approx(3.6321));
    CHECK(r.pe_pitch_mm == Approx(std::sqrt(0.01156)));
    double sum = 0, mw = 0;
    for (const BlockArea& b : r.blocks) {
        sum += b.area_mm2;
        mw += b.leakage_mw;
        CHECK_FALSE(b.basis.empty());
    }
    CHECK(r.total_mm2() == Approx(sum));
    CHECK(r.total_mm2() == Approx(18.1605));
    CHECK(r.static_power_mw() == Approx(mw));
    CHECK(r.static_power_mw() == Approx(36.6675));
    CHECK(r.class_mm2(AreaClass::Sram) == Approx(14.5));
    // The registry's area function is this one.
    CHECK(design_area(a).total_mm2() == Approx(r.total_mm2()));
    // A bit-parallel lane is an 8-bit MAC instead: +8 x (1000 - 100) um2 = +0.0072 mm2 before
    // control, and a larger slice.
    const AreaReport p = se_area(small_arch(tech, {{"/smartexchange/pe_timing", "bit_parallel"}}));
    CHECK(block(p, "pe_array/lane_mac").count == 8);
    CHECK(p.total_mm2() == Approx(18.1605 + 0.0072 * 1.25));
    CHECK(p.pe_pitch_mm == Approx(std::sqrt(0.01156 + 0.0036)));
}

// Micro-layer: 3x3 conv, C = 2, K = 2, 2 x 2 input, pad 1 -> P = Q = 2; every Ce row non-zero
// (6 rows per filter: row i = channel i / 3, kernel row i % 3; one basis block); all
// activations 3 (two radix-4 Booth digits: 3 = 4 - 1). One pass (6 rows <= 2 x 8), rows 0, 2,
// 4 on line 0 and 1, 3, 5 on line 1 of both slices; 2 steps (p = 0, 1) of 2 lanes (q = 0, 1).
// Counters by hand:
//   - Input rows in range: step p reads row h = p - 1 + r: 2 of the 3 kernel rows of each
//     channel; each is one segment x = max(0, -1) .. min(2, -1 + 2 lanes + 2) = 2 bytes -> 4
//     segments x 2 = 8 activation bytes broadcast per step: 16.
//   - Lane work: in an in-range row the beats s = 0, 1, 2 have 1, 2, 1 lanes with x = q - 1 + s
//     inside the input (4 non-zero activations of 2 digits); 4 rows x 2 slices x 2 steps x 4 x
//     2 = 128 digit-cycles. MACs executed (beats x lanes, zeros included) = 2 slices x 6 rows x
//     3 x 2 lanes x 2 steps = 144.
//   - Weight RF reads: 12 rows x 3 per step = 72; writes: 12 rows x 3 = 36; rows rebuilt 12;
//     basis loads 2 (one per slice); bitmap bits 6 x 2 = 12.
//   - Staging bytes: per slice its 18 Ce nibbles = 9 bytes + one 10-byte basis: 38.
//   - Adder trees: 2 slices x 2 lanes per step = 8 trees of 1 add each; partial sums out 8;
//     no read-modify-write (one pass).
// Energy (pJ):
//   PeArray      128 digits x add_32b 1 + 8 tree adds x 1                        = 136
//   RegisterFile 36 x 8 x 0.125 + 72 x 2 + (128 x 32 + 144 x 8) x 0.125 = 36 + 144 + 656 = 836
//   Fifo         (38 x 8 + 12 flag bits) = 316 bits, written and read once each:
//                2 x 316 / 16 x fifo_access_16b 2                                = 79
//   Rebuild      12 rows x 9 x shift_add_8b 1 + 2 x 80 bits x 0.125 = 108 + 20    = 128
//   IndexDecoder 12 x 0.5                                                         = 6
//   Noc (bits x pitches; M = 2, F = 2): activations 16 x 8 x M = 256; lane-to-lane shift
//     144 x 8 x 1/F = 576; Ce/basis + flags (304 + 12) x M = 632; line broadcast 72 x 8 x 1 =
//     576; adder trees 8 x 32 x ceil(log2 2) / 2 = 128; partial sums 8 x 32 x M = 512: 2680
//     bit-pitches x 0.25 pJ/bit/mm = 670 x pitch pJ (pitch 0.10752 mm: 72.0 pJ)
//   Leakage      36.6675 mW x cycles x 1 ns
TEST_CASE("se energy: each class of a micro-layer derived by hand from the counters") {
    const std::string tech = round_table_file();
    const Layer l = conv_layer("e3", 2, 2, 2, 2, 3, 3, 1, 1);
    WeightImage wi;
    wi.layers = {decomposed_image(l, [](uint32_t, uint32_t) { return true; })};
    RunOptions opt;
    opt.weights = &wi;
    opt.weights_label = "hand-made";
    opt.check = true;
    opt.activations_dir = write_npy(temp_dir("energy"), l.name, std::vector<int8_t>(2 * 2 * 2, 3));
    const ArchConfig a = small_arch(tech);
    const RunResult rr = simulate(a, one_layer(l), opt);
    REQUIRE(rr.check_passed);
    const LayerResult& x = rr.layers.at(0);
    CHECK(extra(x, "act_values_broadcast") == 16);
    CHECK(extra(x, "lane_digit_cycles") == 128);
    CHECK(x.macs_executed == 144);
    CHECK(extra(x, "rf_reads") == 72);
    CHECK(extra(x, "rf_writes") == 36);
    CHECK(extra(x, "rows_rebuilt") == 12);
    CHECK(extra(x, "basis_loads") == 2);
    CHECK(extra(x, "bitmap_bits") == 12);
    CHECK(extra(x, "stage_bytes") == 38);
    CHECK(extra(x, "adder_trees") == 8);
    CHECK(extra(x, "adder_tree_adds") == 8);
    CHECK(extra(x, "psums_out") == 8);
    CHECK(extra(x, "psum_rmw_adds") == 0);
    CHECK(x.energy(EnergyComponent::PeArray) == Approx(136));
    CHECK(x.energy(EnergyComponent::RegisterFile) == Approx(836));
    CHECK(x.energy(EnergyComponent::Fifo) == Approx(79));
    CHECK(x.energy(EnergyComponent::Rebuild) == Approx(128));
    CHECK(x.energy(EnergyComponent::IndexDecoder) == Approx(6));
    const double pitch = std::sqrt(0.01156);
    CHECK(x.energy(EnergyComponent::Noc) == Approx(670 * pitch));
    // Leakage = static power x latency (1 GHz: 1 ns per cycle), the same area as design_area.
    CHECK(x.energy(EnergyComponent::Leakage) == Approx(36.6675 * static_cast<double>(x.cycles)));
    CHECK(x.energy(EnergyComponent::Leakage) ==
          Approx(design_area(a).static_power_mw() * static_cast<double>(x.cycles) * 1000.0 / a.clock_mhz));
    // The buffers (hw/energy/energy_model.h sram_access_pj): one bank's access, read 8 pJ /
    // write 16 pJ (64-bit ports), plus the word's wire across the buffer: the input buffer's
    // 8 banks of 0.5 mm^2 are sqrt(4) = 2 mm on a side: 64 bits x 2 mm x 0.25 pJ = 32 pJ.
    // DRAM (fixed-latency stub): bytes / 8 x 512 pJ.
    const BufferCounters& in = x.buffer(BufferRole::Input);
    CHECK(x.energy(EnergyComponent::InputBuffer) == Approx(in.reads * (8.0 + 32.0) + in.writes * (16.0 + 32.0)));
    CHECK(x.energy(EnergyComponent::Dram) ==
          Approx(static_cast<double>(x.dram_read_bytes + x.dram_write_bytes) / 8.0 * 512.0));
}

// The floorplan lengths in slice pitches for the shipped 16 x 8 x 8 array: activations 16,
// to a slice 16, a line 1, a lane 1/8, an 8-input adder tree 3 levels x 1/2 = 1.5.
TEST_CASE("se energy: wire lengths of the floorplan in slice pitches") {
    ArchConfig a = micro_arch();
    const SeWireLengths w = se_wire_lengths(a, 1.0);
    CHECK(w.act_broadcast_mm == 16.0);
    CHECK(w.to_slice_mm == 16.0);
    CHECK(w.line_mm == 1.0);
    CHECK(w.lane_shift_mm == 0.125);
    CHECK(w.adder_tree_mm == 1.5);
}

// The shipped configuration with its sourced table (configs/tech/horowitz45.json): every block
// has an area and a basis, the total is their sum. Prints the blocks (ctest -V shows them).
TEST_CASE("se area: configs/smartexchange.json, every block sourced, total = sum") {
    ArchConfig a = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json");
    configure_design(a);
    const AreaReport r = se_area(a);
    double sum = 0;
    for (const BlockArea& b : r.blocks) {
        CHECK(b.area_mm2 > 0);
        CHECK_FALSE(b.basis.empty());
        sum += b.area_mm2;
        std::printf("%-34s %-14s %10.6f mm2 %10.6f mW  %s\n", b.block.c_str(), to_string(b.cls), b.area_mm2,
                    b.leakage_mw, b.basis.c_str());
    }
    std::printf("total %.4f mm2, static %.4f mW, slice pitch %.4f mm\n", r.total_mm2(), r.static_power_mw(),
                r.pe_pitch_mm);
    CHECK(r.total_mm2() == Approx(sum));
    CHECK(r.pe_pitch_mm > 0);
}
