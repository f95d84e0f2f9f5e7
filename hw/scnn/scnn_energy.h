#pragma once
// Energy of one SCNN / DCNN layer from its counters, the technology table and the floorplan
// of the configuration's area model (docs/energy-model.md, "SCNN and DCNN", lists every
// action, its class and the table entry it uses).
#include <cstdint>

#include "hw/scnn/layer_engine.h"
#include "hw/scnn/scnn_area.h"
#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx::scnn {

struct ScnnEnergyCounts {
    bool sparse = true;
    bool zero_gating = false;
    int crossbar_queue_entries = 0;  // > 0: every product is written into and read out of a bank queue
    EngineCounters cnt;
    uint64_t broadcast_entries = 0;  // weight vectors the bus carried to every PE
    uint64_t unicast_entries = 0;    // ... to one PE (channel-split pieces)
    uint64_t pes = 64;               // PEs the broadcast writes (idle ones included: no gating)
    uint64_t halo_values = 0;        // partial sums merged into a neighbour's accumulators
    uint64_t halo_value_hops = 0;    // partial sums x PE pitches crossed
    uint64_t ppu_outputs = 0;        // outputs the PPUs read, requantised and encoded
    double dram_pj = 0;
    int F = 4, I = 4;
    ScnnWidths widths;
    ScnnFloorplan floorplan;         // lengths and the configuration's static power
    uint64_t cycles = 0;
    // Weight-vector writes into the FIFOs: a broadcast entry into every PE's FIFO.
    uint64_t fifo_writes() const { return broadcast_entries * pes + unicast_entries; }
};

void apply_scnn_energy(const ArchConfig& arch, const ScnnEnergyCounts& c, LayerResult& r);

}  // namespace sx::scnn
