#include "sw/workflow/process_pool.h"

#include "sw/common/host_cpus.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace sx {

volatile std::sig_atomic_t g_interrupted = 0;

namespace {

void on_interrupt(int) { g_interrupted = 1; }

double now_s() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

struct Running {
    std::size_t index;
    pid_t pid;
    double start_s;
    double timeout_s;
    double term_sent_s = -1;  // when SIGTERM went out (timeout or interrupt)
    bool timed_out = false;
    std::string stderr_path;
};

// fork + exec rather than posix_spawn: the child must join its own process group (so a timeout
// kills the shell and whatever it started) and must die with the pool (PR_SET_PDEATHSIG), so a
// killed sweep leaves no orphan simulations behind on a shared machine.
pid_t spawn(const ChildJob& job, std::string& error) {
    std::vector<char*> argv;
    for (const auto& a : job.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const char* out_path = job.stdout_path.empty() ? "/dev/null" : job.stdout_path.c_str();
    const char* err_path = job.stderr_path.empty() ? "/dev/null" : job.stderr_path.c_str();
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        error = std::string("fork failed: ") + std::strerror(errno);
        return -1;
    }
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        const int in = open("/dev/null", O_RDONLY);
        const int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0) _exit(127);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(argv[0], argv.data());
        const char msg[] = "exec failed: cannot run the child program\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
    }
    setpgid(pid, pid);  // also from the parent, so a kill right after fork reaches the group
    return pid;
}

}  // namespace

void install_interrupt_handler() {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

std::string last_line_of_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (char& c : text)
        if (c == '\r') c = '\n';
    std::string last;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        // Drop terminal escape sequences a child may print ("\033[K").
        std::string clean;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '\033') {
                while (i < line.size() && !std::isalpha(static_cast<unsigned char>(line[i]))) ++i;
                continue;
            }
            clean += line[i];
        }
        if (clean.find_first_not_of(" \t") != std::string::npos) last = clean;
    }
    return last;
}

int default_parallelism() { return usable_cpus(); }

ProcessPool::ProcessPool(int parallel, double kill_grace_s)
    : parallel_(parallel > 0 ? parallel : default_parallelism()), kill_grace_s_(kill_grace_s) {}

bool ProcessPool::run(std::size_t count, const std::function<ChildJob(std::size_t)>& make_job,
                      const std::function<void(std::size_t, const ChildResult&)>& on_finish,
                      const std::function<void()>& on_tick) {
    std::vector<Running> running;
    std::size_t next = 0;
    bool interrupted = false;
    while ((!interrupted && next < count) || !running.empty()) {
        if (g_interrupted && !interrupted) {
            interrupted = true;
            for (auto& r : running) {
                kill(-r.pid, SIGTERM);
                r.term_sent_s = now_s();
            }
        }
        while (!interrupted && next < count && static_cast<int>(running.size()) < parallel_) {
            const std::size_t index = next++;
            ChildJob job = make_job(index);
            std::string error;
            const double start = now_s();
            const pid_t pid = spawn(job, error);
            if (pid < 0) {
                ChildResult res;
                res.spawn_failed = true;
                res.error = error;
                on_finish(index, res);
                continue;
            }
            running.push_back({index, pid, start, job.timeout_s, -1, false, job.stderr_path});
        }
        bool reaped = false;
        for (std::size_t i = 0; i < running.size();) {
            Running& r = running[i];
            int status = 0;
            const pid_t w = waitpid(r.pid, &status, WNOHANG);
            if (w == r.pid) {
                kill(-r.pid, SIGKILL);  // whatever the child left running in its group
                ChildResult res;
                res.wall_s = now_s() - r.start_s;
                res.timed_out = r.timed_out;
                if (WIFEXITED(status)) {
                    res.exited = true;
                    res.exit_code = WEXITSTATUS(status);
                } else if (WIFSIGNALED(status)) {
                    res.signal = WTERMSIG(status);
                }
                const std::string last = last_line_of_file(r.stderr_path);
                if (res.timed_out) {
                    char buf[96];
                    std::snprintf(buf, sizeof buf, "timeout: no result after %.0f s, killed", r.timeout_s);
                    res.error = buf;
                } else if (!res.ok()) {
                    res.error = last;
                    if (res.signal) res.error = "killed by signal " + std::to_string(res.signal) +
                                                (last.empty() ? "" : ": " + last);
                    if (res.error.empty()) res.error = "exit code " + std::to_string(res.exit_code);
                }
                const std::size_t index = r.index;
                running.erase(running.begin() + static_cast<long>(i));
                reaped = true;
                if (!interrupted) on_finish(index, res);
                continue;
            }
            const double t = now_s();
            if (r.term_sent_s < 0 && r.timeout_s > 0 && t - r.start_s > r.timeout_s) {
                r.timed_out = true;
                kill(-r.pid, SIGTERM);
                r.term_sent_s = t;
            } else if (r.term_sent_s >= 0 && t - r.term_sent_s > kill_grace_s_) {
                kill(-r.pid, SIGKILL);
            }
            ++i;
        }
        if (on_tick) on_tick();
        if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !interrupted;
}

}  // namespace sx
