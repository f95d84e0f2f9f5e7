#include "sw/io/onnx_model.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include <onnx/onnx_pb.h>

#include "sw/common/error.h"

namespace sx {

namespace {

struct Tensor {
    bool flat = false;               // [N, features]
    int64_t C = 0, H = 1, W = 1;     // features in C when flat
    std::vector<std::string> producers;
    int64_t features() const { return C * H * W; }
};

float half_to_float(uint16_t h) {
    const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    float v;
    if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

class Importer {
public:
    explicit Importer(std::string path) : path_(std::move(path)) {}

    OnnxModel run() {
        onnx::ModelProto model;
        {
            std::ifstream in(path_, std::ios::binary);
            if (!in) throw InputError(path_, "", "a readable ONNX model", "it cannot be opened");
            if (!model.ParseFromIstream(&in)) throw InputError(path_, "", "an ONNX ModelProto (protobuf)", "unparseable bytes");
        }
        const onnx::GraphProto& g = model.graph();
        for (const auto& t : g.initializer()) init_[t.name()] = &t;
        out_.workload.file = path_;
        out_.workload.name = g.name().empty() ? "onnx-model" : g.name();
        out_.workload.source = "imported from ONNX file " + path_;
        read_input(g);
        for (const auto& node : g.node()) visit(node);
        if (!unsupported_.empty()) {
            std::string list;
            for (const auto& u : unsupported_) list += (list.empty() ? "" : ", ") + u;
            throw InputError(path_, "graph", "only supported operators (Conv, Gemm, MatMul, Relu, Clip, "
                             "BatchNormalization, MaxPool, AveragePool, GlobalAveragePool, Add, Flatten, Reshape, "
                             "Concat, Identity, Dropout, Softmax)", "unsupported: " + list);
        }
        if (out_.workload.layers.empty()) throw InputError(path_, "graph", "at least one Conv, Gemm or MatMul layer", "none");
        return std::move(out_);
    }

private:
    [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& expected, const std::string& found = "") {
        throw InputError(path_, "node '" + node_name(n) + "' (" + n.op_type() + ")", expected, found);
    }
    static std::string node_name(const onnx::NodeProto& n) {
        return !n.name().empty() ? n.name() : (n.output_size() ? n.output(0) : n.op_type());
    }
    std::string layer_name(const onnx::NodeProto& n) {
        std::string base = node_name(n), name = base;
        for (int i = 2; used_.count(name) || name == "input"; ++i) name = base + "_" + std::to_string(i);
        used_.insert(name);
        return name;
    }
    void warn(const std::string& w) {
        if (warned_.insert(w).second) out_.warnings.push_back(w);
    }

    const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) {
        for (const auto& a : n.attribute())
            if (a.name() == name) return &a;
        return nullptr;
    }
    int64_t attr_int(const onnx::NodeProto& n, const char* name, int64_t fallback) {
        const auto* a = attr(n, name);
        return a ? a->i() : fallback;
    }
    std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const char* name) {
        const auto* a = attr(n, name);
        return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
    }

    void read_input(const onnx::GraphProto& g) {
        for (const auto& in : g.input()) {
            if (init_.count(in.name())) continue;
            const auto& dims = in.type().tensor_type().shape().dim();
            std::vector<int64_t> d;
            for (const auto& x : dims) d.push_back(x.has_dim_value() ? x.dim_value() : 1);  // symbolic batch -> 1
            Tensor t;
            t.producers = {"input"};
            if (d.size() == 4) {
                t.C = d[1], t.H = d[2], t.W = d[3];
            } else if (d.size() == 2) {
                t.flat = true, t.C = d[1];
            } else {
                throw InputError(path_, "graph input '" + in.name() + "'", "an N x C x H x W or N x F tensor",
                                 std::to_string(d.size()) + " dimensions");
            }
            for (int64_t v : {t.C, t.H, t.W})
                if (v < 1) throw InputError(path_, "graph input '" + in.name() + "'", "positive dimensions");
            out_.workload.in_C = t.C, out_.workload.in_H = t.H, out_.workload.in_W = t.W;
            tensors_[in.name()] = t;
            return;
        }
        throw InputError(path_, "graph", "a graph input that is not an initializer", "none");
    }

    std::vector<float> initializer(const onnx::NodeProto& n, int input, std::vector<int64_t>& dims) {
        if (n.input_size() <= input || !init_.count(n.input(input)))
            fail(n, "input " + std::to_string(input) + " to be a weight initializer (constant weights)");
        const onnx::TensorProto& t = *init_.at(n.input(input));
        if (t.data_location() == onnx::TensorProto::EXTERNAL) fail(n, "weights stored inside the .onnx file", "external data");
        dims.assign(t.dims().begin(), t.dims().end());
        const std::string& raw = t.raw_data();
        // The element count must match the data actually present before anything is
        // allocated: dims are untrusted and may claim billions of elements (or overflow).
        int64_t width = 0, stored = 0;
        switch (t.data_type()) {
            case onnx::TensorProto::FLOAT: width = 4, stored = t.float_data_size(); break;
            case onnx::TensorProto::FLOAT16: width = 2, stored = t.int32_data_size(); break;
            case onnx::TensorProto::DOUBLE: width = 8, stored = t.double_data_size(); break;
            default: fail(n, "float32, float16 or float64 weights", "data type " + std::to_string(t.data_type()));
        }
        const int64_t available = raw.empty() ? stored : static_cast<int64_t>(raw.size()) / width;
        int64_t count = 1;
        for (int64_t d : dims) {
            if (d < 0 || (d > 0 && count > available / d + 1))
                fail(n, "weight dimensions matching the " + std::to_string(available) + " values stored",
                     "dimension " + std::to_string(d));
            count *= d;
        }
        if (count > available)
            fail(n, std::to_string(count) + " weight values as the dimensions say", std::to_string(available) + " stored");
        std::vector<float> v(static_cast<std::size_t>(count));
        switch (t.data_type()) {
            case onnx::TensorProto::FLOAT:
                if (!raw.empty()) {
                    if (raw.size() != v.size() * 4) fail(n, std::to_string(v.size() * 4) + " bytes of float32 weights");
                    std::memcpy(v.data(), raw.data(), raw.size());
                } else {
                    if (t.float_data_size() != count) fail(n, std::to_string(count) + " float weights");
                    for (int64_t i = 0; i < count; ++i) v[i] = t.float_data(static_cast<int>(i));
                }
                break;
            case onnx::TensorProto::FLOAT16:
                if (!raw.empty()) {
                    if (raw.size() != v.size() * 2) fail(n, std::to_string(v.size() * 2) + " bytes of float16 weights");
                    for (int64_t i = 0; i < count; ++i)
                        v[i] = half_to_float(static_cast<uint16_t>(uint8_t(raw[2 * i]) | (uint8_t(raw[2 * i + 1]) << 8)));
                } else {
                    if (t.int32_data_size() != count) fail(n, std::to_string(count) + " float16 weights");
                    for (int64_t i = 0; i < count; ++i) v[i] = half_to_float(static_cast<uint16_t>(t.int32_data(static_cast<int>(i))));
                }
                break;
            case onnx::TensorProto::DOUBLE:
                if (!raw.empty()) {
                    if (raw.size() != v.size() * 8) fail(n, std::to_string(v.size() * 8) + " bytes of float64 weights");
                    for (int64_t i = 0; i < count; ++i) {
                        double d;
                        std::memcpy(&d, raw.data() + 8 * i, 8);
                        v[i] = static_cast<float>(d);
                    }
                } else {
                    if (t.double_data_size() != count) fail(n, std::to_string(count) + " float64 weights");
                    for (int64_t i = 0; i < count; ++i) v[i] = static_cast<float>(t.double_data(static_cast<int>(i)));
                }
                break;
        }
        return v;
    }

    Tensor& in(const onnx::NodeProto& n, int i) {
        if (n.input_size() <= i) fail(n, "input " + std::to_string(i));
        auto it = tensors_.find(n.input(i));
        if (it == tensors_.end()) fail(n, "input '" + n.input(i) + "' produced by an earlier node");
        return it->second;
    }
    void set_out(const onnx::NodeProto& n, Tensor t) {
        for (const auto& o : n.output()) tensors_[o] = t;
    }
    Layer base_layer(const onnx::NodeProto& n, LayerType type, const Tensor& x) {
        Layer l;
        l.name = layer_name(n);
        l.type = type;
        l.N = 1;
        l.C = x.C, l.H = x.H, l.W = x.W;
        l.inputs = x.producers;
        return l;
    }
    void window(const onnx::NodeProto& n, Layer& l, int64_t R, int64_t S) {
        const auto strides = attr_ints(n, "strides"), pads = attr_ints(n, "pads"), dil = attr_ints(n, "dilations");
        for (int64_t d : dil)
            if (d != 1) fail(n, "dilation 1", std::to_string(d));
        if (!strides.empty() && (strides.size() != 2 || strides[0] != strides[1])) fail(n, "equal strides in H and W");
        if (!pads.empty() && (pads.size() != 4 || pads[0] != pads[1] || pads[0] != pads[2] || pads[0] != pads[3]))
            fail(n, "the same padding on every side");
        if (const auto* a = attr(n, "auto_pad"); a && a->s() != "NOTSET") fail(n, "explicit pads (auto_pad NOTSET)", a->s());
        if (attr_int(n, "ceil_mode", 0) != 0) fail(n, "ceil_mode 0");
        l.R = R, l.S = S;
        l.stride = strides.empty() ? 1 : strides[0];
        l.padding = pads.empty() ? 0 : pads[0];
        if (l.H + 2 * l.padding < R || l.W + 2 * l.padding < S) fail(n, "a kernel no larger than the padded input");
    }
    Tensor output_of(const Layer& l) {
        Tensor t;
        t.C = l.K, t.H = l.P(), t.W = l.Q();
        t.producers = {l.name};
        return t;
    }

    void add_compute(Layer l, std::vector<float> w) {
        out_.weights[l.name] = std::move(w);
        out_.workload.layers.push_back(std::move(l));
    }

    void visit(const onnx::NodeProto& n) {
        const std::string& op = n.op_type();
        static const std::set<std::string> supported = {
            "Conv", "Gemm", "MatMul", "Relu", "Clip", "BatchNormalization", "Identity", "Dropout", "Softmax", "MaxPool",
            "AveragePool", "GlobalAveragePool", "Add", "Flatten", "Reshape", "Concat"};
        if (!supported.count(op)) {
            // Keep walking so that every unsupported operator ends up in the one error.
            unsupported_.push_back(op + " (node '" + node_name(n) + "')");
            return;
        }
        // A node fed by an unsupported node is skipped: the unsupported one is reported.
        for (int i = 0; i < n.input_size(); ++i)
            if (!n.input(i).empty() && !tensors_.count(n.input(i)) && !init_.count(n.input(i))) {
                if (unsupported_.empty()) fail(n, "input '" + n.input(i) + "' produced by an earlier node");
                return;
            }
        if (op == "Conv") {
            Tensor x = in(n, 0);
            if (x.flat) fail(n, "an N x C x H x W input");
            std::vector<int64_t> d;
            std::vector<float> w = initializer(n, 1, d);
            if (d.size() != 4) fail(n, "4-D weights K x C/groups x R x S");
            Layer l = base_layer(n, LayerType::Conv, x);
            l.K = d[0];
            l.groups = attr_int(n, "group", 1);
            if (l.groups < 1 || x.C % l.groups || l.K % l.groups || d[1] != x.C / l.groups)
                fail(n, "weights K x C/groups x R x S matching the input's " + std::to_string(x.C) + " channels",
                     std::to_string(d[1]) + " input channels per group, " + std::to_string(l.groups) + " groups");
            window(n, l, d[2], d[3]);
            if (n.input_size() > 2) warn("Conv bias ignored (the accelerator model has no bias)");
            set_out(n, output_of(l));
            add_compute(std::move(l), std::move(w));
        } else if (op == "Gemm" || op == "MatMul") {
            Tensor x = in(n, 0);
            std::vector<int64_t> d;
            std::vector<float> b = initializer(n, 1, d);
            if (d.size() != 2) fail(n, "2-D weights");
            const bool transB = op == "Gemm" && attr_int(n, "transB", 0) != 0;
            if (op == "Gemm" && attr_int(n, "transA", 0) != 0) fail(n, "transA 0");
            const int64_t in_f = transB ? d[1] : d[0], out_f = transB ? d[0] : d[1];
            if (x.features() != in_f) fail(n, std::to_string(x.features()) + " input features", std::to_string(in_f));
            Layer l = base_layer(n, LayerType::FullyConnected, x);
            l.C = in_f, l.H = l.W = 1, l.K = out_f;
            std::vector<float> w(static_cast<std::size_t>(in_f * out_f));
            const float alpha = op == "Gemm" && attr(n, "alpha") ? attr(n, "alpha")->f() : 1.0f;
            for (int64_t k = 0; k < out_f; ++k)
                for (int64_t c = 0; c < in_f; ++c) w[k * in_f + c] = alpha * (transB ? b[k * in_f + c] : b[c * out_f + k]);
            if (op == "Gemm" && n.input_size() > 2) warn("Gemm bias ignored (the accelerator model has no bias)");
            Tensor t;
            t.flat = true, t.C = out_f, t.producers = {l.name};
            set_out(n, t);
            add_compute(std::move(l), std::move(w));
        } else if (op == "Relu" || op == "Clip" || op == "BatchNormalization" || op == "Identity" || op == "Dropout" ||
                   op == "Softmax") {
            if (op != "Identity" && op != "Dropout")
                warn(op + " kept as a pass-through (no workload layer" +
                     std::string(op == "BatchNormalization" ? "; not folded into the weights)" : ")"));
            set_out(n, in(n, 0));
        } else if (op == "MaxPool" || op == "AveragePool") {
            Tensor x = in(n, 0);
            const auto k = attr_ints(n, "kernel_shape");
            if (k.size() != 2) fail(n, "a 2-D kernel_shape");
            Layer l = base_layer(n, op == "MaxPool" ? LayerType::MaxPool : LayerType::AvgPool, x);
            l.K = l.C;
            window(n, l, k[0], k[1]);
            set_out(n, output_of(l));
            out_.workload.layers.push_back(std::move(l));
        } else if (op == "GlobalAveragePool") {
            Tensor x = in(n, 0);
            Layer l = base_layer(n, LayerType::GlobalAvgPool, x);
            l.K = l.C, l.R = l.H, l.S = l.W;
            set_out(n, output_of(l));
            out_.workload.layers.push_back(std::move(l));
        } else if (op == "Add") {
            if (n.input_size() != 2) fail(n, "two inputs");
            if (init_.count(n.input(1)) || init_.count(n.input(0))) {  // bias add
                warn("Add of a constant kept as a pass-through (bias ignored)");
                set_out(n, in(n, init_.count(n.input(0)) ? 1 : 0));
                return;
            }
            Tensor a = in(n, 0), b = in(n, 1);
            if (a.C != b.C || a.H != b.H || a.W != b.W || a.flat != b.flat) fail(n, "two inputs of the same shape");
            Layer l = base_layer(n, LayerType::Add, a);
            l.K = l.C;
            l.inputs.insert(l.inputs.end(), b.producers.begin(), b.producers.end());
            Tensor t = a;
            t.producers = {l.name};
            set_out(n, t);
            out_.workload.layers.push_back(std::move(l));
        } else if (op == "Flatten" || op == "Reshape") {
            Tensor t = in(n, 0);
            if (op == "Reshape") {
                std::vector<int64_t> d;
                if (n.input_size() < 2 || !init_.count(n.input(1))) fail(n, "a constant target shape");
                const onnx::TensorProto& s = *init_.at(n.input(1));
                std::vector<int64_t> shape;
                if (!s.raw_data().empty()) {
                    shape.resize(s.raw_data().size() / 8);
                    std::memcpy(shape.data(), s.raw_data().data(), shape.size() * 8);
                } else {
                    shape.assign(s.int64_data().begin(), s.int64_data().end());
                }
                if (shape.size() != 2 || !(shape[1] == -1 || shape[1] == t.features()))
                    fail(n, "a reshape to [N, features] (flatten)");
            } else if (attr_int(n, "axis", 1) != 1) {
                fail(n, "axis 1");
            }
            t.C = t.features(), t.H = t.W = 1, t.flat = true;
            set_out(n, t);
        } else if (op == "Concat") {
            if (attr_int(n, "axis", 1) != 1) fail(n, "concatenation along the channel axis (axis 1)");
            Tensor t = in(n, 0);
            for (int i = 1; i < n.input_size(); ++i) {
                const Tensor& x = in(n, i);
                if (x.H != t.H || x.W != t.W || x.flat != t.flat) fail(n, "inputs of the same H x W");
                t.C += x.C;
                t.producers.insert(t.producers.end(), x.producers.begin(), x.producers.end());
            }
            warn("Concat: the consuming layer lists every concatenated producer as an input");
            set_out(n, t);
        } else {
            unsupported_.push_back(op + " (node '" + node_name(n) + "')");
        }
    }

    std::string path_;
    OnnxModel out_;
    std::map<std::string, const onnx::TensorProto*> init_;
    std::map<std::string, Tensor> tensors_;
    std::set<std::string> used_, warned_;
    std::vector<std::string> unsupported_;
};

}  // namespace

OnnxModel load_onnx(const std::string& path) { return Importer(path).run(); }

Workload load_onnx_workload(const std::string& path) {
    OnnxModel m = load_onnx(path);
    for (const auto& w : m.warnings) std::fprintf(stderr, "warning: %s: %s\n", path.c_str(), w.c_str());
    return std::move(m.workload);
}

}  // namespace sx
