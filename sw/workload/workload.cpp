#include "sw/workload/workload.h"

#include <map>
#include <set>

#include "sw/common/error.h"

namespace sx {

const char* to_string(LayerType t) {
    switch (t) {
        case LayerType::Conv: return "conv";
        case LayerType::FullyConnected: return "fc";
        case LayerType::MaxPool: return "maxpool";
        case LayerType::AvgPool: return "avgpool";
        case LayerType::GlobalAvgPool: return "global_avgpool";
        case LayerType::Add: return "add";
        case LayerType::Host: return "host";
    }
    return "?";
}

int64_t Layer::weights() const {
    if (!is_compute()) return 0;
    return K * (C / groups) * R * S;
}

int64_t Layer::macs() const {
    if (!is_compute()) return 0;
    return N * K * P() * Q() * (C / groups) * R * S;
}

int64_t Layer::output_elems() const { return N * K * P() * Q(); }

int64_t Workload::total_macs() const {
    int64_t sum = 0;
    for (const auto& l : layers) sum += l.macs();
    return sum;
}

const Layer* Workload::find(const std::string& name) const {
    for (const auto& l : layers)
        if (l.name == name) return &l;
    return nullptr;
}

void Workload::set_batch(int64_t n) {
    batch = n;
    for (auto& l : layers) {
        l.N = n;
        if (l.type == LayerType::Host && !l.shape.empty()) l.shape[0] = n;
    }
}

std::string set_host_view(Layer& l) {
    if (l.shape.empty()) return "a shape of at least one dimension";
    long double elems = 1;
    for (int64_t d : l.shape) {
        if (d < 1 || d > kMaxDim) return "dimensions from 1 to 2^24 (shape dimension " + std::to_string(d) + ")";
        elems *= static_cast<long double>(d);
    }
    if (elems > static_cast<long double>(kMaxCount)) return "a tensor of at most 2^52 elements (dimensions too large)";
    const auto dim = [&](std::size_t i) { return i < l.shape.size() ? l.shape[i] : int64_t{1}; };
    l.N = dim(0);
    l.C = l.K = dim(1);
    l.H = dim(2);
    l.W = 1;
    for (std::size_t i = 3; i < l.shape.size(); ++i) l.W *= l.shape[i];
    l.R = l.S = l.stride = l.groups = 1;
    l.padding = 0;
    return "";
}

std::string layer_bounds_problem(const Layer& l) {
    if (l.type == LayerType::Host) {  // the view's W is a product: bound the shape, not the view
        Layer copy = l;
        return set_host_view(copy);
    }
    for (int64_t d : {l.N, l.C, l.K, l.H, l.W, l.R, l.S, l.stride, l.groups})
        if (d < 1 || d > kMaxDim) return "dimensions from 1 to 2^24 (found " + std::to_string(d) + ")";
    if (l.padding < 0 || l.padding > kMaxDim) return "padding from 0 to 2^24";
    // long double: the products of up to seven bounded dimensions cannot overflow it.
    const long double n = l.N, c = l.C, k = l.K, h = l.H, w = l.W;
    const long double p = l.P(), q = l.Q(), per_group = l.C / l.groups, r = l.R, s = l.S;
    const long double counts[] = {n * c * h * w, n * k * p * q, k * per_group * r * s, n * k * p * q * per_group * r * s};
    for (long double v : counts)
        if (v > static_cast<long double>(kMaxCount)) return "a layer of at most 2^52 MACs and elements (dimensions too large)";
    return "";
}

namespace {

const std::vector<std::string> kTypeNames = {"conv", "fc", "maxpool", "avgpool", "global_avgpool", "add", "host"};

LayerType type_from_name(const std::string& s) {
    for (std::size_t i = 0; i < kTypeNames.size(); ++i)
        if (kTypeNames[i] == s) return static_cast<LayerType>(i);
    return LayerType::Conv;  // unreachable: the name was validated with get_enum
}

// Output tensor of a layer (or of the network input) as the next layer sees it.
struct Shape {
    int64_t N, K, P, Q;
};

std::string shape_text(const Shape& s) {
    return "N=" + std::to_string(s.N) + " K=" + std::to_string(s.K) + " P=" + std::to_string(s.P) +
           " Q=" + std::to_string(s.Q);
}

// Provenance is good practice but must not block a quick experiment: a missing "source" is
// recorded as unspecified, with a warning naming the file and the field.
std::string source_or_default(const JsonNode& node, const std::string& what, std::vector<std::string>& warnings) {
    const std::string given = node.get_string_or("source", "");
    if (!given.empty()) return given;
    const std::string field = (node.pointer() == "/" ? std::string() : node.pointer()) + "/source";
    warnings.push_back(node.file() + ": " + field + ": no source for " + what + "; recorded as unspecified");
    return "unspecified (no source field in " + node.file() + (node.pointer() == "/" ? "" : " at " + node.pointer()) + ")";
}

LayerStats parse_stats(const JsonNode& node, std::vector<std::string>& warnings) {
    node.expect_only({"weight_density", "activation_density", "source"});
    LayerStats st;
    auto density = [&](const char* key) -> std::optional<double> {
        auto n = node.find(key);
        if (!n) return std::nullopt;
        const double v = n->as_double();
        if (!(v > 0.0 && v <= 1.0)) n->fail("a density in (0, 1]");
        return v;
    };
    st.weight_density = density("weight_density");
    st.activation_density = density("activation_density");
    if (st.weight_density || st.activation_density) st.source = source_or_default(node, "the densities", warnings);
    else st.source = node.get_string_or("source", "");
    return st;
}

// Hardening (fuzz_workload finding, docs/hardening.md): without upper bounds, e.g.
// "padding": 9223372036854775807 overflowed H + 2*padding (undefined behaviour), and huge
// K or N overflowed macs(). Every dimension is bounded (kMaxDim), and so is every count
// consumers derive from a layer (layer_bounds_problem).
void check_counts(const JsonNode& node, const Layer& l) {
    const std::string problem = layer_bounds_problem(l);
    if (!problem.empty()) node.fail(problem);
}

// A host layer: {"name", "type": "host", "op", "shape": [dims], "inputs": [producers]}.
Layer parse_host_layer(const JsonNode& node, Layer l) {
    node.expect_only({"name", "type", "op", "shape", "input", "inputs"});
    l.name = node.get_string("name");
    if (l.name.empty()) node.at("name").fail("a non-empty layer name");
    if (l.name == "input") node.at("name").fail("a layer name other than \"input\" (reserved for the network input)");
    l.op = node.get_string("op");
    if (l.op.empty()) node.at("op").fail("a non-empty operator name");
    const JsonNode shape = node.at("shape");
    if (shape.size() < 1 || shape.size() > 8) shape.fail("an array of 1 to 8 dimensions");
    for (std::size_t i = 0; i < shape.size(); ++i) l.shape.push_back(shape.at(i).as_int(1, kMaxDim));
    const std::string problem = set_host_view(l);
    if (!problem.empty()) shape.fail(problem);
    if (node.has("input") && node.has("inputs")) node.at("inputs").fail("either \"input\" or \"inputs\", not both");
    if (auto in = node.find("input")) {
        l.inputs.push_back(in->as_string());
    } else if (auto ins = node.find("inputs")) {
        if (ins->size() < 1) ins->fail("an array of at least 1 producer name");
        for (std::size_t i = 0; i < ins->size(); ++i) l.inputs.push_back(ins->at(i).as_string());
    }
    return l;
}

Layer parse_layer(const JsonNode& node, int64_t batch, std::vector<std::string>& warnings) {
    node.expect_object();
    if (node.has("type") && node.at("type").as_string() == "host") {
        Layer l;
        l.type = LayerType::Host;
        return parse_host_layer(node, std::move(l));
    }
    node.expect_only({"name", "type", "N", "C", "K", "H", "W", "R", "S", "stride", "padding", "groups", "input",
                      "inputs", "stats"});
    Layer l;
    l.name = node.get_string("name");
    if (l.name.empty()) node.at("name").fail("a non-empty layer name");
    if (l.name == "input") node.at("name").fail("a layer name other than \"input\" (reserved for the network input)");
    l.type = type_from_name(node.get_enum("type", kTypeNames));

    l.N = node.get_int_or("N", batch, 1, kMaxDim);
    l.C = node.get_int("C", 1, kMaxDim);
    l.K = node.get_int("K", 1, kMaxDim);
    const bool fc = l.type == LayerType::FullyConnected;
    const bool gap = l.type == LayerType::GlobalAvgPool;
    const bool add = l.type == LayerType::Add;
    l.H = fc ? node.get_int_or("H", 1, 1, kMaxDim) : node.get_int("H", 1, kMaxDim);
    l.W = fc ? node.get_int_or("W", 1, 1, kMaxDim) : node.get_int("W", 1, kMaxDim);
    if (fc || add) {
        l.R = node.get_int_or("R", 1, 1, kMaxDim);
        l.S = node.get_int_or("S", 1, 1, kMaxDim);
    } else if (gap) {
        l.R = node.get_int_or("R", l.H, 1, kMaxDim);
        l.S = node.get_int_or("S", l.W, 1, kMaxDim);
    } else {
        l.R = node.get_int("R", 1, kMaxDim);
        l.S = node.get_int("S", 1, kMaxDim);
    }
    l.stride = node.get_int_or("stride", 1, 1, kMaxDim);
    l.padding = node.get_int_or("padding", 0, 0, kMaxDim);
    l.groups = node.get_int_or("groups", 1, 1, kMaxDim);

    // Type-specific shape rules.
    if (fc) {
        for (const char* k : {"H", "W", "R", "S", "stride"})
            if (node.has(k) && node.at(k).as_int() != 1) node.at(k).fail("1 (a fully connected layer works on a flattened vector)");
        if (l.padding != 0) node.at("padding").fail("0 for a fully connected layer");
    }
    if (!l.is_compute()) {
        if (l.K != l.C) node.at("K").fail("K equal to C (" + std::to_string(l.C) + ") for a " + to_string(l.type) + " layer");
        if (l.groups != 1) node.at("groups").fail("1 for a " + std::string(to_string(l.type)) + " layer");
    }
    if (gap) {
        if (l.R != l.H) node.at("R").fail("R equal to H (" + std::to_string(l.H) + ") for global_avgpool");
        if (l.S != l.W) node.at("S").fail("S equal to W (" + std::to_string(l.W) + ") for global_avgpool");
    }
    if (add) {
        if (l.R != 1) node.at("R").fail("1 for an add layer");
        if (l.S != 1) node.at("S").fail("1 for an add layer");
        if (l.stride != 1) node.at("stride").fail("1 for an add layer");
        if (l.padding != 0) node.at("padding").fail("0 for an add layer");
    }
    if (l.C % l.groups != 0) node.at("groups").fail("a divisor of C (" + std::to_string(l.C) + ")");
    if (l.K % l.groups != 0) node.at("groups").fail("a divisor of K (" + std::to_string(l.K) + ")");
    if (l.H + 2 * l.padding < l.R)
        node.at("R").fail("R <= H + 2*padding (" + std::to_string(l.H + 2 * l.padding) + ") so the output has at least one row");
    if (l.W + 2 * l.padding < l.S)
        node.at("S").fail("S <= W + 2*padding (" + std::to_string(l.W + 2 * l.padding) + ") so the output has at least one column");

    check_counts(node, l);

    if (node.has("input") && node.has("inputs")) node.at("inputs").fail("either \"input\" or \"inputs\", not both");
    if (auto in = node.find("input")) {
        l.inputs.push_back(in->as_string());
    } else if (auto ins = node.find("inputs")) {
        if (ins->size() < (add ? 2u : 1u)) ins->fail(add ? "an array of at least 2 producer names" : "an array of 1 producer name");
        if (!add && ins->size() != 1) ins->fail("a single producer (only add layers take several inputs)");
        for (std::size_t i = 0; i < ins->size(); ++i) l.inputs.push_back(ins->at(i).as_string());
    } else if (add) {
        node.fail_member("inputs", "an array of at least 2 producer names for an add layer");
    }
    if (node.has("stats")) l.stats = parse_stats(node.at("stats"), warnings);
    return l;
}

}  // namespace

Workload parse_workload(const json& doc, const std::string& path) {
    const JsonNode root(doc, path);
    root.expect_only({"name", "source", "notes", "batch", "input", "layers"});
    Workload w;
    w.file = path;
    w.name = root.get_string("name");
    w.source = source_or_default(root, "the shapes", w.warnings);
    if (root.has("notes")) root.get_string("notes");
    w.batch = root.get_int_or("batch", 1, 1, kMaxDim);
    const JsonNode in = root.at("input");
    in.expect_only({"C", "H", "W"});
    w.in_C = in.get_int("C", 1, kMaxDim);
    w.in_H = in.get_int("H", 1, kMaxDim);
    w.in_W = in.get_int("W", 1, kMaxDim);

    const JsonNode layers = root.at("layers");
    if (layers.size() == 0) layers.fail("a non-empty array of layers");
    std::map<std::string, Shape> produced;
    std::set<std::string> host;  // names of host layers
    produced["input"] = Shape{w.batch, w.in_C, w.in_H, w.in_W};
    std::string previous = "input";
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const JsonNode node = layers.at(i);
        Layer l = parse_layer(node, w.batch, w.warnings);
        if (produced.count(l.name)) node.at("name").fail("a unique layer name ('" + l.name + "' is already used)");
        if (l.inputs.empty()) l.inputs.push_back(previous);

        // Every producer must exist already and its output must be this layer's input.
        for (std::size_t j = 0; j < l.inputs.size(); ++j) {
            const std::string& p = l.inputs[j];
            const JsonNode where = node.has("inputs") ? node.at("inputs").at(j)
                                   : node.has("input") ? node.at("input") : node;
            auto it = produced.find(p);
            if (it == produced.end())
                where.fail("the name of a layer defined earlier (or \"input\"); '" + p + "' is not");
            const Shape& s = it->second;
            const std::string from = " (output of '" + p + "': " + shape_text(s) + ")";
            if (l.type == LayerType::Host) continue;  // a host op may reshape, slice or transpose its inputs
            if (host.count(p)) {
                // A host output is re-read by its consumer (Reshape semantics): the element
                // counts must agree, the 4-D views need not.
                if (l.input_elems() != s.N * s.K * s.P * s.Q)
                    node.fail("N*C*H*W = " + std::to_string(s.N * s.K * s.P * s.Q) + " elements" + from);
                continue;
            }
            if (l.N != s.N) node.fail_member("N", "N = " + std::to_string(s.N) + from);
            if (l.type == LayerType::FullyConnected) {
                if (l.C != s.K * s.P * s.Q)
                    node.at("C").fail("C = K*P*Q = " + std::to_string(s.K * s.P * s.Q) + " (flattened" + from + ")");
            } else {
                if (l.C != s.K) node.at("C").fail("C = " + std::to_string(s.K) + from);
                if (l.H != s.P) node.at("H").fail("H = " + std::to_string(s.P) + from);
                if (l.W != s.Q) node.at("W").fail("W = " + std::to_string(s.Q) + from);
            }
        }
        produced[l.name] = Shape{l.N, l.K, l.P(), l.Q()};
        if (l.type == LayerType::Host) host.insert(l.name);
        previous = l.name;
        w.layers.push_back(std::move(l));
    }
    return w;
}

Workload load_workload(const std::string& path) { return parse_workload(load_json_file(path), path); }

}  // namespace sx
