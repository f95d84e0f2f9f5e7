// Hardware configuration and technology table loaders: bundled files, overrides, and every
// kind of malformed input (each error names the file and the JSON pointer).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "sw/common/error.h"
#include "sw/config/arch_config.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {
std::string repo(const std::string& rel) { return std::string(SX_SOURCE_DIR) + "/" + rel; }

// A scratch folder holding a config, a tiny tech table and a stand-in DRAM preset (the real
// presets are validated by hw/dram, not here).
struct Scratch {
    fs::path dir;
    Scratch() {
        dir = sx::test::scratch_dir("sx_test_config");
        fs::create_directories(dir / "tech");
        fs::create_directories(dir / "dram");
        write("tech/t.json", R"({"name": "t", "node_nm": 45,
            "energy": {"mac_8b": {"value": 0.3, "unit": "pJ", "source": "test"}},
            "sram": [{"capacity_kib": 8, "read_pj_per_64b": 10, "write_pj_per_64b": 12, "leakage_mw": 1, "source": "a"},
                     {"capacity_kib": 32, "read_pj_per_64b": 20, "write_pj_per_64b": 24, "leakage_mw": 3, "source": "b"}]})");
        write("dram/d.json", R"({"standard": "test"})");
    }
    std::string write(const std::string& rel, const std::string& text) const {
        std::ofstream(dir / rel) << text;
        return (dir / rel).string();
    }
};

json base_config() {
    return json::parse(R"({
      "name": "x", "description": "d", "dataflow": "smartexchange", "clock_mhz": 500,
      "technology": "tech/t.json",
      "bits": {"activation": 8, "accumulator": 32},
      "dram": {"preset": "dram/d.json", "channels": 2},
      "buffers": {"in": {"capacity_kib": 16, "banks": 4, "port_width_bits": 64, "role": "input"}},
      "pe_array": {"dim_m": 2, "dim_c": 3, "dim_f": 4},
      "smartexchange": {"k": 1}
    })");
}

// Writes `doc` and expects an InputError at `pointer` naming `file_suffix`.
void expect_error(const Scratch& s, const json& doc, const std::string& pointer, const std::string& file_suffix = "c.json",
                  const std::map<std::string, json>& overrides = {}) {
    const std::string path = s.write("c.json", doc.dump(2));
    try {
        // Fields refused as no longer supported are reported after parsing, with the unread ones.
        load_arch_config(path, overrides).expect_all_used();
        FAIL("no InputError for " << pointer);
    } catch (const InputError& e) {
        INFO(e.what());
        CHECK(e.field() == pointer);
        CHECK(e.file().size() >= file_suffix.size());
        CHECK(e.file().compare(e.file().size() - file_suffix.size(), file_suffix.size(), file_suffix) == 0);
        CHECK(std::string(e.what()).find(pointer + ": expected") != std::string::npos);
    }
}
}  // namespace

TEST_CASE("A small config loads with its defaults and helpers") {
    Scratch s;
    const ArchConfig c = load_arch_config(s.write("c.json", base_config().dump()));
    CHECK(c.dataflow == Dataflow::SmartExchange);
    CHECK(c.pe.total_macs() == 24);
    CHECK(c.cycle_ns() == Approx(2.0));
    CHECK(c.bits.accumulator == 32);
    CHECK(c.dram.channels == 2);
    CHECK(c.dram.preset["standard"] == "test");
    CHECK_FALSE(c.dram.clock_mhz_override);
    CHECK(c.buffer("in").capacity_bytes == 16 * 1024);
    CHECK(c.find_buffer("out") == nullptr);
    CHECK_THROWS_AS(c.buffer("out"), InputError);
    CHECK(c.sim.watchdog_cycles == 1000000);
    CHECK(c.dataflow_node().get_int("k") == 1);
    CHECK(c.dataflow_node().pointer() == "/smartexchange");
    // SRAM: log2 interpolation between 8 KiB (10 pJ) and 32 KiB (20 pJ): 16 KiB is halfway.
    CHECK(c.tech.sram_read_pj(16, 64) == Approx(15.0));
    CHECK(c.tech.sram_write_pj(16, 32) == Approx(18.0 / 2));
    // Beyond the ends: energy x sqrt(capacity ratio), leakage x the ratio (were clamped: a
    // 64 GiB buffer was charged the largest point's figures).
    CHECK(c.tech.sram_read_pj(2, 64) == Approx(10.0 * 0.5));      // 8 KiB / 4: sqrt(1/4)
    CHECK(c.tech.sram_read_pj(128, 64) == Approx(20.0 * 2.0));    // 32 KiB x 4: sqrt(4)
    CHECK(c.tech.sram_leakage_mw(128) == Approx(3.0 * 4.0));      // 32 KiB x 4
    CHECK(c.tech.sram_leakage_mw(2) == Approx(1.0 / 4.0));        // 8 KiB / 4
    CHECK(c.tech.sram_leakage_mw(16) == Approx(2.0));
    CHECK(c.tech.pj("mac_8b") == Approx(0.3));
    try {
        c.tech.pj("mac_16b");
        FAIL("missing action accepted");
    } catch (const InputError& e) {
        CHECK(e.field() == "/energy/mac_16b");
        CHECK(e.file().find("t.json") != std::string::npos);
    }
}

TEST_CASE("Dataflow names round-trip and grid arrays count multipliers") {
    for (Dataflow d : {Dataflow::SmartExchange, Dataflow::Eyeriss, Dataflow::Scnn, Dataflow::Dense})
        CHECK(dataflow_from_string(to_string(d)) == d);
    CHECK_THROWS_AS(dataflow_from_string("tpu"), std::invalid_argument);
    PeArrayConfig pe;
    pe.rows = 8;
    pe.cols = 8;
    pe.multipliers_per_pe = 16;
    CHECK(pe.total_macs() == 1024);
}

TEST_CASE("Overrides change fields before validation") {
    Scratch s;
    const std::string path = s.write("c.json", base_config().dump());
    const ArchConfig c = load_arch_config(path, {{"/buffers/in/banks", 8}, {"/clock_mhz", 250.0}});
    CHECK(c.buffer("in").banks == 8);
    CHECK(c.clock_mhz == 250.0);
    CHECK(c.raw["clock_mhz"] == 250.0);
}

TEST_CASE("Malformed configs name the file and the field") {
    Scratch s;
    json d = base_config();
    SECTION("syntax error") {
        const std::string path = s.write("c.json", "{\"name\": \"x\",,}");
        try {
            load_arch_config(path);
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.field() == "line 1 column 14");
        }
    }
    SECTION("unknown dataflow lists the options") {
        d["dataflow"] = "tpu";
        expect_error(s, d, "/dataflow");
        try { load_arch_config(s.write("c.json", d.dump())); } catch (const InputError& e) {
            CHECK(e.expected().find("smartexchange") != std::string::npos);
            CHECK(e.expected().find("dense") != std::string::npos);
        }
    }
    SECTION("missing field") { d.erase("clock_mhz"); expect_error(s, d, "/clock_mhz"); }
    SECTION("wrong type") { d["clock_mhz"] = "fast"; expect_error(s, d, "/clock_mhz"); }
    SECTION("zero clock") { d["clock_mhz"] = 0; expect_error(s, d, "/clock_mhz"); }
    SECTION("negative capacity") { d["buffers"]["in"]["capacity_kib"] = -1; expect_error(s, d, "/buffers/in/capacity_kib"); }
    SECTION("zero banks") { d["buffers"]["in"]["banks"] = 0; expect_error(s, d, "/buffers/in/banks"); }
    // Ports move whole bytes: 12 bits used to act as 8 without a word (stop 22 "noticed").
    SECTION("port width not whole bytes") { d["buffers"]["in"]["port_width_bits"] = 12; expect_error(s, d, "/buffers/in/port_width_bits"); }
    SECTION("port width under a byte") { d["buffers"]["in"]["port_width_bits"] = 4; expect_error(s, d, "/buffers/in/port_width_bits"); }
    SECTION("unknown role") { d["buffers"]["in"]["role"] = "psum"; expect_error(s, d, "/buffers/in/role"); }
    SECTION("unknown field (typo)") { d["pe_array"]["dim_n"] = 2; expect_error(s, d, "/pe_array/dim_n"); }
    SECTION("section of another dataflow") { d["scnn"] = json::object(); expect_error(s, d, "/scnn"); }
    SECTION("incomplete PE array") { d["pe_array"].erase("dim_f"); expect_error(s, d, "/pe_array/dim_f"); }
    SECTION("missing technology file") { d["technology"] = "tech/nope.json"; expect_error(s, d, "/technology"); }
    SECTION("missing DRAM preset") { d["dram"]["preset"] = "dram/nope.json"; expect_error(s, d, "/dram/preset"); }
    // An override's errors name the option that wrote the value, not the file it replaced.
    SECTION("override into a missing object") { expect_error(s, d, "/buffers/out/banks", "--set", {{"/buffers/out/banks", 2}}); }
    SECTION("override makes a field invalid") { expect_error(s, d, "/bits/accumulator", "--set", {{"/bits/accumulator", 0}}); }
    SECTION("override adds a misspelt member") { expect_error(s, d, "/pe_array/dim_n", "--set", {{"/pe_array/dim_n", 2}}); }
    SECTION("bad tech table: missing source") {
        s.write("tech/t.json", R"({"name": "t", "node_nm": 45, "energy": {"mac_8b": {"value": 0.3, "unit": "pJ"}},
                                   "sram": [{"capacity_kib": 8, "read_pj_per_64b": 1, "write_pj_per_64b": 1, "leakage_mw": 0, "source": "a"}]})");
        expect_error(s, d, "/energy/mac_8b/source", "t.json");
    }
    SECTION("bad tech table: zero SRAM capacity") {
        s.write("tech/t.json", R"({"name": "t", "node_nm": 45, "energy": {},
                                   "sram": [{"capacity_kib": 0, "read_pj_per_64b": 1, "write_pj_per_64b": 1, "leakage_mw": 0, "source": "a"}]})");
        expect_error(s, d, "/sram/0/capacity_kib", "t.json");
    }
}

TEST_CASE("Bundled technology tables load and cite every number") {
    for (const char* name : {"horowitz45", "eyeriss65"}) {
        INFO(name);
        const TechTable t = load_tech_table(repo(std::string("configs/tech/") + name + ".json"));
        for (const char* a : {"mac_8b", "mac_16b", "mult_16b", "add_8b", "add_16b", "add_32b", "shift_add_8b",
                              "rf_read_16b", "rf_write_16b", "fifo_access_16b", "noc_hop_16b", "index_bit",
                              "wire_bit_mm", "reg_bit", "crossbar_bit", "comparator_8b"}) {
            INFO(a);
            CHECK(t.has(a));
        }
        for (const auto& [k, e] : t.energy) CHECK_FALSE(e.source.empty());
    }
    const TechTable h = load_tech_table(repo("configs/tech/horowitz45.json"));
    CHECK(h.pj("add_8b") == 0.03);
    // CACTI 7.0 45 nm itrs-lstp 32 KB: read 17 pJ per 64 bits (energy-area.md appendix).
    CHECK(h.sram_read_pj(32, 64) == Approx(17.0));
    CHECK(h.sram_read_pj(32, 128) == Approx(34.0));
}

TEST_CASE("Bundled configurations load") {
    const ArchConfig se = load_arch_config(repo("configs/smartexchange.json"));
    CHECK(se.dataflow == Dataflow::SmartExchange);
    CHECK(se.pe.total_macs() == 16 * 8 * 8);
    CHECK(se.buffer("index").capacity_bytes == 8 * 1024);
    CHECK(se.dataflow_node().get_string("pe_timing") == "booth_bit_serial");
    const ArchConfig ey = load_arch_config(repo("configs/eyeriss.json"));
    CHECK(ey.pe.total_macs() == 168);
    // The chip's 60 MHz, 64-bit link is its own preset, not an override of another one.
    CHECK_FALSE(ey.dram.clock_mhz_override.has_value());
    CHECK(ey.dram.bus_width_bits == 0);
    CHECK(ey.dram.preset.at("clock_mhz").at("value") == 60);
    CHECK(ey.dram.preset.at("bus_width_bits").at("value") == 64);
    CHECK(ey.dram.preset.at("burst_length").at("value") == 1);
    const ArchConfig sc = load_arch_config(repo("configs/scnn.json"));
    CHECK(sc.pe.total_macs() == 1024);
    const ArchConfig dc = load_arch_config(repo("configs/dcnn.json"));
    CHECK(dc.dataflow == Dataflow::Dense);
    CHECK(dc.pe.total_macs() == 1024);
}

// Issue 11, case dram-three-channels: a bad /dram/channels or bus width was reported against
// the DRAM preset file, which has no such field. Right: the place the value was written.
TEST_CASE("DRAM channels and bus width errors name the config field or the override, not the preset") {
    Scratch s;
    json d = base_config();
    d["dram"]["channels"] = 3;
    expect_error(s, d, "/dram/channels");
    d["dram"]["channels"] = 1;
    d["dram"]["bus_width_bits"] = 12;
    expect_error(s, d, "/dram/bus_width_bits");
    d["dram"]["bus_width_bits"] = 4;
    expect_error(s, d, "/dram/bus_width_bits");
    d["dram"].erase("bus_width_bits");
    expect_error(s, d, "/dram/channels", "--set", {{"/dram/channels", 3}});
    expect_error(s, d, "/dram/bus_width_bits", "--set", {{"/dram/bus_width_bits", 12}});  // a member the file lacks
    try {
        load_arch_config(s.write("c.json", d.dump()), {{"/dram/channels", 3}});
        FAIL("accepted");
    } catch (const InputError& e) {
        CHECK(e.expected().find("power of two") != std::string::npos);
        CHECK(std::string(e.what()).find("d.json") == std::string::npos);  // not the preset
        CHECK(std::string(e.what()).find("c.json") == std::string::npos);  // not the file it replaced
    }
    const ArchConfig ok = load_arch_config(s.write("c.json", d.dump()), {{"/dram/channels", 4}, {"/dram/bus_width_bits", 32}});
    CHECK(ok.dram.channels == 4);
    CHECK(ok.dram.bus_width_bits == 32);
}

TEST_CASE("Override origins: sweep files, whole objects, dataflow sections and checks across fields") {
    Scratch s;
    const std::string path = s.write("c.json", base_config().dump());
    SECTION("a value from a sweep specification names it and the value's pointer there") {
        try {
            load_arch_config(path, {{"/dram/channels", 3}},
                             {{"/dram/channels", ValueOrigin{"sweep.json", "/params/~1dram~1channels/1"}}});
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.file() == "sweep.json");
            CHECK(e.field() == "/params/~1dram~1channels/1");
        }
    }
    SECTION("a field inside an overridden object names the override and the field") {
        const json dram = {{"preset", (s.dir / "dram/d.json").string()}, {"channels", 6}};
        try {
            load_arch_config(path, {{"/dram", dram}});
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.file() == "--set");
            CHECK(e.field() == "/dram/channels");
        }
        try {  // the origin's pointer is extended by the rest of the field's pointer
            load_arch_config(path, {{"/dram", dram}}, {{"/dram", ValueOrigin{"--same-dram", ""}}});
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.file() == "--same-dram");
            CHECK(e.field() == "/channels");
        }
    }
    SECTION("the dataflow section and checks made by the models") {
        const ArchConfig c = load_arch_config(path, {{"/smartexchange/k", 7}, {"/buffers/in/capacity_kib", 1}});
        CHECK(c.dataflow_node().get_int("k") == 7);
        try {
            c.dataflow_node().at("k").fail("a k the model accepts");
        } catch (const InputError& e) {
            CHECK(e.file() == "--set");
            CHECK(e.field() == "/smartexchange/k");
        }
        const InputError moved = c.error_at("/buffers/in/capacity_kib", "a bigger buffer");
        CHECK(moved.file() == "--set");
        const InputError kept = c.error_at("/buffers/in/banks", "more banks");
        CHECK(kept.file() == path);
        CHECK(kept.field() == "/buffers/in/banks");
        // "/buffers/in" is not a parent of "/buffers/input": prefixes count whole tokens.
        ValueOrigins o;
        o.add("/buffers/in", {"--set", "/buffers/in"});
        CHECK_FALSE(o.find("/buffers/input/banks").has_value());
        CHECK(o.find("/buffers/in/banks")->pointer == "/buffers/in/banks");
    }
}

TEST_CASE("Removed bit widths are rejected as not supported, naming the field") {
    // Issue 12: bits.weight, bits.ce_code and bits.basis were parsed and read by nothing.
    Scratch s;
    for (const char* key : {"weight", "ce_code", "basis"}) {
        INFO(key);
        json d = base_config();
        d["bits"][key] = 8;
        const std::string ptr = std::string("/bits/") + key;
        expect_error(s, d, ptr);
        try {
            load_arch_config(s.write("c.json", d.dump())).expect_all_used();
            FAIL("accepted: " << ptr);
        } catch (const InputError& e) {
            CHECK(e.expected().find("not supported") != std::string::npos);
        }
        // Written by an override: the override is named.
        expect_error(s, base_config(), ptr, "--set", {{ptr, 8}});
    }
}

TEST_CASE("An old-format configuration gets all its removed and unread fields in one error") {
    // Reviewer: stale fields were reported one per run (six round trips for the shared case
    // sweep-stale-after-edit). All three removed bit widths plus two unread fields of the
    // dataflow section: one error, removed ones first (in the order refused), then the unread
    // ones (keys sorted), one line each, each naming the file and its pointer.
    Scratch s;
    json d = base_config();
    d["bits"]["weight"] = 8;
    d["bits"]["ce_code"] = 4;
    d["bits"]["basis"] = 8;
    d["smartexchange"] = {{"zz_unused", 1}, {"aa_unused", 2}};
    const std::string path = s.write("c.json", d.dump());
    try {
        load_arch_config(path).expect_all_used();
        FAIL("an old-format configuration accepted");
    } catch (const InputError& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(e.file() == path);
        CHECK(e.field() == "/bits/weight");
        CHECK(what.rfind("5 problems, one per line:\n", 0) == 0);
        std::size_t at = 0;
        for (const char* ptr : {"/bits/weight", "/bits/ce_code", "/bits/basis", "/smartexchange/aa_unused",
                                "/smartexchange/zz_unused"}) {
            const std::size_t line = what.find("\n  " + path + ": " + ptr + ": expected ", at);
            CHECK(line != std::string::npos);
            if (line != std::string::npos) at = line + 1;
        }
        CHECK(std::count(what.begin(), what.end(), '\n') == 5);
    }
}

TEST_CASE("Every unknown member of an object is named in one error") {
    Scratch s;
    json d = base_config();
    d["pe_array"]["dim_n"] = 4;
    d["pe_array"]["dimf"] = 4;
    try {
        load_arch_config(s.write("c.json", d.dump()));
        FAIL("unknown fields accepted");
    } catch (const InputError& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(e.field() == "/pe_array/dim_n");
        CHECK(what.find("2 problems, one per line:") == 0);
        CHECK(what.find("/pe_array/dim_n: expected one of the known fields") != std::string::npos);
        CHECK(what.find("/pe_array/dimf: expected one of the known fields") != std::string::npos);
    }
}

TEST_CASE("A key written twice in a JSON file is refused at its JSON pointer") {
    // nlohmann alone keeps the last value. Hand-derived pointers: the second "dim_m" of the
    // object at /pe_array; in an array, the element index is part of the pointer.
    const auto refused = [](const std::string& text, const std::string& pointer) {
        try {
            parse_json_text(text, "dup.json");
            FAIL("accepted: " << text);
        } catch (const InputError& e) {
            INFO(e.what());
            CHECK(e.file() == "dup.json");
            CHECK(e.field() == pointer);
            CHECK(e.expected() == "each key once in an object");
        }
    };
    refused(R"({"a": 1, "a": 2})", "/a");
    refused(R"({"pe_array": {"dim_m": 8, "dim_c": 2, "dim_m": 16}})", "/pe_array/dim_m");
    refused(R"({"s": [{"x": 1}, 5, [], {"y": 1, "y": 2}]})", "/s/3/y");
    refused(R"({"a/b": {"k~": [0, {"q": 1, "q": 1}]}})", "/a~1b/k~0/1/q");
    refused(R"([{"a": {}}, {"a": 1, "b": {"c": 1}, "b": 2}])", "/1/b");
    // The same key in different objects is fine, and so is an equal value or a nested object.
    CHECK(parse_json_text(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})", "ok.json")["b"][1]["a"] == 2);
    // Values that are not JSON stay strings for --set / --param; a duplicate is still refused.
    CHECK_FALSE(try_parse_json_text("ddr4", "--set").has_value());
    CHECK_THROWS_AS(try_parse_json_text(R"({"k": 1, "k": 2})", "--set"), InputError);
}

TEST_CASE("A field no parser reads is an error at its JSON pointer") {
    Scratch s;
    json d = base_config();
    d["smartexchange"] = {{"k", 1}, {"unused", 2}};
    const ArchConfig c = load_arch_config(s.write("c.json", d.dump()));
    // The shared fields are all read by parse_arch_config; the dataflow section is its
    // design's: "k" read, "unused" not.
    CHECK(c.dataflow_node().get_int("k") == 1);
    try {
        c.expect_all_used();
        FAIL("an unread field accepted");
    } catch (const InputError& e) {
        CHECK(e.field() == "/smartexchange/unused");
        CHECK(e.file() == c.file);
        CHECK(e.found().find("nothing reads") != std::string::npos);
    }
    // Reading it makes the document clean; an override's unread field names the override.
    c.dataflow_node().get_int("unused");
    CHECK_NOTHROW(c.expect_all_used());
    const ArchConfig o = load_arch_config(s.write("c.json", base_config().dump()), {{"/smartexchange/extra", 3}});
    o.dataflow_node().get_int("k");
    try {
        o.expect_all_used();
        FAIL("an unread override accepted");
    } catch (const InputError& e) {
        CHECK(e.file() == "--set");
        CHECK(e.field() == "/smartexchange/extra");
    }
}

// Issue 12: a buffer's ports and arbiter. Absent: ports -1 (= unlimited, decided by
// hw/buffer), arbiter "" (= round_robin). The accepted names are hw/buffer's registry
// (tests/hw/buffer/test_buffer_arbitration.cpp pins the same list).
TEST_CASE("buffer ports and arbiter are read, and an unknown arbiter is an error at its pointer") {
    Scratch s;
    json d = base_config();
    CHECK(load_arch_config(s.write("c.json", d.dump())).buffer("in").ports == -1);
    CHECK(load_arch_config(s.write("c.json", d.dump())).buffer("in").arbiter.empty());
    for (const char* name : {"round_robin", "fcfs"}) {
        d["buffers"]["in"]["arbiter"] = name;
        d["buffers"]["in"]["ports"] = 0;
        const ArchConfig c = load_arch_config(s.write("c.json", d.dump()));
        CHECK(c.buffer("in").arbiter == name);
        CHECK(c.buffer("in").ports == 0);
    }
    d["buffers"]["in"]["arbiter"] = "lottery";
    expect_error(s, d, "/buffers/in/arbiter");
}
