#pragma once
// A pool of forked worker processes, one per task: how simulate() gives every compute layer its
// own SystemC kernel (SystemC elaborates once per process, and a fresh process is also a fresh,
// idle accelerator and DRAM). The parent never elaborates; children inherit its memory by fork
// (copy-on-write: workload, weight image, real-data inputs), run one task, send a JSON message
// back over a pipe and _exit() (no atexit handlers, no leak check in children).
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"

namespace sx {

// `jobs` <= 0: one per CPU this process may run on (its affinity mask: taskset, a cpuset).
int resolve_jobs(int jobs);

// Runs work(t) for every t in `order`, each in a new child process, at most `jobs` at a time,
// started in the order given. done(t, message) is called in the parent, in completion order,
// with what work(t) returned. A child's InputError, CheckError, SimulationError (or other
// exception) is rethrown in the parent with its message (InputError with its file, field,
// expected and found); a child that dies without a message (a crash, a signal such as SIGKILL
// or SIGSEGV, an exit) is a SimulationError naming name(t) and the signal or status. On the
// first failure the other children are killed (SIGKILL) and reaped before the error is thrown;
// no child outlives the parent (PR_SET_PDEATHSIG), so Ctrl-C or a kill of the parent ends them.
void run_forked(const std::vector<std::size_t>& order, int jobs, const std::function<std::string(std::size_t)>& name,
                const std::function<json(std::size_t)>& work, const std::function<void(std::size_t, json&)>& done);

}  // namespace sx
