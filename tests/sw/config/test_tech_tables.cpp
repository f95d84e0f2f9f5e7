// Technology tables (sw/config/tech_table.h): the area / leakage / grade / SRAM-area fields and
// their malformed forms, and the bundled tables of configs/tech/ against the issue-15 contract
// (the keys docs/energy-model.md lists): every key present, every number with a source and grade.
// Also: no file under configs/ holds an absolute path of someone's machine.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "sw/common/error.h"
#include "sw/config/tech_table.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

std::string repo(const std::string& rel) { return std::string(SX_SOURCE_DIR) + "/" + rel; }

json entry(double v, const char* unit, const char* grade = "A") {
    return json{{"value", v}, {"unit", unit}, {"source", "s"}, {"grade", grade}};
}

json small_table() {
    json t;
    t["name"] = "t";
    t["node_nm"] = 45;
    t["sram_device"] = "itrs-lstp";
    t["energy"] = {{"mac_8b", entry(0.3, "pJ")}};
    t["area"] = {{"mac_8b", entry(419, "um2", "B")}, {"control_fraction", entry(0.1, "fraction", "C")}};
    t["leakage"] = {{"mac_8b", entry(7.3, "uW", "D")}};
    t["sram"] = json::array({json{{"capacity_kib", 8}, {"read_pj_per_64b", 6}, {"write_pj_per_64b", 8}, {"leakage_mw", 0.5},
                                  {"area_mm2", 0.025}, {"source", "cacti"}, {"grade", "T"}},
                             json{{"capacity_kib", 32}, {"read_pj_per_64b", 16}, {"write_pj_per_64b", 16}, {"leakage_mw", 2},
                                  {"area_mm2", 0.1}, {"source", "cacti"}, {"grade", "T"}}});
    return t;
}

void expect_error(const json& doc, const std::string& pointer) {
    try {
        parse_tech_table(doc, "t.json");
        FAIL("no InputError for " << pointer);
    } catch (const InputError& e) {
        INFO(e.what());
        CHECK(e.file() == "t.json");
        CHECK(e.field() == pointer);
    }
}

// The issue-15 contract (IFACE15.md "Table keys").
const std::vector<std::string> kEnergyKeys = {
    "add_8b", "add_16b", "add_32b", "mult_8b", "mult_16b", "mac_8b", "mac_16b", "shift_add_8b", "shift_add_4b", "rf_read_16b",
    "rf_write_16b", "spad_ifmap_16b", "spad_psum_16b", "spad_weight_16b", "fifo_access_16b", "index_bit", "dram_access_64b",
    "wire_bit_mm", "reg_bit", "crossbar_bit", "comparator_8b"};
const std::vector<std::string> kUnitKeys = {"add_8b", "add_16b", "add_32b", "mult_8b", "mult_16b", "mac_8b", "mac_16b",
                                            "shift_add_8b", "shift_add_4b", "reg_bit", "crossbar_bit", "comparator_8b"};
const std::set<std::string> kGrades = {"A", "B", "C", "D", "T"};

std::vector<std::string> bundled_tables() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(repo("configs/tech")))
        if (e.path().extension() == ".json") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("tech tables: area, leakage, grades and SRAM area parse and look up") {
    const TechTable t = parse_tech_table(small_table(), "t.json");
    CHECK(t.area_um2("mac_8b") == 419);
    CHECK(t.leakage_uw("mac_8b") == 7.3);
    CHECK(t.control_fraction() == 0.1);
    CHECK(t.area.at("mac_8b").grade == "B");
    CHECK(t.sram_device == "itrs-lstp");
    // log2-linear between 8 and 32 KiB: 16 KiB is halfway, (0.025 + 0.1) / 2 = 0.0625 mm^2.
    CHECK(t.sram_area_mm2(16) == Approx(0.0625));
    CHECK(t.sram_leakage_mw(16) == Approx(1.25));
    CHECK(t.sram.front().grade == "T");
    // Absent keys name their pointer.
    try {
        t.area_um2("mult_8b");
        FAIL("accepted");
    } catch (const InputError& e) {
        CHECK(e.field() == "/area/mult_8b");
    }
    try {
        t.leakage_uw("reg_bit");
        FAIL("accepted");
    } catch (const InputError& e) {
        CHECK(e.field() == "/leakage/reg_bit");
    }
}

TEST_CASE("tech tables: malformed area, leakage, grade and SRAM fields are InputErrors with a pointer") {
    json d = small_table();
    SECTION("bad grade") {
        d["area"]["mac_8b"]["grade"] = "E";
        expect_error(d, "/area/mac_8b/grade");
    }
    SECTION("lower-case grade") {
        d["leakage"]["mac_8b"]["grade"] = "a";
        expect_error(d, "/leakage/mac_8b/grade");
    }
    SECTION("missing source") {
        d["leakage"]["mac_8b"].erase("source");
        expect_error(d, "/leakage/mac_8b/source");
    }
    SECTION("empty source") {
        d["area"]["mac_8b"]["source"] = "";
        expect_error(d, "/area/mac_8b/source");
    }
    SECTION("missing unit") {
        d["area"]["mac_8b"].erase("unit");
        expect_error(d, "/area/mac_8b/unit");
    }
    SECTION("negative area") {
        d["area"]["mac_8b"]["value"] = -1;
        expect_error(d, "/area/mac_8b/value");
    }
    SECTION("SRAM area not a number") {
        d["sram"][1]["area_mm2"] = "big";
        expect_error(d, "/sram/1/area_mm2");
    }
    SECTION("SRAM negative leakage") {
        d["sram"][0]["leakage_mw"] = -0.5;
        expect_error(d, "/sram/0/leakage_mw");
    }
    SECTION("SRAM bad grade") {
        d["sram"][0]["grade"] = "X";
        expect_error(d, "/sram/0/grade");
    }
    SECTION("SRAM missing source") {
        d["sram"][1].erase("source");
        expect_error(d, "/sram/1/source");
    }
    SECTION("unknown member of an entry") {
        d["energy"]["mac_8b"]["confidence"] = "high";
        expect_error(d, "/energy/mac_8b/confidence");
    }
    SECTION("SRAM area missing: the area lookup names the table") {
        d["sram"][0].erase("area_mm2");
        const TechTable t = parse_tech_table(d, "t.json");
        try {
            t.sram_area_mm2(8);
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.file() == "t.json");
            CHECK(e.field() == "/sram");
        }
    }
}

// The lookups return pJ, um^2 and uW whatever an entry's "unit" says: before this check an area
// of 0.000419 "mm2" for mac_8b parsed and was read as 0.000419 um^2 (10^6 too small), a leakage in
// "mW" as uW (10^3), an energy in "fJ" as pJ (10^3), and a control_fraction of 5 gave a control
// block 5x the chip.
TEST_CASE("tech tables: an entry in another unit than the lookup returns is an InputError naming its unit") {
    json d = small_table();
    SECTION("area in mm2") {
        d["area"]["mac_8b"] = entry(0.000419, "mm2", "B");
        expect_error(d, "/area/mac_8b/unit");
    }
    SECTION("leakage in mW") {
        d["leakage"]["mac_8b"] = entry(0.0073, "mW", "D");
        expect_error(d, "/leakage/mac_8b/unit");
    }
    SECTION("control_fraction as a percentage") {
        d["area"]["control_fraction"] = entry(10, "%", "C");
        expect_error(d, "/area/control_fraction/unit");
    }
    SECTION("control_fraction of 1 or more") {
        d["area"]["control_fraction"] = entry(5, "fraction", "C");
        expect_error(d, "/area/control_fraction/value");
    }
    SECTION("energy in fJ: refused when looked up") {
        d["energy"]["mac_8b"] = entry(300, "fJ");
        const TechTable t = parse_tech_table(d, "t.json");
        try {
            t.pj("mac_8b");
            FAIL("fJ read as pJ");
        } catch (const InputError& e) {
            CHECK(e.file() == "t.json");
            CHECK(e.field() == "/energy/mac_8b/unit");
        }
    }
    SECTION("pJ/bit/mm is a pJ unit") {
        d["energy"]["wire_bit_mm"] = entry(0.2, "pJ/bit/mm", "D");
        CHECK(parse_tech_table(d, "t.json").pj("wire_bit_mm") == 0.2);
    }
}

TEST_CASE("tech tables: every bundled table has every contract key with a source and a grade") {
    const auto tables = bundled_tables();
    CHECK(tables.size() >= 4);  // horowitz45, eyeriss65, cmos32, cmos16
    for (const auto& path : tables) {
        INFO(path);
        const TechTable t = load_tech_table(path);
        CHECK(t.node_nm > 0);
        CHECK(t.vdd_v > 0);
        CHECK_FALSE(t.sram_device.empty());
        for (const auto& k : kEnergyKeys) {
            INFO("energy " << k);
            CHECK(t.has(k));
        }
        for (const auto& k : kUnitKeys) {
            INFO("area/leakage " << k);
            CHECK(t.has_area(k));
            CHECK(t.leakage.count(k) == 1);
        }
        CHECK(t.control_fraction() > 0);
        CHECK(t.area.at("control_fraction").unit == "fraction");
        for (const auto* sec : {&t.energy, &t.area, &t.leakage})
            for (const auto& [k, e] : *sec) {
                INFO(k);
                CHECK_FALSE(e.source.empty());
                CHECK(kGrades.count(e.grade) == 1);
                CHECK(e.value >= 0);
            }
        CHECK(t.sram.size() >= 2);
        for (const auto& p : t.sram) {
            INFO(p.capacity_kib << " KiB");
            CHECK(p.area_mm2 > 0);
            CHECK(p.leakage_mw > 0);  // a real figure, not the old placeholder 0
            CHECK(p.read_pj_per_64b > 0);
            CHECK_FALSE(p.source.empty());
            CHECK(kGrades.count(p.grade) == 1);
        }
    }
}

TEST_CASE("tech tables: bundled figures equal their sources") {
    // horowitz45: Horowitz 45 nm (energy-area.md 1a); CACTI 45 nm itrs-lstp 32 KB (appendix).
    const TechTable h = load_tech_table(repo("configs/tech/horowitz45.json"));
    CHECK(h.pj("mult_8b") == 0.2);
    CHECK(h.area_um2("mult_8b") == 282);
    CHECK(h.area_um2("mac_8b") == 282 + 137);
    CHECK(h.leakage_uw("add_32b") == 2.3);  // Aladdin 40 nm 32-bit adder 0.0023 mW
    CHECK(h.pj("reg_bit") == 0.009);        // Aladdin 40 nm register bit
    CHECK(h.sram_read_pj(32, 64) == Approx(17));
    CHECK(h.sram_area_mm2(32) == Approx(0.0949));
    CHECK(h.sram_leakage_mw(32) == Approx(0.000637));
    // eyeriss65: CACTI 65 nm itrs-lstp 128 KB (not the 32 nm 18.2 pJ it had), logic x (45 nm
    // @0.9 V -> 65 nm @1.0 V) = 1.332 / 0.84433 = 1.5776 energy, 1.5 area.
    const TechTable e = load_tech_table(repo("configs/tech/eyeriss65.json"));
    CHECK(e.node_nm == 65);
    CHECK(e.sram_read_pj(128, 64) == Approx(59.3));
    CHECK(e.sram_area_mm2(128) == Approx(0.896));
    CHECK(e.pj("spad_weight_16b") == 1.34);
    // Sub-1 KiB points (energy-area.md 2, CACTI 65 nm 16-bit word): 512 B 3877 um^2, 1.34 pJ per
    // 16-bit read; the Eyeriss filter spad (224 x 16 b = 0.4375 KiB) interpolates in log2
    // capacity between 256 B (2145 um^2) and 512 B: t = log2(0.4375) + 2 = 0.80736,
    // 2145 + 0.80736 x (3877 - 2145) = 3543.3 um^2 (it was clamped to the 1 KiB 7510 um^2).
    CHECK(e.sram_area_mm2(0.5) == Approx(0.003877));
    CHECK(e.sram_read_pj(0.5, 16) == Approx(1.34));
    CHECK(e.sram_area_mm2(0.4375) == Approx(0.0035433).epsilon(1e-4));
    CHECK(e.sram_area_mm2(1) == Approx(0.00751));
    CHECK(e.pj("mac_8b") == Approx(0.3 * 1.332 / 0.84433));
    CHECK(e.area_um2("mac_8b") == Approx(419 * 1.5));
    // cmos16: logic x 0.14245 energy / 0.19 area; SRAM = CACTI 32 nm itrs-lstp x (32 -> 16 nm at
    // 0.8 V: 0.120272 / 0.456936 = 0.26321 energy, 0.41 area): 128 KB read 18.2 -> 4.790 pJ.
    const TechTable c = load_tech_table(repo("configs/tech/cmos16.json"));
    CHECK(c.node_nm == 16);
    CHECK(c.pj("mac_8b") == Approx(0.3 * 0.120272 / 0.84433));
    CHECK(c.area_um2("mac_8b") == Approx(419 * 0.19));
    CHECK(c.sram_read_pj(128, 64) == Approx(18.2 * 0.120272 / 0.456936));
    CHECK(c.sram_area_mm2(128) == Approx(0.217 * 0.41));
    CHECK(c.pj("dram_access_64b") == 512);  // DRAM does not scale with the logic node
    CHECK(c.pj("wire_bit_mm") == 0.104);    // CACTI 22 nm wire, not scaled
}

TEST_CASE("tech tables: no file under configs/ holds an absolute path of a machine") {
    // Strings that name a machine's folders (the old eyeriss65 notes had one). JSON pointers such
    // as "/pe_array/rows" in sweep files are fine, so only known roots count.
    const std::vector<std::string> roots = {"/home/", "/Users/", "/work/", "/tmp/", "/mnt/", "/root/", "/opt/", "/var/",
                                            "C:\\", "c:\\", "C:/", "file://"};
    std::size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(repo("configs"))) {
        if (!e.is_regular_file()) continue;
        ++files;
        std::ifstream in(e.path());
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (const auto& r : roots) {
            INFO(e.path().string() << " contains " << r);
            CHECK(text.find(r) == std::string::npos);
        }
    }
    CHECK(files >= 10);
}
