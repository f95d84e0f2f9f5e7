// Shape rules (and constant folding) of the ONNX data-movement operators: Reshape, Flatten,
// Squeeze/Unsqueeze, Transpose, Concat, Split, Slice, Gather, Expand/Tile, Pad,
// ConstantOfShape, Range. Declared in onnx_ops_detail.h; dispatched by onnx_ops.cpp.
#include <algorithm>
#include <cmath>

#include <onnx/onnx_pb.h>

#include "sw/io/onnx_ops_detail.h"
#include "sw/io/onnx_tensor.h"
#include "sw/workload/workload.h"

namespace sx::onnx_detail {

std::vector<OpTensor> eval_reshape(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    const Dims shape = ints_of(input(in, 1, "shape"), "target shape");
    const bool allowzero = attr_int(n, "allowzero", 0) != 0;
    const int64_t count = checked_elems(x.dims);
    int64_t known = 1, infer = -1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        int64_t d = shape[i];
        if (d == 0 && !allowzero) {
            if (i >= x.dims.size()) fail("a 0 (copy) only where the input has a dimension", dims_text(shape));
            d = x.dims[i];
        }
        if (d == -1) {
            if (infer >= 0) fail("at most one -1 in the target shape", dims_text(shape));
            infer = static_cast<int64_t>(i);
        } else if (d < 0 || d > kMaxDim) {
            fail("target dimensions from -1 to 2^24", dims_text(shape));
        } else {
            if (d > 0 && known > kMaxCount / d) fail("a target shape of at most 2^52 elements", dims_text(shape));
            known *= d;
        }
        out.dims.push_back(d);
    }
    if (infer >= 0) {
        if (known == 0 || count % known) fail("a target shape matching " + dims_text(x.dims), dims_text(shape));
        out.dims[infer] = count / known;
    }
    if (checked_elems(out.dims) != count)
        fail("a target shape with the input's " + std::to_string(count) + " elements " + dims_text(x.dims), dims_text(shape));
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_flatten(const onnx::NodeProto& n, const Ins&, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    const int64_t axis = norm_axis(attr_int(n, "axis", 1), x.dims.size(), true);
    int64_t a = 1, b = 1;
    for (std::size_t i = 0; i < x.dims.size(); ++i) (static_cast<int64_t>(i) < axis ? a : b) *= x.dims[i];
    checked_elems(x.dims);
    out.dims = {a, b};
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_squeeze(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    const Dims axes = present(in, 1) ? ints_of(*in[1], "axes") : attr_ints(n, "axes");
    if (op == "Squeeze") {
        std::set<int64_t> s;
        for (int64_t a : axes) s.insert(norm_axis(a, x.dims.size()));
        for (std::size_t i = 0; i < x.dims.size(); ++i) {
            const bool drop = axes.empty() ? x.dims[i] == 1 : s.count(static_cast<int64_t>(i)) > 0;
            if (drop && x.dims[i] != 1) fail("squeezed dimensions of size 1", dims_text(x.dims));
            if (!drop) out.dims.push_back(x.dims[i]);
        }
    } else {
        const std::size_t rank = x.dims.size() + axes.size();
        std::set<int64_t> s;
        for (int64_t a : axes)
            if (!s.insert(norm_axis(a, rank)).second) fail("distinct axes");
        for (std::size_t i = 0, k = 0; i < rank; ++i) out.dims.push_back(s.count(static_cast<int64_t>(i)) ? 1 : x.dims[k++]);
    }
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_transpose(const onnx::NodeProto& n, const Ins&, bool fold, const OpTensor& x, OpTensor out) {
    Dims perm = attr_ints(n, "perm");
    if (perm.empty())
        for (std::size_t i = x.dims.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
    Dims sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i)
        if (sorted.size() != x.dims.size() || sorted[i] != static_cast<int64_t>(i)) fail("a permutation of the input's axes", dims_text(perm));
    for (int64_t p : perm) out.dims.push_back(x.dims[p]);
    if (fold && checked_elems(out.dims) <= kMaxFoldValues) {
        const Dims st = strides_of(x.dims);
        remap(out, x, [&](const Dims& m) {
            int64_t idx = 0;
            for (std::size_t i = 0; i < m.size(); ++i) idx += m[i] * st[perm[i]];
            return idx;
        });
    }
    return {out};
}

std::vector<OpTensor> eval_concat(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    if (!has_attr(n, "axis")) fail("an axis attribute");
    const int64_t axis = norm_axis(attr_int(n, "axis", 0), x.dims.size());
    out.dims = x.dims;
    out.dims[axis] = 0;
    for (const OpTensor* t : in) {
        if (!t) continue;
        if (t->dims.size() != x.dims.size()) fail("inputs of the same rank", dims_text(t->dims));
        for (std::size_t i = 0; i < x.dims.size(); ++i)
            if (static_cast<int64_t>(i) != axis && t->dims[i] != x.dims[i])
                fail("inputs that differ only along axis " + std::to_string(axis), dims_text(x.dims) + " and " + dims_text(t->dims));
        out.dims[axis] += t->dims[axis];
        out.integer = out.integer && t->integer;
    }
    checked_elems(out.dims);
    if (fold && checked_elems(out.dims) <= kMaxFoldValues) {
        OpTensor all;  // the inputs' values concatenated; remap picks the right one
        std::vector<int64_t> offset;
        for (const OpTensor* t : in)
            if (t) offset.push_back(static_cast<int64_t>(all.values.size())), all.values.insert(all.values.end(), t->values.begin(), t->values.end());
        remap(out, all, [&](const Dims& m) {
            int64_t a = m[axis];
            std::size_t k = 0;
            for (const OpTensor* t : in) {
                if (!t) continue;
                if (a < t->dims[axis]) break;
                a -= t->dims[axis];
                ++k;
            }
            const OpTensor* t = nullptr;
            for (std::size_t j = 0, seen = 0; j < in.size(); ++j)
                if (in[j] && seen++ == k) t = in[j];
            Dims mm = m;
            mm[axis] = a;
            const Dims st = strides_of(t->dims);
            int64_t idx = offset[k];
            for (std::size_t i = 0; i < mm.size(); ++i) idx += mm[i] * st[i];
            return idx;
        });
        out.integer = all.integer = out.integer;
    }
    return {out};
}

std::vector<OpTensor> eval_split(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const int64_t axis = norm_axis(attr_int(n, "axis", 0), x.dims.size());
    Dims split = present(in, 1) ? ints_of(*in[1], "split sizes") : attr_ints(n, "split");
    const int64_t parts = n.output_size();
    if (parts < 1) fail("at least one output");
    if (split.empty()) {
        const int64_t each = (x.dims[axis] + parts - 1) / parts;
        for (int64_t i = 0, left = x.dims[axis]; i < parts; ++i, left -= each) split.push_back(std::min(each, left));
    }
    int64_t total = 0;
    for (int64_t s : split) {
        if (s < 0) fail("split sizes >= 0");
        total += s;
    }
    if (static_cast<int64_t>(split.size()) != parts || total != x.dims[axis])
        fail(std::to_string(parts) + " split sizes adding up to " + std::to_string(x.dims[axis]), dims_text(split));
    std::vector<OpTensor> outs;
    int64_t start = 0;
    for (int64_t s : split) {
        OpTensor o;
        o.dims = x.dims;
        o.dims[axis] = s;
        o.integer = x.integer;
        if (fold && checked_elems(o.dims) <= kMaxFoldValues) {
            const Dims st = strides_of(x.dims);
            remap(o, x, [&](const Dims& m) {
                int64_t idx = 0;
                for (std::size_t i = 0; i < m.size(); ++i) idx += (m[i] + (static_cast<int64_t>(i) == axis ? start : 0)) * st[i];
                return idx;
            });
        }
        start += s;
        outs.push_back(std::move(o));
    }
    return outs;
}

std::vector<OpTensor> eval_slice(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    Dims starts, ends, axes, steps;
    if (present(in, 1)) {
        starts = ints_of(input(in, 1, "starts"), "starts");
        ends = ints_of(input(in, 2, "ends"), "ends");
        if (present(in, 3)) axes = ints_of(*in[3], "axes");
        if (present(in, 4)) steps = ints_of(*in[4], "steps");
    } else {
        starts = attr_ints(n, "starts"), ends = attr_ints(n, "ends"), axes = attr_ints(n, "axes");
    }
    if (axes.empty())
        for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
        fail("starts, ends, axes and steps of the same length");
    Dims first(x.dims.size(), 0), step(x.dims.size(), 1);
    out.dims = x.dims;
    for (std::size_t j = 0; j < starts.size(); ++j) {
        const int64_t a = norm_axis(axes[j], x.dims.size()), d = x.dims[a], st = steps[j];
        if (st == 0) fail("non-zero steps");
        auto clampi = [&](int64_t v, int64_t lo, int64_t hi) {
            if (v < 0) v = v < -d ? -1 : v + d;  // beyond -d: before the first element
            return std::clamp(v, lo, hi);
        };
        const int64_t s = st > 0 ? clampi(starts[j], 0, d) : clampi(starts[j], -1, d - 1);
        const int64_t e = st > 0 ? clampi(ends[j], 0, d) : clampi(ends[j], -1, d - 1);
        const int64_t len = st > 0 ? (e > s ? (e - s + st - 1) / st : 0) : (s > e ? (s - e - st - 1) / -st : 0);
        first[a] = s, step[a] = st, out.dims[a] = len;
    }
    if (fold && checked_elems(out.dims) <= kMaxFoldValues) {
        const Dims st = strides_of(x.dims);
        remap(out, x, [&](const Dims& m) {
            int64_t idx = 0;
            for (std::size_t i = 0; i < m.size(); ++i) idx += (first[i] + m[i] * step[i]) * st[i];
            return idx;
        });
    }
    return {out};
}

std::vector<OpTensor> eval_gather(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const OpTensor& idx = input(in, 1, "indices");
    const int64_t axis = norm_axis(attr_int(n, "axis", 0), x.dims.size());
    out.dims.assign(x.dims.begin(), x.dims.begin() + axis);
    out.dims.insert(out.dims.end(), idx.dims.begin(), idx.dims.end());
    out.dims.insert(out.dims.end(), x.dims.begin() + axis + 1, x.dims.end());
    checked_elems(out.dims);
    if (fold && checked_elems(out.dims) <= kMaxFoldValues) {
        const Dims st = strides_of(x.dims), ist = strides_of(idx.dims);
        const int64_t d = x.dims[axis];
        for (double v : idx.values)
            if (v < -d || v >= d) fail("indices within the gathered axis of " + std::to_string(d), std::to_string(v));
        remap(out, x, [&](const Dims& m) {
            int64_t k = 0;
            for (std::size_t i = 0; i < idx.dims.size(); ++i) k += m[axis + i] * ist[i];
            int64_t g = static_cast<int64_t>(idx.values[k]);
            if (g < 0) g += d;
            int64_t r = 0;
            for (int64_t i = 0; i < axis; ++i) r += m[i] * st[i];
            r += g * st[axis];
            for (std::size_t i = axis + 1; i < x.dims.size(); ++i) r += m[i + idx.dims.size() - 1] * st[i];
            return r;
        });
    }
    return {out};
}

std::vector<OpTensor> eval_expand_tile(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    const Dims shape = ints_of(input(in, 1, op == "Expand" ? "shape" : "repeats"), op == "Expand" ? "shape" : "repeats");
    for (int64_t d : shape)
        if (d < 0 || d > kMaxDim) fail("dimensions from 0 to 2^24", dims_text(shape));
    if (op == "Expand") {
        out.dims = broadcast({&x.dims, &shape});
        checked_elems(out.dims);
        if (fold && checked_elems(out.dims) <= kMaxFoldValues) {
            const Dims st = strides_of(x.dims);
            remap(out, x, [&](const Dims& m) { return broadcast_index(m, x.dims, st); });
        }
        return {out};
    }
    if (shape.size() != x.dims.size()) fail("one repeat per dimension", dims_text(shape));
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (x.dims[i] > 0 && shape[i] > kMaxDim / x.dims[i]) fail("dimensions up to 2^24", dims_text(shape));
        out.dims.push_back(x.dims[i] * shape[i]);
    }
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_pad(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out) {
    const std::string& op = n.op_type();
    const Dims pads = present(in, 1) ? ints_of(*in[1], "pads") : attr_ints(n, "pads");
    if (present(in, 3)) fail("Pad without axes");
    if (pads.size() != 2 * x.dims.size()) fail(std::to_string(2 * x.dims.size()) + " pads", dims_text(pads));
    out.dims = x.dims;
    for (std::size_t i = 0; i < x.dims.size(); ++i) {
        if (std::abs(pads[i]) > kMaxDim || std::abs(pads[i + x.dims.size()]) > kMaxDim) fail("pads within 2^24");
        out.dims[i] += pads[i] + pads[i + x.dims.size()];
        if (out.dims[i] < 0) fail("pads that leave a non-negative size", dims_text(pads));
    }
    return finish(op, x, fold, std::move(out));
}

std::vector<OpTensor> eval_constant_of_shape(const onnx::NodeProto& n, const Ins& in, bool, const OpTensor&, OpTensor out) {
    out.dims = ints_of(input(in, 0, "shape"), "shape");
    const int64_t count = checked_elems(out.dims);
    double value = 0;
    if (const auto* a = attr(n, "value"); a && a->has_t()) {
        std::vector<double> v;
        const std::string problem = tensor_values(a->t(), 1, v);
        if (!problem.empty() || v.size() != 1) fail("a one-element value", problem);
        value = v[0];
        out.integer = a->t().data_type() != onnx::TensorProto::FLOAT && a->t().data_type() != onnx::TensorProto::DOUBLE &&
                      a->t().data_type() != onnx::TensorProto::FLOAT16;
    }
    if (count <= kMaxFoldValues) out.values.assign(static_cast<std::size_t>(count), value), out.has_values = true;
    return {out};
}

std::vector<OpTensor> eval_range(const onnx::NodeProto&, const Ins& in, bool, const OpTensor&, OpTensor out) {
    const Dims s = ints_of(input(in, 0, "start"), "start");
    const OpTensor &l = input(in, 1, "limit"), &d = input(in, 2, "delta");
    if (!l.has_values || !d.has_values || in[0]->values.size() != 1 || l.values.size() != 1 || d.values.size() != 1)
        fail("scalar constant start, limit and delta");
    const double start = in[0]->values[0], limit = l.values[0], delta = d.values[0];
    if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta)) fail("a finite, non-zero delta");
    const double count = std::max(std::ceil((limit - start) / delta), 0.0);
    if (count > static_cast<double>(kMaxDim)) fail("at most 2^24 values");
    out.dims = {static_cast<int64_t>(count)};
    out.integer = in[0]->integer && l.integer && d.integer;
    if (out.dims[0] <= kMaxFoldValues) {
        for (int64_t i = 0; i < out.dims[0]; ++i) out.values.push_back(start + static_cast<double>(i) * delta);
        out.has_values = true;
    }
    (void)s;
    return {out};
}

}  // namespace sx::onnx_detail
