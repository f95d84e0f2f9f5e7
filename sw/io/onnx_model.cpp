#include "sw/io/onnx_model.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include <onnx/onnx_pb.h>

#include "sw/common/error.h"
#include "sw/io/onnx_ops.h"
#include "sw/io/onnx_tensor.h"
#include "sw/io/onnx_walk.h"

namespace sx {

namespace {

using Dims = std::vector<int64_t>;

std::string dims_text(const Dims& d, const char* sep = "x") {
    std::string s;
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? sep : "") + std::to_string(d[i]);
    return s;
}

using onnx_walk::Value;

class Importer : onnx_walk::Walker {
public:
    Importer(std::string path, const OnnxImportOptions& opt) : Walker(std::move(path)), opt_(opt) {}

    OnnxModel run() {
        onnx::ModelProto model;
        onnx_walk::read_model(path_, model);
        const onnx::GraphProto& g = model.graph();
        for (const auto& t : g.initializer()) stored_constant(t.name(), t, "initializer '" + t.name() + "'");
        out_.workload.file = path_;
        out_.workload.name = g.name().empty() ? "onnx-model" : g.name();
        out_.workload.source = "imported from ONNX file " + path_;
        read_input(g);
        for (const auto& node : g.node()) visit(node);
        if (!unsupported_.empty()) {
            std::string list;
            for (const auto& u : unsupported_) list += (list.empty() ? "" : ", ") + u;
            throw InputError(path_, "graph", "only supported operators (Conv, Gemm, MatMul, pass-throughs, host "
                             "operations: docs/formats.md, ONNX import)", "unsupported: " + list);
        }
        bool compute = false;
        for (const Layer& l : out_.workload.layers) compute = compute || l.is_compute();
        if (!compute) throw InputError(path_, "graph", "at least one Conv, Gemm or MatMul layer", "none");
        return std::move(out_);
    }

private:
    std::string unique_name(const std::string& base) {
        std::string name = base;
        for (int i = 2; used_.count(name) || name == "input"; ++i) name = base + "_" + std::to_string(i);
        used_.insert(name);
        return name;
    }
    void warn(const std::string& w) {
        if (warned_.insert(w).second) out_.warnings.push_back(w);
    }

    // --- constants ---------------------------------------------------------------------------
    // Weights of a compute layer (opt_.weights), else only checked against the stored data.
    std::vector<float> weight_values(const onnx::NodeProto& n, Value& v) {
        std::vector<float> w;
        if (v.proto) {
            int64_t count = 0;
            std::string problem = tensor_count(*v.proto, count);
            if (problem.empty() && opt_.weights) problem = tensor_floats(*v.proto, w);
            if (!problem.empty()) fail(n, "weights with " + problem);
        } else if (opt_.weights) {
            if (!v.t.has_values) fail(n, "weights the importer can compute (folded constant of at most 2^20 values)");
            w.assign(v.t.values.begin(), v.t.values.end());
        }
        return w;
    }

    // --- the network input ---------------------------------------------------------------------
    void read_input(const onnx::GraphProto& g) {
        for (const auto& in : g.input()) {
            if (values_.count(in.name())) continue;  // an initializer listed as an input
            const std::string where = "graph input '" + in.name() + "'";
            const auto& dims = in.type().tensor_type().shape().dim();
            const Dims& given = opt_.input_shape;
            if (!given.empty() && given.size() != static_cast<std::size_t>(dims.size()))
                throw InputError(path_, opt_.option, dims_text(given) + " to have the rank of " + where + " (" +
                                 std::to_string(dims.size()) + " dimensions)");
            if (dims.size() < 2 || dims.size() > 8)
                throw InputError(path_, where, "an N x C x H x W (or N x F, N x C x ...) tensor", std::to_string(dims.size()) + " dimensions");
            Dims d;
            for (int i = 0; i < dims.size(); ++i) {
                const auto& x = dims.Get(i);
                const std::string label = "dimension " + std::to_string(i) +
                                          (x.has_dim_param() ? " '" + x.dim_param() + "'" : "");
                if (x.has_dim_value()) {
                    if (x.dim_value() < 1 || x.dim_value() > kMaxDim)
                        throw InputError(path_, where, "dimensions from 1 to 2^24", label + " = " + std::to_string(x.dim_value()));
                    if (!given.empty() && i > 0 && given[i] != x.dim_value())
                        throw InputError(path_, opt_.option, "the model's " + label + " = " + std::to_string(x.dim_value()) + " of " + where,
                                         dims_text(given));
                    d.push_back(x.dim_value());
                } else if (!given.empty()) {
                    d.push_back(given[i]);
                } else if (i == 0) {
                    d.push_back(1);  // a symbolic batch: one image unless --batch says otherwise
                } else {
                    throw InputError(path_, where, "concrete dimensions, or the shape given with " + opt_.option + " (e.g. 1x3x224x224)",
                                     "symbolic " + label);
                }
            }
            // Where the batch in d[0] came from, for the note when an option replaces it ("" for
            // a symbolic batch: nothing to override).
            std::string batch_from = dims.Get(0).has_dim_value() ? "ONNX " + where : "";
            auto override_batch = [&](int64_t b, const std::string& how) {
                if (b == d[0]) return;
                if (!batch_from.empty())
                    out_.workload.notes.push_back(how + " overrides the batch " + std::to_string(d[0]) + " of " + batch_from);
                d[0] = b;
                batch_from = how;
            };
            if (!given.empty()) override_batch(given[0], opt_.option + " " + dims_text(given));
            if (opt_.batch > 0) override_batch(opt_.batch, "--batch " + std::to_string(opt_.batch));
            try {
                checked_elems(d);
            } catch (const OpError& e) {
                throw InputError(path_, where, e.expected, dims_text(d));
            }
            for (int64_t v : d)
                if (v < 1) throw InputError(path_, where, "dimensions from 1 to 2^24", dims_text(d));
            Value v;
            v.t.dims = d;
            v.producer = "input";
            values_[in.name()] = v;
            Workload& w = out_.workload;
            w.batch = d[0];
            w.in_C = d[1];
            w.in_H = d.size() > 2 ? d[2] : 1;
            w.in_W = 1;
            for (std::size_t i = 3; i < d.size(); ++i) w.in_W *= d[i];
            if (w.in_W > kMaxDim) throw InputError(path_, where, "at most 2^24 elements per row", dims_text(d));
            return;
        }
        throw InputError(path_, "graph", "a graph input that is not an initializer", "none");
    }

    // --- layers ------------------------------------------------------------------------------
    void set_activation(const std::string& name, const Dims& dims, const std::string& producer) {
        Value v;
        v.t.dims = dims;
        v.producer = producer;
        values_[name] = std::move(v);
    }
    void add_layer(const onnx::NodeProto& n, Layer l) {
        const std::string problem = layer_bounds_problem(l);
        if (!problem.empty()) fail(n, problem);
        layer_index_[l.name] = out_.workload.layers.size();
        out_.workload.layers.push_back(std::move(l));
    }
    // The accelerators' layer window: square stride, the same padding on every side.
    // `prepadded`: a host Pad already supplied the padding (conv()).
    bool window(const onnx::NodeProto& n, Layer& l, int64_t R, int64_t S, bool strict, bool prepadded = false) {
        const Dims strides = attr_ints(n, "strides"), dil = attr_ints(n, "dilations");
        const Dims pads = prepadded ? Dims{} : attr_ints(n, "pads");
        std::string problem;
        for (int64_t d : dil)
            if (d != 1) problem = "dilation 1";
        if (!strides.empty() && (strides.size() != 2 || strides[0] != strides[1])) problem = "equal strides in H and W";
        if (!pads.empty() && (pads.size() != 4 || pads[0] != pads[1] || pads[0] != pads[2] || pads[0] != pads[3]))
            problem = "the same padding on every side";
        if (const auto* a = attr(n, "auto_pad"); a && a->s() != "NOTSET") problem = "explicit pads (auto_pad NOTSET)";
        if (!problem.empty()) {
            if (strict) fail(n, problem);
            return false;
        }
        l.R = R, l.S = S;
        l.stride = strides.empty() ? 1 : strides[0];
        l.padding = pads.empty() ? 0 : pads[0];
        if (l.stride < 1 || l.stride > kMaxDim || l.padding < 0 || l.padding > kMaxDim || R < 1 || S < 1 || R > kMaxDim || S > kMaxDim)
            fail(n, "strides and kernel from 1 to 2^24, padding from 0 to 2^24");
        if (l.H + 2 * l.padding < R || l.W + 2 * l.padding < S) fail(n, "a kernel no larger than the padded input");
        return true;
    }
    // Whether `x` is its producer's N x K x P x Q output as the layer chain states it (a layer
    // fed by it is then checked exactly); a host producer is re-read by element count.
    bool nchw_view(const Value& x) {
        if (x.t.dims.size() != 4) return false;
        if (x.producer == "input") return true;
        const auto it = layer_index_.find(x.producer);
        if (it == layer_index_.end()) return false;
        const Layer& p = out_.workload.layers[it->second];
        return p.type == LayerType::Host || x.t.dims == Dims{p.N, p.K, p.P(), p.Q()};
    }
    Layer nchw_layer(const onnx::NodeProto& n, LayerType type, const Value& x) {
        if (x.t.dims.size() != 4) fail(n, "an N x C x H x W input", dims_text(x.t.dims));
        if (!nchw_view(x))
            fail(n, "an N x C x H x W input laid out as its producer's output",
                 "[" + dims_text(x.t.dims, ", ") + "] from '" + x.producer + "'");
        Layer l;
        l.name = unique_name(node_name(n));
        l.type = type;
        l.N = x.t.dims[0], l.C = x.t.dims[1], l.H = x.t.dims[2], l.W = x.t.dims[3];
        l.inputs = {x.producer};
        return l;
    }

    void conv(const onnx::NodeProto& n) {
        Value& x = in(n, 0);
        Value& wv = in(n, 1);
        if (x.constant || !wv.constant) fail(n, "an activation input and constant weights");
        const Dims d = wv.t.dims;
        if (d.size() != 4) fail(n, "4-D weights K x C/groups x R x S", dims_text(d));
        Layer l = nchw_layer(n, LayerType::Conv, x);
        const Dims pads = attr_ints(n, "pads");
        if (pads.size() == 4 && !(pads[0] == pads[1] && pads[0] == pads[2] && pads[0] == pads[3])) {
            // The layer model has one padding for all sides (Inception's 1x7 convolutions pad
            // only W): a host Pad supplies the border, then the Conv runs unpadded. P, Q and the
            // MACs are the same; the border is fetched as data.
            Dims padded = x.t.dims;
            for (int i = 0; i < 2; ++i) {
                if (pads[i] < 0 || pads[i + 2] < 0 || pads[i] > kMaxDim || pads[i + 2] > kMaxDim) fail(n, "pads from 0 to 2^24");
                padded[2 + i] += pads[i] + pads[i + 2];
            }
            Layer p;
            p.type = LayerType::Host;
            p.op = "Pad";
            p.shape = padded;
            const std::string problem = set_host_view(p);
            if (!problem.empty()) fail(n, "a padded input of " + problem);
            p.name = unique_name(node_name(n) + "_pad");
            p.inputs = {x.producer};
            l.H = padded[2], l.W = padded[3];
            l.inputs = {p.name};
            add_layer(n, std::move(p));
            warn("Conv with different padding per side: imported as a host Pad and an unpadded Conv");
        }
        l.K = d[0];
        l.groups = attr_int(n, "group", 1);
        if (l.groups < 1 || l.groups > kMaxDim || l.C % l.groups || l.K < 1 || l.K % l.groups || d[1] != l.C / l.groups)
            fail(n, "weights K x C/groups x R x S matching the input's " + std::to_string(l.C) + " channels",
                 std::to_string(d[1]) + " input channels per group, " + std::to_string(l.groups) + " groups");
        window(n, l, d[2], d[3], true, l.inputs[0] != x.producer);
        if (n.input_size() > 2 && !n.input(2).empty()) warn("Conv bias ignored (the accelerator model has no bias)");
        std::vector<float> w = weight_values(n, wv);
        set_activation(n.output(0), {l.N, l.K, l.P(), l.Q()}, l.name);
        add_compute(n, std::move(l), std::move(w));
    }

    void add_compute(const onnx::NodeProto& n, Layer l, std::vector<float> w) {
        if (opt_.weights) out_.weights[l.name] = std::move(w);
        add_layer(n, std::move(l));
    }

    // Gemm, or MatMul with a constant right-hand side (a Linear layer).
    void matmul(const onnx::NodeProto& n) {
        const bool gemm = n.op_type() == "Gemm";
        Value& x = in(n, 0);
        Value& bv = in(n, 1);
        const Dims b = bv.t.dims, xd = x.t.dims;
        if (b.size() != 2) fail(n, "2-D weights", dims_text(b));
        if (gemm && attr_int(n, "transA", 0) != 0) fail(n, "transA 0");
        if (gemm && xd.size() != 2) fail(n, "a 2-D input N x features", dims_text(xd));
        if (xd.size() < 2) fail(n, "an input of at least 2 dimensions", dims_text(xd));
        const bool transB = gemm && attr_int(n, "transB", 0) != 0;
        const int64_t in_f = transB ? b[1] : b[0], out_f = transB ? b[0] : b[1];
        if (xd.back() != in_f) fail(n, std::to_string(xd.back()) + " input features in the weights", std::to_string(in_f));
        Layer l;
        l.name = unique_name(node_name(n));
        l.inputs = {x.producer};
        l.C = in_f, l.K = out_f;
        if (xd.size() == 2) {
            l.type = LayerType::FullyConnected;
            l.N = xd[0];
        } else {  // [..., T, D]: a 1x1 convolution over every leading position
            l.type = LayerType::Conv;
            l.N = 1;
            l.H = 1;
            for (std::size_t i = 0; i + 1 < xd.size(); ++i) l.H *= xd[i];  // bounded: checked_elems(xd)
            l.W = 1;
        }
        if (l.type == LayerType::FullyConnected) l.H = l.W = 1;
        Dims od = xd;
        od.back() = out_f;
        std::vector<float> raw = weight_values(n, bv), w;
        if (opt_.weights) {
            w.resize(raw.size());
            const float alpha = gemm && attr(n, "alpha") ? attr(n, "alpha")->f() : 1.0f;
            for (int64_t k = 0; k < out_f; ++k)
                for (int64_t c = 0; c < in_f; ++c) w[k * in_f + c] = alpha * (transB ? raw[k * in_f + c] : raw[c * out_f + k]);
        }
        if (gemm && n.input_size() > 2 && !n.input(2).empty()) warn("Gemm bias ignored (the accelerator model has no bias)");
        set_activation(n.output(0), od, l.name);
        add_compute(n, std::move(l), std::move(w));
    }

    // An operator the accelerators do not run: one host layer per output, with its shape.
    void host(const onnx::NodeProto& n, const std::vector<OpTensor>& outs) {
        std::vector<std::string> producers;
        for (int i = 0; i < n.input_size(); ++i) {
            if (n.input(i).empty()) continue;
            const Value& v = values_.at(n.input(i));
            if (!v.constant && std::find(producers.begin(), producers.end(), v.producer) == producers.end())
                producers.push_back(v.producer);
        }
        const std::string base = node_name(n);
        for (int i = 0; i < n.output_size() && i < static_cast<int>(outs.size()); ++i) {
            if (n.output(i).empty()) continue;
            Layer l;
            l.type = LayerType::Host;
            l.op = n.op_type();
            l.shape = outs[i].dims;
            const std::string problem = set_host_view(l);
            if (!problem.empty()) fail(n, "an output of " + problem, "[" + dims_text(outs[i].dims, ", ") + "]");
            l.name = unique_name(i == 0 ? base : base + "_" + std::to_string(i));
            l.inputs = producers;
            set_activation(n.output(i), l.shape, l.name);
            add_layer(n, std::move(l));
        }
    }

    void pass_through(const onnx::NodeProto& n, const Value& x) {
        for (const auto& o : n.output())
            if (!o.empty()) values_[o] = x;
    }

    void pool(const onnx::NodeProto& n, const std::vector<OpTensor>& outs) {
        const Value& x = in(n, 0);
        const std::string& op = n.op_type();
        const Dims& od = outs.at(0).dims;
        if (nchw_view(x) && op == "GlobalAveragePool") {
            Layer l = nchw_layer(n, LayerType::GlobalAvgPool, x);
            l.K = l.C, l.R = l.H, l.S = l.W;
            set_activation(n.output(0), od, l.name);
            return add_layer(n, std::move(l));
        }
        if (nchw_view(x) && (op == "MaxPool" || op == "AveragePool") && n.output_size() == 1) {
            Layer l;
            l.type = op == "MaxPool" ? LayerType::MaxPool : LayerType::AvgPool;
            l.N = x.t.dims[0], l.C = l.K = x.t.dims[1], l.H = x.t.dims[2], l.W = x.t.dims[3];
            const Dims k = attr_ints(n, "kernel_shape");
            // Ceil mode is fine when it gives the same output as the layer's floor division.
            if (k.size() == 2 && window(n, l, k[0], k[1], false) && l.P() == od[2] && l.Q() == od[3]) {
                l.name = unique_name(node_name(n));
                l.inputs = {x.producer};
                set_activation(n.output(0), od, l.name);
                return add_layer(n, std::move(l));
            }
        }
        host(n, outs);
    }

    void visit(const onnx::NodeProto& n) {
        const std::string& op = n.op_type();
        if (op == "Constant") return constant_node(n);
        if (op != "Conv" && !is_generic_op(op)) {
            // Keep walking so that every unsupported operator ends up in the one error.
            unsupported_.push_back(op + " (node '" + node_name(n) + "')");
            return;
        }
        // A node fed by an unsupported node is skipped: the unsupported one is reported.
        const std::optional<bool> activation = reads_activation(n, !unsupported_.empty());
        if (!activation) return;
        if (n.output_size() < 1) fail(n, "at least one output");
        if (!*activation || op == "Shape" || op == "Size") return fold(n);  // a constant however it is spelled
        if (op == "Conv") return conv(n);
        if ((op == "Gemm" || op == "MatMul") && !in(n, 0).constant && n.input_size() >= 2 && in(n, 1).constant &&
            in(n, 1).t.dims.size() == 2 && in(n, 0).t.dims.size() >= 2)
            return matmul(n);
        if (op == "Relu" || op == "Clip" || op == "BatchNormalization" || op == "Identity" || op == "Dropout") {
            Value& x = in(n, 0);
            if (x.constant) fail(n, "an activation input");
            if (op != "Identity" && op != "Dropout")
                warn(op + " kept as a pass-through (no workload layer" +
                     std::string(op == "BatchNormalization" ? "; not folded into the weights)" : ")"));
            return pass_through(n, x);
        }
        const std::vector<OpTensor> outs = eval(n, false);
        if (op == "Add" && n.input_size() == 2) {
            const Value &a = in(n, 0), &b = in(n, 1);
            if (a.constant != b.constant) {  // a bias: pass-through when the shape is the activation's
                const Value& act = a.constant ? b : a;
                if (outs[0].dims == act.t.dims) {
                    warn("Add of a constant kept as a pass-through (bias ignored)");
                    return pass_through(n, act);
                }
            } else if (a.t.dims == b.t.dims && nchw_view(a) && nchw_view(b)) {
                Layer l = nchw_layer(n, LayerType::Add, a);
                l.K = l.C;
                l.inputs.push_back(b.producer);
                set_activation(n.output(0), a.t.dims, l.name);
                return add_layer(n, std::move(l));
            }
        }
        if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") return pool(n, outs);
        host(n, outs);
    }

    OnnxImportOptions opt_;
    OnnxModel out_;
    std::map<std::string, std::size_t> layer_index_;  // layer name -> index in out_.workload.layers
    std::set<std::string> used_, warned_;
    std::vector<std::string> unsupported_;
};

}  // namespace

OnnxModel load_onnx(const std::string& path, const OnnxImportOptions& options) { return Importer(path, options).run(); }

Workload load_onnx_workload(const std::string& path, const OnnxImportOptions& options) {
    OnnxImportOptions shapes_only = options;
    shapes_only.weights = false;
    OnnxModel m = load_onnx(path, shapes_only);
    for (const auto& w : m.warnings) std::fprintf(stderr, "warning: %s: %s\n", path.c_str(), w.c_str());
    for (const auto& note : m.workload.notes) std::fprintf(stderr, "note: %s: %s\n", path.c_str(), note.c_str());
    return std::move(m.workload);
}

std::vector<int64_t> parse_input_shape(const std::string& text, const std::string& option) {
    std::vector<int64_t> dims;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t end = std::min(text.find_first_of("xX", pos), text.size());
        const std::string part = text.substr(pos, end - pos);
        bool digits = !part.empty() && part.size() <= 9;
        for (char c : part) digits = digits && c >= '0' && c <= '9';
        const int64_t v = digits ? std::stoll(part) : 0;
        if (v < 1 || v > kMaxDim || dims.size() >= 8)
            throw InputError("", option, "1 to 8 dimensions from 1 to 2^24 separated by 'x', e.g. 1x3x224x224",
                             "'" + text + "'");
        dims.push_back(v);
        pos = end + 1;
    }
    return dims;
}

}  // namespace sx
