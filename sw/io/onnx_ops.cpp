#include "sw/io/onnx_ops.h"
#include "sw/io/onnx_ops_detail.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include <onnx/onnx_pb.h>

#include "sw/io/onnx_tensor.h"
#include "sw/workload/workload.h"

namespace sx {

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}
int64_t attr_int(const onnx::NodeProto& n, const char* name, int64_t fallback) {
    const auto* a = attr(n, name);
    return a ? a->i() : fallback;
}
bool has_attr(const onnx::NodeProto& n, const char* name) { return attr(n, name) != nullptr; }
std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const char* name) {
    const auto* a = attr(n, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
}

namespace onnx_detail {

[[noreturn]] void fail(const std::string& expected, const std::string& found) { throw OpError{expected, found}; }

std::string dims_text(const Dims& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
}


const OpTensor& input(const Ins& in, std::size_t i, const char* what) {
    if (i >= in.size() || !in[i]) fail(std::string("input ") + std::to_string(i) + " (" + what + ")");
    return *in[i];
}
bool present(const Ins& in, std::size_t i) { return i < in.size() && in[i]; }

// Integer values of a constant input (shape, axes, indices ...), which must be known.
Dims ints_of(const OpTensor& t, const char* what) {
    if (!t.has_values) fail(std::string("a constant ") + what + " (computable at import)", "a tensor computed at run time");
    Dims v;
    for (double x : t.values) {
        if (!std::isfinite(x)) fail(std::string("finite ") + what, "a value out of range");
        // Exporters write INT64_MAX for "to the end" (Slice): clamp, the consumers bound it.
        constexpr double kLimit = 4611686018427387904.0;  // 2^62
        v.push_back(static_cast<int64_t>(std::clamp(x, -kLimit, kLimit)));
    }
    return v;
}

int64_t norm_axis(int64_t axis, std::size_t rank, bool inclusive) {
    const int64_t r = static_cast<int64_t>(rank) + (inclusive ? 1 : 0);
    if (axis < -r || axis >= r) fail("an axis in [" + std::to_string(-r) + ", " + std::to_string(r - 1) + "]", std::to_string(axis));
    return axis < 0 ? axis + r : axis;
}

Dims broadcast(const std::vector<const Dims*>& all) {
    std::size_t rank = 0;
    for (const Dims* d : all) rank = std::max(rank, d->size());
    Dims out(rank, 1);
    for (const Dims* d : all)
        for (std::size_t i = 0; i < d->size(); ++i) {
            int64_t& o = out[rank - d->size() + i];
            const int64_t v = (*d)[i];
            if (v == o || v == 1) continue;
            if (o == 1) o = v;
            else fail("shapes that broadcast", dims_text(*all[0]) + " and " + dims_text(*d));
        }
    return out;
}

// Row-major strides of dims.
Dims strides_of(const Dims& d) {
    Dims s(d.size(), 1);
    for (std::size_t i = d.size(); i-- > 1;) s[i - 1] = s[i] * d[i];
    return s;
}

// out.values[i] = src.values[index(multi-index of i)]: the one loop every data-moving fold uses.
void remap(OpTensor& out, const OpTensor& src, const std::function<int64_t(const Dims&)>& index) {
    const int64_t count = checked_elems(out.dims);
    out.values.resize(static_cast<std::size_t>(count));
    Dims m(out.dims.size(), 0);
    for (int64_t i = 0; i < count; ++i) {
        out.values[i] = src.values[static_cast<std::size_t>(index(m))];
        for (std::size_t k = m.size(); k-- > 0;) {
            if (++m[k] < out.dims[k]) break;
            m[k] = 0;
        }
    }
    out.has_values = true;
    out.integer = src.integer;
}

// Index into `src` (dims d) of the broadcast position m of an output of rank m.size().
int64_t broadcast_index(const Dims& m, const Dims& d, const Dims& strides) {
    int64_t idx = 0;
    const std::size_t off = m.size() - d.size();
    for (std::size_t k = 0; k < d.size(); ++k) idx += (d[k] == 1 ? 0 : m[off + k]) * strides[k];
    return idx;
}

// The end of every operator whose output is checked here: a reshape keeps its values.
std::vector<OpTensor> finish(const std::string& op, const OpTensor& x, bool fold, OpTensor out) {
    if (fold && (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze")) {
        out.values = x.values;  // same values, new dims
        out.has_values = true;
    }
    checked_elems(out.dims);
    return {out};
}

}  // namespace onnx_detail

namespace {

using namespace onnx_detail;

const std::set<std::string> kUnary = {"Identity", "Cast", "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
                                      "Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Round",
                                      "Sign", "Not", "Softmax", "LogSoftmax", "LRN", "LeakyRelu", "Elu", "Selu", "Gelu",
                                      "LayerNormalization", "InstanceNormalization", "BatchNormalization", "Dropout",
                                      "Sin", "Cos", "Softplus", "Mish"};
const std::set<std::string> kBinary = {"Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "LessOrEqual",
                                       "GreaterOrEqual", "Max", "Min", "And", "Or", "Mod", "PRelu", "Where", "Sum", "Mean"};
const std::set<std::string> kReduce = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                                       "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"};
const std::set<std::string> kOther = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split",
                                      "Slice", "Gather", "Expand", "Tile", "Pad", "ConstantOfShape", "Range", "Shape",
                                      "Size", "MatMul", "Gemm", "MaxPool", "AveragePool", "GlobalAveragePool",
                                      "GlobalMaxPool", "ScatterND", "ScatterElements", "Trilu"};

double unary(const std::string& op, double x) {
    if (op == "Relu") return x > 0 ? x : 0;
    if (op == "Sqrt") return std::sqrt(x);
    if (op == "Exp") return std::exp(x);
    if (op == "Log") return std::log(x);
    if (op == "Neg") return -x;
    if (op == "Abs") return std::fabs(x);
    if (op == "Reciprocal") return 1.0 / x;
    if (op == "Floor") return std::floor(x);
    if (op == "Ceil") return std::ceil(x);
    if (op == "Round") return std::nearbyint(x);
    if (op == "Sign") return (x > 0) - (x < 0);
    if (op == "Not") return x == 0;
    if (op == "Sigmoid") return 1.0 / (1.0 + std::exp(-x));
    if (op == "Tanh") return std::tanh(x);
    if (op == "Erf") return std::erf(x);
    return x;  // Identity, Cast, Dropout (inference)
}

double binary(const std::string& op, double a, double b, bool integer) {
    if (op == "Add" || op == "Sum") return a + b;
    if (op == "Sub") return a - b;
    if (op == "Mul") return a * b;
    if (op == "Div") return integer ? (b == 0 ? 0 : std::trunc(a / b)) : a / b;
    if (op == "Pow") return std::pow(a, b);
    if (op == "Equal") return a == b;
    if (op == "Less") return a < b;
    if (op == "Greater") return a > b;
    if (op == "LessOrEqual") return a <= b;
    if (op == "GreaterOrEqual") return a >= b;
    if (op == "Max") return std::max(a, b);
    if (op == "Min") return std::min(a, b);
    if (op == "And") return a != 0 && b != 0;
    if (op == "Or") return a != 0 || b != 0;
    if (op == "Mod") return b == 0 ? 0 : std::fmod(a, b);
    return a;  // Mean, PRelu: shapes only
}

const std::set<std::string> kFoldUnary = {"Identity", "Cast", "Relu", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal",
                                          "Floor", "Ceil", "Round", "Sign", "Not", "Sigmoid", "Tanh", "Erf", "Dropout"};

bool cast_to_integer(const onnx::NodeProto& n) {
    const int64_t to = attr_int(n, "to", onnx::TensorProto::FLOAT);
    return to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::DOUBLE && to != onnx::TensorProto::FLOAT16 &&
           to != onnx::TensorProto::BFLOAT16;
}

// Output rows/columns of a 2-D pooling window (ONNX semantics; ceil_mode drops a last window
// that would start in the right padding, as PyTorch does).
Dims pool_dims(const onnx::NodeProto& n, const Dims& x) {
    if (x.size() != 4) fail("an N x C x H x W input", dims_text(x));
    const Dims k = attr_ints(n, "kernel_shape");
    if (k.size() != 2) fail("a 2-D kernel_shape");
    Dims s = attr_ints(n, "strides"), p = attr_ints(n, "pads"), d = attr_ints(n, "dilations");
    if (s.empty()) s = {1, 1};
    if (p.empty()) p = {0, 0, 0, 0};
    if (d.empty()) d = {1, 1};
    if (s.size() != 2 || p.size() != 4 || d.size() != 2) fail("2 strides, 4 pads and 2 dilations");
    const auto* ap = attr(n, "auto_pad");
    const std::string auto_pad = ap ? ap->s() : "NOTSET";
    const bool ceil = attr_int(n, "ceil_mode", 0) != 0;
    Dims out = {x[0], x[1], 0, 0};
    for (int i = 0; i < 2; ++i) {
        if (k[i] < 1 || k[i] > kMaxDim || s[i] < 1 || s[i] > kMaxDim || d[i] < 1 || d[i] > kMaxDim ||
            p[i] < 0 || p[i] > kMaxDim || p[i + 2] < 0 || p[i + 2] > kMaxDim)
            fail("kernel, strides and dilations from 1 to 2^24 and pads from 0 to 2^24");
        const int64_t in = x[2 + i], span = (k[i] - 1) * d[i] + 1;
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            out[2 + i] = (in + s[i] - 1) / s[i];
            continue;
        }
        if (auto_pad != "NOTSET" && auto_pad != "VALID") fail("auto_pad NOTSET, VALID or SAME_*", auto_pad);
        const int64_t padded = in + (auto_pad == "VALID" ? 0 : p[i] + p[i + 2]);
        if (padded < span) fail("a window no larger than the padded input", dims_text(x));
        int64_t o = (padded - span + (ceil ? s[i] - 1 : 0)) / s[i] + 1;
        if (ceil && (o - 1) * s[i] >= in + p[i]) --o;
        out[2 + i] = o;
    }
    return out;
}

Dims matmul_dims(Dims a, Dims b) {
    if (a.empty() || b.empty()) fail("MatMul inputs of rank >= 1");
    const bool va = a.size() == 1, vb = b.size() == 1;
    if (va) a.insert(a.begin(), 1);
    if (vb) b.push_back(1);
    if (a.back() != b[b.size() - 2])
        fail("inner dimensions that agree", dims_text(a) + " x " + dims_text(b));
    const Dims ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
    Dims out = broadcast({&ba, &bb});
    if (!va) out.push_back(a[a.size() - 2]);
    if (!vb) out.push_back(b.back());
    return out;
}

// Axes of a reduction (attribute before opset 18, input 1 since; ReduceSum since 13).
Dims reduce_axes(const onnx::NodeProto& n, const Ins& in) {
    if (present(in, 1)) return ints_of(*in[1], "axes");
    return attr_ints(n, "axes");
}

// One function per operator family: output dims, and values when `fold` (every input has them).

std::vector<OpTensor> eval_unary(const onnx::NodeProto& n, const Ins&, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    out.dims = x.dims;
    out.integer = op == "Cast" ? cast_to_integer(n) : (x.integer || op == "Not");
    if (fold && kFoldUnary.count(op)) {
        out.values.reserve(x.values.size());
        for (double v : x.values) out.values.push_back(op == "Cast" && out.integer ? std::trunc(unary(op, v)) : unary(op, v));
        out.has_values = true;
    }
    std::vector<OpTensor> outs(static_cast<std::size_t>(std::max(1, n.output_size())), out);
    return outs;
}

std::vector<OpTensor> eval_binary(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor&, OpTensor out) {
    const std::string& op = n.op_type();
    std::vector<const OpTensor*> ts;  // the present inputs, in order
    std::vector<const Dims*> all;
    bool integer = true;
    for (const OpTensor* t : in)
        if (t) ts.push_back(t), all.push_back(&t->dims), integer = integer && t->integer;
    const bool variadic = op == "Sum" || op == "Mean" || op == "Max" || op == "Min";
    if (op == "Where" ? ts.size() != 3 || in.size() != 3 : ts.size() < (variadic ? 1u : 2u))
        fail("all inputs of " + op);
    out.dims = broadcast(all);
    checked_elems(out.dims);
    const bool compare = op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" ||
                         op == "GreaterOrEqual" || op == "And" || op == "Or";
    out.integer = compare || (op == "Where" ? ts[1]->integer && ts[2]->integer : integer);
    if (fold && op != "PRelu" && op != "Mean") {
        const int64_t count = checked_elems(out.dims);
        if (count <= kMaxFoldValues) {
            std::vector<Dims> strides;
            for (const Dims* d : all) strides.push_back(strides_of(*d));
            out.values.resize(static_cast<std::size_t>(count));
            Dims m(out.dims.size(), 0);
            for (int64_t i = 0; i < count; ++i) {
                auto at = [&](std::size_t k) { return ts[k]->values[broadcast_index(m, *all[k], strides[k])]; };
                if (op == "Where") {
                    out.values[i] = at(0) != 0 ? at(1) : at(2);
                } else {
                    double v = at(0);
                    for (std::size_t k = 1; k < ts.size(); ++k) v = binary(op, v, at(k), integer);
                    out.values[i] = v;
                }
                for (std::size_t k = m.size(); k-- > 0;) {
                    if (++m[k] < out.dims[k]) break;
                    m[k] = 0;
                }
            }
            out.has_values = true;
        }
    }
    return {out};
}

std::vector<OpTensor> eval_reduce(const onnx::NodeProto& n, const Ins& in, bool, const OpTensor& x, OpTensor out) {
    Dims axes = reduce_axes(n, in);
    const bool keep = attr_int(n, "keepdims", 1) != 0;
    if (axes.empty() && attr_int(n, "noop_with_empty_axes", 0) != 0) {
        out.dims = x.dims;
        return {out};
    }
    std::set<int64_t> reduced;
    for (int64_t a : axes) reduced.insert(norm_axis(a, x.dims.size()));
    for (std::size_t i = 0; i < x.dims.size(); ++i) {
        const bool r = axes.empty() || reduced.count(static_cast<int64_t>(i));
        if (!r) out.dims.push_back(x.dims[i]);
        else if (keep) out.dims.push_back(1);
    }
    return {out};
}

std::vector<OpTensor> eval_shape_of(const onnx::NodeProto& n, const Ins&, bool, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    const int64_t rank = static_cast<int64_t>(x.dims.size());
    int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", rank);
    start = std::clamp(start < 0 ? start + rank : start, int64_t{0}, rank);
    end = std::clamp(end < 0 ? end + rank : end, int64_t{0}, rank);
    out.integer = out.has_values = true;
    if (op == "Size") {
        out.values = {static_cast<double>(checked_elems(x.dims))};
    } else {
        for (int64_t i = start; i < end; ++i) out.values.push_back(static_cast<double>(x.dims[i]));
        out.dims = {static_cast<int64_t>(out.values.size())};
    }
    return {out};
}

std::vector<OpTensor> eval_matmul(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    out.dims = matmul_dims(x.dims, input(in, 1, "B").dims);
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_gemm(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    const Dims& b = input(in, 1, "B").dims;
    if (x.dims.size() != 2 || b.size() != 2) fail("2-D Gemm inputs");
    const bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
    if (x.dims[ta ? 0 : 1] != b[tb ? 1 : 0]) fail("inner dimensions that agree", dims_text(x.dims) + " x " + dims_text(b));
    out.dims = {x.dims[ta ? 1 : 0], b[tb ? 0 : 1]};
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_pool(const onnx::NodeProto& n, const Ins&, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    out.dims = pool_dims(n, x.dims);
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_global_pool(const onnx::NodeProto& n, const Ins&, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    if (x.dims.size() < 3) fail("an N x C x spatial input", dims_text(x.dims));
    out.dims = x.dims;
    std::fill(out.dims.begin() + 2, out.dims.end(), 1);
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_same_shape(const onnx::NodeProto& n, const Ins&, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    out.dims = x.dims;  // shape of the data; values not folded
    return finish(op, x, fold, std::move(out));
}

using EvalFn = std::vector<OpTensor> (*)(const onnx::NodeProto&, const Ins&, bool, const OpTensor&, OpTensor);

const std::map<std::string, EvalFn>& eval_table() {
    static const std::map<std::string, EvalFn> table = [] {
        std::map<std::string, EvalFn> t;
        for (const auto& op : kUnary) t[op] = eval_unary;
        for (const auto& op : kBinary) t[op] = eval_binary;
        for (const auto& op : kReduce) t[op] = eval_reduce;
        t["Shape"] = eval_shape_of;
        t["Size"] = eval_shape_of;
        t["Reshape"] = eval_reshape;
        t["Flatten"] = eval_flatten;
        t["Squeeze"] = eval_squeeze;
        t["Unsqueeze"] = eval_squeeze;
        t["Transpose"] = eval_transpose;
        t["Concat"] = eval_concat;
        t["Split"] = eval_split;
        t["Slice"] = eval_slice;
        t["Gather"] = eval_gather;
        t["Expand"] = eval_expand_tile;
        t["Tile"] = eval_expand_tile;
        t["Pad"] = eval_pad;
        t["ConstantOfShape"] = eval_constant_of_shape;
        t["Range"] = eval_range;
        t["MatMul"] = eval_matmul;
        t["Gemm"] = eval_gemm;
        t["MaxPool"] = eval_pool;
        t["AveragePool"] = eval_pool;
        t["GlobalAveragePool"] = eval_global_pool;
        t["GlobalMaxPool"] = eval_global_pool;
        t["ScatterND"] = eval_same_shape;
        t["ScatterElements"] = eval_same_shape;
        t["Trilu"] = eval_same_shape;
        return t;
    }();
    return table;
}

}  // namespace

int64_t checked_elems(const Dims& dims) {
    if (dims.size() > 8) fail("tensors of at most 8 dimensions", dims_text(dims));
    long double count = 1;
    for (int64_t d : dims) {
        if (d < 0 || d > kMaxDim) fail("dimensions from 0 to 2^24", dims_text(dims));
        count *= static_cast<long double>(d);
    }
    if (count > static_cast<long double>(kMaxCount)) fail("tensors of at most 2^52 elements", dims_text(dims));
    return static_cast<int64_t>(count);
}

ConstantValue constant_value(const onnx::NodeProto& n) {
    if (n.output_size() != 1) fail("one output");
    static const onnx::AttributeProto kNone;
    const onnx::AttributeProto& a = n.attribute_size() == 1 ? n.attribute(0) : kNone;
    ConstantValue c;
    OpTensor& t = c.folded;
    t.has_values = true;
    if (a.name() == "value" && a.has_t()) {
        c.stored = &a.t();
        t.has_values = false;
    } else if (a.name() == "value_float") {
        t.values = {a.f()};
    } else if (a.name() == "value_int") {
        t.values = {static_cast<double>(a.i())}, t.integer = true;
    } else if (a.name() == "value_floats") {
        t.values.assign(a.floats().begin(), a.floats().end());
        t.dims = {static_cast<int64_t>(t.values.size())};
    } else if (a.name() == "value_ints") {
        for (int64_t x : a.ints()) t.values.push_back(static_cast<double>(x));
        t.dims = {static_cast<int64_t>(t.values.size())}, t.integer = true;
    } else {
        fail("one numeric value attribute (value, value_float(s), value_int(s))");
    }
    return c;
}

bool is_generic_op(const std::string& op) {
    return kUnary.count(op) || kBinary.count(op) || kReduce.count(op) || kOther.count(op);
}

std::vector<OpTensor> eval_op(const onnx::NodeProto& n, const Ins& in, bool fold) {
    const std::string& op = n.op_type();
    const auto it = eval_table().find(op);
    if (it == eval_table().end()) fail("a known operator", op);
    bool all_values = true;
    for (const OpTensor* t : in)
        if (t && !t->has_values) all_values = false;
    static const OpTensor kNone;
    const OpTensor& x = op == "ConstantOfShape" || op == "Range" ? kNone : input(in, 0, "data");
    OpTensor out;
    out.integer = x.integer;
    return it->second(n, in, fold && all_values, x, std::move(out));
}


}  // namespace sx
