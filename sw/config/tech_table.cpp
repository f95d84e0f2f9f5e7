#include "sw/config/tech_table.h"

#include <algorithm>
#include <cmath>

#include <cstdio>
#include <filesystem>

#include "sw/common/error.h"
#include "sw/config/tech_scaling.h"

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

// One SRAM column at `capacity_kib`: linear interpolation in log2(capacity) between the table's
// points; outside them, the nearest end point scaled by (capacity / its capacity)^exponent:
// exponent 1 for area and leakage, 0.5 for access energy (CACTI 7.0 over 1 KB-2 MB: area
// ~C^0.98-1.00, leakage ~C^0.96-0.98, read energy ~C^0.44-0.55, energy-area.md section 3c).
// Clamping at the ends, as before, charged a 64 GiB buffer the area of its table's 2 MiB point.
double interpolate(const std::vector<SramPoint>& pts, double capacity_kib, double SramPoint::*field,
                   const std::string& file, double exponent) {
    if (pts.empty()) throw InputError(file, "/sram", "at least one SRAM point", "none");
    if (!(capacity_kib > 0)) throw InputError(file, "/sram", "a positive SRAM capacity to look up", std::to_string(capacity_kib));
    if (capacity_kib <= pts.front().capacity_kib)
        return pts.front().*field * std::pow(capacity_kib / pts.front().capacity_kib, exponent);
    if (capacity_kib >= pts.back().capacity_kib)
        return pts.back().*field * std::pow(capacity_kib / pts.back().capacity_kib, exponent);
    for (std::size_t i = 1; i < pts.size(); ++i) {
        if (capacity_kib <= pts[i].capacity_kib) {
            const double x0 = std::log2(pts[i - 1].capacity_kib), x1 = std::log2(pts[i].capacity_kib);
            const double t = (std::log2(capacity_kib) - x0) / (x1 - x0);
            return pts[i - 1].*field + t * (pts[i].*field - pts[i - 1].*field);
        }
    }
    return pts.back().*field;
}

// The entry `key` of a section; InputError naming the table and /<section>/<key> if absent.
const TechEntry& lookup(const std::map<std::string, TechEntry>& m, const std::string& section, const std::string& key,
                        const TechTable& t, const char* what) {
    auto it = m.find(key);
    if (it == m.end())
        throw InputError(t.file, "/" + section + "/" + key,
                         std::string(what[0] == 'a' || what[0] == 'e' ? "an " : "a ") + what + " entry '" + key + "' in technology table '" + t.name + "'",
                         "nothing (the entry is missing)");
    return it->second;
}
}  // namespace

double TechTable::pj(const std::string& action) const {
    const TechEntry& e = lookup(energy, "energy", action, *this, "energy");
    // Every caller adds pJ: an entry stated in another unit (fJ, nJ, mW ...) would be read as
    // pJ, wrong by 10^3 or more without a word.
    if (e.unit.rfind("pJ", 0) != 0)
        throw InputError(file, "/energy/" + action + "/unit",
                         "an energy unit in pJ (\"pJ\", \"pJ/bit\", \"pJ/bit/mm\") for '" + action + "' in technology table '" +
                             name + "'",
                         "\"" + e.unit + "\"");
    return e.value;
}

double TechTable::area_um2(const std::string& unit) const { return lookup(area, "area", unit, *this, "area").value; }
double TechTable::leakage_uw(const std::string& unit) const {
    return lookup(leakage, "leakage", unit, *this, "leakage").value;
}
double TechTable::control_fraction() const { return lookup(area, "area", "control_fraction", *this, "area").value; }

double TechTable::sram_read_pj(double capacity_kib, int width_bits) const {
    return interpolate(sram, capacity_kib, &SramPoint::read_pj_per_64b, file, 0.5) * width_bits / 64.0;
}

double TechTable::sram_write_pj(double capacity_kib, int width_bits) const {
    return interpolate(sram, capacity_kib, &SramPoint::write_pj_per_64b, file, 0.5) * width_bits / 64.0;
}

double TechTable::sram_leakage_mw(double capacity_kib) const {
    return interpolate(sram, capacity_kib, &SramPoint::leakage_mw, file, 1.0);
}

double TechTable::sram_area_mm2(double capacity_kib) const {
    for (std::size_t i = 0; i < sram.size(); ++i)
        if (sram[i].area_mm2 < 0)
            throw InputError(file, "/sram", "an area_mm2 on every SRAM point (technology table '" + name + "')",
                             "a point of " + std::to_string(sram[i].capacity_kib) + " KiB without one");
    return interpolate(sram, capacity_kib, &SramPoint::area_mm2, file, 1.0);
}

namespace {

std::string fmt_factor(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", v);
    return b;
}

TechTable parse_impl(const json& doc, const std::string& path, std::vector<std::string>& chain);

// The base table named by /derive/<key> ("from" or "sram_from"), scaled by `rule` to this
// table's node and Vdd. `root` is the deriving table's document; `t` already holds its file,
// node_nm and vdd_v; `chain` the files being derived (cycle detection).
TechTable scaled_base(const JsonNode& root, const std::string& key, const std::string& rule, const TechTable& t,
                      std::vector<std::string>& chain) {
    namespace fs = std::filesystem;
    const JsonNode d = root.at("derive");
    const std::string from = d.get_string(key);
    if (from.empty()) d.at(key).fail("the path of the base technology table");
    fs::path base_path(from);
    if (base_path.is_relative()) base_path = fs::path(t.file).parent_path() / base_path;
    const std::string base_file = base_path.lexically_normal().string();
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(base_path, ec).string();
    for (const auto& seen : chain)
        if (seen == (ec ? base_file : canon)) {
            std::string cycle;
            for (const auto& c : chain) cycle += c + " -> ";
            d.at(key).fail("a base table that does not derive from this one (a cycle: " + cycle + base_file + ")", "\"" + from + "\"");
        }
    // At most 8 tables deep: with "from" and "sram_from" each level may read two bases.
    if (chain.size() >= 8) d.at(key).fail("a derive chain of at most 8 tables", "a longer chain");
    if (!fs::is_regular_file(base_path, ec)) d.at(key).fail("an existing technology table file", "\"" + from + "\" (" + base_file + ")");
    if (!root.has("vdd_v")) root.at("vdd_v");  // required for the energy factor: error names /vdd_v
    if (!stillmaker_has_node(t.node_nm)) {
        std::string nodes;
        for (int n : stillmaker_nodes()) nodes += (nodes.empty() ? "" : ", ") + std::to_string(n);
        root.at("node_nm").fail("a node of the Stillmaker-Baas 2017 table (" + nodes + " nm) to derive at; other nodes are not interpolated",
                                std::to_string(t.node_nm));
    }
    chain.push_back(ec ? base_file : canon);
    TechTable base = parse_impl(load_json_file(base_file), base_file, chain);
    chain.pop_back();
    if (!(base.vdd_v > 0))
        throw InputError(base_file, "/vdd_v", "the supply voltage the base table's numbers are for (tables others derive from state it)",
                         "nothing");
    if (!stillmaker_has_node(base.node_nm))
        throw InputError(base_file, "/node_nm", "a node of the Stillmaker-Baas 2017 table (tables others derive from)",
                         std::to_string(base.node_nm));
    ScaleFactors f;
    try {
        f = scale_factors(rule, base.node_nm, base.vdd_v, t.node_nm, t.vdd_v);
    } catch (const std::invalid_argument& e) {  // nodes and Vdd are checked above; kept as bad input
        d.fail(std::string("a derivation the rule can compute (") + e.what() + ")");
    }

    // "D: <base source> x <factor> (<rule>)"; a base source that is itself derived keeps one "D: ".
    const auto restate = [](const std::string& src) { return src.rfind("D: ", 0) == 0 ? src.substr(3) : src; };
    const auto scale = [&](std::map<std::string, TechEntry>& m, double factor) {
        for (auto& [k, e] : m) {
            if (e.unit == "fraction") continue;  // a ratio of areas does not scale with the node
            e.value *= factor;
            e.source = "D: " + restate(e.source) + " x " + fmt_factor(factor) + " (" + f.describe + ")";
            e.grade = "D";
        }
    };
    scale(base.energy, f.energy);
    scale(base.area, f.area);
    scale(base.leakage, f.leakage);
    for (auto& p : base.sram) {
        p.read_pj_per_64b *= f.energy;
        p.write_pj_per_64b *= f.energy;
        p.leakage_mw *= f.leakage;
        if (p.area_mm2 >= 0) p.area_mm2 *= f.area;
        p.source = "D: " + restate(p.source) + " x " + fmt_factor(f.energy) + " energy and leakage, x " + fmt_factor(f.area) + " area (" +
                   f.describe + ")";
        p.grade = "D";
    }
    return base;
}

// /derive: the "from" table scaled (every section), its SRAM points (and sram_device) replaced
// by the "sram_from" table's, scaled by the same rule from that table's node and Vdd.
TechTable derived_base(const JsonNode& root, const TechTable& t, std::vector<std::string>& chain) {
    const JsonNode d = root.at("derive");
    d.expect_object();
    d.expect_only({"from", "sram_from", "rule", "note"});
    const std::string rule = d.get_enum("rule", scaling_rules());
    if (d.has("note")) d.get_string("note");
    TechTable base = scaled_base(root, "from", rule, t, chain);
    if (d.has("sram_from")) {
        TechTable s = scaled_base(root, "sram_from", rule, t, chain);
        base.sram = std::move(s.sram);
        base.sram_device = s.sram_device;
        for (const auto& f : s.files)
            if (std::find(base.files.begin(), base.files.end(), f) == base.files.end()) base.files.push_back(f);
    }
    return base;
}

TechTable parse_impl(const json& doc, const std::string& path, std::vector<std::string>& chain) {
    const JsonNode root(doc, path);
    root.expect_only({"name", "node_nm", "vdd_v", "notes", "sram_device", "derive", "energy", "area", "leakage", "sram"});
    TechTable t;
    t.file = path;
    t.files.push_back(path);
    t.name = root.get_string("name");
    t.node_nm = static_cast<int>(root.get_int("node_nm", 1, 1000));
    if (root.has("vdd_v")) t.vdd_v = root.get_double("vdd_v", kMinVdd, kMaxVdd);
    if (root.has("notes")) root.get_string("notes");
    const bool derived = root.has("derive");
    if (derived) {
        TechTable base = derived_base(root, t, chain);
        t.energy = std::move(base.energy);
        t.area = std::move(base.area);
        t.leakage = std::move(base.leakage);
        t.sram = std::move(base.sram);
        t.sram_device = base.sram_device;
        for (const auto& f : base.files) t.files.push_back(f);
    }
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
            // The lookups return area in um^2 and leakage in uW whatever the entry says: a
            // "mm2" or "mW" entry would be off by 10^6 or 10^3 without a word. control_fraction
            // is a ratio of areas, below 1 (control smaller than the rest of the chip).
            const std::string sec_name = section;
            if (sec_name == "area" && key == "control_fraction") {
                if (entry.unit != "fraction") e.at("unit").fail("\"fraction\" (control area / the other blocks' area)");
                if (!(entry.value < 1.0)) e.at("value").fail("a fraction below 1");
            } else if (sec_name == "area" && entry.unit != "um2") {
                e.at("unit").fail("\"um2\" (area entries are um^2 per instance)");
            } else if (sec_name == "leakage" && entry.unit != "uW") {
                e.at("unit").fail("\"uW\" (leakage entries are uW per instance)");
            }
            entry.source = required_source(e);
            if (e.has("grade")) entry.grade = required_grade(e);
            into[key] = entry;
        }
    };
    if (!derived && !root.has("energy")) root.at("energy");  // required: the error names /energy
    read_section("energy", t.energy);
    read_section("area", t.area);
    read_section("leakage", t.leakage);

    if (derived && !root.has("sram")) return t;
    const JsonNode sram = root.at("sram");
    if (sram.size() == 0) sram.fail("a non-empty array of SRAM points");
    t.sram.clear();
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

}  // namespace

TechTable parse_tech_table(const json& doc, const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(fs::path(path), ec).string();
    std::vector<std::string> chain = {ec ? fs::path(path).lexically_normal().string() : canon};
    return parse_impl(doc, path, chain);
}

TechTable load_tech_table(const std::string& path) { return parse_tech_table(load_json_file(path), path); }

}  // namespace sx
