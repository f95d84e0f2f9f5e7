#pragma once
// Turns the block decompositions of one filter (Q powers of two, real-valued B per block) into
// what the hardware stores: 4-bit Ce codes, an int8 basis and a rebuild shift (exponent
// offset) per block, and ONE scale for the whole filter, so that the rebuild engine's integer
// shift-and-add (weight_image.h) reproduces each Q * B up to the int8 rounding of the basis
// and of the rebuilt weight, on the filter's common int8 grid. The PE array sums the rebuilt
// int8 weights of all the blocks of a filter unscaled and the filter's scale is applied once
// (requantisation, per output channel): a per-block scale would not be what the hardware
// computes (issue 17). docs/compressor.md derives it.
#include <cstdint>
#include <vector>

#include "sw/compress/block_decomposer.h"
#include "sw/image/weight_image.h"

namespace sx {

struct QuantizedBlock {
    BasisBlock block;            // basis, rebuild_shift, scale (first_row/rows left to the caller)
    std::vector<uint8_t> codes;  // 3 codes per row, rows in order (zero rows included)
    bool shift_limited = false;  // the shifter's range (kMaxRebuildShift) cut the basis precision
};

// One filter: d[b] and W[b] are block b's decomposition and original weights (n_b x 3). The
// filter's scale maps its largest |Q B| over all blocks to 127; each block's basis and rebuild
// shift are quantised against that scale (a small block gets a larger shift, so its basis
// keeps its int8 range, up to the shifter's limit); then the common scale is refitted by least
// squares over the whole filter with the integer weights fixed. Every returned block carries
// the same scale (> 0, finite; 1.0 for an all-zero filter).
std::vector<QuantizedBlock> quantize_filter(const std::vector<const BlockDecomposition*>& d,
                                            const std::vector<const BlockMatrix*>& W, int basis_bits);

// A filter of one block.
QuantizedBlock quantize_block(const BlockDecomposition& d, const BlockMatrix& W, int basis_bits);

}  // namespace sx
