// The slurm backend (point_backend.h, docs/cluster.md). Submission writes, under OUT/slurm/:
//   plan.json  the points of each array task: id, final and partial folders, the child argv
//              (PointRunnerOptions::command, the argv the local backend runs, with --out the
//              partial folder);
//   task.sh    the batch script: exec <sxsim> slurm-task plan.json $SLURM_ARRAY_TASK_ID;
//   job.json   the job id and its points, for --collect;
//   logs/task-<i>.log  each task's stdout+stderr (sbatch --output).
// A task runs its points one after another, each into OUT/points/.partial-<id>/, writes
// task.json (how the child ended) last, then renames the folder to OUT/points/<id>/: a point
// folder either holds a whole result or does not exist. The submitting command follows the
// job with squeue (accounting may be absent: sacct is not needed), reports each point whose
// folder appeared, and when the job has left the queue reports the rest as failed, naming the
// task's state (scontrol, while the controller remembers the job) and its log.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>

#include "sw/common/error.h"
#include "sw/common/json_reader.h"
#include "sw/workflow/csv_table.h"
#include "sw/workflow/point_backend.h"
#include "sw/workflow/point_cost.h"
#include "sw/workflow/point_runner.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Runs a Slurm client command, stdout and stderr captured together. Returns its exit status
// (-1 if it could not run).
int run_capture(const std::vector<std::string>& argv, std::string& out) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + quote(a);
    cmd += " 2>&1";
    out.clear();
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) return -1;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    const int st = pclose(f);
    return st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

// `path` inside an sbatch --output filename pattern, where %x, %j, ... are replaced and %%
// is a literal % (an --out folder named "runs 100%x" must stay that folder).
std::string slurm_pattern_literal(const std::string& path) {
    std::string s;
    for (char c : path) s += c == '%' ? std::string("%%") : std::string(1, c);
    return s;
}

std::string partial_dir(const std::string& out_dir, const std::string& id) {
    return (fs::path(out_dir) / "points" / (".partial-" + id)).string();
}

json result_to_json(const ChildResult& r) {
    return {{"exited", r.exited}, {"exit_code", r.exit_code}, {"signal", r.signal}, {"timed_out", r.timed_out},
            {"spawn_failed", r.spawn_failed}, {"wall_s", r.wall_s}, {"error", r.error}};
}

ChildResult result_from_json(const json& j) {
    ChildResult r;
    r.exited = j.value("exited", false);
    r.exit_code = j.value("exit_code", -1);
    r.signal = j.value("signal", 0);
    r.timed_out = j.value("timed_out", false);
    r.spawn_failed = j.value("spawn_failed", false);
    r.wall_s = j.value("wall_s", 0.0);
    r.error = j.value("error", std::string());
    return r;
}

struct TaskEnd {
    std::string state, exit_code;
};

// What the controller remembers of a finished array task (MinJobAge, 300 s by default).
TaskEnd task_end(const std::string& job, std::size_t task) {
    std::string out;
    TaskEnd e{"unknown (no longer known to slurmctld)", ""};
    if (run_capture({"scontrol", "-o", "show", "job", job + "_" + std::to_string(task)}, out) != 0) return e;
    std::istringstream in(out);
    std::string word;
    while (in >> word) {
        if (word.rfind("JobState=", 0) == 0) e.state = word.substr(9);
        if (word.rfind("ExitCode=", 0) == 0) e.exit_code = word.substr(9);
    }
    return e;
}

class SlurmBackend : public PointBackend {
public:
    explicit SlurmBackend(SlurmBackendOptions o) : o_(std::move(o)) {}
    const char* name() const override { return "slurm"; }

    BackendOutcome run(const std::vector<const SimPoint*>& todo, const std::vector<double>& cost,
                       const PointRunnerOptions& opt,
                       const std::function<void(std::size_t, const ChildResult&)>& on_finish,
                       const std::function<void(std::size_t)>& on_tick) override {
        const fs::path out = fs::absolute(opt.out_dir);
        const fs::path sdir = out / "slurm";
        const std::string job_file = (sdir / "job.json").string();
        json job;
        if (o_.collect) {
            if (!fs::exists(job_file))
                throw InputError(job_file, "", "the job record of an earlier --submit-only into this --out", "no such file");
            job = load_json_file(job_file);
        } else {
            if (fs::exists(job_file)) {
                const json old = load_json_file(job_file);
                if (old.contains("job_id") && queued(old["job_id"].get<std::string>()) > 0)
                    throw InputError("--out", out.string(), "an output folder without a job still in the queue: "
                                     "follow it with --collect (or scancel " + old["job_id"].get<std::string>() + ")",
                                     "job " + old["job_id"].get<std::string>() + " still queued");
            }
            if (todo.empty()) return BackendOutcome::Completed;
            job = submit(todo, cost, opt, out, sdir);
            if (opt.progress || o_.submit_only)
                std::printf("submitted batch job %s: %zu array task(s) for %zu point(s); logs: %s/logs/task-<i>.log\n",
                            job["job_id"].get<std::string>().c_str(), job["tasks"].get<std::size_t>(), todo.size(),
                            sdir.c_str());
            std::fflush(stdout);
            if (o_.submit_only) return BackendOutcome::Submitted;
        }
        return follow(todo, opt, job, sdir, on_finish, on_tick);
    }

private:
    // Tasks of `job` still in the queue (pending or running), -1 if squeue failed otherwise
    // than by not knowing the job; running counted into *running.
    int queued(const std::string& job, std::size_t* running = nullptr) {
        std::string out;
        const int rc = run_capture({"squeue", "-h", "-r", "-j", job, "-o", "%T"}, out);
        if (rc != 0) return out.find("Invalid job id") != std::string::npos ? 0 : -1;
        // One state per line. Lines that are not a state name are messages (run_capture merges
        // stderr: "squeue: error: ..." with exit 0 must not count as tasks, else the job would
        // never leave the queue); finished states are not "in the queue" (squeue shows them
        // within MinJobAge when asked to, e.g. SQUEUE_STATES=all in the user's environment).
        static const std::set<std::string> finished = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE",
                                                       "FAILED",    "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
                                                       "REVOKED",   "TIMEOUT"};
        std::istringstream in(out);
        std::string state;
        int n = 0;
        std::size_t r = 0;
        while (std::getline(in, state)) {
            state = trim(state);
            if (state.empty() || state.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != std::string::npos ||
                finished.count(state))
                continue;
            ++n;
            if (state == "RUNNING" || state == "COMPLETING") ++r;
        }
        if (running) *running = r;
        return n;
    }

    json submit(const std::vector<const SimPoint*>& todo, const std::vector<double>& cost,
                const PointRunnerOptions& opt, const fs::path& out, const fs::path& sdir) {
        fs::create_directories(sdir / "logs");
        const std::size_t per = static_cast<std::size_t>(o_.slurm.points_per_task);
        // Slices balanced by the points' estimated costs, the longest slice at array index 0
        // (Slurm starts array tasks in index order): LPT over tasks (point_cost.h).
        const std::vector<std::vector<std::size_t>> slices = lpt_slices(cost, per);
        const std::size_t tasks = slices.size();
        json plan = {{"out_dir", out.string()}, {"timeout_s", opt.timeout_s}, {"tasks", json::array()}};
        json ids = json::array(), point_tasks = json::array();
        for (std::size_t t = 0; t < tasks; ++t) {
            json slice = json::array();
            for (std::size_t i : slices[t]) {
                const SimPoint& p = *todo[i];
                const std::string final_dir = point_dir(out.string(), p);
                const std::string partial = partial_dir(out.string(), p.id);
                fs::remove_all(final_dir);  // an earlier failed result being retried
                fs::remove_all(partial);
                slice.push_back({{"id", p.id}, {"dir", final_dir}, {"partial", partial}, {"argv", opt.command(p, partial)}});
                ids.push_back(p.id);
                point_tasks.push_back(t);
            }
            plan["tasks"].push_back(slice);
        }
        // Tasks exec the binary itself, not /proc/self/exe (that is sxsim only in this process).
        std::string exe = fs::read_symlink("/proc/self/exe").string();
        for (auto& slice : plan["tasks"])
            for (auto& e : slice)
                if (e["argv"][0] == "/proc/self/exe") e["argv"][0] = exe;
        const std::string plan_file = (sdir / "plan.json").string();
        write_file_atomic(plan_file, plan.dump(1) + "\n");
        const std::string script = (sdir / "task.sh").string();
        write_file_atomic(script, "#!/bin/sh\n# sxsim --backend slurm: array task $SLURM_ARRAY_TASK_ID runs its slice of plan.json\n"
                                  "exec " + quote(exe) + " slurm-task " + quote(plan_file) + " \"$SLURM_ARRAY_TASK_ID\"\n");
        fs::permissions(script, fs::perms::owner_all, fs::perm_options::add);

        std::string array = "--array=0-" + std::to_string(tasks - 1);
        if (o_.slurm.array_limit > 0) array += "%" + std::to_string(o_.slurm.array_limit);
        std::vector<std::string> argv = {"sbatch", "--parsable", array, "--job-name=sxsim-" + opt.progress_label,
                                         "--chdir=" + fs::current_path().string(),
                                         "--output=" + slurm_pattern_literal((sdir / "logs").string()) + "/task-%a.log",
                                         "--ntasks=1",
                                         "--cpus-per-task=1"};
        if (!o_.slurm.partition.empty()) argv.push_back("--partition=" + o_.slurm.partition);
        if (!o_.slurm.time_limit.empty()) argv.push_back("--time=" + o_.slurm.time_limit);
        if (!o_.slurm.mem.empty()) argv.push_back("--mem=" + o_.slurm.mem);
        for (const auto& a : o_.slurm.sbatch_args) argv.push_back(a);
        argv.push_back(script);
        std::string reply;
        const int rc = run_capture(argv, reply);
        reply = trim(reply);
        // --parsable prints "id" or "id;cluster" on stdout; stderr is merged into `reply` and may
        // carry warnings or a site's job-submit messages even when the job was queued: the id is
        // the last line that is one (else a queued job would be reported as a failed sbatch).
        std::string id;
        {
            std::istringstream lines(reply);
            for (std::string line; std::getline(lines, line);) {
                line = trim(line);
                const std::string head = line.substr(0, line.find(';'));
                if (!head.empty() && head.find_first_not_of("0123456789") == std::string::npos) id = head;
            }
        }
        if (rc != 0 || id.empty())
            throw ExternalError("Slurm: sbatch failed (exit " + std::to_string(rc) + "): " + reply);
        json job = {{"job_id", id}, {"tasks", tasks}, {"points", ids}, {"point_tasks", point_tasks}, {"plan", plan_file},
                    {"logs", (sdir / "logs").string()}, {"points_per_task", per}};
        write_file_atomic((sdir / "job.json").string(), job.dump(2) + "\n");
        return job;
    }

    BackendOutcome follow(const std::vector<const SimPoint*>& todo, const PointRunnerOptions& opt, const json& job,
                          const fs::path& sdir, const std::function<void(std::size_t, const ChildResult&)>& on_finish,
                          const std::function<void(std::size_t)>& on_tick) {
        const std::string id = job.at("job_id").get<std::string>();
        const std::size_t per = job.value("points_per_task", std::size_t{1});
        std::map<std::string, std::size_t> task_of;  // point id -> array task
        const json& ids = job.at("points");
        // The array task of each point (job.json files written before "point_tasks": i / per).
        const bool recorded = job.contains("point_tasks") && job["point_tasks"].size() == ids.size();
        for (std::size_t i = 0; i < ids.size(); ++i)
            task_of[ids[i].get<std::string>()] = recorded ? job["point_tasks"][i].get<std::size_t>() : i / per;
        std::vector<bool> reported(todo.size(), false);
        auto scan = [&]() {
            for (std::size_t i = 0; i < todo.size(); ++i) {
                if (reported[i]) continue;
                const fs::path f = fs::path(point_dir(opt.out_dir, *todo[i])) / "task.json";
                std::error_code ec;
                if (!fs::exists(f, ec)) continue;
                ChildResult r;
                try {
                    r = result_from_json(load_json_file(f.string()));
                } catch (const std::exception& e) {
                    r.error = std::string("unreadable task.json: ") + e.what();
                }
                reported[i] = true;
                on_finish(i, r);
            }
        };
        int squeue_failures = 0;
        for (;;) {
            scan();
            if (g_interrupted) {
                std::fprintf(stderr, "\nsxsim: job %s keeps running on the cluster; rerun with --collect to follow and record it\n",
                             id.c_str());
                return BackendOutcome::Interrupted;
            }
            std::size_t running = 0;
            const int n = queued(id, &running);
            if (n == 0) break;
            if (n < 0 && ++squeue_failures > 30)
                throw ExternalError("Slurm: squeue failed 30 times in a row while following job " + id);
            if (n > 0) squeue_failures = 0;
            on_tick(running);
            for (double t = 0; t < o_.poll_s && !g_interrupted; t += 0.1)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        scan();  // what the last tasks wrote before leaving the queue
        std::map<std::size_t, TaskEnd> ends;
        for (std::size_t i = 0; i < todo.size(); ++i) {
            if (reported[i]) continue;
            ChildResult r;
            const auto t = task_of.find(todo[i]->id);
            if (t == task_of.end()) {
                r.error = "not part of job " + id + " (submitted before its inputs changed?); rerun without --collect";
            } else {
                if (!ends.count(t->second)) ends[t->second] = task_end(id, t->second);
                const TaskEnd& e = ends[t->second];
                r.timed_out = e.state == "TIMEOUT";
                // sbatch --output creates the log when the task starts: none means it never ran
                // (cancelled or refused while pending), so do not send the user to a missing file.
                const fs::path log = sdir / "logs" / ("task-" + std::to_string(t->second) + ".log");
                std::error_code ec;
                r.error = "Slurm task " + std::to_string(t->second) + " of job " + id + " ended (" + e.state +
                          (e.exit_code.empty() ? "" : ", exit " + e.exit_code) + ") without this point's results; " +
                          (fs::exists(log, ec) ? "log: " + log.string()
                                               : "it never started (no log " + log.string() + "): cancelled while pending?");
            }
            on_finish(i, r);
        }
        return BackendOutcome::Completed;
    }

    SlurmBackendOptions o_;
};

}  // namespace

bool read_task_result(const std::string& point_dir, ChildResult& out) {
    const fs::path f = fs::path(point_dir) / "task.json";
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) return false;
    try {
        out = result_from_json(load_json_file(f.string()));
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::unique_ptr<PointBackend> make_slurm_backend(const SlurmBackendOptions& options) {
    return std::make_unique<SlurmBackend>(options);
}

int run_slurm_task(const std::string& plan_path, std::size_t task) {
    const json plan = load_json_file(plan_path);
    const json& tasks = plan.at("tasks");
    if (task >= tasks.size())
        throw InputError(plan_path, "/tasks", "an array task index below " + std::to_string(tasks.size()), std::to_string(task));
    const double timeout_s = plan.value("timeout_s", 0.0);
    install_interrupt_handler();  // scancel / the time limit (SIGTERM): the running point is killed, left unfinished
    std::fprintf(stderr, "sxsim slurm-task %zu: %zu point(s)\n", task, tasks[task].size());
    for (const auto& e : tasks[task]) {
        const std::string final_dir = e.at("dir").get<std::string>();
        const std::string partial = e.at("partial").get<std::string>();
        if (fs::exists(fs::path(final_dir) / "task.json")) continue;  // a requeued task: done already
        fs::remove_all(partial);
        fs::create_directories(partial);
        ChildJob job;
        job.argv = e.at("argv").get<std::vector<std::string>>();
        job.stdout_path = (fs::path(partial) / "stdout.log").string();
        job.stderr_path = (fs::path(partial) / "stderr.log").string();
        job.timeout_s = timeout_s;
        ChildResult result;
        ProcessPool pool(1);
        pool.run(1, [&](std::size_t) { return job; }, [&](std::size_t, const ChildResult& r) { result = r; });
        if (g_interrupted) return 143;  // scancel / time limit: this point stays unfinished
        write_file_atomic((fs::path(partial) / "task.json").string(), result_to_json(result).dump(2) + "\n");
        fs::remove_all(final_dir);
        fs::rename(partial, final_dir);
        std::fprintf(stderr, "sxsim slurm-task %zu: %s %s\n", task, e.at("id").get<std::string>().c_str(),
                     result.ok() ? "ok" : ("failed: " + result.error).c_str());
    }
    return 0;
}

}  // namespace sx
