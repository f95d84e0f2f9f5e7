#pragma once
// Self-contained reports of a compare run: DIR/report.md (tables, plots linked from
// DIR/plots/) and DIR/report.html (the same, plots embedded as base64 PNG: one file to mail).
#include <string>
#include <vector>

#include "sw/workflow/compare.h"

namespace sx {

std::string base64_encode(const std::string& bytes);

// A table of the comparison: rows of cells, first row the header.
using Table = std::vector<std::vector<std::string>>;
Table totals_table(const CompareResult& r);
Table layer_table(const CompareResult& r, const std::string& quantity);  // latency, energy, edp, dram
Table breakdown_table(const CompareResult& r);

std::string render_markdown(const Table& t);

// Writes DIR/report.md and DIR/report.html; `images` are PNG paths relative to DIR.
void write_compare_report(const CompareResult& r, const std::string& dir, const std::vector<std::string>& images);

}  // namespace sx
