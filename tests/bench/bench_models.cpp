// Simulation speed benchmark across designs (not a ctest): for each design and functional-check
// setting, runs `sxsim run` as a child process and prints wall time, CPU time, simulated cycles,
// simulated cycles per CPU second and per wall second, dense MACs per CPU second, and peak RSS.
//
//   bench_models [--sxsim PATH] [--model models/resnet50.json] [--batch 1]
//                [--designs smartexchange,eyeriss,scnn] [--check off|on|both]
//                [--layer NAME] [--out DIR] [--timeout S] [--csv FILE]
//                [--repeat N] [--run-arg ARG]...
//
// Dense MACs are the workload's MACs (run.json totals.macs: executed + skipped), whether or not
// the design skips them, so MACs per CPU second compares simulators independently of the design
// (the convention of the STONNE / SCALE-Sim figures in docs/performance.md).
// --run-arg ARG (repeatable; also --run-arg=ARG) appends ARG to every `sxsim run` command line
// unchanged, e.g. --run-arg=-j2 or --run-arg=--jobs --run-arg=2: the benchmark does not
// interpret it, so options sxsim gains later need no change here.
// --repeat N runs the whole set of points N times, interleaved (point 1..P, then again), and
// reports the median CPU and wall time of each point (its status is the worst run's).
//
// Why a child process per point: SystemC elaborates once per process, and measuring a child with
// wait4() gives its own CPU time and peak RSS (the benchmark's own memory is not counted).
// CPU time (user + system of the child) is the primary figure: on a shared, loaded machine wall
// time includes time spent waiting for a core; the load average is printed before and after.
// wait4() on Linux reports the child's usage plus that of the descendants it waited for (the
// per-layer worker processes of `sxsim run -j`), and the largest peak RSS among them.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Point {
    std::string design;
    std::string arch;  // configuration file
    bool check = false;
    std::string status = "not run";  // ok | check FAILED | exit N | signal N | timeout | no run.json
    std::string network;
    double wall_s = 0, cpu_s = 0, rss_mib = 0;
    unsigned long long cycles = 0, macs = 0;  // simulated cycles; dense MACs (totals.macs)
    std::vector<double> cpu_runs, wall_runs;  // one entry per repeat
};

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep))
        if (!item.empty()) out.push_back(item);
    return out;
}

double tv(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; }

std::string load_avg() {
    double l[3] = {0, 0, 0};
    if (getloadavg(l, 3) != 3) return "unknown";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", l[0], l[1], l[2]);
    return buf;
}

// Runs one point; fills timing, status and (from run.json) cycles and network name.
void run_point(Point& pt, const std::string& sxsim, const std::string& arch, const std::string& model, int batch,
               const std::string& layer, const std::string& out, double timeout_s,
               const std::vector<std::string>& run_args) {
    std::vector<std::string> args = {sxsim, "run", "--arch", arch, "--model", model, "--out", out, "-q"};
    if (batch > 0) args.insert(args.end(), {"--batch", std::to_string(batch)});
    if (pt.check) args.push_back("--check");
    if (!layer.empty()) args.insert(args.end(), {"--layer", layer});
    args.insert(args.end(), run_args.begin(), run_args.end());
    const std::string log = out + ".log";
    std::remove((out + "/run.json").c_str());

    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        pt.status = "fork failed";
        return;
    }
    if (pid == 0) {
        const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        std::perror("execv");
        _exit(127);
    }
    int status = 0;
    rusage ru{};
    bool timed_out = false;
    for (;;) {
        const pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid) break;
        if (r < 0) {
            pt.status = "wait failed";
            return;
        }
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!timed_out && el > timeout_s) {
            kill(pid, SIGKILL);  // our own child, by id
            timed_out = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pt.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    pt.cpu_s = tv(ru.ru_utime) + tv(ru.ru_stime);
    pt.rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
    if (timed_out) {
        pt.status = "timeout";
        return;
    }
    if (WIFSIGNALED(status)) {
        pt.status = "signal " + std::to_string(WTERMSIG(status));
        return;
    }
    const int code = WEXITSTATUS(status);
    std::ifstream in(out + "/run.json");
    if (!in) {
        pt.status = code ? "exit " + std::to_string(code) : "no run.json";
        return;
    }
    try {
        const nlohmann::json doc = nlohmann::json::parse(in);
        pt.cycles = doc.at("totals").at("cycles").get<unsigned long long>();
        pt.macs = doc.at("totals").at("macs").get<unsigned long long>();
        pt.network = doc.at("workload").at("name").get<std::string>();
        const bool passed = doc.at("check").at("passed").get<bool>();
        if (code != 0) pt.status = "exit " + std::to_string(code);
        else if (pt.check && !passed) pt.status = "check FAILED";
        else pt.status = pt.check ? "ok (check passed)" : "ok";
    } catch (const std::exception& e) {
        pt.status = "bad run.json";
    }
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    std::string sxsim = SXSIM_PATH;
    std::string root = SX_SOURCE_DIR;
    std::string model = root + "/models/resnet50.json";
    std::string designs = "smartexchange,eyeriss,scnn";
    std::string check = "both", layer, csv;
    std::string out = "/tmp/bench_models." + std::to_string(getpid());
    int batch = 1, repeat = 1;
    double timeout_s = 900;
    std::vector<std::string> run_args;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_models: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a.rfind("--run-arg=", 0) == 0) run_args.push_back(a.substr(10));
        else if (a == "--run-arg") run_args.push_back(next());
        else if (a == "--repeat") repeat = std::atoi(next().c_str());
        else if (a == "--sxsim") sxsim = next();
        else if (a == "--model") model = next();
        else if (a == "--designs") designs = next();
        else if (a == "--check") check = next();
        else if (a == "--layer") layer = next();
        else if (a == "--out") out = next();
        else if (a == "--csv") csv = next();
        else if (a == "--batch") batch = std::atoi(next().c_str());
        else if (a == "--timeout") timeout_s = std::atof(next().c_str());
        else {
            std::fprintf(stderr,
                         "usage: %s [--sxsim PATH] [--model M] [--batch N] [--designs a,b,c] [--check off|on|both]\n"
                         "          [--layer NAME] [--out DIR] [--timeout S] [--csv FILE] [--repeat N]\n"
                         "          [--run-arg ARG]...   (ARG appended to every `sxsim run`, e.g. --run-arg=-j2)\n"
                         "designs are names of configs/<name>.json or paths to configuration files\n",
                         argv[0]);
            return 2;
        }
    }
    if (check != "off" && check != "on" && check != "both") {
        std::fprintf(stderr, "bench_models: --check must be off, on or both\n");
        return 2;
    }
    if (repeat < 1) {
        std::fprintf(stderr, "bench_models: --repeat must be an integer >= 1\n");
        return 2;
    }
    mkdir(out.c_str(), 0755);

    std::vector<Point> points;
    for (const auto& d : split(designs, ','))
        for (int c = 0; c < 2; ++c) {
            if ((c == 0 && check == "on") || (c == 1 && check == "off")) continue;
            Point p;
            p.design = d;
            p.check = c == 1;
            points.push_back(p);
        }
    std::string extra;
    for (const auto& r : run_args) extra += " " + r;
    std::printf("bench_models: %s, batch %d, sxsim %s, extra run args:%s, %d repeat(s)\n", model.c_str(), batch,
                sxsim.c_str(), extra.empty() ? " none" : extra.c_str(), repeat);
    std::printf("load average before: %s (CPU time is the primary figure; wall time includes waiting for a core)\n",
                load_avg().c_str());
    std::fflush(stdout);
    for (auto& p : points) {
        const bool is_path = p.design.find('/') != std::string::npos || p.design.find(".json") != std::string::npos;
        if (!is_path) continue;
        std::string tag = p.design.substr(p.design.find_last_of('/') + 1);
        if (tag.size() > 5 && tag.compare(tag.size() - 5, 5, ".json") == 0) tag.resize(tag.size() - 5);
        p.arch = p.design;
        p.design = tag;
    }
    for (auto& p : points)
        if (p.arch.empty()) p.arch = root + "/configs/" + p.design + ".json";
    for (int rep = 0; rep < repeat; ++rep)
        for (auto& p : points) {
            const std::string dir = out + "/" + p.design + (p.check ? "-check" : "-nocheck");
            Point run = p;
            run_point(run, sxsim, p.arch, model, batch, layer, dir, timeout_s, run_args);
            std::printf("  %-14s check %-3s  %-18s cpu %8.2f s  wall %8.2f s  rss %7.1f MiB  (log %s.log)\n",
                        p.design.c_str(), p.check ? "on" : "off", run.status.c_str(), run.cpu_s, run.wall_s,
                        run.rss_mib, dir.c_str());
            std::fflush(stdout);
            // The worst run's status wins: a point is ok only when every repeat was ok.
            if (rep == 0 || run.status.rfind("ok", 0) != 0) p.status = run.status;
            if (!run.network.empty()) p.network = run.network;
            if (run.cycles) p.cycles = run.cycles;
            if (run.macs) p.macs = run.macs;
            p.rss_mib = std::max(p.rss_mib, run.rss_mib);
            p.cpu_runs.push_back(run.cpu_s);
            p.wall_runs.push_back(run.wall_s);
        }
    for (auto& p : points) {
        p.cpu_s = median(p.cpu_runs);
        p.wall_s = median(p.wall_runs);
    }
    std::printf("load average after:  %s\n\n", load_avg().c_str());

    const char* hdr[] = {"design",       "network",       "check",         "status",         "CPU s", "wall s",
                         "sim. cycles",  "cycles/CPU-s",  "cycles/wall-s", "dense MACs",     "MACs/CPU-s",
                         "peak RSS MiB"};
    constexpr int kCols = sizeof hdr / sizeof hdr[0];
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : points) {
        const bool has = p.cycles > 0;
        rows.push_back({p.design, p.network.empty() ? "-" : p.network, p.check ? "on" : "off", p.status,
                        fmt("%.2f", p.cpu_s), fmt("%.2f", p.wall_s), has ? std::to_string(p.cycles) : "-",
                        has && p.cpu_s > 0 ? fmt("%.3g", p.cycles / p.cpu_s) : "-",
                        has && p.wall_s > 0 ? fmt("%.3g", p.cycles / p.wall_s) : "-",
                        p.macs ? std::to_string(p.macs) : "-",
                        p.macs && p.cpu_s > 0 ? fmt("%.3g", static_cast<double>(p.macs) / p.cpu_s) : "-",
                        fmt("%.1f", p.rss_mib)});
    }
    std::vector<std::size_t> w(kCols);
    for (int i = 0; i < kCols; ++i) w[i] = std::strlen(hdr[i]);
    for (const auto& r : rows)
        for (int i = 0; i < kCols; ++i) w[i] = std::max(w[i], r[i].size());
    auto line = [&](const std::vector<std::string>& r) {
        for (int i = 0; i < kCols; ++i) std::printf(i < 4 ? "%-*s  " : "%*s  ", static_cast<int>(w[i]), r[i].c_str());
        std::printf("\n");
    };
    line(std::vector<std::string>(hdr, hdr + kCols));
    for (const auto& r : rows) line(r);

    if (!csv.empty()) {
        std::ofstream f(csv);
        f << "design,network,check,status,cpu_s,wall_s,cycles,cycles_per_cpu_s,cycles_per_wall_s,dense_macs,"
             "dense_macs_per_cpu_s,peak_rss_mib\n";
        for (const auto& r : rows) {
            for (int i = 0; i < kCols; ++i) f << (i ? "," : "") << r[i];
            f << "\n";
        }
    }
    bool all_ok = true;
    for (const auto& p : points) all_ok = all_ok && p.status.rfind("ok", 0) == 0;
    return all_ok ? 0 : 1;
}
