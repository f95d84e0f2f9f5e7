#include "sw/trace/layer_result_json.h"

#include <cmath>
#include <cstring>

#include "sw/common/error.h"

namespace sx {

namespace {

// JSON numbers cannot hold NaN or infinities; those travel as strings. Finite doubles are
// written by nlohmann with round-trip precision (17 significant digits).
json dbl(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return v;
}

double dbl_of(const json& j) {
    if (j.is_string()) {
        const std::string s = j.get<std::string>();
        if (s == "nan") return std::nan("");
        if (s == "inf") return INFINITY;
        if (s == "-inf") return -INFINITY;
        throw SimulationError("layer result message: '" + s + "' is not a number");
    }
    return j.get<double>();
}

json layer_to_json(const Layer& l) {
    json stats = json::object();
    if (l.stats.weight_density) stats["weight_density"] = dbl(*l.stats.weight_density);
    if (l.stats.activation_density) stats["activation_density"] = dbl(*l.stats.activation_density);
    stats["source"] = l.stats.source;
    return {{"name", l.name}, {"type", static_cast<int>(l.type)}, {"N", l.N}, {"C", l.C}, {"K", l.K}, {"H", l.H},
            {"W", l.W}, {"R", l.R}, {"S", l.S}, {"stride", l.stride}, {"padding", l.padding}, {"groups", l.groups},
            {"inputs", l.inputs}, {"stats", stats}, {"op", l.op}, {"shape", l.shape}};
}

Layer layer_from_json(const json& j) {
    Layer l;
    l.name = j.at("name").get<std::string>();
    l.type = static_cast<LayerType>(j.at("type").get<int>());
    l.N = j.at("N"), l.C = j.at("C"), l.K = j.at("K"), l.H = j.at("H"), l.W = j.at("W");
    l.R = j.at("R"), l.S = j.at("S"), l.stride = j.at("stride"), l.padding = j.at("padding"), l.groups = j.at("groups");
    l.inputs = j.at("inputs").get<std::vector<std::string>>();
    const json& s = j.at("stats");
    if (s.contains("weight_density")) l.stats.weight_density = dbl_of(s["weight_density"]);
    if (s.contains("activation_density")) l.stats.activation_density = dbl_of(s["activation_density"]);
    l.stats.source = s.at("source").get<std::string>();
    l.op = j.at("op").get<std::string>();
    l.shape = j.at("shape").get<std::vector<int64_t>>();
    return l;
}

}  // namespace

json layer_result_to_json(const LayerResult& r) {
    const CheckMismatch& m = r.mismatch;
    json buffers = json::array();
    for (const auto& b : r.buffers)
        buffers.push_back({b.reads, b.writes, b.read_bytes, b.write_bytes, b.conflict_cycles});
    json energy = json::array();
    for (double e : r.energy_pj) energy.push_back(dbl(e));
    json extra = json::object();
    for (const auto& [k, v] : r.extra) extra[k] = dbl(v);
    const ActivationStats& a = r.activations;
    return {{"layer", layer_to_json(r.layer)},
            {"simulated", r.simulated},
            {"check", static_cast<int>(r.check)},
            {"mismatch", {m.index, m.value, m.reference, m.count, m.outputs, m.reference_outputs, m.what}},
            {"macs", r.macs}, {"macs_executed", r.macs_executed}, {"macs_skipped", r.macs_skipped},
            {"cycles", r.cycles}, {"latency_us", dbl(r.latency_us)}, {"pe_utilization", dbl(r.pe_utilization)},
            {"active_pes", r.active_pes}, {"dram_read_bytes", r.dram_read_bytes},
            {"dram_write_bytes", r.dram_write_bytes}, {"dram_row_hits", r.dram_row_hits},
            {"dram_row_misses", r.dram_row_misses}, {"buffers", buffers}, {"rf_accesses", r.rf_accesses},
            {"energy_pj", energy}, {"extra", extra},
            {"activations", {{"density", dbl(a.density)}, {"booth_digits", a.booth_digits},
                             {"ce_rows_skipped", a.ce_rows_skipped}}}};
}

LayerResult layer_result_from_json(const json& j) {
    try {
        LayerResult r;
        r.layer = layer_from_json(j.at("layer"));
        r.simulated = j.at("simulated").get<bool>();
        r.check = static_cast<CheckStatus>(j.at("check").get<int>());
        const json& m = j.at("mismatch");
        r.mismatch = CheckMismatch{m.at(0), m.at(1), m.at(2), m.at(3), m.at(4), m.at(5), m.at(6).get<std::string>()};
        r.macs = j.at("macs"), r.macs_executed = j.at("macs_executed"), r.macs_skipped = j.at("macs_skipped");
        r.cycles = j.at("cycles");
        r.latency_us = dbl_of(j.at("latency_us"));
        r.pe_utilization = dbl_of(j.at("pe_utilization"));
        r.active_pes = j.at("active_pes");
        r.dram_read_bytes = j.at("dram_read_bytes"), r.dram_write_bytes = j.at("dram_write_bytes");
        r.dram_row_hits = j.at("dram_row_hits"), r.dram_row_misses = j.at("dram_row_misses");
        const json& b = j.at("buffers");
        if (b.size() != r.buffers.size()) throw SimulationError("layer result message: wrong number of buffers");
        for (std::size_t i = 0; i < r.buffers.size(); ++i)
            r.buffers[i] = BufferCounters{b[i].at(0), b[i].at(1), b[i].at(2), b[i].at(3), b[i].at(4)};
        r.rf_accesses = j.at("rf_accesses");
        const json& e = j.at("energy_pj");
        if (e.size() != r.energy_pj.size()) throw SimulationError("layer result message: wrong number of energies");
        for (std::size_t i = 0; i < r.energy_pj.size(); ++i) r.energy_pj[i] = dbl_of(e[i]);
        for (const auto& [k, v] : j.at("extra").items()) r.extra[k] = dbl_of(v);
        const json& a = j.at("activations");
        r.activations.density = dbl_of(a.at("density"));
        r.activations.booth_digits = a.at("booth_digits").get<std::array<uint64_t, 5>>();
        r.activations.ce_rows_skipped = a.at("ce_rows_skipped");
        return r;
    } catch (const json::exception& e) {
        throw SimulationError(std::string("layer result message: ") + e.what());
    }
}

}  // namespace sx
