// Determinism (issue 7, docs/hardening.md): `sxsim run` twice with the same inputs and seed
// writes byte-identical traces (layers.csv, area.csv, run.json and nothing else), for every bundled
// dataflow, with the functional check on. Each run is its own process, as in a sweep. A
// different seed must change the per-layer figures of the data-dependent designs, so the
// comparison is known to look at simulated results.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kTiny = kSource + "/tests/fuzz/data/tiny_workload.json";

std::set<std::string> files_in(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

void run_ok(const Scratch& s, const std::string& arch, const std::string& out, const std::string& seed) {
    const std::vector<std::string> args = {"run", "--arch", arch, "--model", kTiny, "--out", out,
                                           "--check", "--quiet", "--seed", seed};
    const ProcessResult r = run_process(s, SXSIM_PATH, args);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.signal == 0);
    REQUIRE(r.exit_code == 0);
    for (const char* bad : {"AddressSanitizer", "LeakSanitizer", "ASan is ignoring", "runtime error:"})
        CHECK(r.output.find(bad) == std::string::npos);
}

// `data_dependent`: cycles or energy depend on the values (zero skipping/gating, compression).
void check_design(const std::string& config, bool data_dependent) {
    Scratch s("sx-determinism");
    const std::string arch = kSource + "/configs/" + config;
    const std::string a = s.path("a"), b = s.path("b"), c = s.path("c");
    run_ok(s, arch, a, "7");
    run_ok(s, arch, b, "7");
    run_ok(s, arch, c, "8");

    const std::set<std::string> names = files_in(a);
    CHECK(names == std::set<std::string>{"area.csv", "layers.csv", "run.json"});
    CHECK(files_in(b) == names);
    for (const auto& n : names) {
        INFO(config << ": " << n);
        const std::string first = read_file(a + "/" + n);
        CHECK(first.size() > 100);
        CHECK(read_file(b + "/" + n) == first);
    }
    if (data_dependent) {
        INFO(config << ": seed 8 gives the same layers.csv as seed 7");
        CHECK(read_file(c + "/layers.csv") != read_file(a + "/layers.csv"));
    }
}

}  // namespace

TEST_CASE("determinism: smartexchange traces are byte-identical across runs") { check_design("smartexchange.json", true); }
TEST_CASE("determinism: eyeriss traces are byte-identical across runs") { check_design("eyeriss.json", true); }
TEST_CASE("determinism: scnn traces are byte-identical across runs") { check_design("scnn.json", true); }
TEST_CASE("determinism: dcnn-opt traces are byte-identical across runs") { check_design("dcnn-opt.json", true); }
// Dense DCNN: neither its timing nor its energy looks at the values, so only identity is tested.
TEST_CASE("determinism: dcnn traces are byte-identical across runs") { check_design("dcnn.json", false); }
