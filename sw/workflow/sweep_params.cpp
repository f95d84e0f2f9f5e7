#include "sw/workflow/sweep_params.h"

#include <cmath>
#include <cstdio>
#include <set>

#include "sw/common/error.h"
#include "sw/common/json_reader.h"

namespace sx {

namespace {

constexpr std::size_t kMaxAxisValues = 100000;
constexpr std::size_t kMaxPoints = 1000000;

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
        if (pos == std::string::npos) break;
        start = pos + 1;
    }
    return out;
}

bool parse_number(const std::string& text, double& value, bool& integral) {
    const std::string t = trim(text);
    if (t.empty()) return false;
    std::size_t used = 0;
    try {
        value = std::stod(t, &used);
    } catch (const std::exception&) {
        return false;
    }
    if (used != t.size() || !std::isfinite(value)) return false;
    integral = t.find_first_of(".eE") == std::string::npos;
    return true;
}

// Range values are computed as from + i*step (no accumulated error) and rounded to 1e-9 so
// that 0.1-steps print and hash as the numbers the user meant.
json range_value(double v, bool integral) {
    if (integral) return json(static_cast<int64_t>(std::llround(v)));
    return json(std::round(v * 1e9) / 1e9);
}

std::vector<json> parse_range(const std::string& text, const std::string& origin, const std::string& pointer) {
    const auto parts = split(text, ':');
    auto bad = [&](const std::string& why) -> InputError {
        return InputError(origin, pointer,
                          "a range from:to:step (e.g. 200:1000:200) or from:to:xFACTOR (e.g. 4:64:x2)" +
                              (why.empty() ? std::string() : " with " + why),
                          "'" + text + "'");
    };
    if (parts.size() != 3) throw bad("three fields");
    double from = 0, to = 0, step = 0;
    bool int_from = false, int_to = false, int_step = true;
    if (!parse_number(parts[0], from, int_from) || !parse_number(parts[1], to, int_to)) throw bad("numeric bounds");
    std::string step_text = trim(parts[2]);
    const bool geometric = !step_text.empty() && (step_text[0] == 'x' || step_text[0] == '*');
    if (geometric) step_text = step_text.substr(1);
    if (!parse_number(step_text, step, int_step)) throw bad("a numeric step");
    const bool integral = int_from && int_to && int_step;
    std::vector<json> values;
    const double tol = 1e-9 * std::max({std::fabs(from), std::fabs(to), 1.0});
    if (geometric) {
        if (step <= 1.0) throw bad("a factor > 1");
        if (from <= 0 || to < from) throw bad("0 < from <= to");
        for (double v = from; v <= to + tol; v *= step) {
            values.push_back(range_value(v, integral));
            if (values.size() > kMaxAxisValues) throw bad("at most 100000 values");
        }
        return values;
    }
    if (step == 0) throw bad("a non-zero step");
    if ((to - from) * step < 0) throw bad("a step whose sign goes from 'from' towards 'to'");
    for (std::size_t i = 0;; ++i) {
        const double v = from + static_cast<double>(i) * step;
        if (step > 0 ? v > to + tol : v < to - tol) break;
        values.push_back(range_value(v, integral));
        if (values.size() > kMaxAxisValues) throw bad("at most 100000 values");
    }
    return values;
}

}  // namespace

json parse_param_value(const std::string& token, const std::string& origin) {
    return parse_json_or_string(trim(token), origin);
}

void check_pointer(const std::string& pointer, const std::string& origin) {
    if (pointer.empty() || pointer[0] != '/' || pointer.back() == '/')
        throw InputError(origin, pointer.empty() ? "(parameter)" : pointer,
                         "a JSON pointer to a configuration field, such as /pe_array/dim_m",
                         "'" + pointer + "'");
    try {
        json::json_pointer p(pointer);
        (void)p;
    } catch (const json::exception& e) {
        throw InputError(origin, pointer, "a valid JSON pointer (escape ~ as ~0 and / as ~1)", e.what());
    }
}

std::vector<json> parse_value_list(const std::string& text, const std::string& origin, const std::string& pointer) {
    if (trim(text).empty()) throw InputError(origin, pointer, "at least one value after '='", "nothing");
    std::vector<json> values;
    for (const auto& token : split(text, ',')) {
        const std::string t = trim(token);
        if (t.empty())
            throw InputError(origin, pointer, "comma-separated values without empty entries", "'" + text + "'");
        // A range is a token with ':' that is not quoted JSON (a string "a:b" stays a string).
        if (t.find(':') != std::string::npos && t[0] != '"') {
            const auto r = parse_range(t, origin, pointer);
            values.insert(values.end(), r.begin(), r.end());
        } else {
            values.push_back(parse_param_value(t, origin));
        }
    }
    return values;
}

ParamAxis parse_param_arg(const std::string& arg, const std::string& origin) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos)
        throw InputError(origin, "", "POINTER=VALUES, e.g. /pe_array/dim_m=8,16,32 or /clock_mhz=200:1000:200",
                         "'" + arg + "'");
    ParamAxis axis;
    axis.pointer = trim(arg.substr(0, eq));
    check_pointer(axis.pointer, origin);
    axis.values = parse_value_list(arg.substr(eq + 1), origin, axis.pointer);
    axis.origins.assign(axis.values.size(), ValueOrigin{origin, axis.pointer});
    return axis;
}

std::vector<Overrides> expand_points(const std::vector<Overrides>& explicit_points,
                                     const std::vector<ParamAxis>& axes, CombineMode mode,
                                     const std::string& origin) {
    std::set<std::string> seen;
    for (const auto& a : axes) {
        if (a.values.empty()) throw InputError(origin, a.pointer, "at least one value");
        if (!seen.insert(a.pointer).second)
            throw InputError(origin, a.pointer, "each parameter once", "it twice");
    }
    std::vector<Overrides> combos{Overrides{}};
    if (mode == CombineMode::Zip && !axes.empty()) {
        const std::size_t n = axes[0].values.size();
        for (const auto& a : axes)
            if (a.values.size() != n)
                throw InputError(origin, a.pointer,
                                 "as many values as " + axes[0].pointer + " (" + std::to_string(n) + ") in zip mode",
                                 std::to_string(a.values.size()));
        combos.assign(n, Overrides{});
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& a : axes) combos[i][a.pointer] = a.values[i];
    } else {
        for (const auto& a : axes) {
            if (combos.size() * a.values.size() > kMaxPoints)
                throw InputError(origin, a.pointer, "a sweep of at most 1000000 points");
            std::vector<Overrides> next;
            next.reserve(combos.size() * a.values.size());
            for (const auto& c : combos)
                for (const auto& v : a.values) {
                    Overrides o = c;
                    o[a.pointer] = v;
                    next.push_back(std::move(o));
                }
            combos = std::move(next);
        }
    }
    const std::vector<Overrides> bases = explicit_points.empty() ? std::vector<Overrides>{Overrides{}} : explicit_points;
    std::vector<Overrides> points;
    points.reserve(bases.size() * combos.size());
    for (const auto& b : bases)
        for (const auto& c : combos) {
            Overrides o = b;
            for (const auto& [k, v] : c) o[k] = v;
            points.push_back(std::move(o));
        }
    return points;
}

uint64_t fnv1a64(const std::string& bytes) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string hex64(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

json apply_overrides(json doc, const Overrides& overrides) {
    for (const auto& [ptr, v] : overrides) doc[json::json_pointer(ptr)] = v;
    return doc;
}

}  // namespace sx
