// Exactness of the Eyeriss blocks' idle skipping (issue 13, shared step mode: RunOptions::
// step_cycles, SimContext::step_mode). The PE array's networks, PEs and vertical links jump
// from event to event (pe_array.cpp); in step mode every step is also advanced one cycle at a
// time from the same inputs (pe_step_check.cpp) and any computed cycle that stepping does not
// reproduce is a SimulationError. Here random layers run both ways: the stepped run must not
// throw and every layer's cycles and counters must be identical to the normal run's.
//
// SystemC elaborates once per process, so each run is a forked child that reports its figures
// through a pipe.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/data/activations.h"
#include "sw/image/synthetic_image.h"
#include "tests/hw/sim/random_layers.h"

using namespace sx;

namespace {

// Runs `body` (which returns the text to report) in a forked child; returns its text, or
// "ERROR: ..." if it threw or died.
template <typename Body>
std::string in_child(Body&& body) {
    int fd[2];
    REQUIRE(pipe(fd) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        std::string out;
        try {
            out = body();
        } catch (const std::exception& e) {
            out = std::string("ERROR: ") + e.what();
        }
        const char* p = out.data();
        std::size_t left = out.size();
        while (left > 0) {
            const ssize_t n = write(fd[1], p, left);
            if (n <= 0) break;
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        close(fd[1]);
        _exit(0);
    }
    close(fd[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out += "ERROR: child died";
    return out;
}

std::string figures(const RunResult& r) {
    std::ostringstream s;
    for (const LayerResult& x : r.layers) {
        s << x.layer.name << " cycles=" << x.cycles << " macs=" << x.macs_executed << " check=" << r.check_passed;
        if (!x.simulated || x.check == CheckStatus::Failed) s << " FAILED";
        for (const auto& [k, v] : x.extra) s << ' ' << k << '=' << v;
        s << '\n';
    }
    return s.str();
}

}  // namespace

// 120 random small layers (tests/hw/sim/random_layers.h: every shape class, grouped, FC,
// strides, batch 1-3) on configs/eyeriss.json, each its own layer of one workload.
TEST_CASE("exactness: Eyeriss, 120 random small layers stepped cycle by cycle") {
    Workload wl;
    wl.name = "random layers";
    WeightImage img;
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("sx_eyeriss_exactness_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (std::size_t i = 0; i < 120; ++i) {
        const rt::Case c = rt::random_case(13, i, 150000);
        Layer l = c.layer();
        ImageLayer il = *make_synthetic_image(c.workload, c.seed, SyntheticDensities{}).find(l.name);
        const std::vector<int8_t> in = make_activations(l, c.seed, activation_density_of(l));
        l.name = il.name = "L" + std::to_string(i);
        rt::write_npy_int8((dir / (l.name + ".npy")).string(), in, l);
        img.layers.push_back(std::move(il));
        wl.layers.push_back(l);
    }
    RunOptions opt;
    opt.weights = &img;
    opt.weights_label = "random layers";
    opt.activations_dir = dir.string();
    opt.check = true;
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/eyeriss.json");
    const auto run = [&](bool step) {
        return in_child([&] {
            RunOptions o = opt;
            o.step_cycles = step;
            return figures(simulate(arch, wl, o));
        });
    };
    const std::string normal = run(false), stepped = run(true);
    std::filesystem::remove_all(dir);
    INFO("normal:\n" << normal << "stepped:\n" << stepped);
    REQUIRE(normal.find("ERROR") == std::string::npos);
    REQUIRE(stepped.find("ERROR") == std::string::npos);
    CHECK(normal.find("check=1") != std::string::npos);
    CHECK(normal.find("FAILED") == std::string::npos);
    CHECK(normal == stepped);
    CHECK(std::count(normal.begin(), normal.end(), '\n') == 120);
}
