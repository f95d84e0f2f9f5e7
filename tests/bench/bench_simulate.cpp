// Simulation speed benchmark (not a ctest): wall time, simulated cycles, cycles/s and peak RSS
// of one network on one configuration.
//   bench_simulate [--model models/resnet50.json] [--arch configs/smartexchange.json] [--check|--both]
// --both runs itself twice (check off, then on): SystemC elaborates once per process.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"

// libsystemc.so references sc_main; this program owns main().
extern "C" __attribute__((weak)) int sc_main(int, char**) { return 0; }

int main(int argc, char** argv) {
    std::string model = std::string(SX_SOURCE_DIR) + "/models/resnet50.json";
    std::string arch_path = std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json";
    bool check = false, both = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--model" && i + 1 < argc) model = argv[++i];
        else if (a == "--arch" && i + 1 < argc) arch_path = argv[++i];
        else if (a == "--check") check = true;
        else if (a == "--both") both = true;
        else {
            std::fprintf(stderr, "usage: %s [--model M] [--arch A] [--check|--both]\n", argv[0]);
            return 2;
        }
    }
    if (both) {
        const std::string base = std::string("\"") + argv[0] + "\" --model \"" + model + "\" --arch \"" + arch_path + "\"";
        const int a = std::system(base.c_str());
        const int b = std::system((base + " --check").c_str());
        return a || b;
    }
    try {
        const sx::ArchConfig arch = sx::load_arch_config(arch_path);
        const sx::Workload wl = sx::load_workload(model);
        sx::RunOptions opt;
        opt.check = check;
        const auto t0 = std::chrono::steady_clock::now();
        const sx::RunResult r = sx::simulate(arch, wl, opt);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        const double cpu = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec * 1e-6;
        const uint64_t cycles = r.total_cycles();
        std::printf("bench_simulate: %s on %s, check %s%s\n", wl.name.c_str(), arch.name.c_str(), check ? "on" : "off",
                    check ? (r.check_passed ? " (passed)" : " (FAILED)") : "");
        std::printf("  wall time      %.2f s (user CPU %.2f s)\n", wall, cpu);
        std::printf("  sim. cycles    %llu\n", static_cast<unsigned long long>(cycles));
        std::printf("  cycles/s       %.3g (wall)\n", static_cast<double>(cycles) / wall);
        std::printf("  peak RSS       %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_simulate: %s\n", e.what());
        return 1;
    }
}
