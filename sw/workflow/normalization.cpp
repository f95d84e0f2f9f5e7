#include "sw/workflow/normalization.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

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

// Every global buffer x `s`, rounded to whole rows across its banks (banks x port width);
// returns the new total in KiB.
double scale_buffers(const json& doc, double s, Overrides& into) {
    double total = 0;
    for (const auto& [name, b] : doc.at("buffers").items()) {
        const double banks = b.value("banks", 1.0);
        const double port_bits = b.value("port_width_bits", 64.0);
        const double row_bytes = banks * port_bits / 8.0;
        const double bytes = b.at("capacity_kib").get<double>() * 1024.0 * s;
        const double rows = std::max(1.0, std::round(bytes / row_bytes));
        const double kib = rows * row_bytes / 1024.0;
        into["/buffers/" + name + "/capacity_kib"] = kib_value(kib);
        total += kib;
    }
    return total;
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


namespace {

constexpr int64_t kMaxDim = int64_t{1} << 16;  // search bound: far beyond any array a model runs

std::string pct(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.2f%%", 100.0 * v);
    return buf;
}

// The candidates of one search and their areas (each configuration evaluated once).
class AreaSearch {
public:
    AreaSearch(const Overrides& base, const AreaFunction& f, double target, int64_t& evaluations)
        : base_(base), f_(f), target_(target), evaluations_(evaluations) {}

    // nullopt: not a valid configuration.
    std::optional<double> area(const Overrides& fields) {
        Overrides o = base_;
        for (const auto& [k, v] : fields) o[k] = v;
        std::string key;
        for (const auto& [k, v] : fields) key += k + "=" + v.dump() + ";";
        const auto it = cache_.find(key);
        if (it != cache_.end()) return it->second;
        ++evaluations_;
        return cache_[key] = f_(o);
    }
    bool not_over(const Overrides& fields) {
        const auto a = area(fields);
        return a && *a <= target_;
    }
    // Keeps `fields` as the best so far if it is closer to the target (the smaller on a tie).
    void consider(const Overrides& fields) {
        const auto a = area(fields);
        if (!a) return;
        const double d = std::fabs(*a - target_);
        if (!best_area_ || d < std::fabs(*best_area_ - target_) || (d == std::fabs(*best_area_ - target_) && *a < *best_area_))
            best_ = fields, best_area_ = a;
    }
    const Overrides& best() const { return best_; }
    std::optional<double> best_area() const { return best_area_; }

private:
    const Overrides& base_;
    const AreaFunction& f_;
    double target_;
    int64_t& evaluations_;
    std::map<std::string, std::optional<double>> cache_;
    Overrides best_;
    std::optional<double> best_area_;
};

// The largest k in [1, kMaxDim] with not_over(k), for a not_over that holds up to some k and
// not beyond (area grows with the array); 0 when not even k = 1 is within the target.
template <class NotOver>
int64_t last_not_over(NotOver not_over, int64_t start) {
    int64_t lo = 0, hi = std::clamp<int64_t>(start, 1, kMaxDim);
    if (not_over(hi)) {
        lo = hi;
        hi = std::min(kMaxDim + 1, lo * 2);
        while (hi <= kMaxDim && not_over(hi)) lo = hi, hi = std::min(kMaxDim + 1, hi * 2);
    }
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        (not_over(mid) ? lo : hi) = mid;
    }
    return lo;
}

Overrides slice_fields(int64_t m) { return {{"/pe_array/dim_m", m}}; }
Overrides grid_fields(int64_t r, int64_t c) { return {{"/pe_array/rows", r}, {"/pe_array/cols", c}}; }

// PE array x s MAC units as iso-MAC scales it, buffers x s (whole bank rows).
Overrides scaled_design(const json& doc, const json& pe, bool slices, double s, double buffer_s) {
    Overrides o;
    if (slices) {
        o = slice_fields(std::max<int64_t>(1, std::llround(pe.at("dim_m").get<double>() * s)));
    } else {
        o = grid_fields(std::max<int64_t>(1, std::llround(pe.at("rows").get<double>() * std::sqrt(s))),
                        std::max<int64_t>(1, std::llround(pe.at("cols").get<double>() * std::sqrt(s))));
    }
    scale_buffers(doc, buffer_s, o);
    return o;
}

// The factor in [1e-4, 1e4] (log bisection) where make(f)'s area crosses the target; both
// sides are offered to `search`.
template <class Make>
void bisect_factor(AreaSearch& search, Make make) {
    double lo = std::log(1e-4), hi = std::log(1e4);
    for (int i = 0; i < 60 && hi - lo > 1e-9; ++i) {
        const double mid = 0.5 * (lo + hi);
        (search.not_over(make(std::exp(mid))) ? lo : hi) = mid;
    }
    search.consider(make(std::exp(lo)));
    search.consider(make(std::exp(hi)));
}

std::string pe_text(const json& pe, bool slices, const json& after) {
    if (slices)
        return "dim_m " + std::to_string(pe.at("dim_m").get<int64_t>()) + " -> " +
               std::to_string(after.at("dim_m").get<int64_t>()) + " (dim_c " + std::to_string(pe.at("dim_c").get<int64_t>()) +
               ", dim_f " + std::to_string(pe.at("dim_f").get<int64_t>()) + " kept)";
    return std::to_string(pe.at("rows").get<int64_t>()) + " x " + std::to_string(pe.at("cols").get<int64_t>()) + " -> " +
           std::to_string(after.at("rows").get<int64_t>()) + " x " + std::to_string(after.at("cols").get<int64_t>()) +
           " PEs (multipliers per PE kept)";
}

}  // namespace

IsoAreaResult iso_area_search(const json& doc, const std::string& file, const Overrides& base,
                              const NormalizationOptions& opt, const AreaFunction& area) {
    IsoAreaResult out;
    const double target = opt.iso_area_mm2.value_or(0);
    if (!(target > 0)) throw InputError("--iso-area", "", "a total area in mm^2 > 0", fmt(target, 3));
    const json& pe = pe_array(doc, file);
    const bool slices = is_slice_array(pe);
    // Validates the dimensions the search starts from.
    for (const char* k : slices ? std::vector<const char*>{"dim_m", "dim_c", "dim_f"} : std::vector<const char*>{"rows", "cols"})
        (void)dim(pe, k, file);
    AreaSearch search(base, area, target, out.evaluations);
    const auto before = search.area({});
    if (!before) throw InputError(file, "", "a configuration whose area can be computed (before --iso-area scaling)");
    out.area_before_mm2 = *before;

    if (!opt.iso_area_scale_buffers) {
        if (slices) {
            const int64_t m = last_not_over([&](int64_t k) { return search.not_over(slice_fields(k)); },
                                            pe.at("dim_m").get<int64_t>());
            search.consider(slice_fields(std::max<int64_t>(1, m)));
            if (m + 1 <= kMaxDim) search.consider(slice_fields(m + 1));
        } else {
            const double aspect = pe.at("cols").get<double>() / pe.at("rows").get<double>();
            auto cols_of = [&](int64_t r) { return std::max<int64_t>(1, std::llround(r * aspect)); };
            const int64_t r0 = last_not_over([&](int64_t r) { return search.not_over(grid_fields(r, cols_of(r))); },
                                             pe.at("rows").get<int64_t>());
            // Rows kept near the aspect ratio, then the finest step: one column of PEs.
            for (int64_t r = std::max<int64_t>(1, r0); r <= std::min(kMaxDim, r0 + 1); ++r) {
                const int64_t c = last_not_over([&](int64_t k) { return search.not_over(grid_fields(r, k)); }, cols_of(r));
                search.consider(grid_fields(r, std::max<int64_t>(1, c)));
                if (c + 1 <= kMaxDim) search.consider(grid_fields(r, c + 1));
            }
        }
    } else {
        bisect_factor(search, [&](double s) { return scaled_design(doc, pe, slices, s, s); });
        const auto off = [&] { return std::fabs(*search.best_area() - target) / target; };
        if (search.best_area() && off() > opt.iso_area_tolerance) {
            // PE granularity: keep the array, tune the buffers alone.
            Overrides pe_only;
            for (const auto& [k, v] : search.best())
                if (k.rfind("/pe_array/", 0) == 0) pe_only[k] = v;
            bisect_factor(search, [&](double t) {
                Overrides o = pe_only;
                scale_buffers(doc, t, o);
                return o;
            });
        }
    }
    if (!search.best_area()) throw InputError("--iso-area", "", "a target some valid configuration of " + file + " reaches",
                                              fmt(target, 3) + " mm^2");
    out.overrides = search.best();
    out.area_after_mm2 = *search.best_area();
    out.within_tolerance = std::fabs(out.area_after_mm2 - target) <= opt.iso_area_tolerance * target;
    const json after = apply_overrides(doc, out.overrides);
    out.pe_factor = static_cast<double>(mac_units(after, file)) / static_cast<double>(mac_units(doc, file));
    out.buffer_factor = opt.iso_area_scale_buffers ? onchip_sram_kib(after, file) / onchip_sram_kib(doc, file) : 1.0;
    out.pe_text = pe_text(pe, slices, after.at("pe_array"));
    return out;
}

NormalizedDesign normalize_design(const json& doc, const std::string& file, const NormalizationOptions& opt,
                                  const AreaFunction& area) {
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
        Overrides scaled;
        const double total = scale_buffers(doc, s, scaled);
        for (const auto& [k, v] : scaled) {
            out.overrides[k] = v;
            out.origins[k] = {"--iso-sram", ""};
        }
        out.sram_kib_after = total;
        out.notes.push_back("global buffers: " + fmt(out.sram_kib_before, 1) + " -> " + fmt(total, 1) +
                            " KiB (x" + fmt(s, 3) + " each, rounded to whole bank rows)");
    }
    if (opt.iso_area_mm2) {
        if (!area) throw std::logic_error("normalize_design: --iso-area needs an area function");
        if (opt.iso_macs)
            throw InputError("--iso-area", "", "either --iso-area or --iso-macs (both set the PE array)", "both given");
        if (opt.iso_area_scale_buffers && opt.iso_sram_kib)
            throw InputError("--iso-area-scale-buffers", "",
                             "either --iso-area-scale-buffers or --iso-sram (both set the global buffers)", "both given");
        const double target = *opt.iso_area_mm2;
        // After the options above: the area is the one of the technology, clock and buffers
        // the design will run with.
        const IsoAreaResult r = iso_area_search(doc, file, out.overrides, opt, area);
        const std::string reached = fmt(r.area_after_mm2, 3) + " mm^2 (" + pct(r.area_after_mm2 / target - 1) +
                                    " of " + fmt(target, 3) + ")";
        if (!r.within_tolerance)
            throw InputError("--iso-area", "",
                             "a total area every design reaches within " + fmt(100 * opt.iso_area_tolerance, 0) +
                                 "%" + (opt.iso_area_scale_buffers
                                            ? std::string(" by its PE array and global buffers")
                                            : std::string(" by its PE array (--iso-area-scale-buffers also scales the "
                                                          "global buffers, which reach finer steps and smaller totals)")),
                             file + " reaches at best " + reached + " with PE array " + r.pe_text +
                                 (r.area_after_mm2 == r.area_before_mm2 && r.pe_factor != 1
                                      ? "; its area does not change with its PE array (its area model counts no "
                                        "block of the PE array)"
                                      : ""));
        for (const auto& [k, v] : r.overrides) {
            out.overrides[k] = v;
            out.origins[k] = {"--iso-area", ""};
        }
        const json after = apply_overrides(doc, out.overrides);
        out.mac_units_after = mac_units(after, file);
        out.sram_kib_after = onchip_sram_kib(after, file);
        out.area_target_mm2 = target;
        out.area_before_mm2 = r.area_before_mm2;
        out.area_after_mm2 = r.area_after_mm2;
        out.notes.push_back("PE array: " + r.pe_text + ", MAC units " + std::to_string(out.mac_units_before) + " -> " +
                            std::to_string(out.mac_units_after));
        if (opt.iso_area_scale_buffers)
            out.notes.push_back("global buffers: " + fmt(out.sram_kib_before, 1) + " -> " + fmt(out.sram_kib_after, 1) +
                                " KiB (x" + fmt(r.buffer_factor, 3) + ", rounded to whole bank rows)");
        out.notes.push_back("area: " + fmt(r.area_before_mm2, 3) + " -> " + reached);
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
    if (opt.iso_area_mm2)
        parts.push_back("iso-area " + fmt(*opt.iso_area_mm2, 3) + " mm^2 total (" +
                        (opt.iso_area_scale_buffers ? "PE array and global buffers scaled" : "PE array scaled") + ", within " +
                        fmt(100 * opt.iso_area_tolerance, 0) + "%)");
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? "; " : "") + parts[i];
    return s;
}

}  // namespace sx
