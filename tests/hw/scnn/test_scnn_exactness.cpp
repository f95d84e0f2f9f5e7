// Exactness of the SCNN / DCNN model's idle skipping (issue 14, stage 2), in the shared test
// mode (RunOptions::step_cycles, SimContext::step_mode): the PE-array process advances one
// cycle at a time instead of jumping to the next known event, the weight broadcast steps its bus
// cycle by cycle from the FIFOs' occupancy (WeightBroadcast::step_check) and the halo exchange
// steps every cycle; a stepped time that differs from the computed one is a SimulationError.
// The same randomized layers also run normally and every layer's cycles and counters must be
// identical. The harness (forked runs, figures, the comparison, random layers) is
// tests/hw/sim/exactness.h, shared with tests/hw/smartexchange and tests/hw/eyeriss.
#include <catch2/catch.hpp>

#include "sw/config/arch_config.h"
#include "tests/hw/sim/exactness.h"

using namespace sx;
using namespace sx::exactness;

namespace {

// `count` random small layers (every shape class of tests/hw/sim/random_layers.h, batch 1-3)
// on `config` with `overrides`, both ways.
void random_layers_both_ways(const std::string& config, const std::map<std::string, json>& overrides,
                             std::size_t count, uint64_t seed) {
    const RandomLayers r("scnn", seed, count, 60000, make_unstructured_image);
    both_ways(load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/" + config, overrides), r.workload, r.options);
}

}  // namespace

TEST_CASE("exactness: SCNN, 24 random small layers") { random_layers_both_ways("scnn.json", {}, 24, 14); }

// With a staging buffer the DMA fetches ahead of the FIFO room, so full FIFOs hold the bus.
TEST_CASE("exactness: SCNN with an 8 KiB weight staging buffer, 24 random small layers") {
    random_layers_both_ways("scnn.json", {{"/scnn/weight_staging_kib", 8}}, 24, 15);
}

TEST_CASE("exactness: DCNN, 24 random small layers") { random_layers_both_ways("dcnn.json", {}, 24, 16); }
