// sxsim run -j N (issue 18, hw/sim/simulate.h): every compute layer is simulated in its own
// child process from a reset design, so -j 1, -j 2 and -j 3 write byte-identical traces (with
// and without --check, synthetic and real data), `--layer X` gives X exactly its row of the
// full run, a child that is killed is reported with its layer (exit 1, no hang, no child left),
// the parent's death ends the children, and a bad -j is exit 2.
#include <catch2/catch.hpp>

#include <sched.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kTiny = kSource + "/tests/fuzz/data/tiny_workload.json";  // 5 compute layers, 3 others

ProcessResult run_ok(const Scratch& s, const std::vector<std::string>& args) {
    const ProcessResult r = run_process(s, SXSIM_PATH, args, 300);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.signal == 0);
    REQUIRE(r.exit_code == 0);
    return r;
}

void require_same_traces(const std::string& a, const std::string& b) {
    for (const char* n : {"run.json", "layers.csv", "area.csv"}) {
        INFO(a << " vs " << b << ": " << n);
        const std::string first = read_file(a + "/" + n);
        REQUIRE(first.size() > 100);
        CHECK(read_file(b + "/" + n) == first);
    }
}

// -j 1, 2, 3 with and without --check: 6 runs of the tiny workload on one design.
void check_jobs(const std::string& config) {
    Scratch s("sx-parallel");
    const std::string arch = kSource + "/configs/" + config;
    for (const bool check : {false, true}) {
        std::vector<std::string> outs;
        for (const char* j : {"1", "2", "3"}) {
            outs.push_back(s.path(std::string(check ? "check-j" : "j") + j));
            std::vector<std::string> args = {"run", "--arch", arch, "--model", kTiny, "--out", outs.back(), "-q", "-j", j};
            if (check) args.push_back("--check");
            run_ok(s, args);
        }
        require_same_traces(outs[0], outs[1]);
        require_same_traces(outs[0], outs[2]);
    }
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

// The direct children of `parent` (from /proc/<pid>/stat: "pid (comm) state ppid ...").
std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> out;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "stat");
        std::string stat;
        std::getline(in, stat);
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 2));
        char state = 0;
        long ppid = 0;
        rest >> state >> ppid;
        if (ppid == parent && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

// Running or stopped, not a zombie waiting for a reaper (the container's init may not reap).
bool alive(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return false;
    const auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Starts sxsim on three ResNet-18 layers with -j 2 and returns once it has two layer children.
pid_t start_with_children(const Scratch& s, std::vector<pid_t>& kids) {
    const pid_t pid = spawn_process(s, SXSIM_PATH, {"run", "--arch", kSource + "/configs/smartexchange.json", "--model",
                                                    kSource + "/models/resnet18.json", "--first-layers", "3", "-j", "2",
                                                    "--out", s.path("o"), "-q"});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while ((kids = children_of(pid)).size() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(kids.size() == 2);
    return pid;
}

}  // namespace

TEST_CASE("run -j: smartexchange traces are identical for -j 1, 2, 3") { check_jobs("smartexchange.json"); }
TEST_CASE("run -j: eyeriss traces are identical for -j 1, 2, 3") { check_jobs("eyeriss.json"); }
TEST_CASE("run -j: scnn traces are identical for -j 1, 2, 3") { check_jobs("scnn.json"); }

TEST_CASE("run -j: real-data traces and outputs are identical for -j 1, 2, 3") {
    Scratch s("sx-parallel-real");
    const std::string dir = SX_REAL_DATA_FIXTURES;
    std::vector<std::string> outs;
    for (const char* j : {"1", "2", "3"}) {
        outs.push_back(s.path(std::string("j") + j));
        run_ok(s, {"run", "--arch", kSource + "/configs/smartexchange.json", "--model", dir + "/tiny_cnn.onnx",
                   "--inputs", dir + "/inputs", "--out", outs.back(), "-q", "-j", j});
    }
    for (std::size_t i = 1; i < outs.size(); ++i) {
        require_same_traces(outs[0], outs[i]);
        for (const auto& e : std::filesystem::directory_iterator(outs[0] + "/outputs")) {
            INFO(e.path());
            CHECK(read_file(outs[i] + "/outputs/" + e.path().filename().string()) == read_file(e.path().string()));
        }
    }
}

// --layer builds only the selected layers' synthetic weights (synthetic_image.h): SmartExchange's
// decomposed image and SCNN's unstructured one must still give the full run's figures.
TEST_CASE("run --layer X gives X exactly its row of the full run") {
    Scratch s("sx-parallel-layer");
    for (const char* design : {"smartexchange", "scnn"}) {
        const std::string arch = kSource + "/configs/" + design + ".json";
        const std::string full_out = s.path(std::string("full-") + design);
        run_ok(s, {"run", "--arch", arch, "--model", kTiny, "--out", full_out, "-q", "--check"});
        for (const char* layer : {"pw3", "fc8"}) {
            INFO(design << " " << layer);
            const std::string out = s.path(std::string("only-") + design + "-" + layer);
            run_ok(s, {"run", "--arch", arch, "--model", kTiny, "--out", out, "-q", "--check", "--layer", layer});
            const auto full = lines_of(read_file(full_out + "/layers.csv"));
            const auto part = lines_of(read_file(out + "/layers.csv"));
            REQUIRE(full.size() == part.size());
            int found = 0;
            for (std::size_t i = 1; i < full.size(); ++i)
                if (full[i].rfind(std::string(layer) + ",", 0) == 0) {
                    CHECK(part[i] == full[i]);
                    ++found;
                }
            CHECK(found == 1);
        }
    }
}

TEST_CASE("run -j: a killed layer process is reported with its layer, the others end") {
    Scratch s("sx-parallel-kill");
    std::vector<pid_t> kids;
    const pid_t pid = start_with_children(s, kids);
    REQUIRE(::kill(kids[0], SIGKILL) == 0);
    const ProcessResult r = wait_process(pid, s.path("process-output.txt"), 120);
    INFO(r.output);
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("its simulation process was killed by signal 9") != std::string::npos);
    // The layer is named: one of the first three compute layers of ResNet-18.
    const bool named = r.output.find("layer conv1:") != std::string::npos ||
                       r.output.find("layer layer1.0.conv1:") != std::string::npos ||
                       r.output.find("layer layer1.0.conv2:") != std::string::npos;
    CHECK(named);
    CHECK_FALSE(alive(kids[1]));  // killed and reaped by sxsim before it exited
}

TEST_CASE("run -j: the layer processes end with sxsim (Ctrl-C, kill)") {
    Scratch s("sx-parallel-int");
    std::vector<pid_t> kids;
    const pid_t pid = start_with_children(s, kids);
    REQUIRE(::kill(pid, SIGINT) == 0);  // the parent only, not its process group
    const ProcessResult r = wait_process(pid, s.path("process-output.txt"), 60);
    CHECK(r.signal == SIGINT);
    // PR_SET_PDEATHSIG: the children get SIGKILL when sxsim dies; the init process reaps them.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((alive(kids[0]) || alive(kids[1])) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK_FALSE(alive(kids[0]));
    CHECK_FALSE(alive(kids[1]));
}

TEST_CASE("run -j: a negative or non-numeric job count is bad input (exit 2)") {
    Scratch s("sx-parallel-bad");
    for (const char* j : {"-1", "-7", "two", ""}) {
        const std::vector<std::string> args = {"run", "--arch", kSource + "/configs/smartexchange.json", "--model", kTiny,
                                               "--out", s.path("o"), "-q", "-j", j};
        const ProcessResult r = run_process(s, SXSIM_PATH, args);
        INFO(command_line(args) << "\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find("-j") != std::string::npos);
    }
}

TEST_CASE("run -j 0 starts one layer process per CPU this sxsim may run on, not per CPU of the machine") {
    // "All cores" is the CPUs of the process's affinity mask (taskset, a Slurm or container
    // cpuset): inside a 1-CPU allocation on a big node one process per online CPU of the node
    // oversubscribes it (and multiplies the memory). Here sxsim inherits a 1-CPU mask: at most
    // one layer child at any time. Before the fix (sysconf online CPUs) this 2-core machine
    // showed 2. A machine with one CPU cannot tell the two apart (the test then passes).
    Scratch s("sx-parallel-affinity");
    cpu_set_t old, one;
    REQUIRE(::sched_getaffinity(0, sizeof old, &old) == 0);
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &old)) {
            CPU_SET(c, &one);
            break;
        }
    const std::string log = s.path("process-output.txt");
    REQUIRE(::sched_setaffinity(0, sizeof one, &one) == 0);  // inherited by the spawned sxsim
    const pid_t pid = spawn_process(s, SXSIM_PATH, {"run", "--arch", kSource + "/configs/smartexchange.json", "--model",
                                                    kSource + "/models/resnet18.json", "--first-layers", "3", "-j", "0",
                                                    "--out", s.path("o"), "-q"});
    REQUIRE(::sched_setaffinity(0, sizeof old, &old) == 0);
    std::size_t most = 0;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    bool ended = false;
    while (!(ended = ::waitpid(pid, &status, WNOHANG) == pid) && std::chrono::steady_clock::now() < deadline) {
        most = std::max(most, children_of(pid).size());
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!ended) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    INFO(read_file(log));
    REQUIRE(ended);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(most == 1);
}
