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

std::string required_grade(const JsonNode& node) {
    const std::string g = node.get_string("grade");
    if (g != "A" && g != "B" && g != "C" && g != "D" && g != "T")
        node.at("grade").fail("a confidence grade A, B, C, D or T (docs/energy-model.md)", "\"" + g + "\"");
    return g;
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

namespace {
double lookup(const std::map<std::string, TechEntry>& m, const std::string& section, const std::string& key,
              const TechTable& t, const char* what) {
    auto it = m.find(key);
    if (it == m.end())
        throw InputError(t.file, "/" + section + "/" + key,
                         std::string("an ") + what + " entry '" + key + "' in technology table '" + t.name + "'",
                         "nothing (the entry is missing)");
    return it->second.value;
}
}  // namespace

double TechTable::area_um2(const std::string& unit) const { return lookup(area, "area", unit, *this, "area"); }
double TechTable::leakage_uw(const std::string& unit) const { return lookup(leakage, "leakage", unit, *this, "leakage"); }
double TechTable::control_fraction() const { return lookup(area, "area", "control_fraction", *this, "area"); }

double TechTable::sram_read_pj(double capacity_kib, int width_bits) const {
    return interpolate(sram, capacity_kib, &SramPoint::read_pj_per_64b, file) * width_bits / 64.0;
}

double TechTable::sram_write_pj(double capacity_kib, int width_bits) const {
    return interpolate(sram, capacity_kib, &SramPoint::write_pj_per_64b, file) * width_bits / 64.0;
}

double TechTable::sram_leakage_mw(double capacity_kib) const {
    return interpolate(sram, capacity_kib, &SramPoint::leakage_mw, file);
}

double TechTable::sram_area_mm2(double capacity_kib) const {
    for (std::size_t i = 0; i < sram.size(); ++i)
        if (sram[i].area_mm2 < 0)
            throw InputError(file, "/sram", "an area_mm2 on every SRAM point (technology table '" + name + "')",
                             "a point of " + std::to_string(sram[i].capacity_kib) + " KiB without one");
    return interpolate(sram, capacity_kib, &SramPoint::area_mm2, file);
}

TechTable parse_tech_table(const json& doc, const std::string& path) {
    const JsonNode root(doc, path);
    root.expect_only({"name", "node_nm", "notes", "sram_device", "energy", "area", "leakage", "sram"});
    TechTable t;
    t.file = path;
    t.name = root.get_string("name");
    t.node_nm = static_cast<int>(root.get_int("node_nm", 1, 1000));
    if (root.has("notes")) root.get_string("notes");
    if (root.has("sram_device")) t.sram_device = root.get_string("sram_device");

    const auto read_section = [&](const char* section, std::map<std::string, TechEntry>& into) {
        if (!root.has(section)) return;
        const JsonNode sec = root.at(section);
        for (const auto& key : sec.keys()) {
            const JsonNode e = sec.at(key);
            e.expect_only({"value", "unit", "source", "grade"});
            TechEntry entry;
            entry.value = e.get_double("value", 0.0);
            entry.unit = e.get_string("unit");
            if (entry.unit.empty()) e.at("unit").fail("a non-empty unit such as \"pJ\"");
            entry.source = required_source(e);
            if (e.has("grade")) entry.grade = required_grade(e);
            into[key] = entry;
        }
    };
    if (!root.has("energy")) root.at("energy");  // required: the error names /energy
    read_section("energy", t.energy);
    read_section("area", t.area);
    read_section("leakage", t.leakage);

    const JsonNode sram = root.at("sram");
    if (sram.size() == 0) sram.fail("a non-empty array of SRAM points");
    for (std::size_t i = 0; i < sram.size(); ++i) {
        const JsonNode p = sram.at(i);
        p.expect_only({"capacity_kib", "read_pj_per_64b", "write_pj_per_64b", "leakage_mw", "area_mm2", "source", "grade"});
        SramPoint pt;
        pt.capacity_kib = p.get_double("capacity_kib", 0.0);
        if (!(pt.capacity_kib > 0)) p.at("capacity_kib").fail("a capacity > 0 KiB");
        pt.read_pj_per_64b = p.get_double("read_pj_per_64b", 0.0);
        pt.write_pj_per_64b = p.get_double("write_pj_per_64b", 0.0);
        pt.leakage_mw = p.get_double("leakage_mw", 0.0);
        if (p.has("area_mm2")) pt.area_mm2 = p.get_double("area_mm2", 0.0);
        pt.source = required_source(p);
        if (p.has("grade")) pt.grade = required_grade(p);
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
