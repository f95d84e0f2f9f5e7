// ONNX models through `sxsim run` and `sxsim compress` (issue 11), on the user-found cases
// kept in tests/sw/io/fixtures (each README's right value):
// - conv_identity_weight / identity_initializer / clip_constant: import, 6912 MACs, --check;
// - conv_batch4: batch 4, 27648 MACs; --batch 2 overrides it and says so (stderr, run.json);
// - conv_dynamic_hw: runs with --input-shape 1x3x8x8 (6912 MACs); without it, exit 2
//   (tests/cli/bad_input).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/cli/sxsim_process.h"

using nlohmann::json;
using namespace sx::cli_test;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kCases = kSource + "/tests/sw/io/fixtures/";
const std::string kArch = kSource + "/configs/smartexchange.json";

// Runs `sxsim run --check` on `model`; returns run.json (and the output in `output`).
json run_check(const Scratch& s, const std::string& model, std::vector<std::string> extra, std::string& output) {
    std::vector<std::string> args = {"run", "--arch", kArch, "--model", model, "--out", s.path("out"), "--check", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    const ProcessResult r = run_process(s, SXSIM_PATH, args);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    REQUIRE(r.exit_code == 0);
    output = r.output;
    return json::parse(read_file(s.path("out/run.json")));
}

}  // namespace

TEST_CASE("ONNX user cases run with the right MACs and pass --check", "[cli][onnx]") {
    Scratch s("sx-onnx-cli");
    std::string out;
    for (const char* f : {"conv_identity_weight.onnx", "identity_initializer.onnx", "clip_constant.onnx"}) {
        INFO(f);
        const json r = run_check(s, kCases + f, {}, out);
        CHECK(r["totals"]["macs"] == 6912);
        CHECK(r["check"]["passed"] == true);
        CHECK_FALSE(r["workload"].contains("notes"));
    }
    const json b4 = run_check(s, kCases + "conv_batch4.onnx", {}, out);
    CHECK(b4["workload"]["batch"] == 4);
    CHECK(b4["totals"]["macs"] == 27648);  // 4*4*8*8*3*3*3
    CHECK_FALSE(b4["workload"].contains("notes"));
    const json b2 = run_check(s, kCases + "conv_batch4.onnx", {"--batch", "2"}, out);
    CHECK(b2["workload"]["batch"] == 2);
    CHECK(b2["totals"]["macs"] == 13824);
    CHECK_THAT(out, Catch::Contains("note:") && Catch::Contains("--batch 2 overrides the batch 4"));
    REQUIRE(b2["workload"]["notes"].size() == 1);
    CHECK_THAT(b2["workload"]["notes"][0].get<std::string>(), Catch::Contains("--batch 2 overrides the batch 4"));
    const json dyn = run_check(s, kCases + "conv_dynamic_hw.onnx", {"--input-shape", "1x3x8x8"}, out);
    CHECK(dyn["totals"]["macs"] == 6912);
}

TEST_CASE("compress reads weights through Identity and takes --input-shape", "[cli][onnx]") {
    Scratch s("sx-onnx-cli-compress");
    for (auto [model, extra] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"conv_identity_weight.onnx", {}}, {"conv_dynamic_hw.onnx", {"--input-shape", "1x3x8x8"}}}) {
        std::vector<std::string> args = {"compress", kCases + model, "-o", s.path("w.sxw")};
        args.insert(args.end(), extra.begin(), extra.end());
        const ProcessResult r = run_process(s, SXSIM_PATH, args);
        INFO(command_line(args) << "\n--- output ---\n" << r.output);
        CHECK(r.exit_code == 0);
    }
}
