// tools/scnn_density_sweep.py on the built sxsim, two densities of AlexNet CONV5 (6 runs, ~8 s
// of CPU; 17-19 s wall on 2 loaded cores, hence `slow`): the CSV, the markdown table and the
// plot are written and sane (docs/validation.md, "SCNN across density").
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/tools/density_sweep/density_sweep_test.h"

using namespace sx::density_sweep_test;
namespace fs = std::filesystem;

TEST_CASE("density sweep: two densities on AlexNet CONV5 give the CSV and table and plot with SCNN's speedup rising "
          "as density falls") {
    Scratch s("sx-density-sweep");
    const std::string out = s.path("out");
    const ProcessResult r = run_tool(s, {"--sxsim", SXSIM_PATH, "--out", out, "--densities", "0.5,0.2", "--layers",
                                         "conv5", "-j", "2"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    REQUIRE(fs::file_size(out + "/density_sweep.png") > 1000);

    // 2 densities x 3 designs x (conv5 + total).
    const auto rows = read_csv_rows(out + "/density_sweep.csv");
    REQUIRE(rows.size() == 12);
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> total;
    for (const auto& row : rows) {
        CHECK((row.at("layer") == "conv5" || row.at("layer") == "total"));
        CHECK(std::stod(row.at("cycles")) > 0);
        CHECK(std::stod(row.at("energy_pj")) > 0);
        if (row.at("layer") == "total") total[{row.at("density"), row.at("design")}] = row;
    }
    REQUIRE(total.size() == 6);
    // SCNN's per-design counters come through generically (run.json `extra`).
    CHECK(!total.at({"0.5", "scnn"}).at("crossbar_conflict_stall_cycles").empty());
    CHECK(!total.at({"0.5", "scnn"}).at("products").empty());
    auto cycles = [&](const char* d, const char* design) { return std::stod(total.at({d, design}).at("cycles")); };
    auto energy = [&](const char* d, const char* design) { return std::stod(total.at({d, design}).at("energy_pj")); };
    // DCNN does every MAC whatever the density: same cycles at both points.
    CHECK(cycles("0.5", "dcnn") == cycles("0.2", "dcnn"));
    // SCNN multiplies only non-zero pairs (0.25 vs 0.04 of the MACs): fewer cycles and less
    // energy at 0.2, so a larger speedup and energy ratio against both dense designs.
    CHECK(cycles("0.2", "scnn") < cycles("0.5", "scnn"));
    CHECK(cycles("0.5", "dcnn") / cycles("0.5", "scnn") < cycles("0.2", "dcnn") / cycles("0.2", "scnn"));
    CHECK(cycles("0.5", "dcnn-opt") / cycles("0.5", "scnn") < cycles("0.2", "dcnn-opt") / cycles("0.2", "scnn"));
    CHECK(energy("0.5", "dcnn") / energy("0.5", "scnn") < energy("0.2", "dcnn") / energy("0.2", "scnn"));

    // The table has a row per density whose speedup is the CSV's, to two decimals.
    const std::string md = read_file(out + "/density_sweep.md");
    for (const char* d : {"0.5", "0.2"}) {
        const std::string key = std::string("| ") + (d[2] == '5' ? "0.50" : "0.20") + " | ";
        const auto at = md.find(key);
        REQUIRE(at != std::string::npos);
        const auto cells = split(md.substr(at, md.find('\n', at) - at), '|');
        REQUIRE(cells.size() > 5);
        CHECK(std::stod(cells[5]) == Approx(cycles(d, "dcnn") / cycles(d, "scnn")).margin(0.006));
    }
}

