#include "sw/graph/graph.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <onnx/onnx_pb.h>

#include "sw/common/error.h"
#include "sw/io/onnx_ops.h"
#include "sw/io/onnx_tensor.h"
#include "sw/io/onnx_walk.h"
#include "sw/workload/workload.h"

namespace sx {

namespace {

using Dims = std::vector<int64_t>;

std::string dims_text(const Dims& d) {
    std::string s;
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? "x" : "") + std::to_string(d[i]);
    return s;
}

// Operators the host runs (graph.h lists them).
const std::set<std::string>& host_ops() {
    static const std::set<std::string> ops = {
        "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "MaxPool", "AveragePool", "GlobalAveragePool",
        "BatchNormalization", "Add", "Sub", "Mul", "Div", "Concat", "Flatten", "Reshape", "Squeeze", "Unsqueeze",
        "Identity", "Dropout", "ReduceMean"};
    return ops;
}
// Operators whose output has the input's dims (eval_op does not need to know them).
bool same_dims(const std::string& op) {
    return op == "Relu" || op == "Clip" || op == "LeakyRelu" || op == "Sigmoid" || op == "Tanh" ||
           op == "Softmax" || op == "BatchNormalization" || op == "Identity" || op == "Dropout";
}

using onnx_walk::Value;

class Loader : onnx_walk::Walker {
public:
    explicit Loader(std::string path) : Walker(std::move(path)) { g_.file = path_; }

    Graph run() {
        onnx_walk::read_model(path_, model_);
        const onnx::GraphProto& gp = model_.graph();
        for (const auto& t : gp.initializer()) stored_constant(t.name(), t, "initializer '" + t.name() + "'");
        read_input(gp);
        for (const auto& n : gp.node()) visit(n);
        if (!unsupported_.empty()) {
            std::string list;
            for (const auto& u : unsupported_) list += (list.empty() ? "" : ", ") + u;
            throw InputError(path_, "graph", "operators the host graph runner executes (docs/real-data.md)",
                             "unsupported: " + list);
        }
        for (const auto& o : gp.output()) {
            if (!values_.count(o.name()) || values_.at(o.name()).constant)
                throw InputError(path_, "graph output '" + o.name() + "'", "an output computed from the graph input");
            g_.outputs.push_back(o.name());
        }
        fuse();
        if (g_.compute_nodes().empty()) throw InputError(path_, "graph", "at least one Conv, Gemm or MatMul layer", "none");
        return std::move(g_);
    }

private:
    // All values of a constant as floats (weights may exceed the folding limit).
    std::vector<float> floats_of(const onnx::NodeProto& n, Value& v, const char* what) {
        std::vector<float> out;
        if (v.proto) {
            const std::string problem = tensor_floats(*v.proto, out);
            if (!problem.empty()) fail(n, std::string(what) + " with " + problem);
        } else {
            if (!v.t.has_values) fail(n, std::string("a constant ") + what + " the loader can compute");
            out.assign(v.t.values.begin(), v.t.values.end());
            const std::string problem = nonfinite_problem(out);
            if (!problem.empty()) fail(n, std::string(what) + " with " + problem);
        }
        return out;
    }
    void read_input(const onnx::GraphProto& gp) {
        for (const auto& x : gp.input()) {
            if (values_.count(x.name())) continue;
            const auto& dims = x.type().tensor_type().shape().dim();
            const std::string where = "graph input '" + x.name() + "'";
            if (dims.size() < 2 || dims.size() > 8)
                throw InputError(path_, where, "an N x C x H x W (or N x F) tensor", std::to_string(dims.size()) + " dimensions");
            Dims d;
            for (int i = 0; i < dims.size(); ++i) {
                const auto& dim = dims.Get(i);
                if (i == 0) {
                    d.push_back(1);  // one sample at a time
                } else if (dim.has_dim_value() && dim.dim_value() >= 1 && dim.dim_value() <= kMaxDim) {
                    d.push_back(dim.dim_value());
                } else {
                    throw InputError(path_, where, "concrete dimensions from 1 to 2^24 (except the batch)",
                                     "dimension " + std::to_string(i) + (dim.has_dim_param() ? " '" + dim.dim_param() + "'" : ""));
                }
            }
            Value v;
            v.t.dims = d;
            values_[x.name()] = v;
            g_.input = x.name();
            g_.input_dims = d;
            return;
        }
        throw InputError(path_, "graph", "a graph input that is not an initializer", "none");
    }

    Node base(const onnx::NodeProto& n) {
        Node node;
        node.op = n.op_type();
        node.name = node_name(n);
        node.inputs.assign(n.input().begin(), n.input().end());
        node.outputs.assign(n.output().begin(), n.output().end());
        for (const auto& a : n.attribute()) {
            if (a.type() == onnx::AttributeProto::INT) node.ints[a.name()] = {a.i()};
            if (a.type() == onnx::AttributeProto::INTS) node.ints[a.name()].assign(a.ints().begin(), a.ints().end());
            if (a.type() == onnx::AttributeProto::FLOAT) node.floats[a.name()] = a.f();
        }
        return node;
    }
    void set_output(const std::string& name, const Dims& d) {
        Value v;
        v.t.dims = d;
        values_[name] = std::move(v);
    }
    // Makes a constant input available to the runtime node as a float tensor.
    void keep_constant(const onnx::NodeProto& n, const std::string& name) {
        if (g_.constants.count(name)) return;
        Value& v = values_.at(name);
        with_values(v);
        g_.constants[name] = Tensor(v.t.dims, floats_of(n, v, "constant input"));
    }

    void conv(const onnx::NodeProto& n) {
        Value& x = in(n, 0);
        Value& w = in(n, 1);
        if (x.constant || !w.constant) fail(n, "an activation input and constant weights");
        const Dims& xd = x.t.dims;
        const Dims& wd = w.t.dims;
        if (xd.size() != 4 || wd.size() != 4) fail(n, "a 2-D convolution (4-D input and weights)", dims_text(xd) + ", " + dims_text(wd));
        Node node = base(n);
        node.compute = true;
        node.K = wd[0], node.R = wd[2], node.S = wd[3];
        node.groups = node.ints.count("group") ? node.ints["group"][0] : 1;
        node.C = xd[1];
        if (node.groups < 1 || node.C % node.groups || node.K % node.groups || wd[1] != node.C / node.groups)
            fail(n, "weights K x C/groups x R x S matching the input's channels", dims_text(wd));
        const Dims strides = node.ints.count("strides") ? node.ints["strides"] : Dims{1, 1};
        const Dims pads = node.ints.count("pads") ? node.ints["pads"] : Dims{0, 0, 0, 0};
        const Dims dil = node.ints.count("dilations") ? node.ints["dilations"] : Dims{1, 1};
        if (strides.size() != 2 || strides[0] != strides[1] || strides[0] < 1) fail(n, "equal strides in H and W");
        if (pads.size() != 4) fail(n, "4 pads");
        for (int64_t d : dil)
            if (d != 1) fail(n, "dilation 1");
        node.stride = strides[0];
        node.pad_h0 = pads[0], node.pad_w0 = pads[1], node.pad_h1 = pads[2], node.pad_w1 = pads[3];
        const int64_t P = (xd[2] + pads[0] + pads[2] - node.R) / node.stride + 1;
        const int64_t Q = (xd[3] + pads[1] + pads[3] - node.S) / node.stride + 1;
        if (P < 1 || Q < 1) fail(n, "a kernel no larger than the padded input");
        node.weights = floats_of(n, w, "weights");
        node.bias.assign(static_cast<std::size_t>(node.K), 0.0f);
        if (n.input_size() > 2 && !n.input(2).empty()) {
            const std::vector<float> b = floats_of(n, in(n, 2), "bias");
            if (static_cast<int64_t>(b.size()) != node.K) fail(n, "a bias of K values");
            node.bias = b;
        }
        node.bn_scale.assign(static_cast<std::size_t>(node.K), 1.0f);
        node.out_dims = {{xd[0], node.K, P, Q}};
        node.inputs.resize(1);
        node.outputs.resize(1);
        set_output(n.output(0), node.out_dims[0]);
        g_.nodes.push_back(std::move(node));
    }

    // Gemm, or MatMul with a constant 2-D right-hand side: the importer's compute-layer rule.
    void matmul(const onnx::NodeProto& n) {
        const bool gemm = n.op_type() == "Gemm";
        Value& x = in(n, 0);
        Value& bv = in(n, 1);
        const Dims xd = x.t.dims, b = bv.t.dims;
        Node node = base(n);
        if (gemm && node.ints.count("transA") && node.ints["transA"][0] != 0) fail(n, "transA 0");
        if (gemm && xd.size() != 2) fail(n, "a 2-D input N x features", dims_text(xd));
        const bool transB = gemm && node.ints.count("transB") && node.ints["transB"][0] != 0;
        const int64_t in_f = transB ? b[1] : b[0], out_f = transB ? b[0] : b[1];
        if (xd.back() != in_f) fail(n, std::to_string(xd.back()) + " input features in the weights", std::to_string(in_f));
        node.compute = true;
        node.C = in_f, node.K = out_f;
        node.matmul_nd = xd.size() > 2;
        const std::vector<float> raw = floats_of(n, bv, "weights");
        const float alpha = gemm && node.floats.count("alpha") ? node.floats["alpha"] : 1.0f;
        node.weights.resize(raw.size());
        for (int64_t k = 0; k < out_f; ++k)
            for (int64_t c = 0; c < in_f; ++c)
                node.weights[k * in_f + c] = alpha * (transB ? raw[k * in_f + c] : raw[c * out_f + k]);
        node.bias.assign(static_cast<std::size_t>(out_f), 0.0f);
        if (gemm && n.input_size() > 2 && !n.input(2).empty()) {
            const std::vector<float> c = floats_of(n, in(n, 2), "bias");
            const float beta = node.floats.count("beta") ? node.floats["beta"] : 1.0f;
            if (c.size() == 1) std::fill(node.bias.begin(), node.bias.end(), beta * c[0]);
            else if (static_cast<int64_t>(c.size()) == out_f)
                for (int64_t k = 0; k < out_f; ++k) node.bias[k] = beta * c[k];
            else fail(n, "a bias of 1 or K values (per output feature)");
        }
        node.bn_scale.assign(static_cast<std::size_t>(out_f), 1.0f);
        Dims od = xd;
        od.back() = out_f;
        node.out_dims = {od};
        node.inputs.resize(1);
        node.outputs.resize(1);
        set_output(n.output(0), od);
        g_.nodes.push_back(std::move(node));
    }

    void host(const onnx::NodeProto& n) {
        Node node = base(n);
        if (same_dims(n.op_type())) {
            node.out_dims = {in(n, 0).t.dims};
        } else {
            for (const auto& t : eval(n, false)) node.out_dims.push_back(t.dims);
        }
        if (n.op_type() == "Dropout" || n.op_type() == "MaxPool") {  // the optional mask / indices are not produced
            node.outputs.resize(1);
            node.out_dims.resize(1);
        }
        if (node.out_dims.size() < node.outputs.size()) fail(n, "known output shapes");
        for (int i = 0; i < n.input_size(); ++i)
            if (!n.input(i).empty() && values_.at(n.input(i)).constant) keep_constant(n, n.input(i));
        if (n.op_type() == "BatchNormalization") check_batch_norm(n, node);
        for (std::size_t i = 0; i < node.outputs.size(); ++i)
            if (!node.outputs[i].empty()) set_output(node.outputs[i], node.out_dims[i]);
        g_.nodes.push_back(std::move(node));
    }

    // BatchNormalization divides by sqrt(variance + epsilon) (folded or run on the host): a
    // constant variance must give variance + epsilon > 0 in every channel (float32, as computed).
    void check_batch_norm(const onnx::NodeProto& n, const Node& node) {
        if (n.input_size() < 5) fail(n, "inputs X, scale, B, input_mean and input_var");
        const float eps = node.floats.count("epsilon") ? node.floats.at("epsilon") : 1e-5f;
        const auto it = g_.constants.find(n.input(4));
        if (it == g_.constants.end()) return;  // computed at run time: float_ops refuses it there
        const std::vector<float>& var = it->second.data;
        for (std::size_t c = 0; c < var.size(); ++c)
            if (!(var[c] + eps > 0))
                fail(n, "input_var + epsilon > 0 in every channel (input 4, '" + n.input(4) + "')",
                     "channel " + std::to_string(c) + ": variance " + fmt_float(var[c]) + " + epsilon " +
                         fmt_float(eps) + " = " + fmt_float(var[c] + eps));
    }
    static std::string fmt_float(float v) {
        char b[32];
        std::snprintf(b, sizeof b, "%g", static_cast<double>(v));
        return b;
    }

    void visit(const onnx::NodeProto& n) {
        const std::string& op = n.op_type();
        if (op == "Constant") return constant_node(n);
        const std::optional<bool> activation = reads_activation(n, !unsupported_.empty());
        if (!activation) return;  // fed by an unsupported node: that one is reported
        if ((!*activation || op == "Shape" || op == "Size") && is_generic_op(op)) return fold(n);
        if (op == "Conv") return conv(n);
        if ((op == "Gemm" || op == "MatMul") && n.input_size() >= 2 && !in(n, 0).constant && in(n, 1).constant &&
            in(n, 1).t.dims.size() == 2 && in(n, 0).t.dims.size() >= 2)
            return matmul(n);
        if (!host_ops().count(op)) {
            unsupported_.push_back(op + " (node '" + node_name(n) + "')");
            return;
        }
        host(n);
    }

    // BatchNormalization folding and Relu / Clip(min 0) fusion into compute nodes.
    void fuse() {
        std::map<std::string, int> readers;
        for (const auto& n : g_.nodes)
            for (const auto& i : n.inputs)
                if (!i.empty()) ++readers[i];
        for (const auto& o : g_.outputs) ++readers[o];
        auto sole_reader = [&](const std::string& t, std::size_t from) -> Node* {
            if (readers[t] != 1) return nullptr;
            for (std::size_t j = from; j < g_.nodes.size(); ++j)
                for (const auto& i : g_.nodes[j].inputs)
                    if (i == t) return &g_.nodes[j];
            return nullptr;  // read by a graph output
        };
        std::vector<bool> dead(g_.nodes.size(), false);
        auto absorb = [&](Node& c, Node* r) {
            dead[static_cast<std::size_t>(r - g_.nodes.data())] = true;
            c.outputs[0] = r->outputs[0];
            c.fused += (c.fused.empty() ? "" : ", ") + r->op;
        };
        for (std::size_t i = 0; i < g_.nodes.size(); ++i) {
            Node& c = g_.nodes[i];
            if (!c.compute) continue;
            Node* r = sole_reader(c.outputs[0], i + 1);
            if (r && r->op == "BatchNormalization" && !c.matmul_nd && r->inputs.size() >= 5) {
                auto vals = [&](int k) { return g_.constants.count(r->inputs[k]) ? g_.constants.at(r->inputs[k]).data : std::vector<float>{}; };
                const auto gamma = vals(1), beta = vals(2), mean = vals(3), var = vals(4);
                const std::size_t K = static_cast<std::size_t>(c.K);
                if (gamma.size() == K && beta.size() == K && mean.size() == K && var.size() == K) {
                    fold_batch_norm(c, gamma, beta, mean, var, r->floats.count("epsilon") ? r->floats.at("epsilon") : 1e-5f);
                    absorb(c, r);
                    r = sole_reader(c.outputs[0], i + 1);
                }
            }
            if (r && (r->op == "Relu" || r->op == "Clip")) {
                float lo = -INFINITY, hi = INFINITY;
                if (r->op == "Relu") lo = 0;
                else clip_bounds(*r, lo, hi);
                if (lo == 0) {
                    c.relu = true;
                    if (std::isfinite(hi)) c.clip_max = hi;
                    absorb(c, r);
                }
            }
        }
        std::vector<Node> kept;
        for (std::size_t i = 0; i < g_.nodes.size(); ++i)
            if (!dead[i]) kept.push_back(std::move(g_.nodes[i]));
        g_.nodes = std::move(kept);
    }
    void clip_bounds(const Node& r, float& lo, float& hi) {
        if (r.floats.count("min")) lo = r.floats.at("min");
        if (r.floats.count("max")) hi = r.floats.at("max");
        auto scalar = [&](std::size_t k, float& v) {
            if (r.inputs.size() > k && !r.inputs[k].empty() && g_.constants.count(r.inputs[k]) &&
                g_.constants.at(r.inputs[k]).data.size() == 1)
                v = g_.constants.at(r.inputs[k]).data[0];
        };
        scalar(1, lo);
        scalar(2, hi);
    }

    onnx::ModelProto model_;
    Graph g_;
    std::vector<std::string> unsupported_;
};

}  // namespace

std::vector<const Node*> Graph::compute_nodes() const {
    std::vector<const Node*> out;
    for (const auto& n : nodes)
        if (n.compute) out.push_back(&n);
    return out;
}

const std::vector<int64_t>& Graph::dims_of(const std::string& tensor) const {
    if (tensor == input) return input_dims;
    for (const auto& n : nodes)
        for (std::size_t i = 0; i < n.outputs.size(); ++i)
            if (n.outputs[i] == tensor) return n.out_dims[i];
    throw InputError(file, "tensor '" + tensor + "'", "a tensor computed by the graph");
}

void fold_batch_norm(Node& n, const std::vector<float>& gamma, const std::vector<float>& beta,
                     const std::vector<float>& mean, const std::vector<float>& var, float eps) {
    const std::size_t K = static_cast<std::size_t>(n.K);
    const std::size_t per = K ? n.weights.size() / K : 0;
    for (std::size_t k = 0; k < K; ++k) {
        const float g = gamma[k] / std::sqrt(var[k] + eps);
        for (std::size_t j = 0; j < per; ++j) n.weights[k * per + j] *= g;
        n.bias[k] = (n.bias[k] - mean[k]) * g + beta[k];
        n.bn_scale[k] *= g;
    }
}

Graph load_graph(const std::string& path) { return Loader(path).run(); }

}  // namespace sx
