#include "sw/graph/float_ops.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <Eigen/Dense>

#include "sw/common/error.h"

namespace sx {

namespace {

using Dims = std::vector<int64_t>;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

[[noreturn]] void bad(const Node& n, const std::string& expected) {
    throw InputError("", "node '" + n.name + "' (" + n.op + ")", expected);
}

Dims strides_of(const Dims& d) {
    Dims s(d.size(), 1);
    for (std::size_t i = d.size(); i-- > 1;) s[i - 1] = s[i] * d[i];
    return s;
}

int64_t attr_or(const Node& n, const char* name, int64_t fallback) {
    const auto it = n.ints.find(name);
    return it == n.ints.end() || it->second.empty() ? fallback : it->second[0];
}

// Numpy broadcasting of a binary operator into `out` (dims already known).
template <class F>
void broadcast(const Tensor& a, const Tensor& b, Tensor& out, F f) {
    const std::size_t rank = out.dims.size();
    auto bstrides = [&](const Tensor& t) {
        Dims d(rank, 1);
        for (std::size_t i = 0; i < t.dims.size(); ++i) d[rank - t.dims.size() + i] = t.dims[i];
        Dims s = strides_of(d);
        for (std::size_t i = 0; i < rank; ++i)
            if (d[i] == 1) s[i] = 0;
        return s;
    };
    const Dims sa = bstrides(a), sb = bstrides(b);
    Dims idx(rank, 0);
    const int64_t total = out.elements();
    int64_t oa = 0, ob = 0;
    for (int64_t i = 0; i < total; ++i) {
        out.data[i] = f(a.data[oa], b.data[ob]);
        for (std::size_t d = rank; d-- > 0;) {  // odometer
            ++idx[d];
            oa += sa[d], ob += sb[d];
            if (idx[d] < out.dims[d]) break;
            oa -= sa[d] * idx[d], ob -= sb[d] * idx[d];
            idx[d] = 0;
        }
    }
}

Tensor pool(const Node& n, const Tensor& x, const Dims& od) {
    const bool max = n.op == "MaxPool";
    const Dims k = n.ints.count("kernel_shape") ? n.ints.at("kernel_shape") : Dims{};
    if (x.dims.size() != 4 || k.size() != 2) bad(n, "2-D pooling of an N x C x H x W tensor");
    const Dims st = n.ints.count("strides") ? n.ints.at("strides") : Dims{1, 1};
    const Dims pads = n.ints.count("pads") ? n.ints.at("pads") : Dims{0, 0, 0, 0};
    const bool include_pad = attr_or(n, "count_include_pad", 0) != 0;
    const int64_t C = x.dims[1], H = x.dims[2], W = x.dims[3], P = od[2], Q = od[3];
    Tensor out(od);
    for (int64_t c = 0; c < C; ++c)
        for (int64_t p = 0; p < P; ++p)
            for (int64_t q = 0; q < Q; ++q) {
                const int64_t h0 = p * st[0] - pads[0], w0 = q * st[1] - pads[1];
                const int64_t h1 = std::min(h0 + k[0], H + pads[2]), w1 = std::min(w0 + k[1], W + pads[3]);
                float acc = max ? -INFINITY : 0.0f;
                int64_t count = 0;
                for (int64_t h = std::max<int64_t>(h0, 0); h < std::min(h1, H); ++h)
                    for (int64_t w = std::max<int64_t>(w0, 0); w < std::min(w1, W); ++w) {
                        const float v = x.data[(c * H + h) * W + w];
                        acc = max ? std::max(acc, v) : acc + v;
                        ++count;
                    }
                if (!max) acc /= static_cast<float>(include_pad ? (h1 - h0) * (w1 - w0) : std::max<int64_t>(count, 1));
                out.data[(c * P + p) * Q + q] = acc;
            }
    return out;
}

// Mean over `axes` (sorted, non-negative) into `od`'s element order.
Tensor reduce_mean(const Tensor& x, const std::vector<bool>& reduced, const Dims& od) {
    Tensor out(od);
    const Dims s = strides_of(x.dims);
    // Output strides in the input's rank (reduced axes contribute 0).
    Dims kept;
    for (std::size_t d = 0; d < x.dims.size(); ++d) kept.push_back(reduced[d] ? 1 : x.dims[d]);
    const Dims ks = strides_of(kept);
    int64_t group = 1;
    for (std::size_t d = 0; d < x.dims.size(); ++d)
        if (reduced[d]) group *= x.dims[d];
    for (int64_t i = 0; i < x.elements(); ++i) {
        int64_t rem = i, o = 0;
        for (std::size_t d = 0; d < x.dims.size(); ++d) {
            const int64_t c = rem / s[d];
            rem %= s[d];
            if (!reduced[d]) o += c * ks[d];
        }
        out.data[o] += x.data[i];
    }
    for (float& v : out.data) v /= static_cast<float>(group);
    return out;
}

float apply_act(float v, const Node& n) {
    if (n.relu) v = std::max(v, 0.0f);
    if (n.clip_max > 0) v = std::min(v, n.clip_max);
    return v;
}

}  // namespace

Tensor conv2d(const Tensor& x, const std::vector<float>& w, int64_t K, int64_t R, int64_t S, int64_t groups,
              int64_t stride, int64_t pad_h0, int64_t pad_w0, int64_t pad_h1, int64_t pad_w1) {
    const int64_t C = x.dims[1], H = x.dims[2], W = x.dims[3];
    const int64_t P = (H + pad_h0 + pad_h1 - R) / stride + 1, Q = (W + pad_w0 + pad_w1 - S) / stride + 1;
    const int64_t Cg = C / groups, Kg = K / groups;
    Tensor out({1, K, P, Q});
    // im2col per group: (Cg*R*S) x (P*Q), then one GEMM with the group's Kg x (Cg*R*S) weights.
    RowMat cols(Cg * R * S, P * Q);
    for (int64_t g = 0; g < groups; ++g) {
        for (int64_t c = 0; c < Cg; ++c)
            for (int64_t r = 0; r < R; ++r)
                for (int64_t s = 0; s < S; ++s) {
                    float* row = cols.data() + ((c * R + r) * S + s) * P * Q;
                    const float* plane = x.data.data() + (g * Cg + c) * H * W;
                    for (int64_t p = 0; p < P; ++p) {
                        const int64_t h = p * stride - pad_h0 + r;
                        for (int64_t q = 0; q < Q; ++q) {
                            const int64_t ww = q * stride - pad_w0 + s;
                            row[p * Q + q] = (h >= 0 && h < H && ww >= 0 && ww < W) ? plane[h * W + ww] : 0.0f;
                        }
                    }
                }
        Eigen::Map<const RowMat> wm(w.data() + g * Kg * Cg * R * S, Kg, Cg * R * S);
        Eigen::Map<RowMat> om(out.data.data() + g * Kg * P * Q, Kg, P * Q);
        om.noalias() = wm * cols;
    }
    return out;
}

Tensor run_compute_float(const Node& n, const Tensor& x) {
    Tensor out;
    if (n.op == "Conv") {
        out = conv2d(x, n.weights, n.K, n.R, n.S, n.groups, n.stride, n.pad_h0, n.pad_w0, n.pad_h1, n.pad_w1);
        const int64_t plane = out.dims[2] * out.dims[3];
        for (int64_t k = 0; k < n.K; ++k)
            for (int64_t i = 0; i < plane; ++i) {
                float& v = out.data[k * plane + i];
                v = apply_act(v + n.bias[k], n);
            }
        return out;
    }
    // Gemm / MatMul: rows of C features times the K x C weights.
    const int64_t rows = x.elements() / n.C;
    Dims od = x.dims;
    od.back() = n.K;
    out = Tensor(od);
    Eigen::Map<const RowMat> xm(x.data.data(), rows, n.C);
    Eigen::Map<const RowMat> wm(n.weights.data(), n.K, n.C);
    Eigen::Map<RowMat> om(out.data.data(), rows, n.K);
    om.noalias() = xm * wm.transpose();
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t k = 0; k < n.K; ++k) om(r, k) = apply_act(om(r, k) + n.bias[k], n);
    return out;
}

std::vector<Tensor> run_host_op(const Node& n, const std::vector<const Tensor*>& in) {
    const std::string& op = n.op;
    if (in.empty() || !in[0]) bad(n, "an input");
    const Tensor& x = *in[0];
    const Dims& od = n.out_dims.at(0);
    auto unary = [&](auto f) {
        Tensor o(x.dims, x.data);
        for (float& v : o.data) v = f(v);
        return std::vector<Tensor>{std::move(o)};
    };
    if (op == "Relu") return unary([](float v) { return std::max(v, 0.0f); });
    if (op == "Sigmoid") return unary([](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    if (op == "Tanh") return unary([](float v) { return std::tanh(v); });
    if (op == "LeakyRelu") {
        const float a = n.floats.count("alpha") ? n.floats.at("alpha") : 0.01f;
        return unary([a](float v) { return v < 0 ? a * v : v; });
    }
    if (op == "Clip") {
        float lo = n.floats.count("min") ? n.floats.at("min") : -INFINITY;
        float hi = n.floats.count("max") ? n.floats.at("max") : INFINITY;
        if (in.size() > 1 && in[1]) lo = in[1]->data.at(0);
        if (in.size() > 2 && in[2]) hi = in[2]->data.at(0);
        return unary([lo, hi](float v) { return std::min(std::max(v, lo), hi); });
    }
    if (op == "Identity" || op == "Dropout" || op == "Flatten" || op == "Reshape" || op == "Squeeze" ||
        op == "Unsqueeze")
        return {Tensor(od, x.data)};
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
        if (in.size() < 2 || !in[1]) bad(n, "two inputs");
        Tensor o(od);
        if (op == "Add") broadcast(x, *in[1], o, [](float a, float b) { return a + b; });
        if (op == "Sub") broadcast(x, *in[1], o, [](float a, float b) { return a - b; });
        if (op == "Mul") broadcast(x, *in[1], o, [](float a, float b) { return a * b; });
        if (op == "Div") broadcast(x, *in[1], o, [](float a, float b) { return a / b; });
        return {std::move(o)};
    }
    if (op == "MaxPool" || op == "AveragePool") return {pool(n, x, od)};
    if (op == "GlobalAveragePool" || op == "ReduceMean") {
        std::vector<bool> reduced(x.dims.size(), false);
        if (op == "GlobalAveragePool") {
            for (std::size_t d = 2; d < x.dims.size(); ++d) reduced[d] = true;
        } else {
            Dims axes = n.ints.count("axes") ? n.ints.at("axes") : Dims{};
            if (axes.empty() && in.size() > 1 && in[1])
                for (float a : in[1]->data) axes.push_back(static_cast<int64_t>(a));
            if (axes.empty()) reduced.assign(x.dims.size(), true);
            for (int64_t a : axes) reduced.at(static_cast<std::size_t>(a < 0 ? a + static_cast<int64_t>(x.dims.size()) : a)) = true;
        }
        return {reduce_mean(x, reduced, od)};
    }
    if (op == "Softmax") {
        const int64_t rank = static_cast<int64_t>(x.dims.size());
        int64_t axis = attr_or(n, "axis", -1);
        if (axis < 0) axis += rank;
        int64_t outer = 1, len = x.dims.at(static_cast<std::size_t>(axis)), inner = 1;
        for (int64_t d = 0; d < axis; ++d) outer *= x.dims[d];
        for (int64_t d = axis + 1; d < rank; ++d) inner *= x.dims[d];
        Tensor o(x.dims, x.data);
        for (int64_t a = 0; a < outer; ++a)
            for (int64_t b = 0; b < inner; ++b) {
                float m = -INFINITY, sum = 0;
                for (int64_t i = 0; i < len; ++i) m = std::max(m, o.data[(a * len + i) * inner + b]);
                for (int64_t i = 0; i < len; ++i) sum += (o.data[(a * len + i) * inner + b] = std::exp(o.data[(a * len + i) * inner + b] - m));
                for (int64_t i = 0; i < len; ++i) o.data[(a * len + i) * inner + b] /= sum;
            }
        return {std::move(o)};
    }
    if (op == "BatchNormalization") {
        if (in.size() < 5) bad(n, "scale, bias, mean and variance inputs");
        const float eps = n.floats.count("epsilon") ? n.floats.at("epsilon") : 1e-5f;
        const int64_t C = x.dims.at(1), plane = x.elements() / C;
        Tensor o(x.dims, x.data);
        for (int64_t c = 0; c < C; ++c) {
            // The loader refuses a constant variance with var + eps <= 0 naming the file; this
            // catches one computed at run time, before sqrt makes it a NaN.
            if (!(in[4]->data.at(c) + eps > 0)) bad(n, "input_var + epsilon > 0 in every channel (input 4)");
            const float g = in[1]->data.at(c) / std::sqrt(in[4]->data.at(c) + eps);
            for (int64_t i = 0; i < plane; ++i) {
                float& v = o.data[c * plane + i];
                v = (v - in[3]->data.at(c)) * g + in[2]->data.at(c);
            }
        }
        return {std::move(o)};
    }
    if (op == "Concat") {
        const int64_t rank = static_cast<int64_t>(od.size());
        int64_t axis = attr_or(n, "axis", 0);
        if (axis < 0) axis += rank;
        int64_t outer = 1, inner = 1;
        for (int64_t d = 0; d < axis; ++d) outer *= od[d];
        for (int64_t d = axis + 1; d < rank; ++d) inner *= od[d];
        Tensor o(od);
        int64_t offset = 0;
        for (const Tensor* t : in) {
            if (!t) continue;
            const int64_t len = t->dims.at(static_cast<std::size_t>(axis)) * inner;
            for (int64_t a = 0; a < outer; ++a)
                std::copy_n(t->data.data() + a * len, len, o.data.data() + a * od[axis] * inner + offset);
            offset += len;
        }
        return {std::move(o)};
    }
    bad(n, "an operator the host graph runner executes");
}

}  // namespace sx
