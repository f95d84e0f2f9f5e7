#pragma once
// The compressor report: a CSV (one row per layer plus "total") and a printed table.
// docs/compressor.md lists the columns.
#include <string>

#include "sw/compress/compressor.h"

namespace sx {

std::string report_csv(const CompressReport& report);
void write_report_csv(const CompressReport& report, const std::string& path);  // InputError if unwritable
std::string report_table(const CompressReport& report);

}  // namespace sx
