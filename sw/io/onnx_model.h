#pragma once
// ONNX import: walks the graph of an .onnx model (Debian's ONNX protobuf, onnx/onnx_pb.h) and
// derives an sx::Workload with the layer shapes plus the float weights of every compute layer.
// Rules (docs/formats.md, "ONNX import"):
// - Compute layers: Conv (2-D), Gemm, and MatMul with a constant right-hand side. MatMul on
//   an N-D input [..., T, D] is a 1x1 convolution over all leading positions: N = 1,
//   C = D, H = product of the leading dimensions, W = 1.
// - Constants: initializers, Constant nodes, Identity of a constant, and anything computed
//   only from constants and tensor shapes (Shape -> Gather -> Concat -> Reshape chains) is
//   folded at import.
// - Relu, Clip, BatchNormalization, Identity, Dropout and the bias Add of a constant pass their
//   input through (warned); MaxPool/AveragePool/GlobalAveragePool/Add that the JSON layer
//   types express become those; every other supported operator (sw/io/onnx_ops.h) becomes a
//   host layer (LayerType::Host) with its output shape. Anything else is an InputError listing
//   every unsupported operator and its node.
// - The graph input's concrete dimensions are used as they are (its batch is the workload's
//   batch); a symbolic batch is 1; any other symbolic dimension is an InputError naming the
//   input and the dimension unless `input_shape` gives it.
// - Every tensor dimension is bounded like JSON workload dimensions (kMaxDim, kMaxCount)
//   before anything is allocated.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/workload/workload.h"

namespace sx {

struct OnnxImportOptions {
    // The graph input's shape, batch first (e.g. {1, 3, 224, 224}); empty: the model's. Must
    // agree with every concrete dimension of the model except the batch.
    std::vector<int64_t> input_shape;
    int64_t batch = 0;     // > 0: replaces the batch (dimension 0); a changed batch adds a note
    bool weights = true;   // false: shapes only, no weight values decoded (sxsim run)
    std::string option = "--input-shape";  // how the user gave input_shape, for messages
};

struct OnnxModel {
    Workload workload;  // workload.notes: overrides the user should know about
    std::map<std::string, std::vector<float>> weights;  // K x C/groups x R x S per compute layer
    std::vector<std::string> warnings;
};

OnnxModel load_onnx(const std::string& path, const OnnxImportOptions& options = {});
// Prints the warnings and notes on stderr.
Workload load_onnx_workload(const std::string& path, const OnnxImportOptions& options = {});

// "1x3x224x224" -> {1, 3, 224, 224}; InputError naming `option` if it is not 1 to 8 positive
// integers separated by 'x'.
std::vector<int64_t> parse_input_shape(const std::string& text, const std::string& option);

}  // namespace sx
