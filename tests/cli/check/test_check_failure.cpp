// A failed functional check is reported as failed (issue 11: check_passed could never be
// false, a mismatch threw before any trace was written). Runs sxsim_fault, the real command
// line with the reference output 5 of layer dw2 off by one (sxsim_fault.cpp), on the tiny
// workload: exit code 1, "FAILED" with the mismatch, and traces that record it while every
// other layer still ran and passed.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/sxsim_process.h"

using nlohmann::json;
using sx::cli_test::read_file;

namespace {
const std::string kSource = SX_SOURCE_DIR;
const std::string kArch = kSource + "/configs/smartexchange.json";
const std::string kTiny = kSource + "/tests/fuzz/data/tiny_workload.json";

// The layers.csv row of `layer`, split at commas (no quoted cells in this workload).
std::vector<std::string> csv_row(const std::string& csv, const std::string& layer) {
    std::istringstream in(csv);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(layer + ",", 0) != 0) continue;
        std::vector<std::string> cells;
        std::istringstream row(line);
        std::string cell;
        while (std::getline(row, cell, ',')) cells.push_back(cell);
        return cells;
    }
    return {};
}
}  // namespace

TEST_CASE("check failure: exit 1, FAILED, the mismatch in the traces, the other layers run") {
    sx::cli_test::Scratch s("sx-check-failure");
    const std::string out = s.path("out");
    const auto r = sx::cli_test::run_process(s, SXSIM_FAULT_PATH,
                                             {"run", "--arch", kArch, "--model", kTiny, "--out", out, "--check"});
    INFO(r.output);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("functional check: FAILED") != std::string::npos);
    CHECK(r.output.find("dw2: output 5 is ") != std::string::npos);
    CHECK(r.output.find("(1 of 512 outputs differ") != std::string::npos);  // K x P x Q = 8 x 8 x 8
    CHECK(r.output.find("sxsim: check failed: functional check failed on 1 layer(s): dw2") != std::string::npos);

    const json run = json::parse(read_file(out + "/run.json"));
    CHECK(run["check"]["enabled"] == true);
    CHECK(run["check"]["passed"] == false);
    CHECK(run["check"]["failed_layers"] == json::array({"dw2"}));
    const json& dw2 = run["layers"][1];
    REQUIRE(dw2["layer"] == "dw2");
    CHECK(dw2["check"] == "failed");
    CHECK(dw2["check_mismatch"]["first_index"] == 5);
    CHECK(dw2["check_mismatch"]["reference"].get<int64_t>() == dw2["check_mismatch"]["value"].get<int64_t>() + 1);
    CHECK(dw2["check_mismatch"]["count"] == 1);

    const std::string csv = read_file(out + "/layers.csv");
    CHECK(csv.rfind("layer,type,simulated,check,", 0) == 0);
    CHECK(csv_row(csv, "dw2").at(3) == "failed");
    for (const char* name : {"conv1", "pw3", "conv5", "fc8"}) {  // before and after dw2
        INFO(name);
        const auto row = csv_row(csv, name);
        REQUIRE(row.size() > 3);
        CHECK(row[2] == "true");
        CHECK(row[3] == "passed");
    }
    CHECK(csv_row(csv, "pool4").at(3) == "off");
}

TEST_CASE("check failure: without --check the same binary exits 0 and claims nothing") {
    sx::cli_test::Scratch s("sx-check-failure");
    const std::string out = s.path("out");
    const auto r = sx::cli_test::run_process(s, SXSIM_FAULT_PATH, {"run", "--arch", kArch, "--model", kTiny, "--out", out, "-q"});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    const json run = json::parse(read_file(out + "/run.json"));
    CHECK(run["check"]["enabled"] == false);
    CHECK(read_file(out + "/layers.csv").find(",failed,") == std::string::npos);
}

TEST_CASE("check failure: a sweep records the point as failed with exit code 1") {
    sx::cli_test::Scratch s("sx-check-failure");
    const std::string out = s.path("sweep");
    const auto r = sx::cli_test::run_process(s, SXSIM_FAULT_PATH,
                                             {"sweep", "--arch", kArch, "--model", kTiny, "--param", "/clock_mhz=500",
                                              "--out", out, "--check", "-j", "1", "-q"});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    const std::string networks = read_file(out + "/sweep_networks.csv");
    INFO(networks);
    CHECK(networks.find(",failed,1,") != std::string::npos);
    CHECK(networks.find("functional check failed on 1 layer(s): dw2") != std::string::npos);
}
