#pragma once
// Energy of one SCNN / DCNN layer from its counters and the technology table
// (docs/scnn.md, "Energy", lists every action and the table entry it uses).
#include <cstdint>

#include "hw/scnn/layer_engine.h"
#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx::scnn {

struct ScnnEnergyCounts {
    bool sparse = true;
    bool zero_gating = false;
    EngineCounters cnt;
    uint64_t fifo_writes = 0;     // weight-vector writes into the PE FIFOs (broadcast: one per target)
    uint64_t halo_values = 0;     // partial sums sent to neighbours
    uint64_t ppu_outputs = 0;
    double dram_pj = 0;
    int F = 4;
    double accumulator_kib = 6;
    uint64_t mac_units = 1024;
    uint64_t cycles = 0;
};

void apply_scnn_energy(const ArchConfig& arch, const ScnnEnergyCounts& c, LayerResult& r);

}  // namespace sx::scnn
