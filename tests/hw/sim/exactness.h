#pragma once
// The shared harness of the exactness tests (tests/hw/{smartexchange,eyeriss,scnn}/
// test_*_exactness.cpp): a workload runs normally and in the step mode (RunOptions::step_cycles,
// SimContext::step_mode), where a computed duration that stepping cycle by cycle does not
// reproduce is a SimulationError; the stepped run must not fail, and every layer's cycles and
// counters must be identical to the normal run's.
//
// SystemC elaborates once per process, so each run is a forked child that reports its figures
// through a pipe. Header-only (in_child is a template): the tests include it, nothing to link.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>

#include "hw/sim/simulate.h"
#include "sw/data/activations.h"
#include "sw/image/synthetic_image.h"
#include "tests/hw/sim/random_layers.h"
#include "tests/test_scratch.h"

namespace sx::exactness {

// Runs `body` (which returns the text to report) in a forked child; returns its text, or
// text containing "ERROR: ..." if it threw or died.
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

// One line per layer: name, cycles and every counter; " FAILED" on a layer that was not
// simulated or whose outputs did not match sw/reference. Doubles with 17 significant digits
// (round-trip): the default 6 would hide a difference in a counter above a million or in an
// energy's lower digits.
inline std::string figures(const RunResult& r) {
    std::ostringstream s;
    s.precision(17);
    for (const LayerResult& x : r.layers) {
        s << x.layer.name << " cycles=" << x.cycles << " macs=" << x.macs_executed << " check=" << r.check_passed;
        if (!x.simulated || x.check == CheckStatus::Failed) s << " FAILED";
        s << " skipped=" << x.macs_skipped << " dram_rd=" << x.dram_read_bytes << " dram_wr=" << x.dram_write_bytes
          << " row_hits=" << x.dram_row_hits << " row_misses=" << x.dram_row_misses << " rf=" << x.rf_accesses;
        for (const BufferCounters& b : x.buffers)
            s << " buf=" << b.reads << '/' << b.writes << '/' << b.read_bytes << '/' << b.write_bytes << '/'
              << b.conflict_cycles;
        for (const double e : x.energy_pj) s << " pj=" << e;
        for (const auto& [k, v] : x.extra) s << ' ' << k << '=' << v;
        s << '\n';
    }
    return s.str();
}

// Runs `wl` on `arch` normally and stepped (opt.step_cycles set by each run) and compares the
// figures line by line: one line per layer, none failed, the check passed.
inline void both_ways(const ArchConfig& arch, const Workload& wl, const RunOptions& opt) {
    const auto run = [&](bool step) {
        return in_child([&] {
            RunOptions o = opt;
            o.step_cycles = step;
            return figures(simulate(arch, wl, o));
        });
    };
    const std::string normal = run(false), stepped = run(true);
    INFO("normal:\n" << normal << "stepped:\n" << stepped);
    REQUIRE(normal.find("ERROR") == std::string::npos);
    REQUIRE(stepped.find("ERROR") == std::string::npos);
    CHECK(normal.find("check=1") != std::string::npos);
    CHECK(normal.find("FAILED") == std::string::npos);
    std::istringstream a(normal), b(stepped);
    std::string la, lb;
    std::size_t lines = 0;
    while (std::getline(a, la)) {
        REQUIRE(std::getline(b, lb));
        CHECK(la == lb);
        ++lines;
    }
    CHECK_FALSE(std::getline(b, lb));
    CHECK(lines == wl.layers.size());
}

// `count` random small layers (tests/hw/sim/random_layers.h: every shape class, grouped, FC,
// strides, batch 1-3) of the random stream `seed`, at most `max_macs` MACs each, as one
// workload (layers L0, L1, ...), with weights from `make_image` (make_synthetic_image or
// make_unstructured_image) and activations written as .npy files to a temporary folder that
// the destructor removes. `options` is ready to run them with the check on.
class RandomLayers {
public:
    using ImageMaker = WeightImage (*)(const Workload&, uint64_t, const SyntheticDensities&);
    RandomLayers(const std::string& tag, uint64_t seed, std::size_t count, int64_t max_macs, ImageMaker make_image)
        : dir_(std::filesystem::temp_directory_path() / ("sx_" + tag + "_exactness_" + std::to_string(::getpid()))) {
        workload.name = "random layers";
        std::filesystem::create_directories(dir_);
        sx::test::remove_after_test(dir_);
        for (std::size_t i = 0; i < count; ++i) {
            const rt::Case c = rt::random_case(seed, i, max_macs);
            Layer l = c.layer();
            ImageLayer il = *make_image(c.workload, c.seed, SyntheticDensities{}).find(l.name);
            const std::vector<int8_t> in = make_activations(l, c.seed, activation_density_of(l));
            l.name = il.name = "L" + std::to_string(i);
            rt::write_npy_int8((dir_ / (l.name + ".npy")).string(), in, l);
            image.layers.push_back(std::move(il));
            workload.layers.push_back(l);
        }
        options.weights = &image;
        options.weights_label = "random layers";
        options.activations_dir = dir_.string();
        options.check = true;
    }
    RandomLayers(const RandomLayers&) = delete;
    RandomLayers& operator=(const RandomLayers&) = delete;

    Workload workload;
    WeightImage image;
    RunOptions options;

private:
    std::filesystem::path dir_;
};

}  // namespace sx::exactness
