// User-found case sweep-stale-after-edit (case-sweep-stale-after-edit/README.md), as the user
// ran it: 6 points (dim_m 8, 16, 32 x clock 500, 1000 MHz) of se.json on ResNet-18, then
// bus_width_bits 32 -> 16 in the DRAM preset se.json names, then the same command again.
// Right: the 6 points run again and their figures are those of a fresh run with the edited
// preset (when the case was filed, dim_m 8 at 500 MHz went from 13,564,203 to 13,624,674
// cycles); with nothing edited every point is reused. About 13 ResNet-18 simulations
// (~2.3 s each on the 2-core machine): label `slow`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sw/workflow/csv_table.h"
#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> cycles_by_point(const std::string& networks_csv) {
    const sx::CsvData t = sx::read_csv_file(networks_csv);
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < t.header.size(); ++i) col[t.header[i]] = i;
    std::map<std::string, std::string> m;
    for (const auto& row : t.rows) {
        REQUIRE(row[col.at("status")] == "ok");
        const std::string key = row[col.at("/clock_mhz")] + "/" + row[col.at("/pe_array/dim_m")];
        REQUIRE(m.count(key) == 0);
        m[key] = row[col.at("cycles")];
    }
    return m;
}

std::string run_ok(const Scratch& s, const std::vector<std::string>& args) {
    const ProcessResult r = run_process(s, SXSIM_PATH, args, 600);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.signal == 0);
    REQUIRE(r.exit_code == 0);
    return r.output;
}

}  // namespace

TEST_CASE("case sweep-stale-after-edit: after the preset edit the changed points rerun with fresh figures") {
    Scratch s("sx-sweep-case");
    const std::string dir = s.path("case"), out = s.path("out");
    fs::copy(SX_SWEEP_CASE_DIR, dir);
    const std::vector<std::string> sweep = {"sweep", "--spec", dir + "/sweep.json", "-j", "2", "--out", out};
    CHECK(run_ok(s, sweep).find("6 ran now") != std::string::npos);
    const auto before = cycles_by_point(out + "/sweep_networks.csv");
    REQUIRE(before.size() == 6);

    // The user's edit, as text: "value": 32 -> 16 under bus_width_bits.
    const std::string preset = dir + "/lpddr4-3200.json";
    std::string text = read_file(preset);
    const auto at = text.find("\"value\": 32", text.find("\"bus_width_bits\""));
    REQUIRE(at != std::string::npos);
    text.replace(at, 11, "\"value\": 16");
    write_file(preset, text);

    const std::string edited = run_ok(s, sweep);
    INFO(edited);
    CHECK(edited.find("6 points rerun: " + preset + " changed") != std::string::npos);
    CHECK(edited.find("6 ran now") != std::string::npos);
    const auto after = cycles_by_point(out + "/sweep_networks.csv");
    REQUIRE(after.size() == 6);
    for (const auto& [point, cycles] : before) {
        INFO(point);
        CHECK(after.at(point) != cycles);
    }

    // A fresh run of one point with the edited preset gives the rerun's figure.
    const std::string fresh = s.path("fresh");
    run_ok(s, {"run", "--arch", dir + "/se.json", "--model", dir + "/resnet18.json", "--out", fresh, "--quiet",
               "--set", "/pe_array/dim_m=8", "--set", "/clock_mhz=500"});
    const sx::CsvData layers = sx::read_csv_file(fresh + "/layers.csv");
    std::size_t cyc = 0;
    while (layers.header[cyc] != "cycles") ++cyc;
    long long total = 0;
    for (const auto& row : layers.rows) total += std::stoll(row[cyc]);
    CHECK(std::to_string(total) == after.at("500/8"));

    // Nothing edited: every point reused.
    const std::string again = run_ok(s, sweep);
    CHECK(again.find("0 ran now") != std::string::npos);
    CHECK(again.find("6 already done") != std::string::npos);
}
