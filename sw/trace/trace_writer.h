#pragma once
// Per-layer traces: layers.csv (one row per layer, stable columns, units in the names) and
// run.json (configuration, workload, clock, per-layer figures, totals). Files are written to a
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

// Writes DIR/layers.csv and DIR/run.json (creating DIR). InputError if DIR cannot be written.
void write_traces(const RunResult& run, const std::string& dir);

// Write `content` to `path` atomically (temp file + rename).
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace sx
