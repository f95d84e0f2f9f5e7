#pragma once
// Energy building blocks every dataflow uses: access counters times the technology table
// (configs/tech/*.json), static power times latency. docs/energy-model.md lists every action and
// its source.
#include <cstdint>

#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx {

// Reads and writes of a global buffer (port-width accesses) at the table's SRAM energy for
// its capacity and port width.
double buffer_energy_pj(const TechTable& tech, const BufferConfig& buf, const BufferCounters& c);
// mW over `cycles` of the core clock, in pJ (mW x ns = pJ). Every design charges leakage as
// its area report's static_power_mw() x latency (hw/sim/design_area.h), and no other way:
// through this (Eyeriss through eyeriss_leakage_pj, the same product).
double leakage_pj(double mw, uint64_t cycles, double clock_mhz);
// Energy of `bytes` of DRAM traffic when no device model is present: dram_access_64b per 64 bits.
double dram_bytes_energy_pj(const TechTable& tech, uint64_t bytes);
// Fills the four buffer columns from result.buffers (each buffer of the config reports to its
// role; several buffers of one role add up).
void add_buffer_energy(const ArchConfig& arch, LayerResult& result);

}  // namespace sx
