#include "sw/workflow/normalization.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sw/common/error.h"

namespace sx {

namespace {

int64_t dim(const json& pe, const char* key, const std::string& file, int64_t fallback = -1) {
    if (!pe.contains(key)) {
        if (fallback >= 0) return fallback;
        throw InputError(file, std::string("/pe_array/") + key, "a positive integer", "nothing");
    }
    const json& v = pe.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
        throw InputError(file, std::string("/pe_array/") + key, "a positive integer", describe_json(v));
    return v.get<int64_t>();
}

const json& pe_array(const json& doc, const std::string& file) {
    if (!doc.is_object() || !doc.contains("pe_array") || !doc.at("pe_array").is_object())
        throw InputError(file, "/pe_array", "an object with the PE array dimensions");
    return doc.at("pe_array");
}

bool is_slice_array(const json& pe) { return pe.contains("dim_m") || pe.contains("dim_c") || pe.contains("dim_f"); }

std::string fmt(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// A KiB value written back as an integer when it is one, so configs stay readable.
json kib_value(double kib) {
    if (std::fabs(kib - std::round(kib)) < 1e-9) return json(static_cast<int64_t>(std::llround(kib)));
    return json(std::round(kib * 1e6) / 1e6);
}

}  // namespace

int64_t pe_count(const json& doc, const std::string& file) {
    const json& pe = pe_array(doc, file);
    if (is_slice_array(pe)) return dim(pe, "dim_m", file) * dim(pe, "dim_c", file) * dim(pe, "dim_f", file);
    return dim(pe, "rows", file) * dim(pe, "cols", file);
}

int64_t mac_units(const json& doc, const std::string& file) {
    return pe_count(doc, file) * dim(pe_array(doc, file), "multipliers_per_pe", file, 1);
}

double onchip_sram_kib(const json& doc, const std::string& file) {
    if (!doc.contains("buffers") || !doc.at("buffers").is_object())
        throw InputError(file, "/buffers", "an object of global buffers");
    double total = 0;
    for (const auto& [name, b] : doc.at("buffers").items()) {
        if (!b.is_object() || !b.contains("capacity_kib") || !b.at("capacity_kib").is_number())
            throw InputError(file, "/buffers/" + name + "/capacity_kib", "a capacity in KiB");
        total += b.at("capacity_kib").get<double>();
    }
    return total;
}

NormalizedDesign normalize_design(const json& doc, const std::string& file, const NormalizationOptions& opt) {
    NormalizedDesign out;
    out.mac_units_before = out.mac_units_after = mac_units(doc, file);
    out.sram_kib_before = out.sram_kib_after = onchip_sram_kib(doc, file);

    if (opt.same_tech) {
        out.overrides["/technology"] = *opt.same_tech;
        out.origins["/technology"] = {"--same-tech", ""};
        out.notes.push_back("technology table: " + *opt.same_tech);
    }
    if (opt.same_clock_mhz) {
        if (!(*opt.same_clock_mhz > 0)) throw InputError("--same-clock", "", "a clock in MHz > 0", fmt(*opt.same_clock_mhz, 3));
        out.overrides["/clock_mhz"] = *opt.same_clock_mhz;
        out.origins["/clock_mhz"] = {"--same-clock", ""};
        const double before = doc.value("clock_mhz", 0.0);
        out.notes.push_back("clock: " + fmt(before, 0) + " -> " + fmt(*opt.same_clock_mhz, 0) + " MHz");
    }
    if (opt.same_dram) {
        std::string before = "none";
        if (doc.contains("dram") && doc.at("dram").is_object()) before = doc.at("dram").value("preset", before);
        out.overrides["/dram"] = json{{"preset", *opt.same_dram}, {"channels", 1}};
        out.origins["/dram"] = {"--same-dram", ""};
        out.notes.push_back("DRAM: " + before + " -> " + *opt.same_dram + " (its own clock and bus width, 1 channel)");
    }
    if (opt.iso_macs) {
        const int64_t target = *opt.iso_macs;
        if (target < 1) throw InputError("--iso-macs", "", "a MAC count >= 1", std::to_string(target));
        const json& pe = pe_array(doc, file);
        const int64_t mult = dim(pe, "multipliers_per_pe", file, 1);
        if (is_slice_array(pe)) {
            const int64_t c = dim(pe, "dim_c", file), f = dim(pe, "dim_f", file);
            const int64_t m = std::max<int64_t>(1, std::llround(static_cast<double>(target) / (c * f * mult)));
            out.overrides["/pe_array/dim_m"] = m;
            out.origins["/pe_array/dim_m"] = {"--iso-macs", ""};
            out.mac_units_after = m * c * f * mult;
            out.notes.push_back("PE array: dim_m " + std::to_string(dim(pe, "dim_m", file)) + " -> " +
                                std::to_string(m) + " (dim_c " + std::to_string(c) + ", dim_f " +
                                std::to_string(f) + " kept)");
        } else {
            const int64_t rows = dim(pe, "rows", file), cols = dim(pe, "cols", file);
            const double s = static_cast<double>(target) / static_cast<double>(rows * cols * mult);
            const int64_t r = std::max<int64_t>(1, std::llround(rows * std::sqrt(s)));
            const int64_t k = std::max<int64_t>(1, std::llround(static_cast<double>(target) / (r * mult)));
            out.overrides["/pe_array/rows"] = r;
            out.overrides["/pe_array/cols"] = k;
            out.origins["/pe_array/rows"] = out.origins["/pe_array/cols"] = {"--iso-macs", ""};
            out.mac_units_after = r * k * mult;
            out.notes.push_back("PE array: " + std::to_string(rows) + " x " + std::to_string(cols) + " -> " +
                                std::to_string(r) + " x " + std::to_string(k) + " PEs (" + std::to_string(mult) +
                                " multipliers per PE kept)");
        }
        out.notes.push_back("MAC units: " + std::to_string(out.mac_units_before) + " -> " +
                            std::to_string(out.mac_units_after) + " (target " + std::to_string(target) + ")");
    }
    if (opt.iso_sram_kib) {
        const double target = *opt.iso_sram_kib;
        if (!(target > 0)) throw InputError("--iso-sram", "", "a capacity in KiB > 0", fmt(target, 3));
        const double s = target / out.sram_kib_before;
        double total = 0;
        for (const auto& [name, b] : doc.at("buffers").items()) {
            const double banks = b.value("banks", 1.0);
            const double port_bits = b.value("port_width_bits", 64.0);
            const double row_bytes = banks * port_bits / 8.0;
            const double bytes = b.at("capacity_kib").get<double>() * 1024.0 * s;
            const double rows = std::max(1.0, std::round(bytes / row_bytes));
            const double kib = rows * row_bytes / 1024.0;
            out.overrides["/buffers/" + name + "/capacity_kib"] = kib_value(kib);
            out.origins["/buffers/" + name + "/capacity_kib"] = {"--iso-sram", ""};
            total += kib;
        }
        out.sram_kib_after = total;
        out.notes.push_back("global buffers: " + fmt(out.sram_kib_before, 1) + " -> " + fmt(total, 1) +
                            " KiB (x" + fmt(s, 3) + " each, rounded to whole bank rows)");
    }
    return out;
}

std::string describe_normalization(const NormalizationOptions& opt) {
    if (!opt.any()) return "none: every design at its own technology, clock, PE array and buffers";
    std::vector<std::string> parts;
    if (opt.same_tech) parts.push_back("same technology table " + *opt.same_tech);
    if (opt.same_clock_mhz) parts.push_back("same clock " + fmt(*opt.same_clock_mhz, 0) + " MHz");
    if (opt.same_dram) parts.push_back("same DRAM " + *opt.same_dram);
    if (opt.iso_macs) parts.push_back("iso-MAC " + std::to_string(*opt.iso_macs) + " MAC units");
    if (opt.iso_sram_kib) parts.push_back("iso-SRAM " + fmt(*opt.iso_sram_kib, 1) + " KiB of global buffers");
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? "; " : "") + parts[i];
    return s;
}

}  // namespace sx
