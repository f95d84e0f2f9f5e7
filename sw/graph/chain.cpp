#include "sw/graph/chain.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "sw/common/error.h"

namespace sx {

namespace {

// Tensors from which some compute node's input is computed (directly or through host nodes).
std::set<std::string> feeding_compute(const Graph& g) {
    std::set<std::string> feeds;
    for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it) {
        bool f = it->compute;
        for (const auto& o : it->outputs) f = f || feeds.count(o);
        if (f)
            for (const auto& i : it->inputs)
                if (!i.empty()) feeds.insert(i);
    }
    return feeds;
}

}  // namespace

ChainedNetwork::ChainedNetwork(const Graph& g, const Workload& wl, std::map<std::string, float> scales,
                               std::vector<Tensor> samples)
    : g_(g), scales_(std::move(scales)) {
    const std::vector<const Node*> nodes = g.compute_nodes();
    std::vector<const Layer*> layers;
    for (const auto& l : wl.layers)
        if (l.is_compute()) layers.push_back(&l);
    if (layers.size() != nodes.size())
        throw InputError(g.file, "graph", "the same compute layers in the host graph and the workload import",
                         std::to_string(nodes.size()) + " vs " + std::to_string(layers.size()));
    const std::set<std::string> feeds = feeding_compute(g);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = *nodes[i];
        const Layer& l = *layers[i];
        const bool same = n.K == l.K && n.C == l.C && (n.op != "Conv" || (n.R == l.R && n.S == l.S && n.groups == l.groups));
        if (!same)
            throw InputError(g.file, "node '" + n.name + "'", "the shape of workload layer '" + l.name + "'",
                             "K " + std::to_string(n.K) + ", C " + std::to_string(n.C));
        LayerQuant q;
        q.node = &n;
        q.in_scale = scale_of(n.inputs[0]);
        q.out_scale = scale_of(n.outputs[0]);
        q.final = !feeds.count(n.outputs[0]);
        layers_[l.name] = q;
    }
    for (auto& s : samples) exec_.push_back(std::make_unique<HostExecutor>(g, std::move(s)));
}

float ChainedNetwork::scale_of(const std::string& t) const {
    const auto it = scales_.find(t);
    if (it == scales_.end()) throw SimulationError("no calibrated scale for tensor '" + t + "'");
    return it->second;
}

const ChainedNetwork::LayerQuant& ChainedNetwork::quant_of(const Layer& l) const {
    const auto it = layers_.find(l.name);
    if (it == layers_.end()) throw SimulationError("chained run: layer '" + l.name + "' is not a compute node of the graph");
    return it->second;
}

ChainedNetwork::LayerQuant& ChainedNetwork::quant_of(const Layer& l) {
    return const_cast<LayerQuant&>(static_cast<const ChainedNetwork*>(this)->quant_of(l));
}

ChainedNetwork::ChannelRequant ChainedNetwork::channel_requant(const LayerQuant& q) const {
    const Node& n = *q.node;
    const auto K = static_cast<std::size_t>(n.K);
    ChannelRequant c;
    c.bias.resize(K);
    c.mult.resize(K);
    c.acc_scale.resize(K);
    for (std::size_t k = 0; k < K; ++k) {
        const double acc_scale = static_cast<double>(q.in_scale) * q.w_scale.at(k);
        c.bias[k] = quantize_bias(n.bias[k], acc_scale);
        c.mult[k] = fixed_point(acc_scale / q.out_scale);
        c.acc_scale[k] = acc_scale;
    }
    if (n.clip_max > 0) c.hi = clip_steps(n.clip_max, q.out_scale);  // ReLU6
    c.lo = n.relu ? 0 : -127;
    return c;
}

OutputRequant ChainedNetwork::layer_requant(const Layer& l) const {
    const ChannelRequant c = channel_requant(quant_of(l));
    OutputRequant r;
    r.bias = c.bias;
    for (const FixedPointMultiplier& f : c.mult) {
        r.multiplier.push_back(static_cast<int32_t>(f.multiplier));  // < 2^31
        r.shift.push_back(f.shift);
    }
    r.lo = c.lo;
    r.hi = c.hi;
    return r;
}

std::vector<int8_t> ChainedNetwork::host_requant(const Layer& l, const std::vector<int32_t>& acc) const {
    const LayerQuant& q = quant_of(l);
    const ChannelRequant c = channel_requant(q);
    const int64_t K = q.node->K;
    std::vector<int8_t> out(acc.size());
    // N x K x P x Q, or K x rows for an N-D MatMul (N = 1): channel k's values are the k-th of
    // every run of K planes.
    const int64_t plane = l.P() * l.Q();
    for (std::size_t i = 0; i < acc.size(); ++i) {
        const auto k = static_cast<std::size_t>((static_cast<int64_t>(i) / plane) % K);
        out[i] = requantize_fixed(static_cast<int64_t>(acc[i]) + c.bias[k], c.mult[k], c.lo, c.hi);
    }
    return out;
}

WeightImage ChainedNetwork::use_int8_weights() {
    WeightImage img;
    img.network = g_.file;
    for (auto& [name, q] : layers_) {
        const Node& n = *q.node;
        float amax = 0;
        for (float w : n.weights) amax = std::max(amax, std::fabs(w));
        const float s = amax > 0 ? amax / 127.0f : 1.0f;
        ImageLayer il;
        il.name = name;
        il.kind = ImageLayerKind::Raw;
        il.K = static_cast<uint32_t>(n.K), il.C = static_cast<uint32_t>(n.C);
        il.R = static_cast<uint32_t>(n.R), il.S = static_cast<uint32_t>(n.S), il.groups = static_cast<uint32_t>(n.groups);
        il.raw.resize(n.weights.size());
        for (std::size_t i = 0; i < n.weights.size(); ++i) il.raw[i] = quantize(n.weights[i], s);
        il.raw_scale = s;
        img.layers.push_back(std::move(il));
        q.w_scale.assign(static_cast<std::size_t>(n.K), s);  // BN already folded into the weights
    }
    return img;
}

void ChainedNetwork::use_weight_image(const WeightImage& img) {
    for (auto& [name, q] : layers_) {
        const ImageLayer* il = img.find(name);
        if (!il) throw InputError(img.network, "/layers/" + name, "a weight image layer for every compute layer");
        const std::size_t K = static_cast<std::size_t>(q.node->K);
        q.w_scale.assign(K, 1.0);
        for (std::size_t k = 0; k < K; ++k) {
            // One scale per filter: every block of filter k carries it (the image reader
            // refuses an image whose blocks of a filter differ).
            const double s = il->kind == ImageLayerKind::Decomposed ? il->blocks.at(k * il->blocks_per_filter).scale
                                                                    : il->raw_scale;
            q.w_scale[k] = s * q.node->bn_scale[k];
        }
    }
}

std::vector<int8_t> ChainedNetwork::layer_inputs(const Layer& l) {
    LayerQuant& q = quant_of(l);
    const Node& n = *q.node;
    std::vector<int8_t> out;
    out.reserve(static_cast<std::size_t>(l.input_elems()));
    std::vector<const Tensor*> xs;
    for (auto& ex : exec_) {
        const Node* next = ex->next();
        if (next != &n)
            throw SimulationError("chained run: layer '" + l.name + "' asked for out of graph order (next compute node: " +
                                  (next ? next->name : std::string("none")) + ")");
        xs.push_back(&ex->get(n.inputs[0]));
    }
    // The importer supplies asymmetric padding with a host Pad (the layer then has padding 0).
    const bool host_pad = n.op == "Conv" && l.padding == 0 && (n.pad_h0 || n.pad_h1 || n.pad_w0 || n.pad_w1);
    for (const Tensor* x : xs) {
        if (n.op == "Conv" && host_pad) {
            const int64_t C = x->dims[1], H = x->dims[2], W = x->dims[3];
            const int64_t Hp = H + n.pad_h0 + n.pad_h1, Wp = W + n.pad_w0 + n.pad_w1;
            std::vector<int8_t> p(static_cast<std::size_t>(C * Hp * Wp), 0);
            for (int64_t c = 0; c < C; ++c)
                for (int64_t h = 0; h < H; ++h)
                    for (int64_t w = 0; w < W; ++w)
                        p[(c * Hp + h + n.pad_h0) * Wp + w + n.pad_w0] = quantize(x->data[(c * H + h) * W + w], q.in_scale);
            out.insert(out.end(), p.begin(), p.end());
        } else if (n.matmul_nd) {
            continue;  // below: all samples' rows form one C x rows matrix
        } else {
            for (float v : x->data) out.push_back(quantize(v, q.in_scale));
        }
    }
    if (n.matmul_nd) {  // [rows, C] per sample -> C x (all rows): the 1x1 convolution's layout
        const int64_t C = n.C;
        int64_t rows = 0;
        for (const Tensor* x : xs) rows += x->elements() / C;
        out.assign(static_cast<std::size_t>(C * rows), 0);
        int64_t r0 = 0;
        for (const Tensor* x : xs) {
            const int64_t r = x->elements() / C;
            for (int64_t i = 0; i < r; ++i)
                for (int64_t c = 0; c < C; ++c) out[c * rows + r0 + i] = quantize(x->data[i * C + c], q.in_scale);
            r0 += r;
        }
    }
    if (static_cast<int64_t>(out.size()) != l.input_elems())
        throw SimulationError("chained run: layer '" + l.name + "' takes " + std::to_string(l.input_elems()) +
                              " inputs, the graph gives " + std::to_string(out.size()));
    return out;
}

void ChainedNetwork::layer_outputs(const Layer& l, const std::vector<int32_t>& acc, const std::vector<int8_t>& stored) {
    LayerQuant& q = quant_of(l);
    const Node& n = *q.node;
    const std::vector<int64_t>& od = n.out_dims[0];
    const int64_t per_sample = Tensor::count(od);
    const int64_t N = static_cast<int64_t>(exec_.size());
    if (static_cast<int64_t>(acc.size()) != per_sample * N || stored.size() != acc.size())
        throw SimulationError("chained run: layer '" + l.name + "' returned " + std::to_string(acc.size()) +
                              " accumulators and " + std::to_string(stored.size()) + " stored outputs, expected " +
                              std::to_string(per_sample * N));
    const int64_t K = n.K, plane = per_sample / K;
    const ChannelRequant c = channel_requant(q);
    for (int64_t s = 0; s < N; ++s) {
        Tensor t(od);
        for (int64_t k = 0; k < K; ++k)
            for (int64_t i = 0; i < plane; ++i) {
                // Accumulator layout: N x K x P x Q (Conv, FC); K x (all rows) for an N-D MatMul.
                const int64_t a_idx = n.matmul_nd ? k * (plane * N) + s * plane + i : (s * K + k) * plane + i;
                const int64_t t_idx = n.matmul_nd ? i * K + k : k * plane + i;
                float v;
                if (q.final) {
                    // The classifier: logits keep their precision (int32 + bias, dequantised).
                    const int64_t a = static_cast<int64_t>(acc[a_idx]) + c.bias[k];
                    v = static_cast<float>(static_cast<double>(a) * c.acc_scale[k]);
                    if (n.relu) v = std::max(v, 0.0f);
                    if (n.clip_max > 0) v = std::min(v, n.clip_max);
                } else {
                    v = static_cast<float>(stored[a_idx]) * q.out_scale;  // as read back from DRAM
                }
                t.data[t_idx] = v;
            }
        exec_[s]->set(n.outputs[0], std::move(t));
    }
}

std::vector<Tensor> ChainedNetwork::finish() {
    std::vector<Tensor> out;
    for (auto& ex : exec_) {
        if (const Node* n = ex->next())
            throw SimulationError("chained run: compute node '" + n->name + "' was not simulated");
        out.push_back(ex->outputs().at(0));
    }
    return out;
}

}  // namespace sx
