#include "sw/compress/compress_knobs.h"

#include <algorithm>

#include "sw/common/error.h"

namespace sx {

int CompressKnobs::usable_exponent_levels() const {
    return std::min(exponent_levels, (1 << (ce_bits - 1)) - 1);
}

void CompressKnobs::validate(const std::string& origin) const {
    auto check = [&](bool ok, const char* field, const std::string& expected, const std::string& found) {
        if (!ok) throw InputError(origin, field, expected, found);
    };
    check(theta >= 0 && theta < 1e3, "theta", "a threshold >= 0", std::to_string(theta));
    check(iterations >= 0 && iterations <= 10000, "iterations", "0..10000", std::to_string(iterations));
    check(tolerance >= 0, "tolerance", "a tolerance >= 0", std::to_string(tolerance));
    check(block_channels >= 1 && block_channels <= 4096, "block_channels", "1..4096", std::to_string(block_channels));
    check(structural_group >= 1 && structural_group <= 4096, "structural_group", "1..4096", std::to_string(structural_group));
    check(exponent_levels >= 1 && exponent_levels <= 7, "exponent_levels", "1..7 (4-bit codes hold 7 exponents)",
          std::to_string(exponent_levels));
    check(max_exponent >= -30 && max_exponent <= 30, "max_exponent", "-30..30", std::to_string(max_exponent));
    check(ce_bits >= 2 && ce_bits <= 4, "ce_bits", "2..4 (the image stores 4-bit codes)", std::to_string(ce_bits));
    check(basis_bits >= 2 && basis_bits <= 8, "basis_bits", "2..8", std::to_string(basis_bits));
    check(raw_bits >= 2 && raw_bits <= 8, "raw_bits", "2..8", std::to_string(raw_bits));
    check(max_theta_reductions >= 0 && max_theta_reductions <= 60, "max_theta_reductions", "0..60",
          std::to_string(max_theta_reductions));
    check(polish_passes >= 0 && polish_passes <= 100, "polish_passes", "0..100", std::to_string(polish_passes));
    check(threads >= 1 && threads <= 256, "threads", "1..256", std::to_string(threads));
}

CompressKnobs knobs_from_json(const JsonNode& n, CompressKnobs k) {
    n.expect_object();
    n.expect_only({"theta", "iterations", "tolerance", "block_channels", "structural", "structural_group",
                   "exponent_levels", "max_exponent", "ce_bits", "basis_bits", "raw_bits",
                   "max_theta_reductions", "direction_restart", "threads", "polish_passes", "raw_fallback"});
    k.theta = n.get_double_or("theta", k.theta, 0.0, 1e3);
    k.iterations = static_cast<int>(n.get_int_or("iterations", k.iterations, 0, 10000));
    k.tolerance = n.get_double_or("tolerance", k.tolerance, 0.0);
    k.block_channels = static_cast<uint32_t>(n.get_int_or("block_channels", k.block_channels, 1, 4096));
    k.structural = n.get_bool_or("structural", k.structural);
    k.structural_group = static_cast<uint32_t>(n.get_int_or("structural_group", k.structural_group, 1, 4096));
    k.exponent_levels = static_cast<int>(n.get_int_or("exponent_levels", k.exponent_levels, 1, 7));
    k.max_exponent = static_cast<int>(n.get_int_or("max_exponent", k.max_exponent, -30, 30));
    k.ce_bits = static_cast<int>(n.get_int_or("ce_bits", k.ce_bits, 2, 4));
    k.basis_bits = static_cast<int>(n.get_int_or("basis_bits", k.basis_bits, 2, 8));
    k.raw_bits = static_cast<int>(n.get_int_or("raw_bits", k.raw_bits, 2, 8));
    k.max_theta_reductions = static_cast<int>(n.get_int_or("max_theta_reductions", k.max_theta_reductions, 0, 60));
    k.direction_restart = n.get_bool_or("direction_restart", k.direction_restart);
    k.polish_passes = static_cast<int>(n.get_int_or("polish_passes", k.polish_passes, 0, 100));
    k.raw_fallback = n.get_bool_or("raw_fallback", k.raw_fallback);
    k.threads = static_cast<int>(n.get_int_or("threads", k.threads, 1, 256));
    return k;
}

CompressKnobs load_knobs(const std::string& path, CompressKnobs base) {
    const json doc = load_json_file(path);
    return knobs_from_json(JsonNode(doc, path), base);
}

}  // namespace sx
