// SCNN / DCNN area and energy by the issue-15 rules, derived by hand with the round technology
// table (tests/round_tech_table.h: mult_16b 1000 um2 / 10 uW / 4 pJ, add_* and comparator_8b
// 100 um2 / 1 uW / 1 pJ, reg_bit 5 um2 / 0.0625 uW / 0.125 pJ, crossbar_bit 2 um2 / 0.03125 uW /
// 0.0625 pJ, rf_read_16b and fifo_access_16b 2 pJ, wire_bit_mm 0.25 pJ, every SRAM bank
// 0.5 mm2 / 1 mW, control 0.25 of the rest).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "hw/scnn/scnn_area.h"
#include "hw/scnn/scnn_energy.h"
#include "hw/sim/design_config.h"
#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"
#include "tests/round_tech_table.h"

using namespace sx;

namespace {

// A 2 x 2 SCNN: F = I = 2, 8 accumulator banks of 64 / 8 = 8 entries (3 address bits), 2-entry
// crossbar queues, a 4-entry weight FIFO; IARAM / OARAM 4 KiB in 4 banks (one per PE), 64-bit ports.
// The bundled table is only there to parse: the round table replaces it.
ArchConfig with_round_table(const json& doc) {
    ArchConfig a = parse_arch_config(doc, std::string(SX_SOURCE_DIR) + "/configs/small.json");
    a.tech = test::round_tech_table();
    configure_design(a);
    return a;
}

ArchConfig small_scnn() {
    json doc = {{"name", "scnn-small"}, {"dataflow", "scnn"}, {"clock_mhz", 1000},
                {"technology", "tech/horowitz45.json"}, {"dram", {{"preset", "dram/lpddr4-3200.json"}, {"channels", 1}}},
                {"bits", {{"activation", 16}, {"accumulator", 24}}},
                {"buffers", {{"iaram", {{"capacity_kib", 4}, {"banks", 4}, {"port_width_bits", 64}, {"role", "input"}}},
                             {"oaram", {{"capacity_kib", 4}, {"banks", 4}, {"port_width_bits", 64}, {"role", "output"}}}}},
                {"pe_array", {{"rows", 2}, {"cols", 2}, {"multipliers_per_pe", 4}}},
                {"scnn", {{"F", 2}, {"I", 2}, {"accumulator_banks", 8}, {"accumulator_entries", 64},
                          {"weight_fifo_entries", 4}, {"crossbar_queue_entries", 2}}}};
    return with_round_table(doc);
}

double block(const AreaReport& r, const std::string& name) {
    for (const auto& b : r.blocks)
        if (b.block == name) return b.area_mm2;
    FAIL("no block " << name);
    return 0;
}

}  // namespace

TEST_CASE("SCNN area: the sum of its blocks, each counted by hand on a 2 x 2 array") {
    const ArchConfig a = small_scnn();
    const AreaReport r = scnn::scnn_area(a);
    // Per PE x 4 PEs, um2:
    //   multipliers       2 x 2 = 4 x 1000           -> 16 x 1000 = 16000
    //   accumulate adders 8 banks x 100              -> 32 x 100  =  3200
    //   scatter crossbar  4 x 8 crosspoints x 27 bits (24 + log2 8) = 864 -> 3456 x 2 = 6912
    //   crossbar queues   8 x 2 entries x 27 bits = 432 -> 1728 bits x 5 = 8640
    //   coordinate units  (2 + 2) + 2 x 4 = 12 add_8b -> 48 x 100 = 4800
    //   accumulators      2 x 64 x 24 = 3072 bits   -> 12288 x 5 = 61440
    //   weight FIFO       4 x 2 x (16 + 4) = 160 bits -> 640 x 5 = 3200
    //   IARAM port regs   64 + 2 x 20 = 104 bits     -> 416 x 5 = 2080
    //   halo link regs    3 links x 24 bits = 72     -> 288 x 5 = 1440
    //   halo merge adders 1                          -> 4 x 100 = 400
    //   PPU               4 mult_16b, 2 add_32b, 2 comparator_8b, 64 + 4 register bits
    //                     -> 16000 + 800 + 800 + 272 x 5 = 1360
    //   sum 127072 um2 = 0.127072 mm2; leakage 160 + 32 + 108 + 108 + 48 + 768 + 40 + 26 + 18 + 4
    //   + 160 + 8 + 8 + 17 = 1505 uW
    CHECK(block(r, "pe/multipliers") == Approx(0.016));
    CHECK(block(r, "pe/scatter_crossbar") == Approx(0.006912));
    CHECK(block(r, "pe/crossbar_queues") == Approx(0.00864));
    CHECK(block(r, "pe/accumulator_buffers") == Approx(0.06144));
    CHECK(block(r, "pe/weight_fifo") == Approx(0.0032));
    // IARAM, OARAM: 4 banks x 0.5 mm2 / 1 mW each -> 4 mm2, 8 mW. Control 0.25 x the rest.
    CHECK(block(r, "glb/iaram") == Approx(2.0));
    CHECK(block(r, "control") == Approx(0.25 * 4.127072));
    double sum = 0;
    for (const auto& b : r.blocks) sum += b.area_mm2;
    CHECK(r.total_mm2() == Approx(sum));
    CHECK(r.total_mm2() == Approx(1.25 * 4.127072));
    CHECK(r.static_power_mw() == Approx(1.25 * (1.505 + 8)));
    // One PE: (0.127072 + 4 banks' 4 mm2) / 4 = 1.031768 mm2 (control not in the pitch, as for
    // the other designs).
    CHECK(r.pe_pitch_mm == Approx(std::sqrt(4.127072 / 4)));
}

TEST_CASE("DCNN area: no crossbar or queues or coordinate units and one adder per multiplier") {
    json d = {{"F", 2}, {"I", 2}, {"accumulator_entries", 64}, {"weight_fifo_entries", 4}};
    const ArchConfig a = with_round_table({{"name", "dcnn-small"}, {"dataflow", "dense"}, {"clock_mhz", 1000},
                           {"technology", "tech/horowitz45.json"}, {"dram", {{"preset", "dram/lpddr4-3200.json"}, {"channels", 1}}},
                           {"bits", {{"activation", 16}, {"accumulator", 24}}},
                           {"buffers", {{"iaram", {{"capacity_kib", 4}, {"banks", 4}, {"port_width_bits", 64}, {"role", "input"}}},
                                        {"oaram", {{"capacity_kib", 4}, {"banks", 4}, {"port_width_bits", 64}, {"role", "output"}}}}},
                           {"pe_array", {{"rows", 2}, {"cols", 2}, {"multipliers_per_pe", 4}}}, {"dense", d}});
    const AreaReport r = scnn::scnn_area(a);
    // multipliers 16000, adders 4 x 4 = 16 x 100 = 1600, accumulators 61440, FIFO 4 x 2 x 16 =
    // 128 bits x 4 = 512 x 5 = 2560, IARAM port 64 + 2 x 16 = 96 -> 384 x 5 = 1920, links 2 x 24
    // = 48 -> 192 x 5 = 960, merge 400, PPU 16000 + 800 + 800 + 64 x 4 x 5 = 1280 (no run
    // counter: DCNN stores raw) -> 103760 um2.
    for (const auto& b : r.blocks) {
        CHECK(b.block != "pe/scatter_crossbar");
        CHECK(b.block != "pe/crossbar_queues");
        CHECK(b.block != "pe/coordinate_units");
    }
    CHECK(block(r, "pe/accumulate_adders") == Approx(0.0016));
    CHECK(r.total_mm2() == Approx(1.25 * (0.10376 + 4)));
}

TEST_CASE("SCNN energy: every class from the counters by hand") {
    const ArchConfig a = small_scnn();
    const AreaReport ar = scnn::scnn_area(a);
    scnn::ScnnEnergyCounts c;
    c.sparse = true;
    c.crossbar_queue_entries = 2;
    c.cnt.products = 100;
    c.cnt.products_discarded = 10;
    c.cnt.fifo_reads = 20;
    c.cnt.iaram_reads = 30;
    c.cnt.acc_reads = c.cnt.acc_writes = 100;
    c.broadcast_entries = 5;
    c.unicast_entries = 3;
    c.pes = 4;
    c.halo_values = 6;
    c.halo_value_hops = 8;
    c.ppu_outputs = 12;
    c.F = c.I = 2;
    c.widths = scnn::scnn_widths(a, a.design_params<scnn::ScnnParams>());
    c.floorplan = scnn::scnn_floorplan(a, ar);
    c.cycles = 1000;
    LayerResult r;
    scnn::apply_scnn_energy(a, c, r);
    // PeArray: 110 multiplies x 4 + (100 accumulations + 6 halo merges) x 1 + 12 PPU outputs x
    // (4 x 4 + 2 x 1 + 2 x 1) = 440 + 106 + 240 = 786.
    CHECK(r.energy(EnergyComponent::PeArray) == Approx(786));
    // IndexDecoder: (20 weight vectors x 2 + 30 activation vectors x 2 + 2 x 110 products) x 1 = 320.
    CHECK(r.energy(EnergyComponent::IndexDecoder) == Approx(320));
    // RegisterFile: reads (100 + 6 + 12) x 24/16 x 2 = 354; writes (100 + 6) x 24 x 0.125 = 318.
    CHECK(r.energy(EnergyComponent::RegisterFile) == Approx(672));
    // Fifo: writes 5 x 4 PEs + 3 = 23, reads 20: 43 x 40/16 x 2 = 215; queues 100 x 2 x 27/16 x 2 = 675.
    CHECK(r.energy(EnergyComponent::Fifo) == Approx(890));
    // Noc, pitch P: broadcast 5 x 40 bits x (2 + 2 x 2) P x 0.25 = 300 P; unicast 3 x 40 x (2 +
    // 2) P x 0.25 = 120 P; halo 8 x 24 x P x 0.25 = 48 P + its registers 8 x 24 x 0.125 = 24;
    // crossbar 100 x 27 x 0.0625 = 168.75 + wire 100 x 27 x 2 sqrt(6912 / 4 um2) x 0.25.
    const double P = ar.pe_pitch_mm;
    CHECK(c.floorplan.crossbar_mm == Approx(2 * std::sqrt(0.001728)));
    CHECK(r.energy(EnergyComponent::Noc) == Approx(468 * P + 24 + 168.75 + 675 * 2 * std::sqrt(0.001728)));
    // Leakage: static power 1.25 x 9.505 mW x 1000 cycles at 1 GHz (1 ns) = 11881.25 pJ.
    CHECK(r.energy(EnergyComponent::Leakage) == Approx(11881.25));
}

namespace {

// One micro-layer run of a bundled configuration with the round table (one simulate() per
// process: SystemC elaborates once). Checks what holds for every design; returns the layer.
LayerResult run_checked(const char* cfg, double* static_mw) {
    const json layer = {{"name", "c"}, {"type", "conv"}, {"C", 4}, {"K", 16}, {"H", 16}, {"W", 16},
                        {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1},
                        {"stats", {{"weight_density", 0.5}, {"activation_density", 0.5}, {"source", "test"}}}};
    const json doc = {{"name", "micro"}, {"source", "test"}, {"batch", 1},
                      {"input", {{"C", 4}, {"H", 16}, {"W", 16}}}, {"layers", json::array({layer})}};
    const Workload wl = parse_workload(doc, "micro.json");
    ArchConfig a = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/" + cfg);
    a.tech = test::round_tech_table();
    RunOptions opt;
    opt.check = true;
    opt.seed = 3;
    const RunResult run = simulate(a, wl, opt);
    REQUIRE(run.check_passed);
    const LayerResult l = run.layers.at(0);
    configure_design(a);
    const AreaReport ar = scnn::scnn_area(a);
    *static_mw = ar.static_power_mw();
    // 1 GHz: one cycle is 1 ns, so mW x cycles = pJ. The whole area leaks for the whole layer.
    CHECK(l.energy(EnergyComponent::Leakage) == Approx(ar.static_power_mw() * static_cast<double>(l.cycles)));
    // Distribution: the weight bus over 8 x 8 PEs (spine 8 + ribs 64 pitches to all PEs, 8 + 8
    // to one), the links one pitch per hop (+ a 24-bit register write), the crossbar (SCNN) per
    // product: 29 bits (24 + log2(1024 / 32)) through one crosspoint and across its wire.
    const auto x = [&](const char* k) { return l.extra.at(k); };
    const double P = ar.pe_pitch_mm;
    const bool sparse = a.dataflow == Dataflow::Scnn;
    const double entry = sparse ? 4 * 20 : 4 * 16;
    double noc = 0.25 * entry * P * (x("weight_bus_broadcast_entries") * 72 + x("weight_bus_unicast_entries") * 16) +
                 (0.25 * P + 0.125) * 24 * x("halo_value_hops");
    if (sparse) noc += x("products") * 29 * (0.0625 + 0.25 * scnn::scnn_floorplan(a, ar).crossbar_mm);
    CHECK(x("weight_bus_broadcast_entries") > 0);
    CHECK(l.energy(EnergyComponent::Noc) == Approx(noc));
    // Fifo: every broadcast entry into 64 FIFOs (+ one-PE entries) and every read, entry / 16
    // accesses of 2 pJ (80 bits: 10 pJ, 64 bits: 8 pJ); no crossbar queues in the configs.
    const double fifo_ops = x("weight_bus_broadcast_entries") * 64 + x("weight_bus_unicast_entries") + x("weight_fifo_reads");
    CHECK(l.energy(EnergyComponent::Fifo) == Approx(fifo_ops * entry / 16 * 2));
    // RegisterFile: an accumulator read (24/16 x 2 = 3 pJ) per product, halo merge and PPU
    // output, a write (24 x 0.125 = 3 pJ) per product and halo merge.
    CHECK(l.energy(EnergyComponent::RegisterFile) ==
          Approx(3 * (2 * x("products") + 2 * x("halo_values") + x("ppu_outputs"))));
    // IARAM / OARAM (hw/energy/energy_model.h sram_access_pj): one bank inside the PE, reached
    // alone: read 8 / write 16 pJ plus 64 bits across the bank's own side, sqrt(0.5) mm, at
    // 0.25 pJ per bit-mm = 11.3137 pJ. (A global buffer's port would cross all its banks.)
    const double bank_wire = 64 * std::sqrt(0.5) * 0.25;
    for (const auto [role, cls] : {std::pair{BufferRole::Input, EnergyComponent::InputBuffer},
                                   std::pair{BufferRole::Output, EnergyComponent::OutputBuffer}}) {
        const BufferCounters& b = l.buffer(role);
        CHECK(b.reads + b.writes > 0);
        CHECK(l.energy(cls) == Approx(b.reads * (8 + bank_wire) + b.writes * (16 + bank_wire)));
    }
    return l;
}

}  // namespace

TEST_CASE("SCNN run: leakage is static power x latency and distribution is bits x mm") {
    double mw = 0;
    const LayerResult l = run_checked("scnn.json", &mw);
    CHECK(l.extra.at("halo_value_hops") >= l.extra.at("halo_values"));  // above-left: 2 hops
    CHECK(l.extra.at("halo_values") > 0);
}

TEST_CASE("DCNN-opt run: gated multipliers cost no dynamic energy and still leak") {
    double mw = 0;
    const LayerResult o = run_checked("dcnn-opt.json", &mw);
    // PeArray = (products - gated) x (multiply 4 + accumulate 1) + PPU outputs x (4 x 4 + 2 + 2)
    // + array cycles x 2 x (F + I = 8) zero-detect compares x 1; gated = macs - macs_executed.
    const double gated = static_cast<double>(o.macs - o.macs_executed);
    CHECK(gated > 0);
    CHECK(o.energy(EnergyComponent::PeArray) ==
          Approx((o.extra.at("products") - gated) * 5 + o.extra.at("ppu_outputs") * 20 + 16 * o.extra.at("array_cycles")));
    // The leakage above is the whole area's, gated multipliers included: 64 x 16 x 10 uW of
    // multipliers x 1.25 (control) = 12.8 mW of the static power, whatever they did.
    CHECK(mw > 12.8);
}

TEST_CASE("DCNN run: every multiply charged and leakage is static power x latency") {
    double mw = 0;
    const LayerResult d = run_checked("dcnn.json", &mw);
    CHECK(d.macs_executed == d.macs);
    CHECK(d.energy(EnergyComponent::PeArray) ==
          Approx(d.extra.at("products") * 5 + d.extra.at("ppu_outputs") * 20));
}
