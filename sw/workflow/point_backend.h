#pragma once
// Where the points of a sweep or comparison run (issue 18). The point runner (point_runner.h)
// plans (skips done points, recovers complete traces, drops out-of-date ones) and records; a
// backend only runs the points left to do and reports each as it ends, in the calling thread:
//   local (backend_local.cpp): child processes on this machine (ProcessPool), the default;
//   slurm (backend_slurm.cpp): one Slurm job array, each task running a slice of the points
//     (`sxsim slurm-task`), each point's results renamed atomically into OUT/points/<id>/.
// Every backend runs exactly the argv PointRunnerOptions::command builds, so a point's traces,
// and hence the tables, are the same whichever backend ran it.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sw/workflow/process_pool.h"
#include "sw/workflow/slurm_options.h"

namespace sx {

struct SimPoint;
struct PointRunnerOptions;

enum class BackendOutcome {
    Completed,    // every point was reported
    Interrupted,  // SIGINT/SIGTERM: the unreported points are not recorded
    Submitted,    // slurm --submit-only: queued, nothing waited for (a later --collect records them)
};

class PointBackend {
public:
    virtual ~PointBackend() = default;
    // "local" or "slurm": recorded with each point's wall time (OUT/<prefix>times.csv, point.json).
    virtual const char* name() const = 0;
    // Runs todo[0..n-1]; on_finish(i, result) once per point that ended (its traces, if any,
    // in point_dir(opt.out_dir, *todo[i])); on_tick(running) now and then while waiting.
    // todo comes longest expected first; cost[i] is todo[i]'s estimate (point_cost.h, a
    // scheduling heuristic only): local launches in todo order, slurm balances its slices by it.
    virtual BackendOutcome run(const std::vector<const SimPoint*>& todo, const std::vector<double>& cost,
                               const PointRunnerOptions& opt,
                               const std::function<void(std::size_t, const ChildResult&)>& on_finish,
                               const std::function<void(std::size_t running)>& on_tick) = 0;
};

std::unique_ptr<PointBackend> make_local_backend();

struct SlurmBackendOptions {
    SlurmOptions slurm;
    bool submit_only = false;  // queue the job array, write OUT/slurm/job.json, return Submitted
    bool collect = false;      // submit nothing: follow the job of OUT/slurm/job.json, then record
    double poll_s = 2.0;       // squeue interval
};
std::unique_ptr<PointBackend> make_slurm_backend(const SlurmBackendOptions& options);

// How a point run by a Slurm array task ended, from the task.json the task wrote into its
// folder (false if there is none): the runner records a recovered point with it.
bool read_task_result(const std::string& point_dir, ChildResult& out);

// `sxsim slurm-task PLAN TASK`: what one array task runs (its slice of OUT/slurm/plan.json).
// Returns the process exit code: 0 when every point of the slice ended (ok or failed: a
// failed point is recorded with its logs), 1 if a point could not be set up.
int run_slurm_task(const std::string& plan_path, std::size_t task);

}  // namespace sx
