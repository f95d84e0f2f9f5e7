// LayerResult JSON round trip (sw/trace/layer_result_json.h): how a layer's result travels from
// its child process to the parent (hw/sim/layer_parallel.h). Every field populated with values
// a lossy encoding would change (17-digit doubles, a denormal, NaN and infinities, 64-bit
// counters above 2^53, negative values, an optional left empty): the result read back must
// be the same bit for bit, and so must the trace rows written from it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "sw/common/error.h"
#include "sw/trace/layer_result_json.h"
#include "sw/trace/trace_writer.h"

using namespace sx;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

LayerResult populated() {
    LayerResult r;
    r.layer.name = "layer1.0.conv2";
    r.layer.type = LayerType::FullyConnected;
    r.layer.N = 3, r.layer.C = 17, r.layer.K = 19, r.layer.H = 23, r.layer.W = 29, r.layer.R = 5, r.layer.S = 7;
    r.layer.stride = 2, r.layer.padding = 3, r.layer.groups = 1;
    r.layer.inputs = {"input", "layer1.0.conv1"};
    r.layer.stats.weight_density = 0.1;  // not exact in binary
    r.layer.stats.source = "test \"quoted\", with, commas";
    r.layer.op = "Sigmoid";
    r.layer.shape = {3, 19, 1, 1};
    r.simulated = true;
    r.check = CheckStatus::Failed;
    r.mismatch = CheckMismatch{17, -5, 7, 3, 4096, 4097, "stored int8 outputs"};
    r.macs = (uint64_t{1} << 60) + 1;  // above 2^53: must not pass through a double
    r.macs_executed = 123456789012345ULL;
    r.macs_skipped = 42;
    r.cycles = std::numeric_limits<uint64_t>::max();
    r.latency_us = 1.0 / 3.0;
    r.pe_utilization = 0.12345678901234567;
    r.active_pes = 168;
    r.dram_read_bytes = 1, r.dram_write_bytes = 2, r.dram_row_hits = 3, r.dram_row_misses = 4;
    uint64_t v = 10;
    for (auto& b : r.buffers) b = BufferCounters{v, v + 1, v + 2, v + 3, v + 4}, v += 10;
    r.rf_accesses = 99;
    double e = 1e-300;
    for (auto& x : r.energy_pj) x = (e *= 7.77);
    r.energy_pj[0] = std::numeric_limits<double>::denorm_min();
    r.energy_pj[1] = -0.0;
    r.extra = {{"stall_cycles", 2.5e17 + 3}, {"nan_figure", std::nan("")}, {"inf_figure", INFINITY},
               {"minus_inf", -INFINITY}, {"pi", M_PI}};
    r.activations.density = 0.7071067811865476;
    r.activations.booth_digits = {1, 2, 3, 4, std::numeric_limits<uint64_t>::max()};
    r.activations.ce_rows_skipped = -1;
    return r;
}

}  // namespace

TEST_CASE("layer result JSON: a fully populated result round-trips bit for bit") {
    const LayerResult a = populated();
    // Through text, as over the pipe.
    const LayerResult b = layer_result_from_json(json::parse(layer_result_to_json(a).dump()));
    CHECK(b.layer.name == a.layer.name);
    CHECK(b.layer.type == a.layer.type);
    CHECK((b.layer.N == 3 && b.layer.C == 17 && b.layer.K == 19 && b.layer.H == 23 && b.layer.W == 29));
    CHECK((b.layer.R == 5 && b.layer.S == 7 && b.layer.stride == 2 && b.layer.padding == 3 && b.layer.groups == 1));
    CHECK(b.layer.inputs == a.layer.inputs);
    REQUIRE(b.layer.stats.weight_density.has_value());
    CHECK(same_bits(*b.layer.stats.weight_density, 0.1));
    CHECK_FALSE(b.layer.stats.activation_density.has_value());
    CHECK(b.layer.stats.source == a.layer.stats.source);
    CHECK(b.layer.op == a.layer.op);
    CHECK(b.layer.shape == a.layer.shape);
    CHECK(b.simulated);
    CHECK(b.check == CheckStatus::Failed);
    const CheckMismatch& m = b.mismatch;
    CHECK((m.index == 17 && m.value == -5 && m.reference == 7 && m.count == 3 && m.outputs == 4096 &&
           m.reference_outputs == 4097 && m.what == "stored int8 outputs"));
    CHECK(b.macs == a.macs);
    CHECK(b.macs_executed == a.macs_executed);
    CHECK(b.macs_skipped == 42);
    CHECK(b.cycles == a.cycles);
    CHECK(same_bits(b.latency_us, a.latency_us));
    CHECK(same_bits(b.pe_utilization, a.pe_utilization));
    CHECK(b.active_pes == 168);
    CHECK((b.dram_read_bytes == 1 && b.dram_write_bytes == 2 && b.dram_row_hits == 3 && b.dram_row_misses == 4));
    for (std::size_t i = 0; i < a.buffers.size(); ++i) {
        const BufferCounters &x = a.buffers[i], &y = b.buffers[i];
        CHECK((x.reads == y.reads && x.writes == y.writes && x.read_bytes == y.read_bytes &&
               x.write_bytes == y.write_bytes && x.conflict_cycles == y.conflict_cycles));
    }
    CHECK(b.rf_accesses == 99);
    for (std::size_t i = 0; i < a.energy_pj.size(); ++i) CHECK(same_bits(b.energy_pj[i], a.energy_pj[i]));
    REQUIRE(b.extra.size() == a.extra.size());
    for (const auto& [k, v] : a.extra) {
        INFO(k);
        REQUIRE(b.extra.count(k));
        if (std::isnan(v)) CHECK(std::isnan(b.extra.at(k)));
        else CHECK(same_bits(b.extra.at(k), v));
    }
    CHECK(same_bits(b.activations.density, a.activations.density));
    CHECK(b.activations.booth_digits == a.activations.booth_digits);
    CHECK(b.activations.ce_rows_skipped == -1);
    // And what the traces make of it.
    RunResult run;
    run.clock_mhz = 1000;
    CHECK(csv_row(run, b) == csv_row(run, a));
    run.layers = {a};
    const std::string ja = to_json(run).dump();
    run.layers = {b};
    CHECK(to_json(run).dump() == ja);
}

TEST_CASE("layer result JSON: a garbled message is a SimulationError") {
    json j = layer_result_to_json(populated());
    j.erase("cycles");
    CHECK_THROWS_AS(layer_result_from_json(j), SimulationError);
    CHECK_THROWS_AS(layer_result_from_json(json::object()), SimulationError);
    j = layer_result_to_json(populated());
    j["extra"]["x"] = "not a number";
    CHECK_THROWS_AS(layer_result_from_json(j), SimulationError);
}
