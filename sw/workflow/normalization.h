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
//
// How --iso-area MM2 scales (iso_area_search below): the total area of a candidate is the
// design's own area model (hw/sim/design_area.h) on the candidate configuration, reached
// through a callback so that this file stays pure arithmetic (sw/ does not include hw/):
//   PE array only (default): smartexchange searches dim_m (dim_c, dim_f kept); grids search
//     rows with cols = round(rows * cols0 / rows0) (aspect kept) to the last rows value not
//     over the target, then, for that rows value and the next, every cols value (one column of
//     PEs is the finest step); the candidate closest to the target wins (the smaller on a tie).
//   --iso-area-scale-buffers: PE array and global buffers by one common factor s (the PE
//     dimensions as in iso-MAC for s x MAC units, every buffer x s rounded to whole bank rows
//     as in iso-SRAM), s by bisection; when the PE array's granularity leaves the total more
//     than the tolerance off, the buffers alone are then fine-tuned by a second factor with
//     the PE array kept.
//   A result further than the tolerance (2%) from the target is refused (InputError naming
//   --iso-area, with the closest area reached and the option that can help).
#include <cstdint>
#include <functional>
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
    std::optional<double> iso_area_mm2;   // total silicon area, mm^2 (needs an AreaFunction)
    bool iso_area_scale_buffers = false;  // with iso_area_mm2: buffers scale with the PE array
    double iso_area_tolerance = 0.02;     // relative; further off is refused
    bool any() const { return same_tech || same_clock_mhz || same_dram || iso_macs || iso_sram_kib || iso_area_mm2; }
};

// Total area in mm^2 of the configuration document with `overrides` applied (the
// normalization's own overrides included), or nullopt when that candidate is not a valid
// configuration (e.g. a PE array over a design's limits): the search then stays away from it.
using AreaFunction = std::function<std::optional<double>(const Overrides&)>;

struct IsoAreaResult {
    Overrides overrides;      // the PE array (and buffer) fields chosen, without `base`
    double area_before_mm2 = 0;  // with `base` only
    double area_after_mm2 = 0;
    bool within_tolerance = false;
    double pe_factor = 1;        // achieved MAC units / MAC units before
    double buffer_factor = 1;    // achieved global buffer KiB / KiB before (1 without buffers)
    int64_t evaluations = 0;     // calls of the area function
    std::string pe_text;         // "dim_m 16 -> 21" / "12 x 14 -> 17 x 20 PEs"
};

// Searches the PE array (and with opt.iso_area_scale_buffers the buffers) of `doc` for a total
// area closest to opt.iso_area_mm2, on top of `base` overrides. Does not refuse: the caller
// reads within_tolerance. InputError if the first evaluation (the design with `base`) is not
// a valid configuration (the callback's own InputError is let through).
IsoAreaResult iso_area_search(const json& doc, const std::string& file, const Overrides& base,
                              const NormalizationOptions& opt, const AreaFunction& area);

struct NormalizedDesign {
    Overrides overrides;
    std::map<std::string, ValueOrigin> origins;  // the option that made each override (--same-clock ...)
    std::vector<std::string> notes;  // one line per change, for the printed and written output
    int64_t mac_units_before = 0, mac_units_after = 0;
    double sram_kib_before = 0, sram_kib_after = 0;
    // --iso-area: the target and the area before / after (0 without --iso-area).
    double area_target_mm2 = 0, area_before_mm2 = 0, area_after_mm2 = 0;
};

// MAC units of a configuration document: dim_m*dim_c*dim_f or rows*cols, times
// multipliers_per_pe (default 1). InputError (naming `file`) if pe_array is malformed.
int64_t mac_units(const json& doc, const std::string& file);
int64_t pe_count(const json& doc, const std::string& file);  // without multipliers_per_pe
double onchip_sram_kib(const json& doc, const std::string& file);

// `area` is needed with opt.iso_area_mm2 (std::logic_error without it). --iso-area refuses
// (InputError naming --iso-area) to combine with --iso-macs, or with --iso-sram when buffers
// scale too, and a design it cannot bring within the tolerance.
NormalizedDesign normalize_design(const json& doc, const std::string& file, const NormalizationOptions& opt,
                                  const AreaFunction& area = {});

// One line describing the normalization applied to all designs ("none" if none).
std::string describe_normalization(const NormalizationOptions& opt);

}  // namespace sx
