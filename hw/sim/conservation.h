#pragma once
// Conservation checks simulate() applies to every simulated layer, check on or off (issue 7):
//  - every MAC of the layer is accounted for as executed or skipped (zero operands, gating);
//  - the bytes read from DRAM equal the bytes the global buffers received plus the bytes of
//    aligned bursts that fell outside the requested ranges (dropped by the DMA).
// A violation means the model lost or invented work: sx::CheckError (exit 1), naming the
// layer and both sides of the equation.
#include "hw/sim/accelerator_model.h"
#include "sw/trace/layer_result.h"

namespace sx {

// `r.macs` is the layer's MAC count (Layer::macs()); the rest comes from the model.
void check_conservation(const LayerResult& r, const LayerConservation& cons);

}  // namespace sx
