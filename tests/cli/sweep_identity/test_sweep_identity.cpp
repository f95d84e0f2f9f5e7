// Sweeps and comparisons never reuse a stale point (issue 11, case sweep-stale-after-edit):
// the built sxsim, run as a user runs it, on copies of the case's files in a scratch folder.
// Each input a point reads is edited alone; the points that read it run again, the command
// names it, their figures are those of a fresh run, and with nothing edited all is reused.
// The per-input tests use a two-layer workload (a point takes ~0.1 s); the case itself
// (ResNet-18, 6 points) is test_sweep_case (label `slow`).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"
#include "sw/workflow/csv_table.h"
#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;
namespace fs = std::filesystem;

namespace {

const std::string kCaseDir = SX_SWEEP_CASE_DIR;

// The case's files (se.json and the preset and technology table it names) in a scratch folder.
struct CaseCopy {
    Scratch s;
    std::string dir, out;
    explicit CaseCopy(const std::string& tag) : s(tag), dir(s.path("case")), out(s.path("out")) {
        fs::create_directories(dir);
        for (const char* f : {"se.json", "lpddr4-3200.json", "horowitz45.json", "resnet18.json", "sweep.json"})
            fs::copy_file(kCaseDir + "/" + f, dir + "/" + f);
        write_file(file("two.json"), kTwoLayers);
    }
    std::string file(const std::string& name) const { return dir + "/" + name; }

    ProcessResult sxsim(const std::vector<std::string>& args, const std::string& exe = SXSIM_PATH, int timeout_s = 300) {
        const ProcessResult r = run_process(s, exe, args, timeout_s);
        INFO(command_line(args) << "\n--- output ---\n" << r.output);
        REQUIRE_FALSE(r.timed_out);
        REQUIRE(r.signal == 0);
        REQUIRE(r.exit_code == 0);
        return r;
    }
    // The case's grid (dim_m 8, 16, 32 x clock 500, 1000 MHz) of se.json on the two-layer workload.
    // A "--param POINTER=..." in `extra` replaces the grid's axis of that pointer (sxsim refuses
    // two --param of one pointer).
    std::vector<std::string> small_sweep(std::vector<std::string> extra = {}) const {
        std::vector<std::string> params = {"/pe_array/dim_m=8,16,32", "/clock_mhz=500,1000"}, rest;
        for (std::size_t i = 0; i < extra.size(); ++i) {
            if (extra[i] != "--param" || i + 1 == extra.size()) {
                rest.push_back(extra[i]);
                continue;
            }
            const std::string p = extra[++i], ptr = p.substr(0, p.find('='));
            bool replaced = false;
            for (auto& q : params)
                if (q.substr(0, q.find('=')) == ptr) q = p, replaced = true;
            if (!replaced) params.push_back(p);
        }
        std::vector<std::string> a = {"sweep", "--arch", file("se.json"), "--model", file("two.json")};
        for (const auto& q : params) a.insert(a.end(), {"--param", q});
        a.insert(a.end(), {"-j", "2", "--out", out});
        a.insert(a.end(), rest.begin(), rest.end());
        return a;
    }
};

// "clock/dim_m" -> column of sweep_networks.csv, for the ok points.
std::map<std::string, std::string> by_point(const std::string& out, const std::string& column,
                                            const std::string& table = "sweep_networks.csv") {
    const sx::CsvData t = sx::read_csv_file(out + "/" + table);
    auto col = [&](const std::string& name) -> std::size_t {
        for (std::size_t i = 0; i < t.header.size(); ++i)
            if (t.header[i] == name) return i;
        FAIL("no column " << name << " in " << table);
        return 0;
    };
    std::map<std::string, std::string> m;
    const bool sweep = table == "sweep_networks.csv";
    for (const auto& row : t.rows) {
        REQUIRE(row[col("status")] == "ok");
        const std::string key = sweep ? row[col("/clock_mhz")] + "/" + row[col("/pe_array/dim_m")] : row[col("design")];
        REQUIRE(m.count(key) == 0);  // one row per point: out-of-date rows are gone
        m[key] = row[col(column)];
    }
    return m;
}

// Edits a JSON file through nlohmann::json (the content changes, as an editor would change it).
template <class F>
void edit_json(const std::string& path, F f) {
    nlohmann::json doc = nlohmann::json::parse(read_file(path));
    f(doc);
    write_file(path, doc.dump(1));
}

bool says(const ProcessResult& r, const std::string& text) { return r.output.find(text) != std::string::npos; }

// A valid int8 .npy of n values (flat shape: the loader takes N*C*H*W values in C order).
std::string npy_int8(std::size_t n, int8_t fill) {
    std::string header = "{'descr': '|i1', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(i % 3 ? fill : 0);
    return out;
}

}  // namespace

TEST_CASE("sweep identity: the case's preset edit on a two-layer workload reruns every point with fresh figures") {
    CaseCopy c("sx-sweep-preset");
    const ProcessResult first = c.sxsim(c.small_sweep());
    CHECK(says(first, "6 ran now"));
    const auto before = by_point(c.out, "cycles");
    REQUIRE(before.size() == 6);

    // Nothing edited: everything reused.
    const ProcessResult same = c.sxsim(c.small_sweep());
    CHECK(says(same, "0 ran now"));
    CHECK(says(same, "6 already done"));
    CHECK_FALSE(says(same, "rerun"));

    // The case's edit: bus_width_bits 32 -> 16 in the preset the configuration names.
    const std::string original = read_file(c.file("lpddr4-3200.json"));
    edit_json(c.file("lpddr4-3200.json"), [](nlohmann::json& d) {
        REQUIRE(d["bus_width_bits"]["value"] == 32);
        d["bus_width_bits"]["value"] = 16;
    });
    const ProcessResult edited = c.sxsim(c.small_sweep());
    INFO(edited.output);
    CHECK(says(edited, "6 points rerun: " + c.file("lpddr4-3200.json") + " changed ("));
    CHECK(says(edited, "6 ran now"));
    const auto after = by_point(c.out, "cycles");
    REQUIRE(after.size() == 6);
    // Half the bus width: every point of this workload takes longer (e.g. dim_m 8 at 500 MHz
    // 7059 -> 7454 cycles when written), and equals a fresh sweep with the edited preset.
    for (const auto& [point, cycles] : before) {
        INFO(point);
        CHECK(std::stoll(after.at(point)) > std::stoll(cycles));
    }
    const std::string fresh_out = c.s.path("fresh");
    std::vector<std::string> fresh = c.small_sweep();
    fresh[fresh.size() - 1] = fresh_out;
    c.sxsim(fresh);
    CHECK(by_point(fresh_out, "cycles") == after);
    CHECK(by_point(fresh_out, "energy_total_pj") == by_point(c.out, "energy_total_pj"));

    // The original file back (the same bytes): the first results, still on disk, are taken
    // again without simulating.
    write_file(c.file("lpddr4-3200.json"), original);
    const ProcessResult back = c.sxsim(c.small_sweep());
    CHECK(says(back, "6 points recovered from traces on disk: " + c.file("lpddr4-3200.json") + " changed"));
    CHECK(says(back, "0 ran now"));
    CHECK(by_point(c.out, "cycles") == before);
}

TEST_CASE("sweep identity: a technology table edit reruns the points with the new energies") {
    CaseCopy c("sx-sweep-tech");
    const auto args = c.small_sweep({"--param", "/pe_array/dim_m=8"});  // replaces the grid's dim_m axis
    c.sxsim(args);
    const auto before = by_point(c.out, "energy_total_pj");
    REQUIRE(before.size() == 2);
    edit_json(c.file("horowitz45.json"), [](nlohmann::json& d) {
        for (auto& [k, e] : d["energy"].items())
            if (e.is_object() && e.contains("value")) e["value"] = e["value"].get<double>() * 2;
    });
    const ProcessResult r = c.sxsim(args);
    CHECK(says(r, "2 points rerun: " + c.file("horowitz45.json") + " changed"));
    const auto after = by_point(c.out, "energy_total_pj");
    for (const auto& [point, e] : before) CHECK(std::stod(after.at(point)) > std::stod(e));
    CHECK(by_point(c.out, "cycles").size() == 2);
    CHECK(says(c.sxsim(args), "2 already done"));
}

// Issue 15: a derived table (configs/tech/cmos16.json: logic from horowitz45.json, SRAM from
// cmos32.json, itself derived from horowitz45.json) has no numbers of its own to hash; an edit
// of a base table changes the points' results, so it must rerun them and name that file.
TEST_CASE("sweep identity: an edit of a base table of a derived technology table reruns the points") {
    CaseCopy c("sx-sweep-derived-tech");
    fs::create_directories(c.file("tech"));
    for (const char* f : {"cmos16.json", "cmos32.json", "horowitz45.json"})
        fs::copy_file(std::string(SX_SOURCE_DIR) + "/configs/tech/" + f, c.file("tech/") + f);
    edit_json(c.file("se.json"), [](nlohmann::json& d) { d["technology"] = "tech/cmos16.json"; });
    const auto args = c.small_sweep({"--param", "/pe_array/dim_m=8"});
    c.sxsim(args);
    const auto before = by_point(c.out, "energy_total_pj");
    REQUIRE(before.size() == 2);
    CHECK(says(c.sxsim(args), "2 already done"));

    // The logic base (two levels down for the SRAM part): every energy doubled.
    edit_json(c.file("tech/horowitz45.json"), [](nlohmann::json& d) {
        for (auto& [k, e] : d["energy"].items())
            if (e.is_object() && e.contains("value")) e["value"] = e["value"].get<double>() * 2;
    });
    const ProcessResult r = c.sxsim(args);
    CHECK(says(r, "2 points rerun: " + c.file("tech/horowitz45.json") + " changed"));
    CHECK(says(r, "2 ran now"));
    const auto after = by_point(c.out, "energy_total_pj");
    for (const auto& [point, e] : before) CHECK(std::stod(after.at(point)) > std::stod(e));

    // The SRAM base alone: its read energies doubled.
    edit_json(c.file("tech/cmos32.json"), [](nlohmann::json& d) {
        for (auto& p : d["sram"]) p["read_pj_per_64b"] = p["read_pj_per_64b"].get<double>() * 2;
    });
    const ProcessResult r2 = c.sxsim(args);
    CHECK(says(r2, "2 points rerun: " + c.file("tech/cmos32.json") + " changed"));
    const auto after2 = by_point(c.out, "energy_total_pj");
    for (const auto& [point, e] : after) CHECK(std::stod(after2.at(point)) > std::stod(e));
    CHECK(says(c.sxsim(args), "2 already done"));
}

TEST_CASE("sweep identity: a workload edit reruns the points") {
    CaseCopy c("sx-sweep-workload");
    const auto args = c.small_sweep({"--param", "/pe_array/dim_m=16", "--param", "/clock_mhz=1000"});
    c.sxsim(args);
    CHECK(by_point(c.out, "macs").at("1000/16") == "884736");  // 8*8*32*16*9 + 8*8*32*32*9 = 294912 + 589824
    edit_json(c.file("two.json"), [](nlohmann::json& d) { d["layers"][1]["K"] = 16; });
    const ProcessResult r = c.sxsim(args);
    CHECK(says(r, "1 point rerun: " + c.file("two.json") + " changed"));
    CHECK(by_point(c.out, "macs").at("1000/16") == "589824");  // conv2: 8*8*16*32*9 = 294912
}

TEST_CASE("sweep identity: another weight image with the same name reruns the points") {
    CaseCopy c("sx-sweep-weights");
    const std::string w = c.file("two.sxw"), w2 = c.file("two-seed2.sxw");
    c.sxsim({"compress", "--synthetic", "--model", c.file("two.json"), "--seed", "1", "-o", w});
    c.sxsim({"compress", "--synthetic", "--model", c.file("two.json"), "--seed", "2", "-o", w2});
    const auto args = c.small_sweep({"--param", "/pe_array/dim_m=8,16", "--param", "/clock_mhz=1000", "--weights", w});
    c.sxsim(args);
    const auto before = by_point(c.out, "macs_executed");
    fs::copy_file(w2, w, fs::copy_options::overwrite_existing);  // retrained weights, same file name
    const ProcessResult r = c.sxsim(args);
    CHECK(says(r, "2 points rerun: " + c.file("two.sxw") + " changed"));
    CHECK(by_point(c.out, "macs_executed") != before);  // other zeros skipped
    CHECK(says(c.sxsim(args), "2 already done"));
}

TEST_CASE("sweep identity: an edited activation file reruns the points") {
    CaseCopy c("sx-sweep-acts");
    const std::string acts = c.file("acts");
    fs::create_directories(acts);
    write_file(acts + "/conv1.npy", npy_int8(16 * 8 * 8, 5));
    const auto args = c.small_sweep({"--param", "/pe_array/dim_m=8", "--param", "/clock_mhz=1000", "--activations", acts});
    c.sxsim(args);
    write_file(acts + "/notes.txt", "not read by the simulator");
    CHECK(says(c.sxsim(args), "1 already done"));
    write_file(acts + "/conv1.npy", npy_int8(16 * 8 * 8, 7));
    const ProcessResult r = c.sxsim(args);
    CHECK(says(r, "1 point rerun: " + acts + "/ changed"));
    CHECK(says(r, "1 ran now"));
}

TEST_CASE("sweep identity: another sxsim executable reruns every point") {
    CaseCopy c("sx-sweep-simulator");
    const auto args = c.small_sweep({"--param", "/pe_array/dim_m=8,16", "--param", "/clock_mhz=1000"});
    c.sxsim(args);
    // A copy of sxsim with bytes appended (an ELF file ignores them): the same behaviour, another
    // executable, as after a rebuild.
    const std::string other = c.s.path("sxsim-other");
    fs::copy_file(SXSIM_PATH, other);
    fs::permissions(other, fs::perms::owner_all);
    std::string bytes = read_file(other);
    bytes += "another build";
    write_file(other, bytes);
    const ProcessResult r = c.sxsim(args, other);
    CHECK(says(r, "2 points rerun: the simulator (sxsim executable) changed"));
    CHECK(says(c.sxsim(args, other), "2 already done"));
}

TEST_CASE("compare identity: only the design whose technology table changed runs again") {
    CaseCopy c("sx-compare-tech");
    // Design B: the same configuration with its own copy of the technology table.
    fs::copy_file(c.file("horowitz45.json"), c.file("tech-b.json"));
    nlohmann::json b = nlohmann::json::parse(read_file(c.file("se.json")));
    b["name"] = "se-b";
    b["technology"] = "tech-b.json";
    write_file(c.file("se-b.json"), b.dump(1));
    const std::vector<std::string> args = {"compare", "--model", c.file("two.json"), "--arch", c.file("se.json"),
                                           "--arch", c.file("se-b.json"), "-j", "2", "--out", c.out};
    c.sxsim(args);
    const auto before = by_point(c.out, "energy_total_pj", "runs_networks.csv");
    REQUIRE(before.size() == 2);
    CHECK(before.at("smartexchange") == before.at("se-b"));
    edit_json(c.file("tech-b.json"), [](nlohmann::json& d) {
        for (auto& [k, e] : d["energy"].items())
            if (e.is_object() && e.contains("value")) e["value"] = e["value"].get<double>() * 2;
    });
    const ProcessResult r = c.sxsim(args);
    CHECK(says(r, "compare: 1 point rerun: " + c.file("tech-b.json") + " changed"));
    const auto after = by_point(c.out, "energy_total_pj", "runs_networks.csv");
    CHECK(after.at("smartexchange") == before.at("smartexchange"));
    CHECK(std::stod(after.at("se-b")) > std::stod(before.at("se-b")));
    const nlohmann::json cmp = nlohmann::json::parse(read_file(c.out + "/compare.json"));
    CHECK(cmp["designs"][1]["total"]["energy_total_pj"].get<double>() == Approx(std::stod(after.at("se-b"))));
}

TEST_CASE("sweep identity: one weight image cannot serve several workloads") {
    CaseCopy c("sx-sweep-weights-bad");
    write_file(c.file("w.sxw"), "x");
    const std::vector<std::string> args = {"sweep", "--arch", c.file("se.json"), "--model", c.file("two.json"),
                                           "--model", c.file("resnet18.json"), "--weights", c.file("w.sxw"),
                                           "--out", c.out};
    const ProcessResult r = run_process(c.s, SXSIM_PATH, args);
    CHECK(r.exit_code == 2);
    CHECK(says(r, "--weights"));
}

// The shared case still ships the user's se.json as filed (se.as-filed.json here), with fields
// issue 12 made errors. Right: `sxsim sweep` on it is exit 2 before anything runs, naming the
// file and all six stale fields as JSON pointers in ONE run (reviewer: one field per run made
// six round trips), one line each, in this order (the three removed bit widths and the removed
// rebuild_engines_per_line as refused, then the two fields unread with "memory": "dram", keys
// sorted); with them removed it is the regenerated se.json the case's other tests use (the
// case passes with it: test_sweep_case).
TEST_CASE("case sweep-stale-after-edit as filed: its old-format se.json is exit 2 naming the file and each field") {
    CaseCopy c("sx-sweep-as-filed");
    fs::copy_file(kCaseDir + "/se.as-filed.json", c.file("se.json"), fs::copy_options::overwrite_existing);
    const std::vector<std::string> stale = {"/bits/weight", "/bits/ce_code", "/bits/basis",
                                            "/smartexchange/rebuild_engines_per_line",
                                            "/smartexchange/fixed_bytes_per_cycle", "/smartexchange/fixed_latency_cycles"};
    const std::vector<std::string> sweep = {"sweep", "--spec", c.file("sweep.json"), "-j", "1", "--out", c.out};
    const ProcessResult r = run_process(c.s, SXSIM_PATH, sweep, 60);
    INFO(command_line(sweep) << "\n--- output ---\n" << r.output);
    REQUIRE(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK(says(r, "sxsim: error: 6 problems, one per line:\n"));
    std::size_t at = 0;
    for (const std::string& field : stale) {
        INFO(field);
        const std::size_t line = r.output.find("\n  " + c.file("se.json") + ": " + field + ": expected ", at);
        CHECK(line != std::string::npos);
        if (line != std::string::npos) at = line + 1;
    }
    CHECK_FALSE(says(r, "ran now"));
    CHECK_FALSE(fs::exists(c.out + "/sweep_networks.csv"));
    edit_json(c.file("se.json"), [&](nlohmann::json& d) {
        for (const std::string& field : stale) {
            const nlohmann::json::json_pointer p(field);
            d.at(p.parent_pointer()).erase(p.back());
        }
    });
    CHECK(nlohmann::json::parse(read_file(c.file("se.json"))) == nlohmann::json::parse(read_file(kCaseDir + "/se.json")));
}

TEST_CASE("sweep resume: a point recovered from its traces takes its place in plan order, as in an uninterrupted run") {
    // Rows are appended as points end (in completion order); a completed run then lists the
    // plan's points in plan order (point_runner.cpp), so that the tables do not depend on -j or
    // the backend. A run that only recovers points (an interrupted run's finished children, a
    // Slurm --collect after the job ended) must do the same: before the fix it skipped the
    // reordering when nothing was left to run and the recovered point's rows stayed last.
    CaseCopy c("sx-sweep-order");
    c.sxsim(c.small_sweep());
    const std::string layers = read_file(c.out + "/sweep_layers.csv");
    const std::string networks = read_file(c.out + "/sweep_networks.csv");
    // The first point's row leaves the networks table (the record of what is done), as if the
    // run had been stopped after its child finished and before the runner recorded it.
    std::string kept;
    std::size_t line = 0;
    for (std::size_t pos = 0; pos < networks.size();) {
        const std::size_t end = networks.find('\n', pos);
        const std::string l = networks.substr(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
        if (line++ != 1) kept += l;
        pos = end == std::string::npos ? networks.size() : end + 1;
    }
    REQUIRE(kept.size() < networks.size());
    write_file(c.out + "/sweep_networks.csv", kept);
    const ProcessResult again = c.sxsim(c.small_sweep());
    CHECK(says(again, "0 ran now"));
    CHECK(read_file(c.out + "/sweep_layers.csv") == layers);
    const sx::CsvData before = sx::read_csv_file(c.out + "/sweep_networks.csv");
    std::vector<std::string> ids, first_ids;
    for (const auto& row : before.rows) ids.push_back(row[0]);
    const std::string orig = c.s.path("orig.csv");
    write_file(orig, networks);
    for (const auto& row : sx::read_csv_file(orig).rows) first_ids.push_back(row[0]);
    CHECK(ids == first_ids);
}
