#pragma once
// The SmartExchange accelerator: DRAM (TLM-2.0 AT) <- DMA -> global buffers -> index
// decoder -> basis-rebuild engines -> shift-add PE array -> output buffer -> DMA -> DRAM,
// sequenced by the controller. docs/architecture.md describes the blocks and their timing.
#include <memory>

#include "hw/sim/accelerator_model.h"

namespace sx::se {

std::unique_ptr<AcceleratorModel> make_smartexchange_model(const ArchConfig& arch, SimContext& ctx);

}  // namespace sx::se
