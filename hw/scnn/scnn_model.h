#pragma once
// The SCNN accelerator (and, with the dense PE policy, the DCNN it is measured against):
// DRAM (TLM-2.0 AT) <- DMA -> IARAM (activation tiles) / broadcast bus -> weight FIFOs
// (weight_broadcast.h) -> 8 x 8 PEs (one SystemC process, plain C++ arithmetic) -> scatter
// crossbar -> accumulators -> halo links (halo_links.h) / post-processing -> OARAM -> DMA -> DRAM.
// docs/scnn.md describes the blocks and their timing.
#include <memory>

#include "hw/scnn/layer_engine.h"
#include "hw/sim/accelerator_model.h"

namespace sx::scnn {

// `policy` does the PE arithmetic; `dense` selects the DCNN data layout (dense tiles with
// input halos, dense weight blocks).
std::unique_ptr<AcceleratorModel> make_scnn_family_model(const ArchConfig& arch, SimContext& ctx,
                                                         std::unique_ptr<scnn::PeArrayPolicy> policy);
std::unique_ptr<AcceleratorModel> make_scnn_model(const ArchConfig& arch, SimContext& ctx);

}  // namespace sx::scnn
