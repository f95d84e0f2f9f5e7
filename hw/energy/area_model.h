#pragma once
// Building blocks of the area model (sw/common/area_report.h): each design lists its blocks in
// its own *_area.cpp with these helpers, so every design's area and static power come from the
// same technology-table entries by the same rules (docs/energy-model.md, "Area"):
//   logic (adders, multipliers, MACs, shift-adds, comparators ...): count x /area/<unit> um^2,
//     count x /leakage/<unit> uW;
//   registers, register files, FIFOs in flip-flops: stored bits x /area/reg_bit, /leakage/reg_bit;
//   SRAMs (global buffers, PE-local SRAM): banks x the table's SRAM area and leakage at
//     capacity / banks (a smaller bank costs more per KiB: CACTI's own overhead);
//   distribution: wires have no area (Aladdin's rule, energy-area.md section 1b); muxes and
//     pipeline registers of a network are counted as logic and registers;
//   control: the table's control_fraction of everything else, area and leakage alike.
// Units: mm^2, mW, pJ, mm. Errors: InputError naming the technology table and the missing key.
#include <cstdint>
#include <string>

#include "sw/common/area_report.h"
#include "sw/config/arch_config.h"

namespace sx {

// `count` instances of the table unit `unit` (its /area and /leakage entries).
BlockArea logic_block(const TechTable& t, const std::string& block, AreaClass cls, const std::string& unit,
                      uint64_t count);
// `bits` flip-flops (/area/reg_bit, /leakage/reg_bit).
BlockArea register_block(const TechTable& t, const std::string& block, AreaClass cls, uint64_t bits);
// `instances` SRAMs of `banks` banks holding `capacity_kib` in total each.
BlockArea sram_block(const TechTable& t, const std::string& block, AreaClass cls, double capacity_kib, int banks,
                     uint64_t instances = 1);
// Every global buffer of the configuration ("buffers"), one block each ("glb/<name>").
void add_global_buffers(AreaReport& r, const ArchConfig& arch);
// The Control block: control_fraction x (area and leakage of every block already listed).
// Call last.
void add_control(AreaReport& r, const TechTable& t);
// A report with the configuration's name and table filled, no blocks yet.
AreaReport start_report(const ArchConfig& arch);

// Energy of moving `bits` over `mm` of on-chip wire: bits x mm x /energy/wire_bit_mm (pJ).
double wire_pj(const TechTable& t, double bits, double mm);

}  // namespace sx
