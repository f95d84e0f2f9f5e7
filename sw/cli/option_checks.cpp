#include "sw/cli/option_checks.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

namespace sx {

namespace {

// `text` as a finite double, or false (empty, trailing characters, nan, inf).
bool parse_finite(const std::string& text, double& v) {
    char* end = nullptr;
    v = std::strtod(text.c_str(), &end);
    return !text.empty() && end && *end == '\0' && std::isfinite(v);
}

CLI::Validator finite_check(const std::string& want, const std::string& name, std::function<bool(double)> ok) {
    return CLI::Validator(
        [want, ok](std::string& text) -> std::string {
            double v = 0;
            if (parse_finite(text, v) && ok(v)) return {};
            return "expected " + want + ", found '" + text + "'";
        },
        name);
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string with_unit(std::string want, const std::string& unit) { return unit.empty() ? want : want + ", " + unit; }

}  // namespace

CLI::Validator finite_number(bool allow_zero, const std::string& unit) {
    const std::string want = with_unit(std::string("a finite number ") + (allow_zero ? ">= 0" : "> 0"), unit);
    return finite_check(want, allow_zero ? "NUMBER>=0" : "NUMBER>0",
                        [allow_zero](double v) { return allow_zero ? v >= 0 : v > 0; });
}

CLI::Validator finite_range(double lo, double hi, const std::string& unit) {
    const std::string range = "[" + number_text(lo) + ", " + number_text(hi) + "]";
    return finite_check(with_unit("a finite number in " + range, unit), "NUMBER in " + range,
                        [lo, hi](double v) { return v >= lo && v <= hi; });
}

}  // namespace sx
