#pragma once
// Normalization of designs for a fair comparison, as overrides on each configuration document:
//   same technology table, clock and/or off-chip memory system for all designs;
//   iso-MAC: PE array dimensions scaled to (nearly) the same number of MAC units;
//   iso-SRAM: global buffer capacities scaled by one factor to the same on-chip total.
// Pure arithmetic on the JSON document (docs/formats.md schema): tested without simulating.
//
// How the PE array scales with --iso-macs N (s = N / current MAC units):
//   smartexchange (dim_m x dim_c x dim_f): dim_m (output-channel slices) becomes
//     round(N / (dim_c * dim_f)); a slice's dim_c lines x dim_f lanes are matched to the
//     basis/Ce row geometry and the rebuild engines, so they stay as designed.
//   eyeriss, scnn, dense (rows x cols PEs, multipliers_per_pe each): the PE microarchitecture
//     (multipliers per PE) stays; the grid keeps its aspect ratio: rows becomes
//     round(rows * sqrt(s)), then cols = round(N / (rows * multipliers_per_pe)).
//   Every dimension is at least 1; the achieved count is reported (it can differ from N when
//   N is not a multiple of the fixed dimensions).
// How buffers scale with --iso-sram KiB: every global buffer (configs' "buffers") is
// multiplied by target / current total, then rounded to a multiple of one row across its
// banks (banks * port_width_bits / 8 bytes, at least one row). Bank count and port width stay.
// PE-local register files are not global buffers and do not count.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sw/workflow/sweep_params.h"

namespace sx {

struct NormalizationOptions {
    std::optional<std::string> same_tech;  // technology table path (absolute or cwd-relative)
    std::optional<double> same_clock_mhz;
    // A DRAM preset (configs/dram/*.json) replacing every design's "dram" section: its own
    // clock, bus width and one channel. Without it each design keeps its own memory system
    // (e.g. Eyeriss' 60 MHz link), which can dominate a comparison at a common core clock.
    std::optional<std::string> same_dram;
    std::optional<int64_t> iso_macs;
    std::optional<double> iso_sram_kib;
    bool any() const { return same_tech || same_clock_mhz || same_dram || iso_macs || iso_sram_kib; }
};

struct NormalizedDesign {
    Overrides overrides;
    std::map<std::string, ValueOrigin> origins;  // the option that made each override (--same-clock ...)
    std::vector<std::string> notes;  // one line per change, for the printed and written output
    int64_t mac_units_before = 0, mac_units_after = 0;
    double sram_kib_before = 0, sram_kib_after = 0;
};

// MAC units of a configuration document: dim_m*dim_c*dim_f or rows*cols, times
// multipliers_per_pe (default 1). InputError (naming `file`) if pe_array is malformed.
int64_t mac_units(const json& doc, const std::string& file);
int64_t pe_count(const json& doc, const std::string& file);  // without multipliers_per_pe
double onchip_sram_kib(const json& doc, const std::string& file);

NormalizedDesign normalize_design(const json& doc, const std::string& file, const NormalizationOptions& opt);

// One line describing the normalization applied to all designs ("none" if none).
std::string describe_normalization(const NormalizationOptions& opt);

}  // namespace sx
