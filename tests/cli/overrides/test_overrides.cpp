// Overrides of configuration fields given on the command line (new-user tryout, session 23):
// a run modified by --set must say so in its traces and summary, a pointer given twice must
// not silently take the later value, a bad swept value must stop the sweep before any point
// runs (also with --dry-run), and Eyeriss network widths must hold whole 16-bit values.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/sxsim_process.h"

using nlohmann::json;
using sx::cli_test::command_line;
using sx::cli_test::read_file;
using sx::cli_test::ProcessResult;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kScnn = kSource + "/configs/scnn.json";
const std::string kEyeriss = kSource + "/configs/eyeriss.json";
const std::string kSe = kSource + "/configs/smartexchange.json";
const std::string kTiny = kSource + "/tests/fuzz/data/tiny_workload.json";

class Scratch : public sx::cli_test::Scratch {
public:
    Scratch() : sx::cli_test::Scratch("sx-overrides") {}
};

ProcessResult run_sxsim(const Scratch& s, const std::vector<std::string>& args) {
    const ProcessResult r = sx::cli_test::run_process(s, SXSIM_PATH, args, 120);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    CHECK_FALSE(r.timed_out);
    CHECK(r.signal == 0);
    return r;
}

// Exit 2 with every string of `expect` in the message.
void expect_refused(const Scratch& s, const std::vector<std::string>& args, const std::vector<std::string>& expect,
                    const std::vector<std::string>& forbid = {}) {
    const ProcessResult r = run_sxsim(s, args);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    CHECK(r.exit_code == 2);
    for (const auto& e : expect) {
        INFO("expected in the message: " << e);
        CHECK(r.output.find(e) != std::string::npos);
    }
    for (const auto& f : forbid) {
        INFO("must not be in the message: " << f);
        CHECK(r.output.find(f) == std::string::npos);
    }
}

}  // namespace

TEST_CASE("run: --set overrides are recorded in run.json and the summary, in the order given", "[overrides]") {
    Scratch s;
    // The tryout's case: a modified SCNN run whose trace looked like the shipped design's.
    const ProcessResult r = run_sxsim(s, {"run", "--arch", kScnn, "--model", kTiny, "--out", s.path("set"), "--set",
                                          "/scnn/crossbar_queue_entries=2", "--set", "/clock_mhz=800"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("overrides (--set): /scnn/crossbar_queue_entries=2, /clock_mhz=800") != std::string::npos);
    const json arch = json::parse(read_file(s.path("set") + "/run.json")).at("arch");
    // Given order, not pointer order ("/clock_mhz" sorts first).
    const json expected = json::array({{{"pointer", "/scnn/crossbar_queue_entries"}, {"value", 2}},
                                       {{"pointer", "/clock_mhz"}, {"value", 800}}});
    CHECK(arch.at("overrides") == expected);

    // Without --set the key is absent: traces of unmodified runs stay as they were.
    const ProcessResult plain = run_sxsim(s, {"run", "--arch", kScnn, "--model", kTiny, "--out", s.path("plain")});
    REQUIRE(plain.exit_code == 0);
    CHECK(plain.output.find("overrides (--set)") == std::string::npos);
    const json arch0 = json::parse(read_file(s.path("plain") + "/run.json")).at("arch");
    CHECK(arch0 == json{{"name", "scnn"}, {"file", kScnn}, {"dataflow", "scnn"}});
}

TEST_CASE("run: a pointer given twice to --set is refused, not last-wins", "[overrides]") {
    Scratch s;
    expect_refused(s, {"run", "--arch", kScnn, "--model", kTiny, "--out", s.path("o"), "--quiet", "--set",
                       "/scnn/crossbar_queue_entries=2", "--set", "/scnn/crossbar_queue_entries=3"},
                   {"--set", "/scnn/crossbar_queue_entries", "at most once", "2 and 3"});
    CHECK_FALSE(std::filesystem::exists(s.path("o") + "/run.json"));
}

TEST_CASE("config errors say 'found null', not 'found null null'", "[overrides]") {
    Scratch s;
    expect_refused(s, {"run", "--arch", kSe, "--model", kTiny, "--out", s.path("o"), "--quiet", "--set", "/clock_mhz=null"},
                   {"--set", "/clock_mhz", "found null"}, {"null null"});
}

TEST_CASE("sweep: a bad swept value is refused before any point runs, also with --dry-run", "[overrides]") {
    Scratch s;
    // The tryout's case: 0 is valid (unbuffered crossbar), 65 is over the limit of 64.
    const std::vector<std::string> sweep = {"sweep", "--arch", kScnn, "--model", kTiny, "--out", s.path("sw"),
                                            "--quiet", "--jobs", "1", "--param", "/scnn/crossbar_queue_entries=0,65"};
    for (bool dry : {true, false}) {
        std::vector<std::string> a = sweep;
        if (dry) a.push_back("--dry-run");
        expect_refused(s, a, {"--param", "/scnn/crossbar_queue_entries", "[0, 64]", "65", "point 2 of 2"});
        CHECK_FALSE(std::filesystem::exists(s.path("sw") + "/points"));  // the good point did not run
    }
    expect_refused(s, {"sweep", "--arch", kScnn, "--model", kTiny, "--out", s.path("sw"), "--dry-run", "--param",
                       "/scnn/crossbar_queue_entries=-1"},
                   {"--param", "/scnn/crossbar_queue_entries", "-1"});
    // Two --param of one pointer: the later silently replaced the earlier.
    expect_refused(s, {"sweep", "--arch", kScnn, "--model", kTiny, "--out", s.path("sw"), "--dry-run", "--param",
                       "/scnn/crossbar_queue_entries=2", "--param", "/scnn/crossbar_queue_entries=3"},
                   {"--param", "/scnn/crossbar_queue_entries", "at most once"});
}

TEST_CASE("sweep: a point's run.json records its values as point.json does", "[overrides]") {
    Scratch s;
    const ProcessResult r = run_sxsim(s, {"sweep", "--arch", kSe, "--model", kTiny, "--out", s.path("sw"), "--quiet",
                                          "--jobs", "1", "--param", "/clock_mhz=800"});
    REQUIRE(r.exit_code == 0);
    std::vector<std::filesystem::path> dirs;
    for (const auto& e : std::filesystem::directory_iterator(s.path("sw") + "/points")) dirs.push_back(e.path());
    REQUIRE(dirs.size() == 1);
    const json point = json::parse(read_file((dirs[0] / "point.json").string()));
    const json run = json::parse(read_file((dirs[0] / "run.json").string()));
    CHECK(point.at("overrides") == json{{"/clock_mhz", 800}});
    CHECK(run.at("arch").at("overrides") == json::array({{{"pointer", "/clock_mhz"}, {"value", 800}}}));
}

TEST_CASE("eyeriss: network widths must be whole 16-bit values, not rounded down", "[overrides]") {
    Scratch s;
    // 31 ran as 16 (one value per transfer); 16, 32, 48 ... are accepted.
    for (const char* key : {"ifmap_noc_bits", "filter_noc_bits", "psum_noc_bits", "psum_link_bits"}) {
        const std::string ptr = std::string("/eyeriss/") + key;
        expect_refused(s, {"run", "--arch", kEyeriss, "--model", kTiny, "--out", s.path("o"), "--quiet", "--set", ptr + "=31"},
                       {"--set", ptr, "multiple of the 16-bit value", "31"});
        // --dry-run validates every point's configuration: 32 and 48 pass.
        const ProcessResult ok = run_sxsim(s, {"sweep", "--arch", kEyeriss, "--model", kTiny, "--out", s.path("sw"),
                                               "--dry-run", "--param", ptr + "=32,48"});
        CHECK(ok.exit_code == 0);
    }
}
