#include "sw/config/tech_table.h"

#include <algorithm>
#include <cmath>

#include "sw/common/error.h"

namespace sx {

namespace {
std::string required_source(const JsonNode& node) {
    const std::string s = node.get_string("source");
    if (s.empty()) node.at("source").fail("a non-empty citation for the number");
    return s;
}

// Linear interpolation in log2(capacity) of one SRAM column, clamped at the table's ends.
double interpolate(const std::vector<SramPoint>& pts, double capacity_kib, double SramPoint::*field,
                   const std::string& file) {
    if (pts.empty()) throw InputError(file, "/sram", "at least one SRAM point", "none");
    if (!(capacity_kib > 0)) throw InputError(file, "/sram", "a positive SRAM capacity to look up", std::to_string(capacity_kib));
    if (capacity_kib <= pts.front().capacity_kib) return pts.front().*field;
    if (capacity_kib >= pts.back().capacity_kib) return pts.back().*field;
    for (std::size_t i = 1; i < pts.size(); ++i) {
        if (capacity_kib <= pts[i].capacity_kib) {
            const double x0 = std::log2(pts[i - 1].capacity_kib), x1 = std::log2(pts[i].capacity_kib);
            const double t = (std::log2(capacity_kib) - x0) / (x1 - x0);
            return pts[i - 1].*field + t * (pts[i].*field - pts[i - 1].*field);
        }
    }
    return pts.back().*field;
}
}  // namespace

double TechTable::pj(const std::string& action) const {
    auto it = energy.find(action);
    if (it == energy.end())
        throw InputError(file, "/energy/" + action, "an energy entry '" + action + "' in technology table '" + name + "'",
                         "nothing (the entry is missing)");
    return it->second.value;
}

double TechTable::sram_read_pj(double capacity_kib, int width_bits) const {
    return interpolate(sram, capacity_kib, &SramPoint::read_pj_per_64b, file) * width_bits / 64.0;
}

double TechTable::sram_write_pj(double capacity_kib, int width_bits) const {
    return interpolate(sram, capacity_kib, &SramPoint::write_pj_per_64b, file) * width_bits / 64.0;
}

double TechTable::sram_leakage_mw(double capacity_kib) const {
    return interpolate(sram, capacity_kib, &SramPoint::leakage_mw, file);
}

TechTable parse_tech_table(const json& doc, const std::string& path) {
    const JsonNode root(doc, path);
    root.expect_only({"name", "node_nm", "notes", "energy", "sram"});
    TechTable t;
    t.file = path;
    t.name = root.get_string("name");
    t.node_nm = static_cast<int>(root.get_int("node_nm", 1, 1000));
    if (root.has("notes")) root.get_string("notes");

    const JsonNode energy = root.at("energy");
    for (const auto& key : energy.keys()) {
        const JsonNode e = energy.at(key);
        e.expect_only({"value", "unit", "source"});
        TechEntry entry;
        entry.value = e.get_double("value", 0.0);
        entry.unit = e.get_string("unit");
        if (entry.unit.empty()) e.at("unit").fail("a non-empty unit such as \"pJ\"");
        entry.source = required_source(e);
        t.energy[key] = entry;
    }

    const JsonNode sram = root.at("sram");
    if (sram.size() == 0) sram.fail("a non-empty array of SRAM points");
    for (std::size_t i = 0; i < sram.size(); ++i) {
        const JsonNode p = sram.at(i);
        p.expect_only({"capacity_kib", "read_pj_per_64b", "write_pj_per_64b", "leakage_mw", "source"});
        SramPoint pt;
        pt.capacity_kib = p.get_double("capacity_kib", 0.0);
        if (!(pt.capacity_kib > 0)) p.at("capacity_kib").fail("a capacity > 0 KiB");
        pt.read_pj_per_64b = p.get_double("read_pj_per_64b", 0.0);
        pt.write_pj_per_64b = p.get_double("write_pj_per_64b", 0.0);
        pt.leakage_mw = p.get_double("leakage_mw", 0.0);
        pt.source = required_source(p);
        for (const auto& other : t.sram)
            if (other.capacity_kib == pt.capacity_kib) p.at("capacity_kib").fail("a capacity not listed twice");
        t.sram.push_back(pt);
    }
    std::sort(t.sram.begin(), t.sram.end(),
              [](const SramPoint& a, const SramPoint& b) { return a.capacity_kib < b.capacity_kib; });
    return t;
}

TechTable load_tech_table(const std::string& path) { return parse_tech_table(load_json_file(path), path); }

}  // namespace sx
