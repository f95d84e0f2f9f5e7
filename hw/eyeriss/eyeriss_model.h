#pragma once
// The Eyeriss accelerator: DRAM (TLM-2.0 AT, 64-bit link) <- DMA -> link FIFO + RLC codec ->
// ifmap/psum GLB (25 banks) and filter GLB -> filter / ifmap / psum networks (multicast) ->
// 12 x 14 PE array running the row-stationary dataflow (rs_mapper.h). docs/eyeriss.md
// describes the blocks and the timing rules.
#include <memory>

#include "hw/sim/accelerator_model.h"

namespace sx::eyeriss {

std::unique_ptr<AcceleratorModel> make_eyeriss_model(const ArchConfig& arch, SimContext& ctx);

}  // namespace sx::eyeriss
