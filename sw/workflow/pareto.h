#pragma once
// The Pareto set of a sweep: points no other point beats on every objective at once.
// Every objective is minimised (latency, energy, area). Point a dominates b when a is <= b on
// every objective and < on at least one; the set is every point no other dominates. Ties: two
// points with equal objectives do not dominate each other, so both are in the set (a
// duplicate configuration is not silently dropped). Exact comparison of the numbers as written
// in the tables (9 significant digits), no tolerance.
#include <string>
#include <vector>

#include "sw/workflow/csv_table.h"

namespace sx {

// points[i][k]: objective k of point i (all rows the same length). true: in the Pareto set.
std::vector<bool> pareto_set(const std::vector<std::vector<double>>& points);

// Sets column `out` of every record of `t`: "true" / "false" for records whose status is "ok"
// and whose every `objectives` column holds a number, compared only with records of the same
// `group` value (a sweep: the same workload; points of different networks never compete);
// "" for the others (failed points, or tables written before a column existed).
void mark_pareto(RecordTable& t, const std::vector<std::string>& objectives, const std::string& group,
                 const std::string& out = "pareto");

// The sweep's objectives: latency_us, energy_total_pj, area_mm2.
const std::vector<std::string>& sweep_objectives();

}  // namespace sx
