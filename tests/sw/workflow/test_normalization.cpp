#include <catch2/catch.hpp>

#include "sw/common/error.h"
#include "sw/workflow/normalization.h"

using namespace sx;

namespace {
// The shapes of configs/smartexchange.json, eyeriss.json and scnn.json.
const json kSe = json::parse(R"({"dataflow": "smartexchange", "clock_mhz": 1000, "technology": "tech/h45.json",
  "pe_array": {"dim_m": 16, "dim_c": 8, "dim_f": 8},
  "buffers": {"input": {"capacity_kib": 128, "banks": 8, "port_width_bits": 64},
              "output": {"capacity_kib": 64, "banks": 4, "port_width_bits": 64},
              "weight": {"capacity_kib": 64, "banks": 4, "port_width_bits": 64},
              "index": {"capacity_kib": 8, "banks": 1, "port_width_bits": 64}}})");
const json kEyeriss = json::parse(R"({"dataflow": "eyeriss", "clock_mhz": 200, "pe_array": {"rows": 12, "cols": 14},
  "buffers": {"glb_fmap": {"capacity_kib": 100, "banks": 25, "port_width_bits": 64},
              "filter": {"capacity_kib": 8, "banks": 1, "port_width_bits": 64}}})");
const json kScnn = json::parse(R"({"dataflow": "scnn", "clock_mhz": 1000,
  "pe_array": {"rows": 8, "cols": 8, "multipliers_per_pe": 16},
  "buffers": {"iaram": {"capacity_kib": 640, "banks": 64, "port_width_bits": 64}}})");
}  // namespace

TEST_CASE("MAC units and on-chip SRAM of a configuration") {
    CHECK(mac_units(kSe, "se") == 1024);    // 16 x 8 x 8
    CHECK(mac_units(kEyeriss, "e") == 168); // 12 x 14
    CHECK(mac_units(kScnn, "s") == 1024);   // 8 x 8 PEs x 16 multipliers
    CHECK(pe_count(kScnn, "s") == 64);
    CHECK(onchip_sram_kib(kSe, "se") == 264.0);  // 128 + 64 + 64 + 8
    CHECK(onchip_sram_kib(kEyeriss, "e") == 108.0);
    json bad = kSe;
    bad["pe_array"]["dim_c"] = 0;
    CHECK_THROWS_AS(mac_units(bad, "bad.json"), InputError);
}

TEST_CASE("no option, no change") {
    const NormalizedDesign n = normalize_design(kSe, "se", {});
    CHECK(n.overrides.empty());
    CHECK(n.notes.empty());
    CHECK(n.mac_units_after == 1024);
    CHECK(describe_normalization({}).find("none") == 0);
}

TEST_CASE("same technology and clock become overrides of every design") {
    NormalizationOptions o;
    o.same_tech = "/abs/tech.json";
    o.same_clock_mhz = 500;
    const NormalizedDesign n = normalize_design(kEyeriss, "e", o);
    CHECK(n.overrides.at("/technology") == json("/abs/tech.json"));
    CHECK(n.overrides.at("/clock_mhz") == json(500.0));
    CHECK(n.origins.at("/clock_mhz").file == "--same-clock");  // the child's errors name the option
    CHECK(n.origins.at("/technology").file == "--same-tech");
    CHECK(n.notes.at(1) == "clock: 200 -> 500 MHz");
    CHECK(describe_normalization(o) == "same technology table /abs/tech.json; same clock 500 MHz");
    o.same_clock_mhz = 0;
    CHECK_THROWS_AS(normalize_design(kEyeriss, "e", o), InputError);
}

TEST_CASE("same DRAM replaces the whole memory section, link clock and bus width included") {
    json eyeriss = kEyeriss;
    eyeriss["dram"] = json::parse(R"({"preset": "dram/link.json", "channels": 2, "clock_mhz": 60, "bus_width_bits": 64})");
    NormalizationOptions o;
    o.same_dram = "/abs/lpddr4.json";
    const NormalizedDesign n = normalize_design(eyeriss, "e", o);
    // One override of /dram as a whole, so the design's clock_mhz and bus_width_bits are gone
    // (a per-field override would have kept Eyeriss' 60 MHz link clock on the new preset).
    REQUIRE(n.overrides.size() == 1);
    CHECK(n.overrides.at("/dram") == json::parse(R"({"preset": "/abs/lpddr4.json", "channels": 1})"));
    CHECK(n.notes.at(0) == "DRAM: dram/link.json -> /abs/lpddr4.json (its own clock and bus width, 1 channel)");
    CHECK(normalize_design(kSe, "se", o).notes.at(0).rfind("DRAM: none -> ", 0) == 0);
    CHECK(describe_normalization(o) == "same DRAM /abs/lpddr4.json");
}

TEST_CASE("iso-MAC: SmartExchange scales dim_m, grids keep their aspect ratio and PE width") {
    NormalizationOptions o;
    o.iso_macs = 2048;
    // SmartExchange: dim_m = round(2048 / (8*8)) = 32, exact.
    NormalizedDesign n = normalize_design(kSe, "se", o);
    CHECK(n.overrides.at("/pe_array/dim_m") == json(32));
    CHECK(n.overrides.count("/pe_array/dim_c") == 0);
    CHECK(n.mac_units_after == 2048);
    // 1000 is not a multiple of 64: dim_m = round(15.625) = 16 -> 1024 MAC units, reported.
    o.iso_macs = 1000;
    n = normalize_design(kSe, "se", o);
    CHECK(n.overrides.at("/pe_array/dim_m") == json(16));
    CHECK(n.mac_units_after == 1024);
    CHECK(n.notes.back() == "MAC units: 1024 -> 1024 (target 1000)");

    // Eyeriss to 1024: s = 1024/168 = 6.095, sqrt(s) = 2.469; rows = round(12 * 2.469) =
    // round(29.63) = 30; cols = round(1024 / 30) = round(34.13) = 34; 30 x 34 = 1020.
    o.iso_macs = 1024;
    n = normalize_design(kEyeriss, "e", o);
    CHECK(n.overrides.at("/pe_array/rows") == json(30));
    CHECK(n.overrides.at("/pe_array/cols") == json(34));
    CHECK(n.mac_units_after == 1020);

    // SCNN to 4096: s = 4, sqrt = 2: rows 16, cols = 4096 / (16 * 16) = 16; 16 multipliers kept.
    o.iso_macs = 4096;
    n = normalize_design(kScnn, "s", o);
    CHECK(n.overrides.at("/pe_array/rows") == json(16));
    CHECK(n.overrides.at("/pe_array/cols") == json(16));
    CHECK(n.overrides.count("/pe_array/multipliers_per_pe") == 0);
    CHECK(n.mac_units_after == 4096);

    // Tiny targets never give a zero dimension: SCNN to 1 -> 1 x 1 PE of 16 multipliers.
    o.iso_macs = 1;
    n = normalize_design(kScnn, "s", o);
    CHECK(n.mac_units_after == 16);
}

TEST_CASE("iso-SRAM: one factor for every buffer, rounded to whole bank rows") {
    NormalizationOptions o;
    // SmartExchange 264 -> 528 KiB: factor 2, every capacity a whole number of rows already.
    o.iso_sram_kib = 528;
    NormalizedDesign n = normalize_design(kSe, "se", o);
    CHECK(n.overrides.at("/buffers/input/capacity_kib") == json(256));
    CHECK(n.overrides.at("/buffers/index/capacity_kib") == json(16));
    CHECK(n.sram_kib_after == 528.0);

    // Eyeriss 108 -> 100 KiB: factor 100/108 = 0.925926.
    //   glb_fmap: 100 KiB * f = 94814.8 B; a row is 25 banks x 8 B = 200 B -> 474 rows = 94800 B
    //             = 92.578125 KiB
    //   filter:   8 KiB * f = 7585.2 B; a row is 1 x 8 B -> 948 rows = 7584 B = 7.40625 KiB
    o.iso_sram_kib = 100;
    n = normalize_design(kEyeriss, "e", o);
    CHECK(n.overrides.at("/buffers/glb_fmap/capacity_kib").get<double>() == Approx(92.578125));
    CHECK(n.overrides.at("/buffers/filter/capacity_kib").get<double>() == Approx(7.40625));
    CHECK(n.sram_kib_after == Approx(99.984375));
    CHECK(n.sram_kib_before == 108.0);

    o.iso_sram_kib = -1;
    CHECK_THROWS_AS(normalize_design(kEyeriss, "e", o), InputError);
}
