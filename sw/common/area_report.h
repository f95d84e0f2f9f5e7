#pragma once
// Silicon area and static power of a configuration, block by block (hw/energy/area_model.h
// builds it from the technology table; each design lists its blocks in its own *_area.cpp).
// Written to run.json ("area") and area.csv; its static power times a layer's latency is the
// layer's Leakage energy, for every design the same way.
#include <cstdint>
#include <string>
#include <vector>

namespace sx {

// The classes every design's blocks fall in (docs/energy-model.md): the same list as the
// energy classes, so area, leakage and dynamic energy line up.
enum class AreaClass {
    Arithmetic,    // multipliers, adders (adder trees' adders included), MACs, shift-add units, lanes
    RegisterFile,  // PE-local registers, scratchpads, accumulator registers
    Sram,          // global buffers and PE-local SRAMs (IARAM/OARAM, accumulator banks, spads in SRAM)
    Fifo,          // FIFO storage (weight FIFOs, link FIFOs, crossbar queues)
    Distribution,  // NoCs, buses, broadcasts, crossbars, links, adder trees' wires: their crosspoints,
                   // ID matches and pipeline registers (wires have no area, their energy is here)
    IndexDecoder,  // sparse index / bitmap decoding
    Control,       // control, clock tree, glue: the table's control_fraction of the rest
    kCount
};
const char* to_string(AreaClass c);  // "arithmetic", "register_file", "sram", ...

struct BlockArea {
    std::string block;       // e.g. "pe_array/multipliers", "glb/input"
    AreaClass cls = AreaClass::Arithmetic;
    uint64_t count = 0;      // instances (units, bits, banks ...; see `basis`)
    double area_mm2 = 0;     // all instances together
    double leakage_mw = 0;   // all instances together
    std::string basis;       // how it was computed: "1024 x mult_16b (3495 um2 x 16^2/32^2 ...)" or the table keys
};

struct AreaReport {
    std::string design;       // configuration name
    std::string tech;         // technology table name
    int node_nm = 0;
    std::vector<BlockArea> blocks;
    // Geometry the distribution energy uses (bits x mm, hw/energy/area_model.h): centre-to-centre
    // distance of adjacent PEs (SmartExchange: adjacent slices) in mm, from the PE's area as a square.
    double pe_pitch_mm = 0;

    double total_mm2() const;
    double static_power_mw() const;
    double class_mm2(AreaClass c) const;
};

}  // namespace sx
