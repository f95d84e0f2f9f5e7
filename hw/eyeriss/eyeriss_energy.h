#pragma once
// Eyeriss' dynamic energy by class (issue 15 rules, docs/energy-model.md "Eyeriss"): event
// counts of one layer times the technology table, distribution as bits x mm of wire with
// lengths from the floorplan (AreaReport::pe_pitch_mm). Leakage is the shared leakage_pj
// (hw/energy/energy_model.h). Plain functions of counts, so tests can derive each class by hand.
#include <cstdint>

#include "hw/eyeriss/eyeriss_params.h"
#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx::eyeriss {

// One layer's events (pe_array.h counters, noc.h flit counts, eyeriss_link.h FIFO words).
struct EyerissEvents {
    uint64_t macs = 0;                  // executed 16-bit MACs (zero-gated ones excluded)
    uint64_t psum_adds = 0;             // incoming psums added (same adder as the MAC)
    uint64_t ifmap_spad = 0, filter_spad = 0, psum_spad = 0;  // 16-bit scratchpad accesses
    // Global networks: flits into the Y-bus, flits passed on by an X-bus (once per X-bus a
    // multicast flit drives).
    uint64_t filter_y = 0, filter_x = 0, ifmap_y = 0, ifmap_x = 0, psum_in_y = 0, psum_in_x = 0;
    uint64_t psum_out = 0;              // packets the psum-out bus took from the top PEs
    uint64_t psum_link_packets = 0;     // packets over one vertical PE-to-PE link
    uint64_t fifo_words = 0;            // 64-bit words through the link FIFO (written, then read)
};

// Fills res.energy for RegisterFile, Fifo, Noc and PeArray (pJ). `pitch_mm` from the
// configuration's AreaReport. Table keys: mac_16b, add_16b, spad_*_16b, fifo_access_16b,
// wire_bit_mm, reg_bit, comparator_8b (InputError naming the table if one is missing).
void eyeriss_dynamic_energy(const TechTable& t, const EyerissParams& p, double pitch_mm, const EyerissEvents& ev,
                            LayerResult& res);

}  // namespace sx::eyeriss
