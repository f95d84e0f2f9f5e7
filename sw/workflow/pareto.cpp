#include "sw/workflow/pareto.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>

namespace sx {

namespace {

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
    bool better = false;
    for (std::size_t k = 0; k < a.size(); ++k) {
        if (a[k] > b[k]) return false;
        better = better || a[k] < b[k];
    }
    return better;
}

// A table cell as a finite number; nullopt for an empty or non-numeric cell.
std::optional<double> number(const std::string& s) {
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace

std::vector<bool> pareto_set(const std::vector<std::vector<double>>& points) {
    // O(n^2 k): sweeps have hundreds of points, not millions.
    std::vector<bool> in(points.size(), true);
    for (std::size_t i = 0; i < points.size(); ++i)
        for (std::size_t j = 0; j < points.size() && in[i]; ++j)
            if (j != i && dominates(points[j], points[i])) in[i] = false;
    return in;
}

void mark_pareto(RecordTable& t, const std::vector<std::string>& objectives, const std::string& group,
                 const std::string& out) {
    std::map<std::string, std::vector<std::size_t>> rows;  // group value -> candidate records
    std::vector<std::vector<double>> values(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        t.set(i, out, "");
        if (t.get(i, "status") != "ok") continue;
        bool complete = true;
        for (const auto& c : objectives) {
            const auto v = number(t.get(i, c));
            if (!v) complete = false;
            else values[i].push_back(*v);
        }
        if (complete) rows[t.get(i, group)].push_back(i);
    }
    for (const auto& [g, idx] : rows) {
        std::vector<std::vector<double>> pts;
        for (std::size_t i : idx) pts.push_back(values[i]);
        const std::vector<bool> in = pareto_set(pts);
        for (std::size_t k = 0; k < idx.size(); ++k) t.set(idx[k], out, in[k] ? "true" : "false");
    }
}

const std::vector<std::string>& sweep_objectives() {
    static const std::vector<std::string> o = {"latency_us", "energy_total_pj", "area_mm2"};
    return o;
}

}  // namespace sx
