#pragma once
// SmartExchange energy: the model's event counters mapped onto the trace's energy classes, by
// the rules every design follows (docs/energy-model.md, "SmartExchange", has the table):
// arithmetic and storage per event x the technology table, on-chip distribution as bits x mm
// of wire (lengths from the floorplan: multiples of the slice pitch, se_area.cpp), leakage as
// the configuration's static power (se_area) x the layer latency.
#include <cstdint>

#include "hw/dram/dram_stats.h"
#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx::se {

struct SeEnergyCounts {
    bool bit_serial = true;
    // PE array: lane work (Booth digits, or MACs with a non-zero activation when bit-parallel),
    // MACs executed (beats x lanes: one activation register write each), adder-tree adds
    // ((dim_c - 1) per tree), adder trees evaluated, partial sums added at the output buffer.
    uint64_t lane_digit_cycles = 0, macs_executed = 0, adder_tree_ops = 0, adder_trees = 0, psum_rmw_adds = 0;
    // Line weight register files: weights written (rebuilt or bypassed) and read (one per beat).
    uint64_t rf_writes = 0, rf_reads = 0;
    // Rebuild engines and index decoders.
    uint64_t rows_rebuilt = 0, basis_loads = 0, bitmap_bits = 0;
    // Distribution and FIFOs: activation bytes broadcast (the row segments read from the input
    // buffer), bytes read into the staging slots, partial sums sent to the output buffer.
    uint64_t act_values_broadcast = 0, stage_bytes = 0, psums_out = 0;
    // Floorplan and leakage (se_area(arch), computed once per model).
    double pe_pitch_mm = 0, static_power_mw = 0;
    uint64_t cycles = 0;
    DramStats dram;
    bool dram_valid = false;  // false: fixed-latency memory, energy from dram_access_64b
    uint64_t dram_bytes = 0;
};

// Wire lengths of the floorplan in slice pitches (docs/energy-model.md): the buses from and to
// the global buffers span the dim_m slices; a line spans its slice's width, the dim_c lines its
// height.
struct SeWireLengths {
    double act_broadcast_mm = 0;  // per activation bit broadcast to the slices
    double to_slice_mm = 0;       // per bit between a buffer and one slice (Ce/basis, flags, psums)
    double line_mm = 0;           // per weight bit broadcast along a line to its lanes
    double lane_shift_mm = 0;     // per activation bit shifted from a lane to the next
    double adder_tree_mm = 0;     // per accumulator bit per adder tree: the tree's wire length
};
SeWireLengths se_wire_lengths(const ArchConfig& arch, double pitch_mm);

void apply_se_energy(const ArchConfig& arch, const SeEnergyCounts& e, LayerResult& r);

}  // namespace sx::se
