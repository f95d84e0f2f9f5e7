#pragma once
// Shared by the tests under tests/cli/: run the built sxsim as a child process (posix_spawn,
// stdout and stderr captured in one file, killed after a timeout, peak RSS from wait4) in a
// per-process scratch folder (ctest runs test cases as parallel processes).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include "tests/test_scratch.h"

extern char** environ;

// Whether this test (and the sxsim it runs, built alike) is under AddressSanitizer: its
// shadow memory and its quarantine of freed blocks (256 MiB by default) raise peak RSS.
// GCC defines __SANITIZE_ADDRESS__, clang answers __has_feature (GCC 12 lacks the latter, so
// it may not appear in the same #if).
#if defined(__SANITIZE_ADDRESS__)
#define SX_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SX_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef SX_TEST_UNDER_ASAN
#define SX_TEST_UNDER_ASAN 0
#endif

namespace sx::cli_test {

// A two-layer workload (3x3 convolutions 16 -> 32 -> 32 channels on 8x8) small enough for many
// sxsim runs per test: the sweep-identity and iso-area tests share it.
inline const char* const kTwoLayers = R"json({"name": "two", "source": "two-layer test workload (tests/cli)",
  "batch": 1, "input": {"C": 16, "H": 8, "W": 8},
  "layers": [
    {"name": "conv1", "type": "conv", "C": 16, "K": 32, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1},
    {"name": "conv2", "type": "conv", "C": 32, "K": 32, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1}]})json";

struct ProcessResult {
    int exit_code = -1;   // valid when signal == 0
    int signal = 0;       // terminating signal, 0 if the process exited
    bool timed_out = false;
    long max_rss_kib = 0; // the child's peak resident set (wait4)
    std::string output;   // stdout and stderr, interleaved
};

class Scratch {
public:
    explicit Scratch(const std::string& tag = "sx-cli-test")
        : dir_(std::filesystem::temp_directory_path() / (tag + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        sx::test::remove_after_test(dir_);  // kept, and named, if the test fails
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    REQUIRE(out.good());
}

// Waits for child `pid` (killed after `timeout_s`), then reads its output from `log`; the
// peak RSS comes from wait4().
inline ProcessResult wait_process(pid_t pid, const std::string& log, int timeout_s) {
    ProcessResult r;
    int status = 0;
    rusage ru{};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (::wait4(pid, &status, WNOHANG, &ru) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::wait4(pid, &status, 0, &ru);
            r.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.max_rss_kib = ru.ru_maxrss;
    r.output = read_file(log);
    return r;
}

// Starts `exe args...` without waiting, stdout and stderr into <scratch>/process-output.txt
// (the caller waits: wait_process, or waitpid for a test that watches the process run).
inline pid_t spawn_process(const Scratch& scratch, const std::string& exe, const std::vector<std::string>& args) {
    const std::string log = scratch.path("process-output.txt");
    std::vector<std::string> argv_s = {exe};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    return pid;
}

// Runs `exe args...`, output captured in a file of the scratch folder.
inline ProcessResult run_process(const Scratch& scratch, const std::string& exe, const std::vector<std::string>& args,
                                 int timeout_s = 120) {
    const pid_t pid = spawn_process(scratch, exe, args);
    return wait_process(pid, scratch.path("process-output.txt"), timeout_s);
}

inline std::string command_line(const std::vector<std::string>& args) {
    std::string s = "sxsim";
    for (const auto& a : args) s += " " + a;
    return s;
}

}  // namespace sx::cli_test
