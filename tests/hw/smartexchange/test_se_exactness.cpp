// Exactness of the SmartExchange blocks' computed durations (issue 12): every block that
// computes when its work ends and waits for it (index decoder, rebuild shift-add, PE step) also
// has a test mode (RunOptions::step_cycles, SimContext::advance) that advances it one cycle at
// a time from its inputs. (The rebuild's Ce/basis read, the activation fetches, the partial-sum
// writes and the store unit's wait for requantisation are buffer accesses since issue 12: they
// wait for the arbiter's completion in both modes, and the decoder steps on done() of its
// bitmap reads; the arbiter itself is checked cycle by cycle in tests/hw/buffer.) A run in that
// mode throws at the first block whose stepped end differs from the computed one; here the same
// layers also run normally and every layer's cycles and counters must be identical.
//
// SystemC elaborates once per process, so each run is a forked child that reports its figures
// through a pipe.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "hw/common/sim_context.h"
#include "sw/common/error.h"
#include "sw/data/activations.h"
#include "sw/image/synthetic_image.h"
#include "tests/hw/sim/random_layers.h"
#include "tests/hw/smartexchange/se_test_util.h"

using namespace sx;
using namespace sx::test;

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

// One line per layer: name, cycles and every counter.
std::string figures(const RunResult& r) {
    std::ostringstream s;
    for (const LayerResult& x : r.layers) {
        s << x.layer.name << " cycles=" << x.cycles << " macs=" << x.macs_executed << " check=" << r.check_passed;
        for (const auto& [k, v] : x.extra) s << ' ' << k << '=' << v;
        s << '\n';
    }
    return s.str();
}

// Runs the workload both ways and compares the figures line by line.
void both_ways(const ArchConfig& arch, const Workload& wl, RunOptions opt) {
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

const auto kAllRows = [](uint32_t, uint32_t) { return true; };

// The hand-derived micro-layers of test_smartexchange.cpp, as one workload each way.
void micro_layers(const std::map<std::string, json>& set, bool only_3x3 = false) {
    std::vector<Layer> ls = {conv_layer("c3", 8, 16, 8, 8, 3, 3, 1, 1), conv_layer("pw", 576, 16, 1, 1, 1, 1, 1, 0),
                             conv_layer("bw", 64, 16, 16, 16, 1, 1, 1, 0), conv_layer("zrow", 8, 16, 8, 8, 3, 3, 1, 1),
                             conv_layer("zero", 8, 16, 8, 8, 3, 3, 1, 1), conv_layer("dw", 16, 16, 12, 12, 3, 3, 1, 1, 16),
                             conv_layer("k7", 32, 16, 6, 6, 7, 7, 2, 3)};
    if (only_3x3) ls.erase(std::remove_if(ls.begin(), ls.end(), [](const Layer& l) { return l.R != 3 || l.groups != 1; }), ls.end());
    Workload wl;
    wl.name = "micro";
    WeightImage wi;
    for (const Layer& l : ls) {
        wl.layers.push_back(l);
        if (l.name == "zrow") wi.layers.push_back(decomposed_image(l, [](uint32_t, uint32_t r) { return r >= 3; }));
        else if (l.name == "zero") wi.layers.push_back(decomposed_image(l, [](uint32_t, uint32_t) { return false; }));
        else if (l.R == 3 && l.groups == 1 || l.R == 1) wi.layers.push_back(decomposed_image(l, kAllRows));
    }
    // Raw layers (depthwise, 7x7) take synthetic raw weights from their own workload.
    for (const Layer& l : ls)
        if (!wi.find(l.name)) {
            const WeightImage own = make_synthetic_image(one_layer(l), 3, SyntheticDensities{});
            wi.layers.push_back(*own.find(l.name));
        }
    wl.in_C = ls[0].C;
    wl.in_H = ls[0].H;
    wl.in_W = ls[0].W;
    RunOptions opt;
    opt.weights = &wi;
    opt.weights_label = "hand-made";
    opt.check = true;
    auto o = set;
    o["/buffers/output/banks"] = 16;
    both_ways(micro_arch(o), wl, opt);
}

}  // namespace

TEST_CASE("exactness: micro-layers, bit-parallel, shared decoder") { micro_layers({}); }

TEST_CASE("exactness: micro-layers, Booth bit-serial, per-slice decoders, one staging slot") {
    micro_layers({{"/smartexchange/pe_timing", "booth_bit_serial"},
                  {"/smartexchange/index_decoders", "per_slice"},
                  {"/smartexchange/ce_stage_slots", 1},
                  {"/smartexchange/rebuild_cycles_per_row", 32}});
}

TEST_CASE("exactness: micro-layers, small input buffer (tiles overlap)") {
    micro_layers({{"/buffers/input/capacity_kib", 0.75}, {"/smartexchange/pe_timing", "booth_bit_serial"}}, true);
}

// 60 random small layers (tests/hw/sim/random_layers.h: every shape class) on the default
// configuration (DRAM, Booth bit-serial), each its own layer of one workload, synthetic data.
TEST_CASE("exactness: 60 random small layers on the default configuration") {
    Workload wl;
    wl.name = "random layers";
    WeightImage img;
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("sx_se_exactness_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (std::size_t i = 0; i < 60; ++i) {
        const rt::Case c = rt::random_case(12, i, 60000);
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
    both_ways(load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json"), wl, opt);
    std::filesystem::remove_all(dir);
}

namespace {
// A block whose computed duration (5 cycles) disagrees with its cycle-by-cycle behaviour (done
// after 3): the step mode must catch it, the normal mode cannot.
struct Shortcut : sc_core::sc_module {
    SC_HAS_PROCESS(Shortcut);
    SimContext& ctx;
    uint64_t end_cycle = 0;
    Shortcut(sc_core::sc_module_name n, SimContext& c) : sc_module(n), ctx(c) { SC_THREAD(run); }
    void run() {
        guarded(ctx, [&] {
            sc_core::wait(ctx.cycles(10));
            int left = 3;
            ctx.advance(15, 0, "test block", [&](uint64_t) { return left-- == 0; });
            end_cycle = ctx.now_cycles();
        });
    }
};
}  // namespace

TEST_CASE("exactness: the step mode catches a duration that stepping does not reproduce") {
    const std::string out = in_child([] {
        SimContext ctx;
        ctx.step_mode = true;
        Shortcut s("shortcut", ctx);
        sc_core::sc_start();
        if (!ctx.error) return std::string("no error, ended at ") + std::to_string(s.end_cycle);
        try {
            std::rethrow_exception(ctx.error);
        } catch (const SimulationError& e) {
            return std::string(e.what());
        }
    });
    CHECK(out == "exactness: test block computed to end at cycle 15, stepping cycle by cycle it ends at 13");
    const std::string normal = in_child([] {
        SimContext ctx;
        Shortcut s("shortcut", ctx);
        sc_core::sc_start();
        return std::string(ctx.error ? "error" : "ended at ") + std::to_string(s.end_cycle);
    });
    CHECK(normal == "ended at 15");
}
