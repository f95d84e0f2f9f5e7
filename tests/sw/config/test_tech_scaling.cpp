// The node-scaling rule (sw/config/tech_scaling.h) against the published Stillmaker-Baas 2017
// tables as transcribed in ../shared/reference/energy-area.md 7a, and tables that "derive" from
// another one: values, rewritten sources, overrides, and every bad derivation as an InputError
// naming the file and the JSON pointer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "sw/common/error.h"
#include "sw/config/tech_scaling.h"
#include "sw/config/tech_table.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path dir = sx::test::scratch_dir("sx_test_tech_scaling");
    std::string write(const std::string& rel, const json& doc) const {
        fs::create_directories((dir / rel).parent_path());
        std::ofstream(dir / rel) << doc.dump(2);
        return (dir / rel).string();
    }
};

json entry(double v, const char* unit, const char* src = "base number", const char* grade = "A") {
    return json{{"value", v}, {"unit", unit}, {"source", src}, {"grade", grade}};
}

// A 45 nm base at 0.9 V with one entry per section and two SRAM points.
json base45() {
    json t;
    t["name"] = "b";
    t["node_nm"] = 45;
    t["vdd_v"] = 0.9;
    t["sram_device"] = "itrs-lstp";
    t["energy"] = {{"mac_8b", entry(0.3, "pJ")}, {"dram_access_64b", entry(512, "pJ")}};
    t["area"] = {{"mac_8b", entry(419, "um2")}, {"control_fraction", entry(0.1, "fraction", "assumed", "C")}};
    t["leakage"] = {{"mac_8b", entry(7.3, "uW")}};
    t["sram"] = json::array({json{{"capacity_kib", 8}, {"read_pj_per_64b", 6.14}, {"write_pj_per_64b", 7.88}, {"leakage_mw", 0.000172},
                                  {"area_mm2", 0.0263}, {"source", "cacti 8"}, {"grade", "T"}},
                             json{{"capacity_kib", 32}, {"read_pj_per_64b", 17}, {"write_pj_per_64b", 15.4}, {"leakage_mw", 0.000637},
                                  {"area_mm2", 0.0949}, {"source", "cacti 32"}, {"grade", "T"}}});
    return t;
}

json derived16(const std::string& from = "base.json") {
    json t;
    t["name"] = "d";
    t["node_nm"] = 16;
    t["vdd_v"] = 0.8;
    t["derive"] = {{"from", from}, {"rule", "stillmaker-baas-2017"}};
    return t;
}

void expect_input_error(const std::string& path, const std::string& file_suffix, const std::string& pointer,
                        const std::string& expected_part = "") {
    try {
        load_tech_table(path);
        FAIL("no InputError for " << pointer);
    } catch (const InputError& e) {
        INFO(e.what());
        CHECK(e.field() == pointer);
        CHECK(e.file().size() >= file_suffix.size());
        CHECK(e.file().compare(e.file().size() - file_suffix.size(), file_suffix.size(), file_suffix) == 0);
        if (!expected_part.empty()) CHECK(e.expected().find(expected_part) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("tech scaling: factors equal the published Stillmaker-Baas table and polynomials") {
    // Area: the table's 45 -> 16 entry is 0.19, 45 -> 65 is 1.5, 65 -> 45 is 0.66, 32 -> 16 is 0.41.
    CHECK(stillmaker_area_factor(45, 16) == 0.19);
    CHECK(stillmaker_area_factor(45, 65) == 1.5);
    CHECK(stillmaker_area_factor(65, 45) == 0.66);
    CHECK(stillmaker_area_factor(32, 16) == 0.41);
    CHECK(stillmaker_area_factor(7, 7) == 1);
    // Energy polynomial at 1.0 V for 45 nm: 1.103 - 0.362 + 0.2767 = 1.0177 (the table is
    // normalised to 45 nm at 1 V, energy-area.md 7a).
    CHECK(stillmaker_energy(45, 1.0) == Approx(1.0177));
    // 45 -> 16 nm at 0.8 V: P16 = 0.2958 x 0.64 - 0.1241 x 0.8 + 0.03024 = 0.120272;
    // P45 = 1.103 x 0.64 - 0.362 x 0.8 + 0.2767 = 0.69302; ratio 0.17355 (7a: ~0.17).
    CHECK(stillmaker_energy_factor(45, 0.8, 16, 0.8) == Approx(0.120272 / 0.69302));
    CHECK(stillmaker_energy_factor(45, 0.8, 16, 0.8) == Approx(0.17).margin(0.005));
    // 65 -> 45 at 0.8 V: P65 = 3.755 x 0.64 - 4.398 x 0.8 + 1.975 = 0.8598; 0.69302 / 0.8598 =
    // 0.806 (7a: 0.81). 45 -> 32: (0.9559 x 0.64 - 0.7823 x 0.8 + 0.471) / 0.69302 = 0.456936 /
    // 0.69302 = 0.659 (7a: 0.66). At 1.0 V, 45 -> 16: 0.20024 / 1.0177 = 0.197 (7a: 0.20).
    CHECK(stillmaker_energy_factor(65, 0.8, 45, 0.8) == Approx(0.81).margin(0.005));
    CHECK(stillmaker_energy_factor(45, 0.8, 32, 0.8) == Approx(0.66).margin(0.005));
    CHECK(stillmaker_energy_factor(45, 1.0, 16, 1.0) == Approx(0.20).margin(0.005));
    // The bundled tables' factors: horowitz45 (0.9 V) -> cmos16 (0.8 V): 0.120272 / (1.103 x 0.81
    // - 0.362 x 0.9 + 0.2767 = 0.84433) = 0.14245; -> eyeriss65 (1.0 V): (3.755 - 4.398 + 1.975 =
    // 1.332) / 0.84433 = 1.5776.
    const ScaleFactors f16 = scale_factors("stillmaker-baas-2017", 45, 0.9, 16, 0.8);
    CHECK(f16.energy == Approx(0.120272 / 0.84433));
    CHECK(f16.leakage == f16.energy);  // Accelergy's convention
    CHECK(f16.area == 0.19);
    CHECK(f16.describe == "Stillmaker-Baas 2017, 45 nm @0.9 V -> 16 nm @0.8 V");
    CHECK(scale_factors("stillmaker-baas-2017", 45, 0.9, 65, 1.0).energy == Approx(1.332 / 0.84433));
    // Outside the table or the rule: refused (callers turn it into an InputError first).
    CHECK_THROWS_AS(stillmaker_area_factor(40, 16), std::invalid_argument);
    CHECK_THROWS_AS(stillmaker_energy(22, 0.8), std::invalid_argument);
    CHECK_THROWS_AS(scale_factors("linear", 45, 0.9, 16, 0.8), std::invalid_argument);
    CHECK_THROWS_AS(scale_factors("stillmaker-baas-2017", 45, 0.9, 16, 2.0), std::invalid_argument);
}

TEST_CASE("tech scaling: a derived table is the base times the factors, with rewritten sources") {
    Dir d;
    d.write("base.json", base45());
    json t = derived16();
    // An entry written in the derived file overrides the base's.
    t["energy"] = {{"dram_access_64b", entry(512, "pJ", "LPDDR4 8 pJ/bit, node-independent")}};
    const TechTable x = load_tech_table(d.write("d.json", t));
    const double e = 0.120272 / 0.84433;  // 45 nm @0.9 V -> 16 nm @0.8 V, as above
    CHECK(x.node_nm == 16);
    CHECK(x.vdd_v == 0.8);
    CHECK(x.pj("mac_8b") == Approx(0.3 * e));
    CHECK(x.area_um2("mac_8b") == Approx(419 * 0.19));  // 79.61 um2
    CHECK(x.leakage_uw("mac_8b") == Approx(7.3 * e));
    CHECK(x.control_fraction() == 0.1);  // a fraction does not scale
    CHECK(x.area.at("control_fraction").grade == "C");
    CHECK(x.pj("dram_access_64b") == 512);
    CHECK(x.energy.at("dram_access_64b").source == "LPDDR4 8 pJ/bit, node-independent");
    CHECK(x.energy.at("mac_8b").grade == "D");
    CHECK(x.energy.at("mac_8b").source == "D: base number x 0.1424 (Stillmaker-Baas 2017, 45 nm @0.9 V -> 16 nm @0.8 V)");
    CHECK(x.area.at("mac_8b").source == "D: base number x 0.19 (Stillmaker-Baas 2017, 45 nm @0.9 V -> 16 nm @0.8 V)");
    // SRAM points scaled: 32 KiB read 17 pJ x 0.14245, area 0.0949 x 0.19, leakage x 0.14245.
    CHECK(x.sram_read_pj(32, 64) == Approx(17 * e));
    CHECK(x.sram_area_mm2(32) == Approx(0.0949 * 0.19));
    CHECK(x.sram_leakage_mw(32) == Approx(0.000637 * e));
    CHECK(x.sram.front().grade == "D");
    CHECK(x.sram_device == "itrs-lstp");
    CHECK(x.files.size() == 2);
}

TEST_CASE("tech scaling: sram_from, written SRAM points and chains") {
    Dir d;
    d.write("base.json", base45());
    json s32 = base45();
    s32["name"] = "s32";
    s32["node_nm"] = 32;
    s32["vdd_v"] = 0.8;
    s32["sram_device"] = "itrs-lstp 32";
    s32["sram"][0]["read_pj_per_64b"] = 3.44;
    d.write("s32.json", s32);
    json t = derived16();
    t["derive"]["sram_from"] = "s32.json";
    const TechTable x = load_tech_table(d.write("d.json", t));
    // Logic from base (45 nm @0.9 V), SRAM from s32 (32 nm @0.8 V): 32 -> 16 at 0.8 V energy
    // 0.120272 / 0.456936 = 0.26321, area 0.41.
    CHECK(x.pj("mac_8b") == Approx(0.3 * 0.120272 / 0.84433));
    CHECK(x.sram_read_pj(8, 64) == Approx(3.44 * 0.120272 / 0.456936));
    CHECK(x.sram_area_mm2(8) == Approx(0.0263 * 0.41));
    CHECK(x.sram_device == "itrs-lstp 32");
    // SRAM written in the derived file replaces the base's points entirely.
    t["derive"].erase("sram_from");
    t["sram"] = json::array({json{{"capacity_kib", 1}, {"read_pj_per_64b", 1}, {"write_pj_per_64b", 2}, {"leakage_mw", 0},
                                  {"area_mm2", 0.001}, {"source", "own"}, {"grade", "T"}}});
    const TechTable y = load_tech_table(d.write("d2.json", t));
    REQUIRE(y.sram.size() == 1);
    CHECK(y.sram_read_pj(1, 64) == 1);
    CHECK(y.sram_read_pj(64, 64) == Approx(8));  // beyond the one point: x sqrt(64 / 1)
    // A chain: 45 @0.9 -> 32 @0.8 -> 16 @0.8 telescopes in energy (the 32 nm polynomial cancels)
    // and multiplies the area table's entries (0.46 x 0.41 = 0.1886, vs 0.19 direct).
    json mid = derived16();
    mid["name"] = "mid";
    mid["node_nm"] = 32;
    d.write("mid.json", mid);
    const TechTable z = load_tech_table(d.write("z.json", derived16("mid.json")));
    CHECK(z.pj("mac_8b") == Approx(0.3 * 0.120272 / 0.84433));
    CHECK(z.area_um2("mac_8b") == Approx(419 * 0.46 * 0.41));
    CHECK(z.files.size() == 3);
}

TEST_CASE("tech scaling: bad derivations are InputErrors naming the file and the pointer") {
    Dir d;
    d.write("base.json", base45());
    SECTION("unknown rule") {
        json t = derived16();
        t["derive"]["rule"] = "linear";
        expect_input_error(d.write("d.json", t), "d.json", "/derive/rule");
    }
    SECTION("node outside the rule's table (22 nm is a CACTI node, not a Stillmaker-Baas one)") {
        json t = derived16();
        t["node_nm"] = 22;
        expect_input_error(d.write("d.json", t), "d.json", "/node_nm", "Stillmaker-Baas");
    }
    SECTION("base node outside the table") {
        json b = base45();
        b["node_nm"] = 40;
        d.write("b40.json", b);
        expect_input_error(d.write("d.json", derived16("b40.json")), "b40.json", "/node_nm");
    }
    SECTION("missing vdd_v on the derived table and on its base") {
        json t = derived16();
        t.erase("vdd_v");
        expect_input_error(d.write("d.json", t), "d.json", "/vdd_v");
        json b = base45();
        b.erase("vdd_v");
        d.write("nov.json", b);
        expect_input_error(d.write("d2.json", derived16("nov.json")), "nov.json", "/vdd_v");
    }
    SECTION("vdd_v out of range") {
        json t = derived16();
        t["vdd_v"] = 3.3;
        expect_input_error(d.write("d.json", t), "d.json", "/vdd_v");
    }
    SECTION("missing base file") {
        expect_input_error(d.write("d.json", derived16("nope.json")), "d.json", "/derive/from", "existing");
    }
    SECTION("a cycle: a derives from b, b from a") {
        json a = derived16("b.json");
        json b = derived16("a.json");
        b["node_nm"] = 32;
        d.write("b.json", b);
        expect_input_error(d.write("a.json", a), "b.json", "/derive/from", "cycle");
    }
    SECTION("a table deriving from itself") {
        expect_input_error(d.write("self.json", derived16("self.json")), "self.json", "/derive/from", "cycle");
    }
    SECTION("unknown member of derive") {
        json t = derived16();
        t["derive"]["vdd"] = 0.8;
        expect_input_error(d.write("d.json", t), "d.json", "/derive/vdd");
    }
    SECTION("bad entry in the base names the base") {
        json b = base45();
        b["energy"]["mac_8b"]["grade"] = "E";
        d.write("bad.json", b);
        expect_input_error(d.write("d.json", derived16("bad.json")), "bad.json", "/energy/mac_8b/grade");
    }
}
