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
// The harness (forked runs, figures, the comparison, random layers) is tests/hw/sim/exactness.h.
#include <catch2/catch.hpp>
#include <algorithm>

#include "hw/common/sim_context.h"
#include "sw/common/error.h"
#include "tests/hw/sim/exactness.h"
#include "tests/hw/smartexchange/se_test_util.h"

using namespace sx;
using namespace sx::test;
using namespace sx::exactness;

namespace {

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
    const RandomLayers r("se", 12, 60, 60000, make_synthetic_image);
    both_ways(load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json"), r.workload, r.options);
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
