#pragma once
// Checks of real-valued command-line options. CLI11's own (PositiveNumber, Range) let "nan"
// through: every comparison with NaN is false, so `nan <= 0` and `nan < min || nan > max` do
// not fail, and a NaN option then reads as "not given" (`if (x > 0)`) or reaches the model (a
// NaN density). These want a finite number and name the unit; CLI11 prefixes the option name
// and the command exits 2.
#include <string>

#include <CLI/CLI.hpp>

namespace sx {

// A finite number > 0 (allow_zero: >= 0); `unit` ("seconds", "mm^2") is named in the message.
CLI::Validator finite_number(bool allow_zero, const std::string& unit = "");

// A finite number in [lo, hi].
CLI::Validator finite_range(double lo, double hi, const std::string& unit = "");

}  // namespace sx
