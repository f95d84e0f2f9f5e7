#pragma once
// What the two walks over an ONNX graph share: the workload importer (sw/io/onnx_model.cpp,
// shapes for the simulator) and the host graph loader (sw/graph/graph.cpp, float reference and
// chaining). Both read the file, keep every tensor of the graph as a Value (an activation's
// dims, or a constant stored in the file or folded), take Constant nodes and fold constant
// subgraphs with sw/io/onnx_ops.h. Errors are InputError naming the file and the node.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sw/io/onnx_ops.h"

namespace onnx {
class ModelProto;
class NodeProto;
class TensorProto;
}  // namespace onnx

namespace sx::onnx_walk {

// Parses `path` into `model`; InputError if it cannot be opened or is not a ModelProto.
void read_model(const std::string& path, onnx::ModelProto& model);

// A tensor of the graph: an activation (dims; producer: the workload layer or "input", importer
// only) or a constant (stored in the file: proto, values read on first use; or folded: values).
struct Value {
    OpTensor t;
    bool constant = false;
    std::string producer;
    const onnx::TensorProto* proto = nullptr;  // constants stored in the file (owned by the model)
    bool values_tried = false;
};

class Walker {
protected:
    explicit Walker(std::string path) : path_(std::move(path)) {}

    // The node's name, else its first output, else its operator.
    static std::string node_name(const onnx::NodeProto& n);
    // InputError at "node '<name>' (<op>)".
    [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& expected, const std::string& found = "") const;
    // A constant stored in the file (initializer or Constant `value`): dims checked, values read
    // on first use (with_values). `where` names it in errors.
    void stored_constant(const std::string& name, const onnx::TensorProto& t, const std::string& where);
    void constant_node(const onnx::NodeProto& n);
    // The constant's values, read from the file on first use when at most kMaxFoldValues.
    const OpTensor& with_values(Value& v);
    // Input i of n, which must be present and produced earlier.
    Value& in(const onnx::NodeProto& n, int i);
    // eval_op on n's inputs (values read where stored), OpError turned into fail().
    std::vector<OpTensor> eval(const onnx::NodeProto& n, bool fold);
    // Whether n reads an activation (else constants only). An input no earlier node produced is
    // an error, unless `unsupported_seen` (an unsupported node was met: the walk reports that
    // one, and a node it feeds is skipped): then nullopt.
    std::optional<bool> reads_activation(const onnx::NodeProto& n, bool unsupported_seen);
    // Computes n from its constant inputs (or a Shape / Size): its outputs become constants.
    void fold(const onnx::NodeProto& n);

    std::string path_;
    std::map<std::string, Value> values_;
};

}  // namespace sx::onnx_walk
