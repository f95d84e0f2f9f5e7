#pragma once
// Runs simulation points as child processes and aggregates their traces into two CSV tables
// (<prefix>layers.csv: one row per point and layer; <prefix>networks.csv: one row per point),
// rewritten atomically after each point. The tables hold results only (no wall time), so the
// same inputs give byte-identical tables; each point's wall time and backend go to a timing
// record, <prefix>times.csv (point_id, backend, wall_s, status), and its point.json. The networks table also carries each point's area_mm2
// and static_power_mw (from its traces) and a `pareto` column over latency, energy and area
// (sw/workflow/pareto.h), recomputed over all points at each write. Resumable: a point whose id is already in the
// networks table is skipped; a point whose traces are complete on disk but missing from the
// tables (the sweep was killed before recording it) is recovered without running it again.
// The id covers the content of every input (point_inputs.h), so a stored result is reused only
// for the same inputs. A stored point at the same slot (configuration, workload and values)
// with another id is out of date: its rows are dropped, the point runs again and the runner
// says which inputs changed (from OUT/points/<id>/point.json, which records them).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sw/workflow/csv_table.h"
#include "sw/workflow/point_inputs.h"
#include "sw/workflow/sweep_params.h"

namespace sx {

class PointBackend;

struct SimPoint {
    std::string id;     // point_id(inputs)
    std::string arch;   // base configuration file
    std::string model;  // workload file
    Overrides overrides;
    PointInputs inputs;  // what the point reads (recorded in point.json to explain reruns)
    // Where each override's value was written (sweep specification, --param, a compare
    // option); passed to the child (--set-origin) so that its errors name that place.
    std::map<std::string, ValueOrigin> origins;
    // Columns that describe the point in the tables (swept values, design name ...).
    std::vector<std::pair<std::string, std::string>> columns;
};

struct PointRunnerOptions {
    std::string out_dir;
    std::string table_prefix = "sweep_";
    int jobs = 0;             // 0: all cores
    double timeout_s = 0;     // per point, 0: none
    bool retry_failed = false;
    bool progress = true;     // progress line on stderr
    std::string progress_label = "sweep";
    // The child command for a point writing its traces into `dir`.
    std::function<std::vector<std::string>(const SimPoint&, const std::string& dir)> command;
    // Where the points run (point_backend.h); null: the local backend.
    std::shared_ptr<PointBackend> backend;
};

struct PointRunSummary {
    std::size_t total = 0;      // points in the plan
    std::size_t skipped = 0;    // already in the tables
    std::size_t recovered = 0;  // complete on disk, added to the tables without running
    std::size_t ran = 0;        // child processes that ended
    std::size_t ok = 0;         // points of this plan with status ok (skipped ones included)
    std::size_t failed = 0;     // points of this plan with a failed status
    // Stored points not reused because an input changed (their rows were dropped): each is
    // rerun, or recovered when traces for the new inputs were already on disk.
    struct Replaced {
        std::string id, old_id;
        bool recovered = false;
        std::vector<std::string> changed;  // what changed (changed_inputs()), e.g. "se.json changed"
    };
    std::vector<Replaced> replaced;
    bool interrupted = false;
    bool submitted = false;  // the backend queued the points and returned (slurm --submit-only)
    double wall_s = 0;
    RecordTable layers, networks;  // the tables as written (all points, earlier runs included)
};

std::string point_dir(const std::string& out_dir, const SimPoint& p);  // OUT/points/<id>

PointRunSummary run_points(const std::vector<SimPoint>& points, const PointRunnerOptions& options);

// One line per group of replaced points with the same changes, e.g.
// "3 points rerun: configs/dram/lpddr4-3200.json changed (ids: 4d84634d865f dim_m=8, ...)".
std::vector<std::string> describe_replaced(const PointRunSummary& summary, const std::vector<SimPoint>& points);

// Helpers shared with compare: totals of a point from its layers.csv rows.
std::string format_number(double v);
double to_number(const std::string& s);  // 0 for empty / non-numeric

}  // namespace sx
