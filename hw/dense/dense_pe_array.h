#pragma once
// The DCNN PE: the same 4 x 4 multipliers used as a dense dot-product engine (no zero
// skipping): each cycle F output channels x I output positions of the PE's tile, one filter
// tap (r, s) of the current input channel. No scatter crossbar: products go straight to
// their accumulators.
#include <memory>

#include "hw/scnn/layer_engine.h"

namespace sx::dense {

std::unique_ptr<scnn::PeArrayPolicy> make_dense_pe_array();

}  // namespace sx::dense
