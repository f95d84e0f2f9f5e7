// The local backend: the points' child processes on this machine, at most opt.jobs at a time
// (ProcessPool: timeout, interrupt), each writing its traces straight into OUT/points/<id>/.
#include <filesystem>

#include "sw/workflow/point_backend.h"
#include "sw/workflow/point_runner.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

class LocalBackend : public PointBackend {
public:
    const char* name() const override { return "local"; }
    BackendOutcome run(const std::vector<const SimPoint*>& todo, const std::vector<double>& /*cost: todo is in
                       launch order already*/, const PointRunnerOptions& opt,
                       const std::function<void(std::size_t, const ChildResult&)>& on_finish,
                       const std::function<void(std::size_t)>& on_tick) override {
        ProcessPool pool(opt.jobs);
        std::size_t running = 0;
        const bool completed = pool.run(
            todo.size(),
            [&](std::size_t i) {
                const SimPoint& p = *todo[i];
                const std::string dir = point_dir(opt.out_dir, p);
                fs::remove_all(dir);  // a partial output of an interrupted run
                fs::create_directories(dir);
                ChildJob job;
                job.argv = opt.command(p, dir);
                job.stdout_path = (fs::path(dir) / "stdout.log").string();
                job.stderr_path = (fs::path(dir) / "stderr.log").string();
                job.timeout_s = opt.timeout_s;
                ++running;
                return job;
            },
            [&](std::size_t i, const ChildResult& res) {
                --running;
                on_finish(i, res);
            },
            [&]() { on_tick(running); });
        return completed ? BackendOutcome::Completed : BackendOutcome::Interrupted;
    }
};

}  // namespace

std::unique_ptr<PointBackend> make_local_backend() { return std::make_unique<LocalBackend>(); }

}  // namespace sx
