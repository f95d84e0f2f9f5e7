#pragma once
// DCNN / DCNN-opt (Parashar et al., ISCA 2017): the SCNN machinery (DRAM, DMA, IARAM/OARAM,
// weight FIFOs, planar tiles, output-channel groups, barriers) with a dense dot-product PE
// array. DCNN-opt ("dense" section: zero_gating, compressed_dram) gates multipliers on zero
// operands and moves activations and weights through DRAM in the compressed-sparse format.
#include <memory>

#include "hw/sim/accelerator_model.h"

namespace sx::dense {

std::unique_ptr<AcceleratorModel> make_dense_model(const ArchConfig& arch, SimContext& ctx);

}  // namespace sx::dense
