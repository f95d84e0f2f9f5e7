// docs/formats.md against the loaders (issue 11): for every field with a documented range, the
// page states the range in the field's table row (or bullet), each end is accepted, and just
// outside each end is an InputError naming the file the value was written in and its JSON
// pointer. Configuration fields are tried twice: written in the file, and set with an override
// (`sxsim run --set`), where the error must name "--set" and never the configuration file.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "sw/common/error.h"
#include "sw/config/arch_config.h"
#include "sw/config/tech_table.h"
#include "sw/workload/workload.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

const std::string kSource = SX_SOURCE_DIR;
constexpr int64_t kDocMaxDim = int64_t{1} << 24;  // 16777216, workload dimensions

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// docs/formats.md documents `field` on a table row starting "| `field`" or a bullet "- `field`"
// (with its indented continuation lines); one of them must state `range`. (A name can appear
// in several tables: `clock_mhz` is also a trace column.)
void check_documented(const std::string& field, const std::string& range) {
    static const std::string doc = slurp(kSource + "/docs/formats.md");
    std::vector<std::string> entries;
    std::istringstream in(doc);
    std::string line;
    bool in_bullet = false;
    while (std::getline(in, line)) {
        if (in_bullet && line.rfind("  ", 0) == 0) {
            entries.back() += " " + line.substr(2);
            continue;
        }
        in_bullet = line.rfind("- `" + field + "`", 0) == 0;
        if (in_bullet || line.rfind("| `" + field + "`", 0) == 0) entries.push_back(line);
    }
    std::string seen;
    bool stated = false;
    for (const auto& e : entries) {
        seen += "\n  " + e;
        stated = stated || e.find(range) != std::string::npos;
    }
    INFO("docs/formats.md documents `" << field << "` as:" << seen << "\nexpected the range: " << range);
    CHECK(stated);
}

struct Scratch {
    fs::path dir = sx::test::scratch_dir("sx_test_ranges");
    std::string write(const std::string& name, const json& doc) const {
        const std::string p = (dir / name).string();
        std::ofstream(p) << doc.dump(2);
        return p;
    }
};

// One documented range. `setup` prepares the document for an accepted value at the bounds
// (e.g. the other PE dimensions at 1, so that only this field's limit applies).
struct Range {
    std::string doc_field;   // as docs/formats.md names it
    std::string doc_range;   // the text the page must contain on that line
    std::string pointer;     // where the value goes in the document
    std::vector<json> accepted;
    std::vector<json> rejected;
    std::function<void(json&, const json& value)> setup = nullptr;
};

void expect_error_at(const std::function<void()>& load, const std::string& file_suffix, const std::string& pointer,
                     const json& value) {
    INFO("value " << value.dump() << " at " << pointer);
    try {
        load();
        FAIL("accepted");
    } catch (const InputError& e) {
        INFO(e.what());
        CHECK(e.field() == pointer);
        CHECK(e.file().size() >= file_suffix.size());
        CHECK(e.file().compare(e.file().size() - file_suffix.size(), file_suffix.size(), file_suffix) == 0);
    }
}

// configs/smartexchange.json with absolute file references, the base of the config cases.
json base_config() {
    json doc = json::parse(slurp(kSource + "/configs/smartexchange.json"));
    doc["technology"] = kSource + "/configs/" + doc["technology"].get<std::string>();
    doc["dram"]["preset"] = kSource + "/configs/" + doc["dram"]["preset"].get<std::string>();
    return doc;
}

void small_se_array(json& d, const json&) { d["pe_array"] = {{"dim_m", 1}, {"dim_c", 1}, {"dim_f", 1}}; }
void small_grid(json& d, const json&) { d["pe_array"] = {{"rows", 1}, {"cols", 1}}; }

std::vector<Range> config_ranges() {
    const json kib_max = 1073741824;  // 1 TiB
    return {
        {"clock_mhz", "number in [1, 100000], MHz", "/clock_mhz", {1, 1e5}, {0, -1, 0.999, 100001}},
        {"bits.activation", "integer in [1, 64]", "/bits/activation", {1, 64}, {0, 65}},
        {"bits.activation", "integer in [1, 64]", "/bits/accumulator", {1, 64}, {0, 65}},
        // The user-found case (dram-three-channels): 3 channels, and widths 4 and 12.
        {"dram.channels", "power of two in [1, 1024]", "/dram/channels", {1, 2, 1024}, {0, 3, 2048, -1}},
        {"dram.bus_width_bits", "power of two in [8, 1024]", "/dram/bus_width_bits", {8, 64, 1024}, {4, 12, 2048, 0}},
        {"dram.clock_mhz", "number in [1, 100000], MHz", "/dram/clock_mhz", {1, 60, 1e5}, {0, -60, 0.5, 100001}},
        {"dram.sync_cycles", "integer in [0, 64], core cycles", "/dram/sync_cycles", {0, 2, 64}, {-1, 65, 1.5}},
        // 1/1024 KiB is one byte; 0.0001 KiB rounds to 0 bytes.
        {"buffers.<name>.capacity_kib", "number in (0, 1073741824]", "/buffers/input/capacity_kib",
         {1.0 / 1024, kib_max}, {0, -1, 0.0001, 1073741824.5}},
        {"buffers.<name>.banks", "integer in [1, 1048576]", "/buffers/input/banks", {1, 1048576}, {0, 1048577}},
        {"buffers.<name>.port_width_bits", "multiple of 8 in [8, 65536]", "/buffers/input/port_width_bits", {8, 65536},
         {0, 1, 12, 65537}},
        {"buffers.<name>.ports", "integer in [0, 1048576]", "/buffers/input/ports", {0, 1, 1048576}, {-1, 1048577}},
        {"pe_array.dim_m", "integers in [1, 1048576]", "/pe_array/dim_m", {1, 1048576}, {0, 1048577}, small_se_array},
        {"pe_array.dim_m", "integers in [1, 1048576]", "/pe_array/dim_c", {1, 1048576}, {0, 1048577}, small_se_array},
        {"pe_array.dim_m", "integers in [1, 1048576]", "/pe_array/dim_f", {1, 1048576}, {0, 1048577}, small_se_array},
        {"pe_array.rows", "integers in [1, 1048576]", "/pe_array/rows", {1, 1048576}, {0, 1048577}, small_grid},
        {"pe_array.rows", "integers in [1, 1048576]", "/pe_array/cols", {1, 1048576}, {0, 1048577}, small_grid},
        {"pe_array.multipliers_per_pe", "integer in [1, 1048576]", "/pe_array/multipliers_per_pe", {1, 1048576},
         {0, 1048577}, small_grid},
        {"simulation.watchdog_cycles", "integer >= 1", "/simulation/watchdog_cycles", {1, int64_t{1} << 62}, {0, -1}},
    };
}

}  // namespace

TEST_CASE("documented configuration ranges hold, written in the file or set with --set") {
    Scratch s;
    for (const Range& r : config_ranges()) {
        INFO(r.pointer);
        check_documented(r.doc_field, r.doc_range);
        const json::json_pointer jp(r.pointer);
        for (const json& v : r.accepted) {
            json d = base_config();
            if (r.setup) r.setup(d, v);
            d[jp] = v;
            INFO("accepted value " << v.dump());
            CHECK_NOTHROW(load_arch_config(s.write("c.json", d)));
            json base = base_config();
            if (r.setup) r.setup(base, v);
            CHECK_NOTHROW(load_arch_config(s.write("b.json", base), {{r.pointer, v}}));
        }
        for (const json& v : r.rejected) {
            json d = base_config();
            if (r.setup) r.setup(d, v);
            d[jp] = v;
            const std::string file = s.write("c.json", d);
            expect_error_at([&] { load_arch_config(file); }, "c.json", r.pointer, v);
            json base = base_config();
            if (r.setup) r.setup(base, v);
            const std::string base_file = s.write("b.json", base);
            expect_error_at([&] { load_arch_config(base_file, {{r.pointer, v}}); }, "--set", r.pointer, v);
        }
    }
}

TEST_CASE("documented limit on MAC units: 2^24, an error at /pe_array") {
    Scratch s;
    check_documented("pe_array.dim_m", "integers in [1, 1048576]");
    const std::string doc = slurp(kSource + "/docs/formats.md");
    CHECK(doc.find("at most 2^24 (16777216), an error at `/pe_array`") != std::string::npos);
    json d = base_config();
    d["pe_array"] = {{"dim_m", 1024}, {"dim_c", 1024}, {"dim_f", 16}};  // 2^24 exactly
    CHECK_NOTHROW(load_arch_config(s.write("c.json", d)));
    d["pe_array"]["dim_f"] = 17;
    const std::string file = s.write("c.json", d);
    expect_error_at([&] { load_arch_config(file); }, "c.json", "/pe_array", 17);
    d["pe_array"] = {{"rows", 4096}, {"cols", 4096}, {"multipliers_per_pe", 2}};
    const std::string grid = s.write("g.json", d);
    expect_error_at([&] { load_arch_config(grid); }, "g.json", "/pe_array", 2);
}

TEST_CASE("documented technology table ranges hold") {
    Scratch s;
    const json base = json::parse(slurp(kSource + "/configs/tech/horowitz45.json"));
    check_documented("node_nm", "integer in [1, 1000]");
    check_documented("energy.<action>", "number >= 0");
    check_documented("sram", "`capacity_kib` > 0");
    check_documented("sram", "`read_pj_per_64b`, `write_pj_per_64b` >= 0");
    check_documented("sram", "`leakage_mw` >= 0");
    const std::string action = base["energy"].begin().key();
    const std::vector<Range> ranges = {
        {"", "", "/node_nm", {1, 1000}, {0, 1001}},
        {"", "", "/energy/" + action + "/value", {0, 1e6}, {-1e-9}},
        {"", "", "/sram/0/capacity_kib", {1e-3}, {0, -1}},
        {"", "", "/sram/0/read_pj_per_64b", {0, 1e6}, {-1e-9}},
        {"", "", "/sram/0/write_pj_per_64b", {0, 1e6}, {-1e-9}},
        {"", "", "/sram/0/leakage_mw", {0, 1e6}, {-1e-9}},
    };
    for (const Range& r : ranges) {
        const json::json_pointer jp(r.pointer);
        for (const json& v : r.accepted) {
            json d = base;
            d[jp] = v;
            INFO(r.pointer << " accepted value " << v.dump());
            CHECK_NOTHROW(load_tech_table(s.write("t.json", d)));
        }
        for (const json& v : r.rejected) {
            json d = base;
            d[jp] = v;
            const std::string file = s.write("t.json", d);
            expect_error_at([&] { load_tech_table(file); }, "t.json", r.pointer, v);
        }
    }
}

TEST_CASE("documented workload ranges hold") {
    Scratch s;
    // One 1x1 convolution on a 1x1x1 input: each field can reach its bound with the fields it
    // must agree with (`tie`) moved along.
    const json base = json::parse(R"({"name": "w", "source": "test", "input": {"C": 1, "H": 1, "W": 1},
        "layers": [{"name": "c", "type": "conv", "C": 1, "K": 1, "H": 1, "W": 1, "R": 1, "S": 1,
                    "stats": {"weight_density": 0.5, "activation_density": 0.5, "source": "test"}}]})");
    check_documented("batch", "integer in [1, 16777216]");
    const std::string doc = slurp(kSource + "/docs/formats.md");
    CHECK(doc.find("`N, C, K, H, W, R, S, stride, groups`) an integer in\n[1, 16777216] (`padding` in [0, 16777216])") !=
          std::string::npos);
    check_documented("stats", "number in (0, 1]");
    const auto tie = [](std::vector<std::string> others) {
        return [others](json& d, const json& v) {
            for (const auto& p : others) d[json::json_pointer(p)] = v;
        };
    };
    const json max = kDocMaxDim, over = kDocMaxDim + 1;
    const std::vector<Range> ranges = {
        {"", "", "/batch", {1, max}, {0, over}},
        {"", "", "/input/C", {1, max}, {0, over}, tie({"/layers/0/C"})},
        {"", "", "/input/H", {1, max}, {0, over}, tie({"/layers/0/H"})},
        {"", "", "/input/W", {1, max}, {0, over}, tie({"/layers/0/W"})},
        {"", "", "/layers/0/N", {1, max}, {0, over}, tie({"/batch"})},
        {"", "", "/layers/0/C", {1, max}, {0, over}, tie({"/input/C"})},
        {"", "", "/layers/0/K", {1, max}, {0, over}},
        {"", "", "/layers/0/H", {1, max}, {0, over}, tie({"/input/H"})},
        {"", "", "/layers/0/W", {1, max}, {0, over}, tie({"/input/W"})},
        {"", "", "/layers/0/R", {1, max}, {0, over}, tie({"/input/H", "/layers/0/H"})},
        {"", "", "/layers/0/S", {1, max}, {0, over}, tie({"/input/W", "/layers/0/W"})},
        {"", "", "/layers/0/stride", {1, max}, {0, over}},
        {"", "", "/layers/0/padding", {0, max}, {-1, over}},
        {"", "", "/layers/0/groups", {1, max}, {0, over}, tie({"/input/C", "/layers/0/C", "/layers/0/K"})},
        {"", "", "/layers/0/stats/weight_density", {1e-9, 1}, {0, 1.0000001}},
        {"", "", "/layers/0/stats/activation_density", {1e-9, 1}, {0, -0.5, 1.0000001}},
    };
    for (const Range& r : ranges) {
        const json::json_pointer jp(r.pointer);
        for (const json& v : r.accepted) {
            json d = base;
            if (r.setup) r.setup(d, v);
            d[jp] = v;
            INFO(r.pointer << " accepted value " << v.dump());
            CHECK_NOTHROW(load_workload(s.write("w.json", d)));
        }
        for (const json& v : r.rejected) {
            json d = base;  // no tie: the field's own range is checked first
            d[jp] = v;
            const std::string file = s.write("w.json", d);
            expect_error_at([&] { load_workload(file); }, "w.json", r.pointer, v);
        }
    }
}
