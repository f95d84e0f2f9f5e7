// simulate() with --check (issue 11): a layer whose outputs differ from sw/reference is
// recorded as failed with its first mismatch, the remaining layers still run and are checked,
// and the run's status is false. The mismatch is injected through the test seam
// set_reference_fault_for_testing (the product never sets it): the design's outputs are real.
// One simulate() per process: each TEST_CASE is its own ctest entry.
#include <catch2/catch.hpp>

#include <map>

#include "hw/sim/simulate.h"
#include "sw/data/activations.h"
#include "sw/image/synthetic_image.h"
#include "sw/reference/conv_reference.h"

using namespace sx;

namespace {
const std::string kSource = SX_SOURCE_DIR;

RunResult run_tiny(bool check) {
    RunOptions o;
    o.check = check;
    return simulate(load_arch_config(kSource + "/configs/smartexchange.json"),
                    load_workload(kSource + "/tests/fuzz/data/tiny_workload.json"), o);
}

const LayerResult& layer(const RunResult& r, const std::string& name) {
    for (const auto& l : r.layers)
        if (l.layer.name == name) return l;
    FAIL("no layer " << name);
    throw;
}
}  // namespace

TEST_CASE("check: a mismatching layer fails the run, the others still run and pass") {
    // The seam runs in pw3's child process (simulate.h): what it did is read from the result.
    set_reference_fault_for_testing([&](const Layer& l, std::vector<int32_t>& ref) {
        if (l.name == "dw2") ref[5] += 1;  // one wrong value
        if (l.name == "pw3") ref.resize(ref.size() - 2);  // two outputs fewer than the design wrote
    });
    const RunResult r = run_tiny(true);
    CHECK(r.check_enabled);
    CHECK_FALSE(r.check_passed);

    const LayerResult& dw2 = layer(r, "dw2");
    CHECK(dw2.check == CheckStatus::Failed);
    CHECK(dw2.mismatch.index == 5);
    CHECK(dw2.mismatch.reference == dw2.mismatch.value + 1);
    CHECK(dw2.mismatch.count == 1);
    CHECK(dw2.mismatch.outputs == 8 * 8 * 8);  // K x P x Q
    CHECK(dw2.mismatch.reference_outputs == 8 * 8 * 8);

    const LayerResult& pw3 = layer(r, "pw3");
    CHECK(pw3.check == CheckStatus::Failed);
    CHECK(pw3.mismatch.outputs == 16 * 8 * 8);
    CHECK(pw3.mismatch.reference_outputs == pw3.mismatch.outputs - 2);
    CHECK(pw3.mismatch.reference_outputs == 16 * 8 * 8 - 2);
    CHECK(pw3.mismatch.index == 16 * 8 * 8 - 2);  // the common part matched
    CHECK(pw3.mismatch.count == 2);

    // Layers after the failures were simulated and checked.
    for (const char* name : {"conv1", "conv5", "fc8"}) {
        INFO(name);
        CHECK(layer(r, name).simulated);
        CHECK(layer(r, name).cycles > 0);
        CHECK(layer(r, name).check == CheckStatus::Passed);
    }
    for (const char* name : {"pool4", "res6", "gap7"}) CHECK(layer(r, name).check == CheckStatus::Off);
}

TEST_CASE("check: without a fault every compute layer passes") {
    const RunResult r = run_tiny(true);
    CHECK(r.check_passed);
    for (const auto& l : r.layers) CHECK(l.check == (l.simulated ? CheckStatus::Passed : CheckStatus::Off));
}

TEST_CASE("check: off, nothing is claimed") {
    const RunResult r = run_tiny(false);
    CHECK_FALSE(r.check_enabled);
    CHECK_FALSE(r.check_passed);
    for (const auto& l : r.layers) CHECK(l.check == CheckStatus::Off);
}

TEST_CASE("check off, expected outputs given (real data): a layer that differs from them fails, the others pass silently") {
    // sxsim run --inputs without --check (simulate.h, RunOptions::expected_outputs): each layer's
    // accumulators are compared with the functional host pass's, which the next layers' inputs
    // came from. Here the "pass" is sw/reference on the same inputs and weights, with dw2's
    // expected output 5 off by one: dw2 must fail naming the functional pass, the others stay
    // unclaimed (check off), and the run is not passed.
    const Workload wl = load_workload(kSource + "/tests/fuzz/data/tiny_workload.json");
    const WeightImage img = make_synthetic_image(wl, 1, SyntheticDensities{});
    std::map<std::string, std::vector<int8_t>> inputs;
    std::map<std::string, std::vector<int32_t>> expected;
    for (const Layer& l : wl.layers) {
        if (!l.is_compute()) continue;
        inputs[l.name] = make_activations(l, 7, activation_density_of(l));
        expected[l.name] = reference_conv(l, inputs[l.name], decode_int8(*img.find(l.name)));
    }
    expected.at("dw2")[5] += 1;
    RunOptions o;
    o.weights = &img;
    o.weights_label = "synthetic (test)";
    o.layer_inputs = [&](const Layer& l) { return inputs.at(l.name); };
    o.expected_outputs = [&](const Layer& l) { return RunOptions::Expected{&expected.at(l.name), nullptr}; };
    const RunResult r = simulate(load_arch_config(kSource + "/configs/smartexchange.json"), wl, o);
    CHECK_FALSE(r.check_enabled);
    CHECK_FALSE(r.check_passed);
    const LayerResult& dw2 = layer(r, "dw2");
    CHECK(dw2.check == CheckStatus::Failed);
    CHECK(dw2.mismatch.index == 5);
    CHECK(dw2.mismatch.reference == dw2.mismatch.value + 1);
    CHECK(dw2.mismatch.count == 1);
    CHECK(dw2.mismatch.what.find("functional host pass") != std::string::npos);
    for (const auto& l : r.layers)
        if (l.layer.name != "dw2") {
            INFO(l.layer.name);
            CHECK(l.check == CheckStatus::Off);
        }
}
