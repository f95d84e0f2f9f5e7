// One cell of the design x network matrix (issue 11, CI subset): `sxsim run --check` of one
// bundled network (SX_MATRIX_MODEL) on one bundled design (SX_MATRIX_CONFIG), both set by
// ctest (tests/cli/matrix/CMakeLists.txt registers every models/*.json x configs/*.json).
//
// Layers, by rule (not picked by outcome): the first two compute layers (the network input's
// large planes and few channels: raw input on Eyeriss, the largest activation tiles) and the
// deepest conv layer (the last conv in workload order: the smallest planes and the most
// channels). The FC classifiers and the middle layers run in the full matrix,
// tests/matrix/run_matrix.py (docs/validation.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "sw/common/json_reader.h"
#include "sw/workload/workload.h"
#include "tests/cli/sxsim_process.h"

using namespace sx;
using namespace sx::cli_test;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

}  // namespace

TEST_CASE("matrix cell") {
    const std::string model = env("SX_MATRIX_MODEL"), config = env("SX_MATRIX_CONFIG");
    INFO("run through ctest (-R matrix), which sets SX_MATRIX_MODEL and SX_MATRIX_CONFIG");
    REQUIRE(!model.empty());
    REQUIRE(!config.empty());

    const Workload wl = load_workload(model);
    std::string deepest_conv;
    int64_t compute = 0, deepest_conv_index = -1;
    for (const Layer& l : wl.layers) {
        if (!l.is_compute()) continue;
        if (l.type == LayerType::Conv) {
            deepest_conv = l.name;
            deepest_conv_index = compute;
        }
        ++compute;
    }
    REQUIRE(compute > 0);
    Scratch s("sx-matrix");
    std::vector<std::string> args = {"run", "--arch", config, "--model", model, "--out", s.path("out"),
                                     "--check", "--quiet", "--first-layers", "2"};
    if (!deepest_conv.empty()) args.insert(args.end(), {"--layer", deepest_conv});

    const auto t0 = std::chrono::steady_clock::now();
    const ProcessResult r = run_process(s, SXSIM_PATH, args, 850);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << command_line(args) << ": " << secs << " s wall\n";
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.signal == 0);
    REQUIRE(r.exit_code == 0);
    const json doc = json::parse(read_file(s.path("out") + "/run.json"));
    CHECK(doc.at("check").at("enabled") == true);
    CHECK(doc.at("check").at("passed") == true);
    // The selection ran: the first two compute layers plus the deepest conv (if not among them).
    int64_t simulated = 0;
    for (const auto& l : doc.at("layers")) simulated += l.at("simulated").get<bool>() ? 1 : 0;
    CHECK(simulated == std::min<int64_t>(compute, 2 + (deepest_conv_index >= 2 ? 1 : 0)));
}
