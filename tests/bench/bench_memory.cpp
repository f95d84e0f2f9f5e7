// Host memory benchmark (issue 11; not a ctest): peak RSS of `sxsim run` with every buffer of a
// design at a huge modelled capacity (default 1 TiB, the documented maximum) against the same
// run on the default configuration, for each design. Host memory must follow the data moved,
// not the modelled capacity (hw/common/on_demand_bytes.h).
//
//   bench_memory [--sxsim PATH] [--model models/resnet18.json] [--capacity-kib 1073741824]
//                [--designs smartexchange,eyeriss,scnn,dcnn,dcnn-opt] [--check on|off]
//                [--out DIR] [--timeout S]
//
// Each point is its own child process (SystemC elaborates once per process); wait4() gives its
// peak RSS and CPU time. The simulated cycles of both runs are printed for reference: they may
// differ, because a design tiles a layer by its buffer capacities (a layer that fits whole
// in a huge buffer is scheduled differently). Exit code 1 if a run fails or fails its check.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Run {
    std::string status = "not run";
    double cpu_s = 0, rss_mib = 0;
    unsigned long long cycles = 0;
};

double tv(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; }

Run run_sxsim(const std::vector<std::string>& args, const std::string& out, double timeout_s, bool check) {
    Run r;
    std::remove((out + "/run.json").c_str());
    const pid_t pid = fork();
    if (pid < 0) {
        r.status = "fork failed";
        return r;
    }
    if (pid == 0) {
        const int fd = open((out + ".log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    const auto t0 = std::chrono::steady_clock::now();
    int status = 0;
    rusage ru{};
    bool timed_out = false;
    while (wait4(pid, &status, WNOHANG, &ru) != pid) {
        if (!timed_out && std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > timeout_s) {
            kill(pid, SIGKILL);  // our own child, by id
            timed_out = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    r.cpu_s = tv(ru.ru_utime) + tv(ru.ru_stime);
    r.rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
    if (timed_out) r.status = "timeout";
    else if (WIFSIGNALED(status)) r.status = "signal " + std::to_string(WTERMSIG(status));
    else if (WEXITSTATUS(status) != 0) r.status = "exit " + std::to_string(WEXITSTATUS(status)) + " (see " + out + ".log)";
    else {
        try {
            std::ifstream in(out + "/run.json");
            const nlohmann::json doc = nlohmann::json::parse(in);
            r.cycles = doc.at("totals").at("cycles").get<unsigned long long>();
            const bool passed = doc.at("check").at("passed").get<bool>();
            r.status = !check ? "ok" : passed ? "ok (check passed)" : "check FAILED";
        } catch (const std::exception&) {
            r.status = "bad run.json";
        }
    }
    return r;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::string sxsim = SXSIM_PATH, root = SX_SOURCE_DIR;
    std::string model = root + "/models/resnet18.json";
    std::string designs = "smartexchange,eyeriss,scnn,dcnn,dcnn-opt";
    std::string capacity_kib = "1073741824";
    std::string out = "/tmp/bench_memory." + std::to_string(getpid());
    bool check = true;
    double timeout_s = 900;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has = i + 1 < argc;
        if (a == "--sxsim" && has) sxsim = argv[++i];
        else if (a == "--model" && has) model = argv[++i];
        else if (a == "--designs" && has) designs = argv[++i];
        else if (a == "--capacity-kib" && has) capacity_kib = argv[++i];
        else if (a == "--out" && has) out = argv[++i];
        else if (a == "--timeout" && has) timeout_s = std::atof(argv[++i]);
        else if (a == "--check" && has) check = std::string(argv[++i]) != "off";
        else {
            std::fprintf(stderr,
                         "usage: %s [--sxsim PATH] [--model M] [--capacity-kib K] [--designs a,b] [--check on|off]\n"
                         "          [--out DIR] [--timeout S]\n",
                         argv[0]);
            return 2;
        }
    }
    mkdir(out.c_str(), 0755);
    std::printf("bench_memory: %s, every buffer at %s KiB vs the default configuration, check %s\n", model.c_str(),
                capacity_kib.c_str(), check ? "on" : "off");
    std::printf("\n| design | buffers | modelled capacity | CPU s | sim. cycles | peak RSS MiB | status |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---|\n");
    bool ok = true;
    for (const auto& d : split(designs)) {
        const std::string arch = root + "/configs/" + d + ".json";
        std::vector<std::string> names;
        double default_kib = 0;
        try {
            std::ifstream in(arch);
            const nlohmann::json doc = nlohmann::json::parse(in);
            for (const auto& [name, b] : doc.at("buffers").items()) {
                names.push_back(name);
                default_kib += b.at("capacity_kib").get<double>();
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_memory: %s: %s\n", arch.c_str(), e.what());
            return 1;
        }
        std::vector<std::string> base = {sxsim, "run", "--arch", arch, "--model", model, "-q"};
        if (check) base.push_back("--check");
        std::vector<std::string> a = base, b = base;
        a.insert(a.end(), {"--out", out + "/" + d + "-default"});
        b.insert(b.end(), {"--out", out + "/" + d + "-huge"});
        for (const auto& n : names) b.insert(b.end(), {"--set", "/buffers/" + n + "/capacity_kib=" + capacity_kib});
        const Run ra = run_sxsim(a, out + "/" + d + "-default", timeout_s, check);
        const Run rb = run_sxsim(b, out + "/" + d + "-huge", timeout_s, check);
        const double huge_gib = static_cast<double>(names.size()) * std::atof(capacity_kib.c_str()) / (1024.0 * 1024.0);
        std::printf("| %s | %zu | %.0f KiB (default) | %.2f | %llu | %.1f | %s |\n", d.c_str(), names.size(), default_kib,
                    ra.cpu_s, ra.cycles, ra.rss_mib, ra.status.c_str());
        std::printf("| %s | %zu | %.0f GiB (each %s KiB) | %.2f | %llu | %.1f | %s |\n", d.c_str(), names.size(), huge_gib,
                    capacity_kib.c_str(), rb.cpu_s, rb.cycles, rb.rss_mib, rb.status.c_str());
        std::fflush(stdout);
        ok = ok && ra.status.rfind("ok", 0) == 0 && rb.status.rfind("ok", 0) == 0;
    }
    return ok ? 0 : 1;
}
