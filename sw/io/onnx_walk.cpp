#include "sw/io/onnx_walk.h"

#include <fstream>

#include <onnx/onnx_pb.h>

#include "sw/common/error.h"
#include "sw/io/onnx_tensor.h"

namespace sx::onnx_walk {

namespace {
bool is_integer_type(int type) {
    using TP = onnx::TensorProto;
    return type != TP::FLOAT && type != TP::DOUBLE && type != TP::FLOAT16 && type != TP::BFLOAT16;
}
}  // namespace

void read_model(const std::string& path, onnx::ModelProto& model) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "", "a readable ONNX model", "it cannot be opened");
    if (!model.ParseFromIstream(&in)) throw InputError(path, "", "an ONNX ModelProto (protobuf)", "unparseable bytes");
}

std::string Walker::node_name(const onnx::NodeProto& n) {
    return !n.name().empty() ? n.name() : (n.output_size() ? n.output(0) : n.op_type());
}

void Walker::fail(const onnx::NodeProto& n, const std::string& expected, const std::string& found) const {
    throw InputError(path_, "node '" + node_name(n) + "' (" + n.op_type() + ")", expected, found);
}

void Walker::stored_constant(const std::string& name, const onnx::TensorProto& t, const std::string& where) {
    Value v;
    v.constant = true;
    v.proto = &t;
    const std::string problem = tensor_dims(t, v.t.dims);
    if (!problem.empty()) throw InputError(path_, where, problem);
    v.t.integer = is_integer_type(t.data_type());
    values_[name] = std::move(v);
}

void Walker::constant_node(const onnx::NodeProto& n) {
    ConstantValue c;
    try {
        c = constant_value(n);
    } catch (const OpError& e) {
        fail(n, e.expected, e.found);
    }
    if (c.stored) return stored_constant(n.output(0), *c.stored, "node '" + node_name(n) + "' (Constant)");
    Value v;
    v.constant = v.values_tried = true;
    v.t = std::move(c.folded);
    values_[n.output(0)] = std::move(v);
}

const OpTensor& Walker::with_values(Value& v) {
    if (v.constant && v.proto && !v.values_tried) {
        v.values_tried = true;
        v.t.has_values = tensor_values(*v.proto, kMaxFoldValues, v.t.values).empty();
    }
    return v.t;
}

Value& Walker::in(const onnx::NodeProto& n, int i) {
    if (n.input_size() <= i || n.input(i).empty()) fail(n, "input " + std::to_string(i));
    auto it = values_.find(n.input(i));
    if (it == values_.end()) fail(n, "input '" + n.input(i) + "' produced by an earlier node");
    return it->second;
}

std::vector<OpTensor> Walker::eval(const onnx::NodeProto& n, bool fold) {
    std::vector<const OpTensor*> ins;
    for (int i = 0; i < n.input_size(); ++i)
        ins.push_back(n.input(i).empty() ? nullptr : &with_values(values_.at(n.input(i))));
    try {
        return eval_op(n, ins, fold);
    } catch (const OpError& e) {
        fail(n, e.expected, e.found);
    }
}

std::optional<bool> Walker::reads_activation(const onnx::NodeProto& n, bool unsupported_seen) {
    bool activation = false;
    for (int i = 0; i < n.input_size(); ++i) {
        if (n.input(i).empty()) continue;
        auto it = values_.find(n.input(i));
        if (it == values_.end()) {
            if (!unsupported_seen) fail(n, "input '" + n.input(i) + "' produced by an earlier node");
            return std::nullopt;
        }
        activation = activation || !it->second.constant;
    }
    return activation;
}

void Walker::fold(const onnx::NodeProto& n) {
    const std::vector<OpTensor> outs = eval(n, true);
    for (int i = 0; i < n.output_size() && i < static_cast<int>(outs.size()); ++i) {
        Value v;
        v.constant = v.values_tried = true;
        v.t = outs[i];
        values_[n.output(i)] = std::move(v);
    }
}

}  // namespace sx::onnx_walk
