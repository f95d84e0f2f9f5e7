#pragma once
// SmartExchange energy: the model's action counters mapped onto the trace's energy columns
// (docs/energy-model.md has the table of actions and sources).
#include <cstdint>

#include "hw/dram/dram_stats.h"
#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx::se {

struct SeEnergyCounts {
    uint64_t macs_executed = 0, lane_digit_cycles = 0;
    bool bit_serial = true;
    uint64_t rows_rebuilt = 0, basis_loads = 0, bitmap_bits = 0, rf_accesses = 0, adder_tree_ops = 0;
    uint64_t mac_units = 0, cycles = 0;
    DramStats dram;
    bool dram_valid = false;  // false: fixed-latency memory, energy from dram_access_64b
    uint64_t dram_bytes = 0;
};

void apply_se_energy(const ArchConfig& arch, const SeEnergyCounts& e, LayerResult& r);

}  // namespace sx::se
