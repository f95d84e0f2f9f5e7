#pragma once
// Energy building blocks every dataflow uses: access counters times the technology table
// (configs/tech/*.json), static power times latency. docs/energy-model.md lists every action and
// its source.
#include <cstdint>

#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx {

// Energy of one port-width access to a banked SRAM, the same rule for every design: one bank's
// access (capacity / banks at the table's SRAM point, scaled to the port width) plus the word's
// wire between that bank and the port, across the side of the banks the port reaches:
// port_width_bits x sqrt(banks_reached x one bank's area) mm x wire_bit_mm. A global buffer's
// port reaches all its banks (banks_reached = banks); a bank that sits inside its PE (SCNN's
// IARAM/OARAM, one bank per PE) reaches only itself (1). Why: charging the whole capacity's
// array for every access ignores the banking (CACTI: 128 KB in 32 banks reads at 0.59x the
// monolithic array, energy-area.md 3c), charging one bank alone ignores the routing to it.
double sram_access_pj(const TechTable& tech, const BufferConfig& buf, int banks_reached, bool write);
// Reads and writes of a buffer (port-width accesses) by sram_access_pj.
double buffer_energy_pj(const TechTable& tech, const BufferConfig& buf, const BufferCounters& c, int banks_reached);
// mW over `cycles` of the core clock, in pJ (mW x ns = pJ). Every design charges leakage as
// its area report's static_power_mw() x latency (hw/sim/design_area.h), and no other way:
// through this.
double leakage_pj(double mw, uint64_t cycles, double clock_mhz);
// Energy of `bytes` of DRAM traffic when no device model is present: dram_access_64b per 64 bits.
double dram_bytes_energy_pj(const TechTable& tech, uint64_t bytes);
// Fills the four buffer columns from result.buffers (each buffer of the config reports to its
// role; several buffers of one role add up), every buffer a global one (its port reaches all
// its banks).
void add_buffer_energy(const ArchConfig& arch, LayerResult& result);

}  // namespace sx
