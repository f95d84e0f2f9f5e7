#pragma once
// Shape inference of the ONNX operators the importer does not turn into compute layers
// (elementwise, broadcasting, Reshape, Transpose, Slice, Gather, Concat, Split, pooling,
// reductions, shape chains ...), and folding of their values when every input is a constant
// (how `Shape -> Gather -> Unsqueeze -> Concat -> Reshape` chains become constant shapes).
// Used by sw/io/onnx_model.cpp and sw/graph/graph.cpp. Dimensions are bounded like workload dimensions
// (kMaxDim, kMaxCount in sw/workload/workload.h) before anything is allocated.
#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class AttributeProto;
class NodeProto;
class TensorProto;
}

namespace sx {

// A tensor as the importer knows it: dims, and its values when it is a constant small enough
// to fold (at most kMaxFoldValues elements).
struct OpTensor {
    std::vector<int64_t> dims;
    bool has_values = false;
    bool integer = false;  // integer or bool values: Div truncates, Cast to float clears it
    std::vector<double> values;
};

constexpr int64_t kMaxFoldValues = int64_t{1} << 20;

// What a node needs that it does not have; the importer turns it into an InputError naming
// the node.
struct OpError {
    std::string expected, found;
};

// Attribute lookups, shared with the importer: the attribute, its int (or `fallback`), its
// ints (or none) when the node has it; nullptr / fallback / {} when absent.
const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name);
int64_t attr_int(const onnx::NodeProto& n, const char* name, int64_t fallback);
bool has_attr(const onnx::NodeProto& n, const char* name);
std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const char* name);

// What a Constant node holds: its `value` tensor (`stored`, owned by the node, read by the
// caller with sw/io/onnx_tensor.h when needed), or, with `stored` null, the numbers of its
// value_float / value_int (dims {}) or value_floats / value_ints (dims {count}) attribute in
// `folded` (has_values set; integer for the int forms). Throws OpError unless the node has one
// output and one such attribute. The ONNX importer and the host graph loader both use it.
struct ConstantValue {
    const onnx::TensorProto* stored = nullptr;
    OpTensor folded;
};
ConstantValue constant_value(const onnx::NodeProto& n);

// Operators eval_op() knows.
bool is_generic_op(const std::string& op);

// Output tensors of node `n` (one per output). `in[i]` is null for an absent optional input.
// With `fold`, values are computed when every input has them and the operator is foldable;
// otherwise only dims. Throws OpError.
std::vector<OpTensor> eval_op(const onnx::NodeProto& n, const std::vector<const OpTensor*>& in, bool fold);

// Element count of `dims` after checking every dimension in [0, kMaxDim] and the count at
// most kMaxCount; throws OpError.
int64_t checked_elems(const std::vector<int64_t>& dims);

}  // namespace sx
