#pragma once
// The host graph: an ONNX model as the runner executes it, one sample (batch 1) at a time.
// Loaded independently of the workload importer (sw/io/onnx_model.h), which keeps shapes only
// and drops Relu/BatchNormalization: here every operator keeps its values.
//
// - Constants (initializers, Constant nodes, anything computed from constants and shapes) are
//   folded at load with the importer's operator rules (sw/io/onnx_ops.h), so Shape -> Gather
//   -> Concat -> Reshape chains become constant shapes; every runtime tensor's dims are known
//   after loading (Node::out_dims).
// - Compute nodes: Conv, and Gemm / MatMul with a constant 2-D right-hand side (the same rule
//   as the importer, so the k-th compute node is the workload's k-th compute layer). Weights
//   are K x C/groups x R x S floats, a bias per output channel (0 if none).
// - BatchNormalization directly after a compute node whose output nobody else reads is folded
//   into it: w' = w * g, b' = (b - mean) * g + beta with g = gamma / sqrt(var + eps) per
//   channel; `bn_scale` keeps g (a SmartExchange image holds the unfolded weights).
// - Relu, or Clip with min 0, directly after a compute node (after its folded BN) whose output
//   nobody else reads is fused: `relu` set, the node's output becomes the Relu's. Clip's upper
//   bound is kept in `clip_max` (ReLU6).
// - Host operators: Relu, Clip, LeakyRelu, Sigmoid, Tanh, Softmax, MaxPool, AveragePool,
//   GlobalAveragePool, BatchNormalization (not folded), Add, Sub, Mul, Div (broadcasting),
//   Concat, Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout, ReduceMean (H, W). Anything
//   else: InputError naming every unsupported node.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/graph/tensor.h"

namespace sx {

struct Node {
    std::string op;    // ONNX op_type ("Conv", "Gemm", "MatMul" for compute nodes)
    std::string name;  // node name (or its first output) for messages
    std::vector<std::string> inputs;   // tensor names; "" for an absent optional input
    std::vector<std::string> outputs;
    std::vector<std::vector<int64_t>> out_dims;  // dims of every output, batch 1
    std::map<std::string, std::vector<int64_t>> ints;  // integer attributes (int -> one value)
    std::map<std::string, float> floats;               // float attributes

    // Compute nodes.
    bool compute = false;
    int64_t K = 0, C = 0, R = 1, S = 1, groups = 1, stride = 1, pad_h0 = 0, pad_w0 = 0, pad_h1 = 0, pad_w1 = 0;
    std::vector<float> weights;   // K x C/groups x R x S, BN folded
    std::vector<float> bias;      // K, BN folded
    std::vector<float> bn_scale;  // K: the folded BN's per-channel factor (1 without BN)
    bool relu = false;            // a fused Relu / Clip(min 0)
    float clip_max = 0;           // > 0: the fused Clip's upper bound
    bool matmul_nd = false;       // MatMul on [..., T, D]: a 1x1 conv over the leading positions
    std::string fused;            // what was fused ("BatchNormalization, Relu"), for reports
};

struct Graph {
    std::string file;
    std::string input;                 // the graph input's name
    std::vector<int64_t> input_dims;   // batch 1 (dimension 0 is forced to 1)
    std::vector<std::string> outputs;  // graph outputs
    std::map<std::string, Tensor> constants;  // constant tensors runtime nodes read
    std::vector<Node> nodes;           // runtime nodes in graph order

    std::vector<const Node*> compute_nodes() const;
    // Dims of a runtime tensor (graph input or node output); InputError-free: asserts it exists.
    const std::vector<int64_t>& dims_of(const std::string& tensor) const;
};

// Loads `path`. InputError (file, node named) for unreadable files, unsupported operators,
// symbolic dimensions other than the batch, non-constant weights.
Graph load_graph(const std::string& path);

// Folds g = gamma / sqrt(var + eps) into `n` (weights, bias, bn_scale). Exposed for tests.
void fold_batch_norm(Node& n, const std::vector<float>& gamma, const std::vector<float>& beta,
                     const std::vector<float>& mean, const std::vector<float>& var, float eps);

}  // namespace sx
