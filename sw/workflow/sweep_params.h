#pragma once
// Sweep parameters: a configuration field (JSON pointer) and the values it takes, parsed from
// the command line (`--param /pe_array/dim_m=8,16,32`, `--param /clock_mhz=200:1000:200`,
// `--param /pe_array/dim_m=4:64:x2`) or from a sweep specification, and their expansion
// into points (full product, or zip of equal-length axes).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"

namespace sx {

using Overrides = std::map<std::string, json>;  // JSON pointer -> value, applied to the base config

struct ParamAxis {
    std::string pointer;
    std::vector<json> values;
    // Where each value was written (parallel to values): the --param option, or the sweep
    // specification and the pointer of the value in it. A point's child run reports a bad
    // value against it (sxsim run --set-origin).
    std::vector<ValueOrigin> origins;
};

enum class CombineMode { Product, Zip };

// One token: JSON if it parses as JSON (8, 0.5, true, "x"), a plain string otherwise (ddr4).
// JSON with a key written twice is an InputError naming `origin`.
json parse_param_value(const std::string& token, const std::string& origin = "--param");

// "a,b,c" (values), "from:to:step" (inclusive arithmetic range) or "from:to:xF" (geometric,
// factor F > 1). Bad syntax is an InputError naming `origin` and `pointer`.
std::vector<json> parse_value_list(const std::string& text, const std::string& origin, const std::string& pointer);

// "/json/pointer=VALUES" (see parse_value_list).
ParamAxis parse_param_arg(const std::string& arg, const std::string& origin = "--param");

// Checks that `pointer` is a syntactically valid JSON pointer (InputError otherwise).
void check_pointer(const std::string& pointer, const std::string& origin);

// Points = each explicit point (or one empty point if none) x the combination of the axes.
// Zip needs axes of equal length; an axis repeating an explicit point's pointer overrides it.
std::vector<Overrides> expand_points(const std::vector<Overrides>& explicit_points,
                                     const std::vector<ParamAxis>& axes, CombineMode mode,
                                     const std::string& origin = "sweep");

// Stable 64-bit FNV-1a: the same bytes give the same id on every machine and every run.
uint64_t fnv1a64(const std::string& bytes);
std::string hex64(uint64_t v);

// A point's id covers every input it reads: see point_id() in point_inputs.h.

// A value as a CSV cell / command-line word: strings bare, everything else as compact JSON.
std::string value_text(const json& v);

// Apply overrides to a document (creating missing object members).
json apply_overrides(json doc, const Overrides& overrides);

}  // namespace sx
