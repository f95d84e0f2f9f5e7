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
#include <cstdlib>
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

// The parent PID of `pid` (from /proc/<pid>/stat: "pid (comm) state ppid ..."), 0 if gone.
pid_t parent_of(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 >= stat.size()) return 0;
    return static_cast<pid_t>(std::atol(stat.c_str() + close + 4));
}

// The PID of the process running `sxsim slurm-task <plan> <task>` (0 if none yet). Its child
// for a point has the same command line between fork and exec: that one is not the task (when
// killed instead, the task records the point "killed by signal 9" and goes on).
pid_t find_task_process(const std::string& plan, const std::string& task) {
    DIR* proc = ::opendir("/proc");
    if (!proc) return 0;
    std::set<pid_t> found;
    while (dirent* e = ::readdir(proc)) {
        const std::string name = e->d_name;
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string cmd = read_file("/proc/" + name + "/cmdline");
        std::vector<std::string> args;
        std::size_t start = 0;
        for (std::size_t i = 0; i < cmd.size(); ++i)
            if (cmd[i] == '\0') args.push_back(cmd.substr(start, i - start)), start = i + 1;
        for (std::size_t i = 0; i + 2 < args.size(); ++i)
            if (args[i] == "slurm-task" && args[i + 1] == plan && args[i + 2] == task) found.insert(std::stoi(name));
    }
    ::closedir(proc);
    for (const pid_t p : found)
        if (!found.count(parent_of(p))) return p;
    return 0;
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

// Tryout (h28): a pending array task cancelled before it ran was reported with "log: .../task-1.log",
// a file sbatch never created (it opens --output when the task starts).
TEST_CASE("slurm: a task cancelled while pending is recorded as never started, not with a log that does not exist") {
    Scratch s("sx-slurm-pend");
    SlurmCluster cluster(s.path("c"));
    const std::string workload = s.path("one.json");
    write_file(workload, kWorkload);
    const std::string out = s.path("o");
    // 2 points, one per task, one task at a time: task 1 waits for task 0 (and for the
    // scheduler's first pass, seconds), so it is still pending when it is cancelled below.
    const std::vector<std::string> args = {"sweep", "--arch", kArch, "--model", workload, "--param", "/clock_mhz=100,200",
                                           "--out", out, "--backend", "slurm", "--slurm-points-per-task", "1",
                                           "--slurm-array-limit", "1", "--slurm-poll", "0.3"};
    const ProcessResult submitted = run_process(s, SXSIM_PATH, plus(args, {"--submit-only"}));
    INFO(submitted.output);
    REQUIRE(submitted.exit_code == 0);
    const nlohmann::json job = nlohmann::json::parse(read_file(out + "/slurm/job.json"));
    const std::string job_id = job["job_id"].get<std::string>();
    REQUIRE(std::system(("scancel " + job_id + "_1").c_str()) == 0);
    const nlohmann::json plan = nlohmann::json::parse(read_file(out + "/slurm/plan.json"));
    const std::string cancelled = plan["tasks"][1][0]["id"].get<std::string>();

    const ProcessResult collected = run_process(s, SXSIM_PATH, plus(args, {"--collect"}));
    INFO(collected.output);
    CHECK(collected.exit_code == 1);
    CHECK_FALSE(fs::exists(out + "/slurm/logs/task-1.log"));
    sx::RecordTable net;
    net.load(sx::read_csv_file(out + "/sweep_networks.csv"));
    REQUIRE(net.size() == 2);
    for (std::size_t i = 0; i < net.size(); ++i) {
        INFO(net.get(i, "error"));
        if (net.get(i, "point_id") != cancelled) {
            CHECK(net.get(i, "status") == "ok");
            continue;
        }
        CHECK(net.get(i, "status") == "failed");
        CHECK(net.get(i, "error").find("Slurm task 1 of job " + job_id) != std::string::npos);
        CHECK(net.get(i, "error").find("never started") != std::string::npos);
        CHECK(net.get(i, "error").find("log: ") == std::string::npos);
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
        // sbatch's getopt_long also takes -oFILE and unambiguous prefixes (--outp=FILE is
        // --output): after sxsim's own --output they would move the task logs the errors name.
        {{"--backend", "slurm", "--slurm-sbatch-arg=-o/tmp/elsewhere-%a.log"}, "sbatch_args/0"},
        {{"--backend", "slurm", "--slurm-sbatch-arg=--outp=/tmp/elsewhere-%a.log"}, "sbatch_args/0"},
        {{"--backend", "slurm", "--slurm-sbatch-arg=-a0-1"}, "sbatch_args/0"},
        {{"--backend", "slurm", "--slurm-array-limit", "0"}, "--slurm-array-limit"},
        {{"--slurm-time", "10"}, "--backend slurm"},
        {{"--collect"}, "--backend slurm"},
        {{"--slurm-poll", "1"}, "--backend slurm"},  // was accepted and ignored
        {{"--backend", "pbs"}, "--backend"},
    };
    for (const auto& c : cases) {
        const ProcessResult r = run_process(s, SXSIM_PATH, plus(base, c.extra));
        INFO(command_line(plus(base, c.extra)) << "\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find(c.expect) != std::string::npos);
        CHECK(r.output.find("sxsim: error: sxsim:") == std::string::npos);  // the prefix was doubled
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

TEST_CASE("slurm: messages of sbatch and squeue on stderr, and squeue showing finished tasks, are not job ids or queued tasks") {
    // A site's sbatch can print warnings or job-submit plugin messages on stderr while queuing
    // the job, squeue can warn, and a user's SQUEUE_STATES=all makes squeue list the finished
    // tasks the controller still remembers (MinJobAge, 600 s here). The real sbatch and squeue
    // run behind two wrappers first on PATH that only add a line to stderr. Before the fix the
    // sbatch warning was taken for the reply ("sbatch failed (exit 0)", job left running), and
    // the warning or the COMPLETED lines counted as queued tasks: --collect never ended.
    Scratch s("sx-slurm-msg");
    SlurmCluster cluster(s.path("c"));
    const std::string workload = s.path("one.json");
    write_file(workload, kWorkload);
    const std::string bin = s.path("bin");
    fs::create_directories(bin);
    for (const char* tool : {"sbatch", "squeue"}) {
        const std::string w = bin + "/" + tool;
        write_file(w, std::string("#!/bin/sh\necho '") + tool + ": warning: a message of this site' >&2\nexec /usr/bin/" +
                          tool + " \"$@\"\n");
        fs::permissions(w, fs::perms::owner_all, fs::perm_options::add);
    }
    // Restored before the cluster's destructor (declared after it) polls squeue.
    struct Env {
        std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
        Env(const std::string& bin) {
            ::setenv("PATH", (bin + ":" + path).c_str(), 1);
            ::setenv("SQUEUE_STATES", "all", 1);
        }
        ~Env() {
            ::setenv("PATH", path.c_str(), 1);
            ::unsetenv("SQUEUE_STATES");
        }
    } env(bin);
    const std::vector<std::string> args = {"sweep", "--arch", kArch, "--model", workload, "--param", "/clock_mhz=100,200",
                                           "--out", s.path("o"), "-q", "--backend", "slurm", "--slurm-poll", "0.3"};
    const ProcessResult r = run_process(s, SXSIM_PATH, args, 90);
    INFO(command_line(args) << "\n" << r.output);
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == 0);
    sx::RecordTable net;
    net.load(sx::read_csv_file(s.path("o") + "/sweep_networks.csv"));
    REQUIRE(net.size() == 2);
    for (std::size_t i = 0; i < net.size(); ++i) CHECK(net.get(i, "status") == "ok");
}

TEST_CASE("slurm: an output folder whose path has a space and a % works, task logs where they are said to be") {
    // sbatch --output is a filename pattern: "%x" (the job name), "%j", ... are replaced, and a
    // literal % must be written %%. Before the fix "--out 'o 100%x'" sent the task logs to
    // "o 100sxsim-sweep/...", a folder that does not exist: the tasks could not start.
    Scratch s("sx-slurm-path");
    SlurmCluster cluster(s.path("c"));
    const std::string workload = s.path("one.json");
    write_file(workload, kWorkload);
    const std::string out = s.path("o 100%x");
    const std::vector<std::string> args = {"sweep", "--arch", kArch, "--model", workload, "--param", "/clock_mhz=100,200",
                                           "--out", out, "-q", "--backend", "slurm", "--slurm-poll", "0.3"};
    const ProcessResult r = run_process(s, SXSIM_PATH, args, 90);
    INFO(command_line(args) << "\n" << r.output);
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == 0);
    sx::RecordTable net;
    net.load(sx::read_csv_file(out + "/sweep_networks.csv"));
    REQUIRE(net.size() == 2);
    for (std::size_t i = 0; i < net.size(); ++i) CHECK(net.get(i, "status") == "ok");
    CHECK(fs::exists(out + "/slurm/logs/task-0.log"));
    CHECK(fs::exists(out + "/slurm/logs/task-1.log"));
}

// With no cluster to reach (here SLURM_CONF names an empty file, as on a machine where Slurm is
// not configured; a missing file makes sbatch retry for 60 s first), or an unknown partition, sbatch's refusal was reported as a "simulation error".
// It is the cluster's answer: exit 1, labelled as an external system's error, sbatch's own
// message kept, and nothing recorded as a failed point.
TEST_CASE("slurm: sbatch refusing the job is an external system's error with sbatch's message, exit 1") {
    Scratch s("sx-slurm-nocluster");
    const std::string workload = s.path("one.json");
    write_file(workload, kWorkload);
    const char* old = std::getenv("SLURM_CONF");
    const std::string saved = old ? old : "";
    write_file(s.path("empty-slurm.conf"), "# no ClusterName, no controller\n");
    ::setenv("SLURM_CONF", s.path("empty-slurm.conf").c_str(), 1);
    const std::vector<std::string> args = {"sweep", "--arch", kArch, "--model", workload, "--param", "/clock_mhz=100,200",
                                           "--out", s.path("o"), "-q", "--backend", "slurm"};
    const ProcessResult r = run_process(s, SXSIM_PATH, args);
    if (old) ::setenv("SLURM_CONF", saved.c_str(), 1); else ::unsetenv("SLURM_CONF");
    INFO(command_line(args) << "\n" << r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("error from an external system: Slurm: sbatch failed") != std::string::npos);
    CHECK(r.output.find("simulation error") == std::string::npos);
    CHECK(r.output.find("ClusterName needs to be specified") != std::string::npos);  // sbatch's own words
    CHECK_FALSE(fs::exists(s.path("o") + "/sweep_networks.csv"));
}
