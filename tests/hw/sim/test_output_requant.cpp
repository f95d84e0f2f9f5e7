// Per-layer output requantisation in every design's store path (issue 17): with a requant
// description in the job (RunOptions::layer_requant -> LayerJob::requant), each design's
// post-processing applies it to its accumulators, stores int8 to its DRAM in its own format
// (SmartExchange raw segments, Eyeriss RLC, SCNN/DCNN packed streams) and hands out what it
// reads back; that must equal the host's own implementation (sw/graph requantize_fixed) of
// the reference accumulators. One simulate() per process: each TEST_CASE is its own ctest entry.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>

#include "hw/common/output_requant.h"
#include "hw/sim/simulate.h"
#include "sw/graph/requant.h"
#include "sw/reference/conv_reference.h"

using namespace sx;

namespace {
const std::string kSource = SX_SOURCE_DIR;

// A description that exercises every part of the formula: per-channel biases of both signs,
// multipliers spanning two orders of magnitude, no clamp at 0 on conv1 and pw3 (negative
// outputs reach DRAM), a ReLU on dw2 and fc8, a ReLU6-like upper clamp of 90 on conv5.
OutputRequant requant_for(const Layer& l) {
    OutputRequant r;
    for (int64_t k = 0; k < l.K; ++k) {
        const FixedPointMultiplier f = fixed_point(0.002 * static_cast<double>(1 + (k * 7) % 23));
        r.bias.push_back(static_cast<int32_t>((k % 5 - 2) * 150));
        r.multiplier.push_back(static_cast<int32_t>(f.multiplier));
        r.shift.push_back(f.shift);
    }
    r.lo = (l.name == "dw2" || l.name == "fc8") ? 0 : -127;
    r.hi = l.name == "conv5" ? 90 : 127;
    return r;
}

// The host's implementation (independent of hw/common): channel k of N x K x P x Q.
std::vector<int8_t> host(const Layer& l, const std::vector<int32_t>& acc) {
    const OutputRequant r = requant_for(l);
    const int64_t plane = l.P() * l.Q();
    std::vector<int8_t> out(acc.size());
    for (std::size_t i = 0; i < acc.size(); ++i) {
        const auto k = static_cast<std::size_t>(static_cast<int64_t>(i) / plane % l.K);
        out[i] = requantize_fixed(int64_t{acc[i]} + r.bias[k], {r.multiplier[k], r.shift[k]}, r.lo, r.hi);
    }
    return out;
}

struct Captured {
    std::vector<int32_t> acc;
    std::vector<int8_t> stored;
};

void run_design(const std::string& config, int fault_layer_index = -1) {
    Workload wl = load_workload(kSource + "/tests/fuzz/data/tiny_workload.json");
    wl.batch = 2;  // two images: the stores' image offsets are exercised
    for (auto& l : wl.layers) l.N = 2;
    std::map<std::string, Captured> got;
    RunOptions o;
    o.check = true;
    o.layer_requant = requant_for;
    // host_requant runs in each layer's child process (simulate.h): the layer is found by its
    // position among the compute layers, not by counting calls.
    std::vector<std::string> compute;
    for (const auto& l : wl.layers)
        if (l.is_compute()) compute.push_back(l.name);
    o.host_requant = [&](const Layer& l, const std::vector<int32_t>& ref) {
        std::vector<int8_t> h = host(l, ref);
        if (fault_layer_index >= 0 && l.name == compute.at(static_cast<std::size_t>(fault_layer_index)))
            h[3] = static_cast<int8_t>(h[3] == 5 ? 6 : 5);  // the host "expects" another value
        return h;
    };
    o.layer_outputs = [&](const Layer& l, const std::vector<int32_t>& acc, const std::vector<int8_t>& stored) {
        got[l.name] = {acc, stored};
    };
    const RunResult r = simulate(load_arch_config(kSource + "/configs/" + config), wl, o);
    REQUIRE(got.size() == 5);  // conv1, dw2, pw3, conv5, fc8
    int negatives = 0, zeros = 0, at_hi = 0;
    for (const auto& [name, c] : got) {
        INFO(name);
        const Layer* l = nullptr;
        for (const auto& x : wl.layers)
            if (x.name == name) l = &x;
        REQUIRE(l);
        CHECK(c.stored == host(*l, c.acc));  // what reached DRAM is the requantised accumulators
        for (int8_t v : c.stored) negatives += v < 0, zeros += v == 0, at_hi += name == "conv5" && v == 90;
    }
    // The description's corners were reached: signed outputs, zeros, the upper clamp.
    CHECK(negatives > 0);
    CHECK(zeros > 0);
    CHECK(at_hi > 0);
    if (fault_layer_index < 0) {
        CHECK(r.check_passed);
        for (const auto& l : r.layers) CHECK(l.check == (l.simulated ? CheckStatus::Passed : CheckStatus::Off));
    } else {
        CHECK_FALSE(r.check_passed);
        const LayerResult& dw2 = r.layers[1];
        REQUIRE(dw2.layer.name == "dw2");
        CHECK(dw2.check == CheckStatus::Failed);
        CHECK(dw2.mismatch.what == "stored int8 outputs");
        CHECK(dw2.mismatch.index == 3);
        CHECK(dw2.mismatch.count == 1);
        CHECK(r.layers[0].check == CheckStatus::Passed);
    }
}
}  // namespace

TEST_CASE("output requant: the hardware definition, hand-checked values") {
    OutputRequant r;
    r.bias = {-3, 0, 5};
    r.multiplier = {1 << 30, 1 << 30, 1 << 30};  // with shift 31: m = 0.5 exactly
    r.shift = {31, 31, 31};
    r.lo = -127;
    r.hi = 90;
    r.validate(3);
    // (100 - 3) * 0.5 = 48.5: ties toward +inf -> 49 ((97 * 2^30 + 2^30) >> 31 = 98 / 2).
    CHECK(apply_output_requant(100, r, 0) == 49);
    // -101 * 0.5 = -50.5 -> -50 (toward +inf, not away from zero).
    CHECK(apply_output_requant(-101, r, 1) == -50);
    // INT32_MAX + 5 saturates to INT32_MAX in the 32-bit adder, * 0.5 ~ 2^30 -> clamped to 90.
    CHECK(apply_output_requant(INT32_MAX, r, 2) == 90);
    // -1000 * 0.5 = -500 -> clamped to -127; with a ReLU (lo 0) to 0.
    CHECK(apply_output_requant(-1000, r, 1) == -127);
    r.lo = 0;
    CHECK(apply_output_requant(-1000, r, 1) == 0);
    // The host's implementation agrees on these (and fixed_point(0.5) is M = 2^30, n = 31).
    const FixedPointMultiplier h = fixed_point(0.5);
    CHECK(h.multiplier == (int64_t{1} << 30));
    CHECK(h.shift == 31);
    CHECK(requantize_fixed(100 - 3, h, -127, 90) == 49);
    CHECK(requantize_fixed(-101, h, -127, 90) == -50);
    // A negative multiplier (folded BN with gamma < 0): m = -0.5. (100 - 3) * -0.5 = -48.5 ->
    // -48 (toward +inf); 10 * -0.5 = -5 -> 0 under the ReLU clamp; the host agrees.
    r.lo = -127;
    r.multiplier[0] = -(1 << 30);
    r.validate(3);
    CHECK(apply_output_requant(100, r, 0) == -48);
    CHECK(requantize_fixed(100 - 3, fixed_point(-0.5), -127, 90) == -48);
    r.lo = 0;
    CHECK(apply_output_requant(13, r, 0) == 0);
    r.multiplier[0] = INT32_MIN;  // |M| = 2^31 does not fit the product bound
    CHECK_THROWS_AS(r.validate(3), SimulationError);
    r.multiplier[0] = 1 << 30;
    // Out-of-range descriptions are refused.
    r.shift[0] = 63;
    CHECK_THROWS_AS(r.validate(3), SimulationError);
    r.shift[0] = 31;
    CHECK_THROWS_AS(r.validate(4), SimulationError);
}

TEST_CASE("output requant: smartexchange stores the host-requantised values") { run_design("smartexchange.json"); }
TEST_CASE("output requant: eyeriss stores the host-requantised values (RLC)") { run_design("eyeriss.json"); }
TEST_CASE("output requant: scnn stores the host-requantised values (compressed)") { run_design("scnn.json"); }
TEST_CASE("output requant: dcnn stores the host-requantised values (raw)") { run_design("dcnn.json"); }
TEST_CASE("output requant: a stored value the host does not expect fails the layer's check") {
    run_design("smartexchange.json", 1);
}
