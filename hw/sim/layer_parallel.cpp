#include "hw/sim/layer_parallel.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <new>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw/common/error.h"
#include "sw/common/host_cpus.h"

namespace sx {

namespace {

// What a child sends back: {"ok": <work's message>} or {"error": {"kind": ..., ...}}.
json error_message(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const InputError& x) {
        return {{"kind", "input"}, {"file", x.file()}, {"field", x.field()}, {"expected", x.expected()}, {"found", x.found()}};
    } catch (const CheckError& x) {
        return {{"kind", "check"}, {"what", x.what()}};
    } catch (const SimulationError& x) {
        return {{"kind", "simulation"}, {"what", x.what()}};
    } catch (const std::bad_alloc&) {
        return {{"kind", "bad_alloc"}, {"what", "out of memory"}};
    } catch (const std::exception& x) {
        return {{"kind", "other"}, {"what", x.what()}};
    } catch (...) {
        return {{"kind", "other"}, {"what", "unknown exception"}};
    }
}

// Bad input keeps its exact message (file, field, expected); the others say which layer's
// process failed unless they already do.
[[noreturn]] void rethrow_child_error(const json& e, const std::string& task) {
    const std::string kind = e.value("kind", "other");
    if (kind == "input") throw InputError(e.at("file"), e.at("field"), e.at("expected"), e.at("found"));
    if (kind == "bad_alloc") throw std::bad_alloc();
    std::string what = e.at("what").get<std::string>();
    if (what.find("layer " + task) == std::string::npos) what = "layer " + task + ": " + what;
    if (kind == "check") throw CheckError(what);
    if (kind == "simulation") throw SimulationError(what);
    throw std::runtime_error(what);
}

bool write_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

[[noreturn]] void child_main(int fd, pid_t parent, const std::function<json(std::size_t)>& work, std::size_t t) {
    // Die with the parent, whatever ends it (Ctrl-C, kill, a crash): no orphaned simulations.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
    json msg;
    try {
        msg = {{"ok", work(t)}};
    } catch (...) {
        msg = {{"error", error_message(std::current_exception())}};
    }
    std::string text;
    try {
        // replace: an error message with invalid UTF-8 (a file name) must still reach the parent.
        text = msg.dump(-1, ' ', false, json::error_handler_t::replace);
    } catch (...) {
        ::_exit(3);
    }
    const bool ok = write_all(fd, text);
    ::close(fd);
    std::fflush(nullptr);  // what the layer printed (SystemC warnings go to stdout); _exit does not flush
    ::_exit(ok ? 0 : 3);  // _exit: no atexit handlers, no static destructors, no leak check
}

struct Child {
    std::size_t task;
    pid_t pid;
    std::string data;
};

std::string signal_text(int sig) {
    const char* s = ::strsignal(sig);
    return "signal " + std::to_string(sig) + (s ? std::string(" (") + s + ")" : std::string());
}

}  // namespace

int resolve_jobs(int jobs) { return jobs > 0 ? jobs : usable_cpus(); }

void run_forked(const std::vector<std::size_t>& order, int jobs, const std::function<std::string(std::size_t)>& name,
                const std::function<json(std::size_t)>& work, const std::function<void(std::size_t, json&)>& done) {
    jobs = resolve_jobs(jobs);
    std::map<int, Child> active;  // by the read end of its pipe
    // On any way out of here (an error below, done() throwing), no child is left running.
    struct Reaper {
        std::map<int, Child>& a;
        ~Reaper() {
            for (auto& [fd, c] : a) {
                ::kill(c.pid, SIGKILL);
                ::close(fd);
                while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
                }
            }
        }
    } reaper{active};
    const pid_t self = ::getpid();
    std::size_t next = 0;
    while (next < order.size() || !active.empty()) {
        while (next < order.size() && static_cast<int>(active.size()) < jobs) {
            const std::size_t t = order[next++];
            int fds[2];
            if (::pipe2(fds, O_CLOEXEC) != 0) throw SimulationError(std::string("pipe: ") + std::strerror(errno));
            std::fflush(nullptr);  // buffered output must not be written twice (by the child too)
            const pid_t pid = ::fork();
            if (pid < 0) {
                ::close(fds[0]);
                ::close(fds[1]);
                throw SimulationError("fork for layer " + name(t) + ": " + std::strerror(errno));
            }
            if (pid == 0) {
                ::close(fds[0]);
                child_main(fds[1], self, work, t);
            }
            ::close(fds[1]);
            active.emplace(fds[0], Child{t, pid, {}});
        }
        std::vector<pollfd> polls;
        for (const auto& [fd, c] : active) polls.push_back({fd, POLLIN, 0});
        if (::poll(polls.data(), polls.size(), -1) < 0) {
            if (errno == EINTR) continue;
            throw SimulationError(std::string("poll: ") + std::strerror(errno));
        }
        for (const pollfd& p : polls) {
            if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
            Child& c = active.at(p.fd);
            char buf[65536];
            const ssize_t n = ::read(p.fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0) {
                c.data.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            // End of the message: the child has written everything or died.
            const Child finished = std::move(c);
            ::close(p.fd);
            active.erase(p.fd);
            int status = 0;
            while (::waitpid(finished.pid, &status, 0) < 0 && errno == EINTR) {
            }
            if (WIFSIGNALED(status))
                throw SimulationError("layer " + name(finished.task) + ": its simulation process was killed by " +
                                      signal_text(WTERMSIG(status)));
            json msg = json::parse(finished.data, nullptr, /*allow_exceptions=*/false);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || msg.is_discarded() || !msg.is_object())
                throw SimulationError("layer " + name(finished.task) + ": its simulation process exited with status " +
                                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                      " without a result");
            if (msg.contains("error")) rethrow_child_error(msg["error"], name(finished.task));
            done(finished.task, msg["ok"]);
        }
    }
}

}  // namespace sx
