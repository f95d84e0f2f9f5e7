#pragma once
// Per-layer traces: layers.csv (one row per layer, stable columns, units in the names),
// area.csv (one row per block of the configuration's area report: block, class, count,
// area_mm2, leakage_mw, basis) and run.json (configuration, workload, clock, area, per-layer
// figures, totals). Files are written to a
// temporary name and renamed, so a reader never sees half a trace.
#include <string>
#include <vector>

#include "sw/trace/layer_result.h"

namespace sx {

std::vector<std::string> csv_columns();
std::string csv_header();
std::string csv_row(const RunResult& run, const LayerResult& layer);
std::string to_csv(const RunResult& run);
json to_json(const RunResult& run);
std::vector<std::string> area_csv_columns();
std::string area_csv(const RunResult& run);  // header + one row per RunResult::area block

// Writes DIR/layers.csv, DIR/area.csv and DIR/run.json (creating DIR). InputError if DIR cannot be written.
void write_traces(const RunResult& run, const std::string& dir);

// Write `content` to `path` atomically (temp file + rename).
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace sx
