#pragma once
// Turns a block decomposition (Q powers of two, real-valued B) into what the hardware stores:
// 4-bit Ce codes, an int8 basis, the block's rebuild shift (exponent offset) and scale, so
// that the rebuild engine's integer shift-and-add (weight_image.h) reproduces Q * B up to the
// int8 rounding of the basis and of the rebuilt weight. docs/compressor.md derives it.
#include <cstdint>
#include <vector>

#include "sw/compress/block_decomposer.h"
#include "sw/image/weight_image.h"

namespace sx {

struct QuantizedBlock {
    BasisBlock block;            // basis, rebuild_shift, scale (first_row/rows left to the caller)
    std::vector<uint8_t> codes;  // 3 codes per row, rows in order (zero rows included)
};

// W: the block's original weights (n x 3), used to refit the scale by least squares once the
// integer weights are fixed.
QuantizedBlock quantize_block(const BlockDecomposition& d, const BlockMatrix& W, int basis_bits);

}  // namespace sx
