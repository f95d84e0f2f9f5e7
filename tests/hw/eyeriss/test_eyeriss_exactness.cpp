// Exactness of the Eyeriss blocks' idle skipping (issue 13, shared step mode: RunOptions::
// step_cycles, SimContext::step_mode). The PE array's networks, PEs and vertical links jump
// from event to event (pe_array.cpp); in step mode every step is also advanced one cycle at a
// time from the same inputs (pe_step_check.cpp) and any computed cycle that stepping does not
// reproduce is a SimulationError. Here random layers run both ways: the stepped run must not
// throw and every layer's cycles and counters must be identical to the normal run's.
// The harness (forked runs, figures, the comparison, random layers) is tests/hw/sim/exactness.h.
#include <catch2/catch.hpp>

#include "sw/config/arch_config.h"
#include "tests/hw/sim/exactness.h"

using namespace sx;
using namespace sx::exactness;

// 120 random small layers (tests/hw/sim/random_layers.h: every shape class, grouped, FC,
// strides, batch 1-3) on configs/eyeriss.json, each its own layer of one workload.
TEST_CASE("exactness: Eyeriss, 120 random small layers stepped cycle by cycle") {
    const RandomLayers r("eyeriss", 13, 120, 150000, make_synthetic_image);
    both_ways(load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/eyeriss.json"), r.workload, r.options);
}
