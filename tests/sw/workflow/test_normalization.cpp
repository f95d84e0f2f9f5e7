#include <catch2/catch.hpp>

#include "sw/common/error.h"
#include "sw/workflow/normalization.h"

#include <cmath>
#include <functional>

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

namespace {
// A synthetic area model, linear in what the search changes: 2 mm^2 fixed + 0.01 mm^2 per MAC
// unit + 0.005 mm^2 per KiB of global buffer. Counts its calls; nullopt above `max_macs`
// (a configuration the design would refuse).
struct LinearArea {
    json doc;
    int64_t max_macs = 1 << 30;
    int calls = 0;
    std::optional<double> operator()(const Overrides& o) {
        ++calls;
        const json d = apply_overrides(doc, o);
        const int64_t macs = mac_units(d, "synthetic");
        if (macs > max_macs) return std::nullopt;
        return 2.0 + 0.01 * static_cast<double>(macs) + 0.005 * onchip_sram_kib(d, "synthetic");
    }
};

double area_of(const json& doc, const Overrides& o) {
    LinearArea a{doc};
    return *a(o);
}
}  // namespace

TEST_CASE("iso-area: SmartExchange's dim_m lands within 2% of the target") {
    // area(m) = 2 + 0.01 x 64 m + 0.005 x 264 = 3.32 + 0.64 m; before (m = 16): 13.56 mm^2.
    // Target 20: m = (20 - 3.32) / 0.64 = 26.06 -> 26: 19.96 mm^2 (-0.2%).
    NormalizationOptions o;
    o.iso_area_mm2 = 20;
    LinearArea f{kSe};
    const NormalizedDesign n = normalize_design(kSe, "se", o, std::ref(f));
    CHECK(n.overrides.at("/pe_array/dim_m") == json(26));
    CHECK(n.origins.at("/pe_array/dim_m").file == "--iso-area");
    CHECK(n.area_before_mm2 == Approx(13.56));
    CHECK(n.area_after_mm2 == Approx(19.96));
    CHECK(std::fabs(n.area_after_mm2 / 20 - 1) <= 0.02);
    CHECK(n.mac_units_after == 26 * 64);
    CHECK_FALSE(n.overrides.count("/buffers/input/capacity_kib"));  // buffers kept
    CHECK(f.calls < 40);  // doubling + bisection, not a scan
    CHECK(describe_normalization(o) == "iso-area 20.000 mm^2 total (PE array scaled, within 2%)");
}

TEST_CASE("iso-area: a grid keeps its aspect ratio, then steps by one column") {
    // Eyeriss: area = 2 + 0.01 x rows x cols + 0.005 x 108 = 2.54 + 0.01 x PEs.
    // Target 8: 546 PEs. Aspect 14/12: rows 21 -> cols 25 (525 PEs, 7.79) is the last row
    // count not over; rows 21 x cols 26 = 546 PEs is exactly 8.00; rows 22: 22 x 24 = 528
    // (7.82), 22 x 25 = 550 (8.04). Closest: 21 x 26.
    NormalizationOptions o;
    o.iso_area_mm2 = 8;
    LinearArea f{kEyeriss};
    const NormalizedDesign n = normalize_design(kEyeriss, "e", o, std::ref(f));
    CHECK(n.overrides.at("/pe_array/rows") == json(21));
    CHECK(n.overrides.at("/pe_array/cols") == json(26));
    CHECK(n.area_after_mm2 == Approx(8.0));
    // Targets well above the smallest array land within 2% (one column of PEs, one slice, is
    // fine enough there). Near the smallest array the steps are coarser: SCNN's 0.16 mm^2 PE
    // (16 multipliers) on 5.2 mm^2 of fixed area cannot reach 7.3 (next test for the refusal).
    for (double t : {11.0, 25.0, 60.0}) {
        o.iso_area_mm2 = t;
        for (const json* doc : {&kEyeriss, &kScnn, &kSe}) {
            LinearArea g{*doc};
            const NormalizedDesign m = normalize_design(*doc, "d", o, std::ref(g));
            CHECK(std::fabs(m.area_after_mm2 / t - 1) <= 0.02);
            CHECK(area_of(*doc, m.overrides) == Approx(m.area_after_mm2));  // reported = recomputed
        }
    }
    for (double t : {3.0, 4.5, 7.3}) {
        o.iso_area_mm2 = t;
        LinearArea g{kEyeriss};
        CHECK(std::fabs(normalize_design(kEyeriss, "e", o, std::ref(g)).area_after_mm2 / t - 1) <= 0.02);
    }
}

TEST_CASE("iso-area: a target the PE array cannot reach within 2% is refused, naming --iso-area") {
    // SmartExchange steps by 0.64 mm^2 per slice: target 4.92 lies between m = 2 (4.60, -6.5%)
    // and m = 3 (5.24, +6.5%).
    NormalizationOptions o;
    o.iso_area_mm2 = 4.92;
    LinearArea f{kSe};
    try {
        normalize_design(kSe, "se.json", o, std::ref(f));
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        CHECK(e.file() == "--iso-area");
        CHECK(e.found().find("se.json reaches at best 4.600 mm^2 (-6.50% of 4.920)") != std::string::npos);
        CHECK(e.expected().find("--iso-area-scale-buffers") != std::string::npos);
    }
    // Below the smallest array (m = 1: 3.96 mm^2).
    o.iso_area_mm2 = 3.0;
    CHECK_THROWS_AS(normalize_design(kSe, "se.json", o, std::ref(f)), InputError);
    // Candidates the design refuses (over 20 slices) are never chosen: 30 mm^2 needs 42.
    f.max_macs = 20 * 64;
    o.iso_area_mm2 = 30;
    CHECK_THROWS_AS(normalize_design(kSe, "se.json", o, std::ref(f)), InputError);
}

TEST_CASE("iso-area with buffers: one common factor, then the buffers fine-tune") {
    NormalizationOptions o;
    o.iso_area_scale_buffers = true;
    // Target 4.92 (refused above): s ~ 1/8 gives m = 2 and 33 KiB (4.445 mm^2) ... the PE step is
    // too coarse, the buffers then take the rest with m fixed: 0.005 x KiB = 4.92 - 3.28.
    o.iso_area_mm2 = 4.92;
    LinearArea f{kSe};
    NormalizedDesign n = normalize_design(kSe, "se", o, std::ref(f));
    CHECK(std::fabs(n.area_after_mm2 / 4.92 - 1) <= 0.02);
    CHECK(n.overrides.count("/buffers/input/capacity_kib"));
    CHECK(n.overrides.at("/buffers/input/capacity_kib").get<double>() < 128);
    CHECK(area_of(kSe, n.overrides) == Approx(n.area_after_mm2));
    // Doubling the design doubles its variable part: 2 + 2 x 11.56 = 25.12 -> m = 32, 528 KiB.
    o.iso_area_mm2 = 25.12;
    n = normalize_design(kSe, "se", o, std::ref(f));
    CHECK(n.overrides.at("/pe_array/dim_m") == json(32));
    CHECK(n.sram_kib_after == Approx(528.0));
    CHECK(n.area_after_mm2 == Approx(25.12));
    CHECK(describe_normalization(o) == "iso-area 25.120 mm^2 total (PE array and global buffers scaled, within 2%)");
}

TEST_CASE("iso-area refuses to combine with the options that set the same fields") {
    LinearArea f{kSe};
    NormalizationOptions o;
    o.iso_area_mm2 = 20;
    o.iso_macs = 1024;
    CHECK_THROWS_AS(normalize_design(kSe, "se", o, std::ref(f)), InputError);
    o.iso_macs.reset();
    o.iso_sram_kib = 128;
    CHECK_NOTHROW(normalize_design(kSe, "se", o, std::ref(f)));  // PE array scaled on the iso-SRAM buffers
    o.iso_area_scale_buffers = true;
    CHECK_THROWS_AS(normalize_design(kSe, "se", o, std::ref(f)), InputError);
    o = {};
    o.iso_area_mm2 = -1;
    CHECK_THROWS_AS(normalize_design(kSe, "se", o, std::ref(f)), InputError);
}
