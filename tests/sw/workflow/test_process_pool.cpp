#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sched.h>
#include <unistd.h>

#include "sw/workflow/process_pool.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("sx_pool_" + name + "_" + std::to_string(getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return sx::test::remove_after_test(d);
}
ChildJob sh(const std::string& script, const fs::path& dir, std::size_t i) {
    ChildJob j;
    j.argv = {"/bin/sh", "-c", script, "sh", std::to_string(i)};
    j.stderr_path = (dir / ("err" + std::to_string(i))).string();
    return j;
}
}  // namespace

TEST_CASE("the pool never runs more than N children at once and runs them all") {
    const fs::path dir = temp_dir("bound");
    const std::string log = (dir / "log").string();
    // Each job logs +1 when it starts and -1 when it ends; a running sum over the log is the
    // number of jobs alive at that moment.
    const std::string script = "echo +1 >> " + log + "; sleep 0.15; echo -1 >> " + log;
    std::vector<ChildResult> results(6);
    ProcessPool pool(2);
    const bool done = pool.run(6, [&](std::size_t i) { return sh(script, dir, i); },
                               [&](std::size_t i, const ChildResult& r) { results[i] = r; });
    CHECK(done);
    for (const auto& r : results) CHECK(r.ok());
    std::ifstream in(log);
    int alive = 0, peak = 0, lines = 0;
    for (std::string l; std::getline(in, l); ++lines) {
        alive += std::stoi(l);
        peak = std::max(peak, alive);
    }
    CHECK(lines == 12);
    CHECK(peak == 2);  // 6 jobs of 0.15 s on 2 slots: two overlap, never three
    fs::remove_all(dir);
}

TEST_CASE("exit codes, signals and the last line of stderr are reported") {
    const fs::path dir = temp_dir("codes");
    std::vector<ChildResult> r(4);
    const std::vector<std::string> scripts = {
        "printf 'progress 1\\rprogress 2\\n' >&2; echo 'sxsim: error: bad combination' >&2; echo >&2; exit 2",
        "kill -9 $$",
        "exit 0",
        "",
    };
    ProcessPool pool(2);
    pool.run(4,
             [&](std::size_t i) {
                 if (i == 3) {
                     ChildJob j;
                     j.argv = {(dir / "no-such-program").string()};
                     j.stderr_path = (dir / "err3").string();
                     return j;
                 }
                 return sh(scripts[i], dir, i);
             },
             [&](std::size_t i, const ChildResult& res) { r[i] = res; });
    CHECK(r[0].exited);
    CHECK(r[0].exit_code == 2);
    CHECK(r[0].error == "sxsim: error: bad combination");
    CHECK_FALSE(r[1].exited);
    CHECK(r[1].signal == 9);
    CHECK(r[1].error.find("signal 9") != std::string::npos);
    CHECK(r[2].ok());
    CHECK(r[2].error.empty());
    CHECK(r[3].exit_code == 127);
    CHECK(r[3].error.find("exec failed") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("a job over its timeout is killed with everything it started") {
    const fs::path dir = temp_dir("timeout");
    ChildResult r;
    ProcessPool pool(1, 0.5);
    // The shell ignores SIGTERM and waits on a grandchild: only SIGKILL to the group ends it.
    const std::string script = "trap '' TERM; sleep 30 & wait; sleep 30";
    const auto t0 = std::chrono::steady_clock::now();
    pool.run(1, [&](std::size_t i) {
        ChildJob j = sh(script, dir, i);
        j.timeout_s = 0.3;
        return j;
    }, [&](std::size_t, const ChildResult& res) { r = res; });
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.timed_out);
    CHECK_FALSE(r.ok());
    CHECK(r.error.find("timeout") != std::string::npos);
    CHECK(wall < 5.0);  // 0.3 s timeout + 0.5 s grace, not 30 s
    fs::remove_all(dir);
}

TEST_CASE("an interrupt stops launching, kills the running jobs and reports none of them") {
    const fs::path dir = temp_dir("interrupt");
    std::size_t finished = 0, ticks = 0;
    ProcessPool pool(2, 0.2);
    g_interrupted = 0;
    const bool done = pool.run(
        10, [&](std::size_t i) { return sh("sleep 30", dir, i); }, [&](std::size_t, const ChildResult&) { ++finished; },
        [&]() {
            if (++ticks == 5) g_interrupted = 1;
        });
    g_interrupted = 0;
    CHECK_FALSE(done);
    CHECK(finished == 0);
    fs::remove_all(dir);
}

// Sweeps and compares without -j start one point per usable CPU: the CPUs of the process's
// affinity mask (taskset, a Slurm or container cpuset), as `sxsim run -j 0` does for layers.
// Counting every online CPU of the node oversubscribed a 1-CPU allocation (review finding).
// Hand-derived: a 1-CPU mask -> 1; the machine's own mask -> CPU_COUNT of it.
TEST_CASE("process pool: the default parallelism is the CPUs of the affinity mask") {
    cpu_set_t old, one;
    REQUIRE(::sched_getaffinity(0, sizeof old, &old) == 0);
    CHECK(sx::default_parallelism() == CPU_COUNT(&old));
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &old)) {
            CPU_SET(c, &one);
            break;
        }
    REQUIRE(::sched_setaffinity(0, sizeof one, &one) == 0);
    const int with_one = sx::default_parallelism();
    REQUIRE(::sched_setaffinity(0, sizeof old, &old) == 0);
    CHECK(with_one == 1);
}
