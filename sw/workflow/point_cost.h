#pragma once
// Launch order of the points of a sweep or comparison (issue 18): longest expected first, so
// that the longest points do not start last and leave the other cores idle at the end (list
// scheduling in LPT order, within 4/3 of the optimal makespan). The cost is a SCHEDULING
// HEURISTIC ONLY: it decides when a point starts, never what it computes or how the tables are
// ordered (they list points in plan order, point_runner.h), so it cannot change a result.
#include <cstddef>
#include <string>
#include <vector>

namespace sx {

struct SimPoint;

// CPU seconds per G dense MACs of `sxsim run --check` by dataflow (the configuration's
// "dataflow"), from the ResNet-50 benchmark (docs/performance.md, "Issue 18": dense MACs per
// CPU-second, check on: SmartExchange 619 M, Eyeriss 523 M, SCNN 309 M). "dense" (DCNN) was not
// measured: Eyeriss's figure is assumed. Unknown dataflows: 2.
double dataflow_cost_factor(const std::string& dataflow);

// Estimated cost of each point (arbitrary units ~ CPU seconds): the workload's dense MACs
// (Workload::total_macs) x dataflow_cost_factor of its configuration with the point's
// overrides. A point whose workload is not a JSON workload (ONNX) or whose files cannot be
// read costs 0: it launches after the others, in plan order (the child reports any error).
// Each workload and configuration file is read once.
std::vector<double> estimate_point_costs(const std::vector<const SimPoint*>& points);

// Indices 0..n-1 by decreasing cost; equal costs keep their order (stable).
std::vector<std::size_t> longest_first(const std::vector<double>& cost);

// The points split into ceil(n / per) slices of at most `per` points (Slurm array tasks),
// balanced by LPT: points by decreasing cost, each into the slice with the least total cost
// that still has room (the lowest index on ties); slices listed by decreasing total (the
// array index order, in which Slurm starts them). Each slice lists point indices by decreasing
// cost. per >= 1.
std::vector<std::vector<std::size_t>> lpt_slices(const std::vector<double>& cost, std::size_t per);

}  // namespace sx
