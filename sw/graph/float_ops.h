#pragma once
// Float kernels of the host graph runner, one sample (batch 1) at a time. The output dims are
// the ones the loader inferred (Node::out_dims); the kernels compute values only.
#include <vector>

#include "sw/graph/graph.h"
#include "sw/graph/tensor.h"

namespace sx {

// A compute node (Conv, Gemm, MatMul) in float: x is N x C x H x W (Conv) or [..., C]; the
// weights and bias are the node's (BN folded), then the fused Relu / Clip when set.
Tensor run_compute_float(const Node& n, const Tensor& x);

// Any host node: `in[i]` is the node's i-th input (null for an absent optional one).
// Returns one tensor per output.
std::vector<Tensor> run_host_op(const Node& n, const std::vector<const Tensor*>& in);

// Conv without weights of its own: `w` K x C/groups x R x S, no bias. Used by tests and by
// run_compute_float.
Tensor conv2d(const Tensor& x, const std::vector<float>& w, int64_t K, int64_t R, int64_t S, int64_t groups,
              int64_t stride, int64_t pad_h0, int64_t pad_w0, int64_t pad_h1, int64_t pad_w1);

}  // namespace sx
