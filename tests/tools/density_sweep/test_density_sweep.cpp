// tools/scnn_density_sweep.py: bad arguments exit 2 with a message naming the option, before
// anything is simulated or written. The sweep itself: test_density_sweep_run.cpp.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/tools/density_sweep/density_sweep_test.h"

using namespace sx::density_sweep_test;
namespace fs = std::filesystem;

TEST_CASE("density sweep: bad arguments exit 2 with a message naming the option") {
    Scratch s("sx-density-sweep-bad");
    const std::string out = s.path("out");
    struct Bad {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Bad> cases = {
        {{"--densities", "0.5,0"}, "--densities"},
        {{"--densities", "1.5"}, "--densities"},
        {{"--densities", "half"}, "--densities"},
        {{"--densities", "0.5,0.5"}, "--densities"},
        {{"--layers", "pool1"}, "--layers: 'pool1' is a maxpool layer"},
        {{"--layers", "conv9"}, "--layers: 'conv9' is not a layer"},
        {{"-j", "0"}, "--jobs"},
        {{"--sxsim", s.path("no-sxsim")}, "--sxsim"},
        {{"--model", s.path("none.json")}, "--model"},
        {{"--dcnn", s.path("none.json")}, "--dcnn"},
        {{"--bogus"}, "unrecognized arguments: --bogus"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args = {"--sxsim", SXSIM_PATH, "--out", out};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const ProcessResult r = run_tool(s, args, 60);
        INFO(command_line(c.args) << "\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find(c.says) != std::string::npos);
        CHECK(r.output.find("Traceback") == std::string::npos);
    }
    CHECK(!fs::exists(out));  // nothing is written before the arguments are checked
}
