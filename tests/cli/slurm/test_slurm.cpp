// `sweep --backend slurm` and `compare --backend slurm` against a REAL single-node Slurm cluster
// (slurm_cluster.h: munged, slurmctld and slurmd started here as root), issue 18: a 24-point
// sweep submitted with --submit-only, one array task killed by SIGKILL while it runs, --collect
// records that task's unfinished points as failed with its log and keeps the others,
// --retry-failed completes them, and the tables then equal the local backend's byte for byte
// (wall times, different on every run, are not in the tables but in OUT/sweep_times.csv).
#include <dirent.h>
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sw/workflow/csv_table.h"
#include "tests/cli/slurm/slurm_cluster.h"
#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;
namespace fs = std::filesystem;

namespace {

// One 3x3 convolution, 64 -> 64 channels on 56x56 (115.6 M MACs): with --check ~0.15 s per
// point on this machine, long enough to catch an array task alive (3 points per task).
const char* const kWorkload = R"json({"name": "one", "source": "Slurm backend test workload (tests/cli/slurm)",
  "batch": 1, "input": {"C": 64, "H": 56, "W": 56},
  "layers": [{"name": "conv1", "type": "conv", "C": 64, "K": 64, "H": 56, "W": 56, "R": 3, "S": 3, "padding": 1}]})json";

const std::string kArch = std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json";

// The PID of the process running `sxsim slurm-task <plan> <task>` (0 if none yet).
pid_t find_task_process(const std::string& plan, const std::string& task) {
    DIR* proc = ::opendir("/proc");
    if (!proc) return 0;
    pid_t found = 0;
    while (dirent* e = ::readdir(proc)) {
        const std::string name = e->d_name;
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string cmd = read_file("/proc/" + name + "/cmdline");
        std::vector<std::string> args;
        std::size_t start = 0;
        for (std::size_t i = 0; i < cmd.size(); ++i)
            if (cmd[i] == '\0') args.push_back(cmd.substr(start, i - start)), start = i + 1;
        for (std::size_t i = 0; i + 2 < args.size(); ++i)
            if (args[i] == "slurm-task" && args[i + 1] == plan && args[i + 2] == task) found = std::stoi(name);
    }
    ::closedir(proc);
    return found;
}

std::vector<std::string> sweep_args(const std::string& workload, const std::string& out) {
    return {"sweep", "--arch", kArch, "--model", workload, "--param", "/clock_mhz=100:2400:100", "--check", "--out", out};
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("slurm: a 24-point sweep on a real cluster, one array task killed, then tables equal to the local backend's") {
    Scratch s("sx-slurm");
    SlurmCluster cluster(s.path("c"));
    const std::string workload = s.path("one.json");
    write_file(workload, kWorkload);

    const ProcessResult local = run_process(s, SXSIM_PATH, plus(sweep_args(workload, s.path("local")), {"-j", "2", "-q"}));
    INFO(local.output);
    REQUIRE(local.exit_code == 0);

    // Submit only: 8 array tasks of 3 points, 2 at a time.
    const std::string out = s.path("slurm");
    const std::vector<std::string> slurm = {"--backend", "slurm", "--slurm-points-per-task", "3",
                                            "--slurm-array-limit", "2", "--slurm-poll", "0.3"};
    const ProcessResult submitted = run_process(s, SXSIM_PATH, plus(plus(sweep_args(workload, out), slurm), {"--submit-only"}));
    INFO(submitted.output);
    REQUIRE(submitted.exit_code == 0);
    CHECK(submitted.output.find("submitted batch job") != std::string::npos);
    const nlohmann::json job = nlohmann::json::parse(read_file(out + "/slurm/job.json"));
    REQUIRE(job["tasks"] == 8);
    const nlohmann::json plan = nlohmann::json::parse(read_file(out + "/slurm/plan.json"));
    std::set<std::string> task2;
    for (const auto& e : plan["tasks"][2]) task2.insert(e["id"].get<std::string>());
    REQUIRE(task2.size() == 3);

    // Kill array task 2's process (the exec'd `sxsim slurm-task`; its running point dies with it
    // through PR_SET_PDEATHSIG) as soon as it is there.
    pid_t victim = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!(victim = find_task_process(out + "/slurm/plan.json", "2")) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(victim > 0);
    REQUIRE(::kill(victim, SIGKILL) == 0);

    // --collect follows the job to its end: task 2's unfinished points failed, with its log.
    const ProcessResult collected = run_process(s, SXSIM_PATH, plus(plus(sweep_args(workload, out), slurm), {"--collect"}));
    INFO(collected.output);
    CHECK(collected.exit_code == 1);
    sx::RecordTable net;
    net.load(sx::read_csv_file(out + "/sweep_networks.csv"));
    REQUIRE(net.size() == 24);
    std::size_t failed = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
        const std::string id = net.get(i, "point_id");
        if (net.get(i, "status") == "ok") continue;
        ++failed;
        CHECK(task2.count(id) == 1);
        CHECK(net.get(i, "status") == "failed");
        CHECK(net.get(i, "error").find("Slurm task 2 of job") != std::string::npos);
        CHECK(net.get(i, "error").find(out + "/slurm/logs/task-2.log") != std::string::npos);
    }
    CHECK(failed >= 1);  // the point running when the task was killed, and those after it
    CHECK(fs::exists(out + "/slurm/logs/task-2.log"));

    // The failed points again, through the cluster; then the tables equal the local ones.
    const ProcessResult retried =
        run_process(s, SXSIM_PATH, plus(plus(sweep_args(workload, out), slurm), {"--retry-failed", "-q"}));
    INFO(retried.output);
    REQUIRE(retried.exit_code == 0);
    CHECK(read_file(out + "/sweep_layers.csv") == read_file(s.path("local") + "/sweep_layers.csv"));
    CHECK(read_file(out + "/sweep_networks.csv") == read_file(s.path("local") + "/sweep_networks.csv"));
    // Where the times went: one row per point, the last run of each by the Slurm backend.
    sx::RecordTable times;
    times.load(sx::read_csv_file(out + "/sweep_times.csv"));
    REQUIRE(times.size() == 24);
    for (std::size_t i = 0; i < times.size(); ++i) {
        CHECK(times.get(i, "backend") == "slurm");
        CHECK(times.get(i, "status") == "ok");
    }
}

TEST_CASE("slurm: compare --backend slurm writes the local backend's compare.csv") {
    Scratch s("sx-slurm-cmp");
    SlurmCluster cluster(s.path("c"));
    const std::string workload = s.path("one.json");
    write_file(workload, kWorkload);
    std::vector<std::string> args = {"compare", "--model", workload, "-q"};
    for (const char* d : {"smartexchange", "eyeriss", "scnn"})
        args.insert(args.end(), {"--arch", std::string(SX_SOURCE_DIR) + "/configs/" + d + ".json"});
    const ProcessResult local = run_process(s, SXSIM_PATH, plus(args, {"--out", s.path("local")}));
    INFO(local.output);
    REQUIRE(local.exit_code == 0);
    const ProcessResult slurm =
        run_process(s, SXSIM_PATH, plus(args, {"--out", s.path("slurm"), "--backend", "slurm", "--slurm-poll", "0.3"}));
    INFO(slurm.output);
    REQUIRE(slurm.exit_code == 0);
    CHECK(read_file(s.path("slurm") + "/compare.csv") == read_file(s.path("local") + "/compare.csv"));
    CHECK(read_file(s.path("slurm") + "/runs_layers.csv") == read_file(s.path("local") + "/runs_layers.csv"));
    CHECK(read_file(s.path("slurm") + "/runs_networks.csv") == read_file(s.path("local") + "/runs_networks.csv"));
    // The array tasks longest expected first (point_cost.h: SCNN's factor is the largest, then
    // Eyeriss's): task 0 runs the SCNN point, task 2 SmartExchange's; the tables above stay in
    // --arch order.
    const nlohmann::json plan = nlohmann::json::parse(read_file(s.path("slurm") + "/slurm/plan.json"));
    REQUIRE(plan["tasks"].size() == 3);
    const auto runs = [&](std::size_t task, const std::string& design) {
        return plan["tasks"][task][0]["argv"].dump().find("/configs/" + design + ".json") != std::string::npos;
    };
    CHECK(runs(0, "scnn"));
    CHECK(runs(1, "eyeriss"));
    CHECK(runs(2, "smartexchange"));
}

TEST_CASE("slurm: bad Slurm settings are exit 2 naming the option or the sweep file's field, before any submission") {
    Scratch s("sx-slurm-bad");
    const std::string workload = s.path("one.json");
    write_file(workload, kWorkload);
    const std::vector<std::string> base = {"sweep", "--arch", kArch, "--model", workload, "--param", "/clock_mhz=100,200",
                                           "--out", s.path("o")};
    struct Case {
        std::vector<std::string> extra;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {{"--backend", "slurm", "--slurm-time", "1h"}, "--slurm-time"},
        {{"--backend", "slurm", "--slurm-mem", "lots"}, "--slurm-mem"},
        {{"--backend", "slurm", "--slurm-partition", "a b"}, "--slurm-partition"},
        {{"--backend", "slurm", "--slurm-sbatch-arg=--array=0-3"}, "sbatch_args/0"},
        {{"--backend", "slurm", "--slurm-array-limit", "0"}, "--slurm-array-limit"},
        {{"--slurm-time", "10"}, "--backend slurm"},
        {{"--collect"}, "--backend slurm"},
        {{"--backend", "pbs"}, "--backend"},
    };
    for (const auto& c : cases) {
        const ProcessResult r = run_process(s, SXSIM_PATH, plus(base, c.extra));
        INFO(command_line(plus(base, c.extra)) << "\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find(c.expect) != std::string::npos);
    }
    // In the sweep file: the field as a JSON pointer.
    const std::string spec = s.path("spec.json");
    write_file(spec, R"({"arch": ")" + kArch + R"(", "models": [")" + workload +
                         R"("], "params": {"/clock_mhz": [100]}, "slurm": {"time_limit": "soon", "mem": "2G"}})");
    const ProcessResult r = run_process(s, SXSIM_PATH, {"sweep", "--spec", spec, "--out", s.path("o"), "--backend", "slurm"});
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("/slurm/time_limit") != std::string::npos);
    write_file(spec, R"({"arch": ")" + kArch + R"(", "models": [")" + workload +
                         R"("], "params": {"/clock_mhz": [100]}, "slurm": {"points_per_task": 0}})");
    const ProcessResult r2 = run_process(s, SXSIM_PATH, {"sweep", "--spec", spec, "--out", s.path("o"), "--backend", "slurm"});
    INFO(r2.output);
    CHECK(r2.exit_code == 2);
    CHECK(r2.output.find("/slurm/points_per_task") != std::string::npos);
    // --collect with nothing submitted: exit 2 naming OUT/slurm/job.json.
    const ProcessResult r3 = run_process(s, SXSIM_PATH, plus(base, {"--backend", "slurm", "--collect"}));
    INFO(r3.output);
    CHECK(r3.exit_code == 2);
    CHECK(r3.output.find("job.json") != std::string::npos);
}
