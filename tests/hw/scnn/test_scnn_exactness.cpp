// Exactness of the SCNN / DCNN model's idle skipping (issue 14, stage 2), in the shared test
// mode (RunOptions::step_cycles, SimContext::step_mode): the PE-array process advances one
// cycle at a time instead of jumping to the next known event, the weight broadcast steps its bus
// cycle by cycle from the FIFOs' occupancy (WeightBroadcast::step_check) and the halo exchange
// steps every cycle; a stepped time that differs from the computed one is a SimulationError.
// The same randomized layers also run normally and every layer's cycles and counters must be
// identical. SystemC elaborates once per process: each run is a forked child reporting through
// a pipe (as tests/hw/smartexchange/test_se_exactness.cpp).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/data/activations.h"
#include "sw/image/synthetic_image.h"
#include "tests/hw/sim/random_layers.h"

using namespace sx;

namespace {

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
        for (const auto& [k, v] : x.extra) s << ' ' << k << '=' << v;
        s << '\n';
    }
    return s.str();
}

// `count` random small layers (every shape class of tests/hw/sim/random_layers.h, batch 1-3)
// on `config` with `overrides`, both ways.
void random_layers_both_ways(const std::string& config, const std::map<std::string, json>& overrides,
                             std::size_t count, uint64_t seed) {
    Workload wl;
    wl.name = "random layers";
    WeightImage img;
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("sx_scnn_exactness_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (std::size_t i = 0; i < count; ++i) {
        const rt::Case c = rt::random_case(seed, i, 60000);
        Layer l = c.layer();
        ImageLayer il = *make_unstructured_image(c.workload, c.seed, SyntheticDensities{}).find(l.name);
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
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/" + config, overrides);
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
    std::istringstream a(normal), b(stepped);
    std::string la, lb;
    std::size_t lines = 0;
    while (std::getline(a, la)) {
        REQUIRE(std::getline(b, lb));
        CHECK(la == lb);
        ++lines;
    }
    CHECK(lines == wl.layers.size());
}

}  // namespace

TEST_CASE("exactness: SCNN, 24 random small layers") { random_layers_both_ways("scnn.json", {}, 24, 14); }

// With a staging buffer the DMA fetches ahead of the FIFO room, so full FIFOs hold the bus.
TEST_CASE("exactness: SCNN with an 8 KiB weight staging buffer, 24 random small layers") {
    random_layers_both_ways("scnn.json", {{"/scnn/weight_staging_kib", 8}}, 24, 15);
}

TEST_CASE("exactness: DCNN, 24 random small layers") { random_layers_both_ways("dcnn.json", {}, 24, 16); }
