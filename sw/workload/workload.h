#pragma once
// Workload description (models/*.json): a network as a list of layers with their shapes.
// docs/formats.md documents the format.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"

namespace sx {

// Host: an operation the accelerators do not run (ONNX Sigmoid, Mul, Transpose, Reshape, Concat,
// ReduceMean, ceil-mode pooling, ...). It is listed with its output shape so the shape chain is
// explicit; simulate() skips it like pooling (docs/formats.md, "Host operations").
enum class LayerType { Conv, FullyConnected, MaxPool, AvgPool, GlobalAvgPool, Add, Host };
const char* to_string(LayerType t);

struct LayerStats {
    std::optional<double> weight_density;      // fraction of non-zero weights (0,1]
    std::optional<double> activation_density;  // fraction of non-zero input activations (0,1]
    std::string source;                        // where the numbers come from; defaulted (with a warning) if absent
};

// Shapes follow the usual convention: input N x C x H x W, weights K x (C/groups) x R x S,
// output N x K x P x Q. Fully connected: H = W = R = S = 1, C = input features.
struct Layer {
    std::string name;
    LayerType type = LayerType::Conv;
    int64_t N = 1, C = 0, K = 0, H = 0, W = 0, R = 1, S = 1;
    int64_t stride = 1, padding = 0, groups = 1;
    std::vector<std::string> inputs;  // producer layer names; "input" is the network input
    LayerStats stats;
    // Host layers only: the operator (e.g. "Sigmoid") and the full output tensor dims, batch
    // first when the tensor has one. The 4-D fields hold a view of it: N = shape[0],
    // C = K = shape[1], H = shape[2], W = product of the rest (missing dims 1), R = S = 1, so
    // output_elems() is the element count of `shape`.
    std::string op;
    std::vector<int64_t> shape;

    int64_t P() const { return (H + 2 * padding - R) / stride + 1; }  // output rows
    int64_t Q() const { return (W + 2 * padding - S) / stride + 1; }  // output columns
    bool is_compute() const { return type == LayerType::Conv || type == LayerType::FullyConnected; }
    bool is_depthwise() const { return type == LayerType::Conv && groups > 1 && groups == C && groups == K; }
    int64_t weights() const;       // K * C/groups * R * S (0 for non-compute layers)
    int64_t macs() const;          // N * K * P * Q * C/groups * R * S (0 for non-compute layers)
    int64_t input_elems() const { return N * C * H * W; }
    int64_t output_elems() const;  // N * K * P * Q
};

struct Workload {
    std::string file;
    std::string name;
    std::string source;     // where the shapes come from ("unspecified (...)" when the file gives none)
    // Defaults taken for missing provenance (a "source" left out of the file or of a layer's
    // stats), one line each naming the file and field: the CLI prints them as warnings and the
    // traces record them (run.json, workload.warnings).
    std::vector<std::string> warnings;
    int64_t batch = 1;
    int64_t in_C = 0, in_H = 0, in_W = 0;
    std::vector<Layer> layers;
    // Things the user should know about how the shapes were derived (e.g. "--batch 2 overrides
    // the batch 4 of ONNX graph input 'x'"): printed on stderr and written to run.json.
    std::vector<std::string> notes;

    int64_t total_macs() const;
    const Layer* find(const std::string& name) const;
    // Change the batch (sxsim run --batch N): sets N of every layer (and shape[0] of host
    // layers). ONNX models are re-imported with the batch instead (sw/io/onnx_model.h).
    void set_batch(int64_t n);
};

// Bounds shared by JSON and ONNX workloads (docs/hardening.md): every dimension at most
// kMaxDim, every count derived from a layer (elements, weights, MACs) at most kMaxCount, which
// leaves int64 headroom for sums over layers and batch changes.
constexpr int64_t kMaxDim = int64_t{1} << 24;
constexpr int64_t kMaxCount = int64_t{1} << 52;
// Empty if `l` is within the bounds, else what is too large (for the caller's InputError).
std::string layer_bounds_problem(const Layer& l);
// Fills the 4-D view of a host layer from l.shape (see Layer::shape) after checking the shape
// against the bounds; returns what is wrong (nothing filled) or "".
std::string set_host_view(Layer& l);

// Load and validate: types, positive dimensions, producers that exist and come earlier,
// shapes that chain (a layer's C x H x W equals its producer's output; FC C equals the
// producer's K*P*Q; a layer fed by a host layer re-reads its output, so only the element
// counts must agree), groups dividing C and K, densities in (0,1]. A missing "source" (of the
// workload, or of densities) is not an error: it becomes "unspecified (no source field in
// FILE ...)" and a line in Workload::warnings; so does an empty one.
Workload load_workload(const std::string& path);
Workload parse_workload(const json& doc, const std::string& path);

}  // namespace sx
