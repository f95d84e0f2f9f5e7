#pragma once
// A bounded pool of child processes. SystemC elaborates once per process, so every simulation
// point is its own process; the pool starts at most `parallel` at a time, enforces a per-job
// timeout (SIGTERM to the job's process group, SIGKILL after a grace period) and reports each
// job as it ends, in the calling thread (so the caller may write files without locks).
#include <csignal>
#include <functional>
#include <string>
#include <vector>

namespace sx {

struct ChildJob {
    std::vector<std::string> argv;  // argv[0] is the executable path (no PATH search)
    std::string stdout_path;        // "" -> /dev/null
    std::string stderr_path;        // "" -> /dev/null
    double timeout_s = 0;           // 0: none
};

struct ChildResult {
    int exit_code = -1;       // valid when exited
    bool exited = false;      // ended by exit()
    int signal = 0;           // ended by this signal
    bool timed_out = false;   // killed by the pool's timeout
    bool spawn_failed = false;
    double wall_s = 0;
    std::string error;        // empty on success; else why (timeout / signal / stderr's last line)

    bool ok() const { return exited && exit_code == 0 && !timed_out; }
};

// Last non-empty line of a file (progress lines ending in \r count as separate lines).
std::string last_line_of_file(const std::string& path);

// Set by the SIGINT/SIGTERM handler install_interrupt_handler() installs; the pool stops
// launching, kills its running children and returns when it becomes non-zero.
extern volatile std::sig_atomic_t g_interrupted;
void install_interrupt_handler();

class ProcessPool {
public:
    explicit ProcessPool(int parallel, double kill_grace_s = 2.0);

    // Runs jobs 0..count-1 (make_job builds each when its turn comes). on_finish is called for
    // each job that ended on its own or by timeout; jobs stopped by an interrupt are not
    // reported. Returns false if interrupted.
    bool run(std::size_t count, const std::function<ChildJob(std::size_t)>& make_job,
             const std::function<void(std::size_t, const ChildResult&)>& on_finish,
             const std::function<void()>& on_tick = {});

private:
    int parallel_;
    double kill_grace_s_;
};

int default_parallelism();  // usable_cpus(): the CPUs of this process's affinity mask, at least 1

}  // namespace sx
