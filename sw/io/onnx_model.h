#pragma once
// ONNX import: walks the graph of an .onnx model (Debian's ONNX protobuf, onnx/onnx_pb.h) and
// derives an sx::Workload with the layer shapes plus the float weights of every Conv, Gemm and
// MatMul. Supported operators: Conv, Gemm, MatMul, Relu, Clip, BatchNormalization, MaxPool,
// AveragePool, GlobalAveragePool, Add, Flatten, Reshape (to [N, features]), Concat (channel
// axis), plus Identity, Dropout, Softmax as no-ops. Anything else is an InputError listing
// every unsupported operator and its node; operators that are kept but do not become
// workload layers (activations, batch norm, bias Add) are reported as warnings.
#include <map>
#include <string>
#include <vector>

#include "sw/workload/workload.h"

namespace sx {

struct OnnxModel {
    Workload workload;
    std::map<std::string, std::vector<float>> weights;  // K x C/groups x R x S per compute layer
    std::vector<std::string> warnings;
};

OnnxModel load_onnx(const std::string& path);
Workload load_onnx_workload(const std::string& path);  // prints the warnings on stderr

}  // namespace sx
