#include "sw/workflow/compare.h"

#include <algorithm>

#include "sw/workflow/point_runner.h"

namespace sx {

namespace {

bool is_component(const std::string& c) {
    return c.rfind("energy_", 0) == 0 && c.size() > 10 && c.compare(c.size() - 3, 3, "_pj") == 0 &&
           c != "energy_total_pj";
}
std::string component_name(const std::string& c) { return c.substr(7, c.size() - 10); }

void add(Figures& into, const Figures& f) {
    into.cycles += f.cycles;
    into.latency_us += f.latency_us;
    into.energy_pj += f.energy_pj;
    into.dram_bytes += f.dram_bytes;
    into.area_mm2 = f.area_mm2;  // one chip: the same on every layer
    into.static_power_mw = f.static_power_mw;
    into.energy_by_component.resize(std::max(into.energy_by_component.size(), f.energy_by_component.size()));
    for (std::size_t i = 0; i < f.energy_by_component.size(); ++i) into.energy_by_component[i] += f.energy_by_component[i];
}

}  // namespace

const CompareDesign& CompareResult::ref() const {
    for (const auto& d : designs)
        if (d.name == reference) return d;
    return designs.front();
}

std::optional<double> CompareResult::ratio(double value, double reference_value) const {
    if (reference_value == 0) return std::nullopt;
    return value / reference_value;
}

void fill_compare_figures(CompareResult& r, const RecordTable& layers) {
    r.components.clear();
    for (const auto& c : layers.columns())
        if (is_component(c)) r.components.push_back(component_name(c));
    r.layer_order.clear();
    r.layer_types.clear();
    for (auto& d : r.designs) {
        d.layers.clear();
        d.total = Figures{};
        d.total.energy_by_component.assign(r.components.size(), 0.0);
        for (std::size_t i = 0; i < layers.size(); ++i) {
            if (layers.get(i, "point_id") != d.point_id) continue;
            const std::string sim = layers.get(i, "simulated");
            if (sim == "0" || sim == "false") continue;
            Figures f;
            f.cycles = to_number(layers.get(i, "cycles"));
            f.latency_us = to_number(layers.get(i, "latency_us"));
            f.energy_pj = to_number(layers.get(i, "energy_total_pj"));
            f.dram_bytes = to_number(layers.get(i, "dram_read_bytes")) + to_number(layers.get(i, "dram_write_bytes"));
            f.area_mm2 = to_number(layers.get(i, "area_mm2"));
            f.static_power_mw = to_number(layers.get(i, "static_power_mw"));
            for (const auto& c : r.components) f.energy_by_component.push_back(to_number(layers.get(i, "energy_" + c + "_pj")));
            const std::string name = layers.get(i, "layer");
            if (std::find(r.layer_order.begin(), r.layer_order.end(), name) == r.layer_order.end()) {
                r.layer_order.push_back(name);
                r.layer_types.push_back(layers.get(i, "type"));
            }
            add(d.total, f);
            d.layers[name] = std::move(f);
        }
    }
}

std::string compare_csv(const CompareResult& r) {
    std::vector<std::string> header = {"design", "reference", "layer", "type", "status", "cycles", "latency_us",
                                       "energy_total_pj", "edp_pj_us", "dram_bytes", "area_mm2", "static_power_mw"};
    for (const auto& c : r.components) header.push_back("energy_" + c + "_pj");
    for (const char* k : {"latency", "energy", "edp", "dram", "area", "static_power"})
        header.push_back(std::string(k) + "_ratio");
    std::string out = csv_line(header);
    const CompareDesign& ref = r.ref();
    auto ratio_cell = [&](double v, double base) {
        const auto q = r.ratio(v, base);
        return q ? format_number(*q) : std::string();
    };
    auto row = [&](const CompareDesign& d, const std::string& layer, const std::string& type, const Figures& f,
                   const Figures* base) {
        std::vector<std::string> cells = {d.name, r.reference, layer, type, d.status, format_number(f.cycles),
                                          format_number(f.latency_us), format_number(f.energy_pj),
                                          format_number(f.edp_pj_us()), format_number(f.dram_bytes),
                                          format_number(f.area_mm2), format_number(f.static_power_mw)};
        for (std::size_t i = 0; i < r.components.size(); ++i)
            cells.push_back(format_number(i < f.energy_by_component.size() ? f.energy_by_component[i] : 0));
        for (auto [v, b] : {std::pair{f.latency_us, base ? base->latency_us : 0},
                            std::pair{f.energy_pj, base ? base->energy_pj : 0},
                            std::pair{f.edp_pj_us(), base ? base->edp_pj_us() : 0},
                            std::pair{f.dram_bytes, base ? base->dram_bytes : 0},
                            std::pair{f.area_mm2, base ? base->area_mm2 : 0},
                            std::pair{f.static_power_mw, base ? base->static_power_mw : 0}})
            cells.push_back(base ? ratio_cell(v, b) : "");
        out += csv_line(cells);
    };
    for (const auto& d : r.designs) {
        if (d.status != "ok") {
            std::vector<std::string> cells(header.size());
            cells[0] = d.name, cells[1] = r.reference, cells[2] = "total", cells[4] = d.status;
            out += csv_line(cells);
            continue;
        }
        for (std::size_t i = 0; i < r.layer_order.size(); ++i) {
            const auto it = d.layers.find(r.layer_order[i]);
            if (it == d.layers.end()) continue;
            const auto rit = ref.layers.find(r.layer_order[i]);
            row(d, r.layer_order[i], r.layer_types[i], it->second, rit == ref.layers.end() ? nullptr : &rit->second);
        }
        row(d, "total", "", d.total, ref.status == "ok" ? &ref.total : nullptr);
    }
    return out;
}

json compare_json(const CompareResult& r) {
    auto figures = [&](const Figures& f) {
        json j = {{"cycles", f.cycles}, {"latency_us", f.latency_us}, {"energy_total_pj", f.energy_pj},
                  {"edp_pj_us", f.edp_pj_us()}, {"dram_bytes", f.dram_bytes}, {"area_mm2", f.area_mm2},
                  {"static_power_mw", f.static_power_mw}, {"energy_pj", json::object()}};
        for (std::size_t i = 0; i < r.components.size() && i < f.energy_by_component.size(); ++i)
            j["energy_pj"][r.components[i]] = f.energy_by_component[i];
        return j;
    };
    const CompareDesign& ref = r.ref();
    json out = {{"model", r.model}, {"reference", r.reference}, {"normalization", r.normalization},
                {"units", {{"latency", "us"}, {"energy", "pJ"}, {"edp", "pJ*us"}, {"dram", "bytes"},
                           {"area", "mm^2"}, {"static_power", "mW"}}},
                {"ratios", "design / reference"}, {"designs", json::array()}};
    for (const auto& d : r.designs) {
        json jd = {{"name", d.name}, {"arch", d.arch}, {"point_id", d.point_id}, {"status", d.status},
                   {"error", d.error}, {"normalization", d.normalization.notes},
                   {"overrides", json::object()}, {"mac_units", d.normalization.mac_units_after},
                   {"sram_kib", d.normalization.sram_kib_after}};
        for (const auto& [k, v] : d.normalization.overrides) jd["overrides"][k] = v;
        if (d.normalization.area_target_mm2 > 0)  // --iso-area: what the search reached
            jd["iso_area"] = {{"target_mm2", d.normalization.area_target_mm2},
                              {"before_mm2", d.normalization.area_before_mm2},
                              {"achieved_mm2", d.normalization.area_after_mm2},
                              {"deviation", d.normalization.area_after_mm2 / d.normalization.area_target_mm2 - 1}};
        if (d.status == "ok") {
            jd["total"] = figures(d.total);
            if (ref.status == "ok") {
                json ratios = json::object();
                auto put = [&](const char* k, double v, double b) {
                    const auto q = r.ratio(v, b);
                    ratios[k] = q ? json(*q) : json(nullptr);
                };
                put("latency", d.total.latency_us, ref.total.latency_us);
                put("energy", d.total.energy_pj, ref.total.energy_pj);
                put("edp", d.total.edp_pj_us(), ref.total.edp_pj_us());
                put("dram", d.total.dram_bytes, ref.total.dram_bytes);
                put("area", d.total.area_mm2, ref.total.area_mm2);
                put("static_power", d.total.static_power_mw, ref.total.static_power_mw);
                jd["total_ratios"] = ratios;
            }
            jd["layers"] = json::array();
            for (const auto& name : r.layer_order) {
                const auto it = d.layers.find(name);
                if (it == d.layers.end()) continue;
                json jl = figures(it->second);
                jl["layer"] = name;
                jd["layers"].push_back(jl);
            }
        }
        out["designs"].push_back(jd);
    }
    return out;
}

}  // namespace sx
