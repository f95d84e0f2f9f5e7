#pragma once
// Plain C++ reference convolution: the golden model every dataflow's outputs are compared
// with, bit-exactly. Kept simple so it is easy to trust: the textbook sum, with the loops only
// reordered so the innermost one runs along an output row (see conv_reference.cpp).
#include <cstdint>
#include <vector>

#include "sw/workload/workload.h"

namespace sx {

// input: N x C x H x W int8; weights: K x C/groups x R x S int8 (decode_int8 order).
// Returns N x K x P x Q int32 (zero padding, stride, groups as in the layer; FC is the 1x1 case
// with H = W = 1).
std::vector<int32_t> reference_conv(const Layer& layer, const std::vector<int8_t>& input,
                                    const std::vector<int8_t>& weights);

// The requantisation every dataflow applies before writing outputs to DRAM: ReLU, then a
// rounding right shift by `shift`, saturated to [0, 127].
int8_t requantize(int32_t acc, int shift);
// Shift used for a layer: enough to bring a typical accumulator back into int8 range.
int requant_shift(const Layer& layer);

}  // namespace sx
