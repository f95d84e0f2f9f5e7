#pragma once
// Area and static power of a scnn / dense configuration, block by block (hw/energy/area_model.h
// rules; docs/energy-model.md "SCNN and DCNN" lists the blocks and why each is counted so), and
// the floorplan lengths the distribution energy uses (scnn_energy.cpp).
// Errors: InputError naming the technology table and a missing area/leakage key.
#include <cstdint>

#include "hw/scnn/scnn_params.h"
#include "sw/common/area_report.h"
#include "sw/config/arch_config.h"

namespace sx::scnn {

// Widths of what the PE's blocks hold and carry (bits), from the configuration.
struct ScnnWidths {
    uint32_t weight_entry = 0;   // one weight FIFO entry: F x (value + 4 run bits when sparse)
    uint32_t product = 0;        // a crossbar payload: accumulator value + address within its bank
    uint32_t accumulator = 0;    // one partial sum (bits.accumulator)
};
ScnnWidths scnn_widths(const ArchConfig& arch, const ScnnParams& p);

// Every block (counts summed over the PEs); pe_pitch_mm = sqrt(one PE's area, its IARAM and
// OARAM banks and its share of control included). Works with or without configure_design().
AreaReport scnn_area(const ArchConfig& arch);

// Lengths of the distribution networks (mm), from the area report's floorplan: PEs on a
// rows x cols grid at pe_pitch_mm; the scatter crossbar a square of its crosspoints' area.
struct ScnnFloorplan {
    double pe_pitch_mm = 0;
    double broadcast_all_mm = 0;   // weight bus to every PE: a spine of `rows` pitches plus one
                                   // rib of `cols` pitches per PE row
    double broadcast_one_mm = 0;   // to one PE: the spine plus its row's rib (ribs gated by row)
    double crossbar_mm = 0;        // a product's path: across the crossbar's width and height
    double static_power_mw = 0;    // the whole configuration
};
ScnnFloorplan scnn_floorplan(const ArchConfig& arch, const AreaReport& area);

}  // namespace sx::scnn
