// The exactness harness's per-layer line (tests/hw/sim/exactness.h, figures()) must tell apart
// runs that differ in any reported figure: the normal/stepped comparison is only as strict as it.
#include <functional>

#include "tests/hw/sim/exactness.h"

using namespace sx;

namespace {
RunResult one_layer(const std::function<void(LayerResult&)>& edit) {
    RunResult r;
    LayerResult x;
    x.layer.name = "L0";
    x.simulated = true;
    x.cycles = 1000;
    x.extra["array_cycles"] = 1234567;
    x.energy(EnergyComponent::Dram) = 1e6 + 0.25;
    edit(x);
    r.layers.push_back(x);
    return r;
}
}  // namespace

TEST_CASE("exactness figures: a counter above a million and an energy's lower digits are compared") {
    const std::string base = exactness::figures(one_layer([](LayerResult&) {}));
    // 6 significant digits printed both 1234567 and 1234568 as 1.23457e+06.
    CHECK(exactness::figures(one_layer([](LayerResult& x) { x.extra["array_cycles"] = 1234568; })) != base);
    CHECK(exactness::figures(one_layer([](LayerResult& x) { x.energy(EnergyComponent::Dram) = 1e6 + 0.5; })) != base);
}

TEST_CASE("exactness figures: the standard per-layer counters are compared, not only the extra keys") {
    const std::string base = exactness::figures(one_layer([](LayerResult&) {}));
    CHECK(exactness::figures(one_layer([](LayerResult& x) { x.dram_read_bytes = 64; })) != base);
    CHECK(exactness::figures(one_layer([](LayerResult& x) { x.dram_row_misses = 1; })) != base);
    CHECK(exactness::figures(one_layer([](LayerResult& x) { x.rf_accesses = 1; })) != base);
    CHECK(exactness::figures(one_layer([](LayerResult& x) { x.buffer(BufferRole::Input).conflict_cycles = 1; })) != base);
    CHECK(exactness::figures(one_layer([](LayerResult& x) { x.macs_skipped = 1; })) != base);
}
