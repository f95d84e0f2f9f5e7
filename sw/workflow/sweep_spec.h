#pragma once
// Sweep specification (configs/sweeps/*.json, docs/tutorial.md):
//   {
//     "description": "...",                      optional
//     "arch": "../smartexchange.json",           base configuration
//     "models": ["../../models/resnet18.json"],  one or more workloads
//     "mode": "product" | "zip",                 how params combine (default product)
//     "params": {"/pe_array/dim_m": [8, 16, 32], "/clock_mhz": "200:1000:200"},
//     "points": [{"/pe_array/dim_m": 8, "/pe_array/dim_c": 4}, ...],   optional explicit points
//     "batch": 1, "seed": 1, "timeout_s": 600    optional run options
//     "weights": "r18.sxw", "activations": "acts/"   optional, given to every point
//     "slurm": {"partition": "cpu", "time_limit": "1:00:00", ...}   optional, --backend slurm
//                                                 settings (sw/workflow/slurm_options.h)
//   }
// Relative paths resolve against the specification's folder. Points = each explicit point x
// the combination of params (either may be absent). Command-line options add to / override it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sw/workflow/slurm_options.h"
#include "sw/workflow/sweep_params.h"

namespace sx {

struct SweepSpec {
    std::string file;
    std::string description;
    std::string arch;
    std::vector<std::string> models;
    CombineMode mode = CombineMode::Product;
    std::vector<ParamAxis> params;
    std::vector<Overrides> points;
    std::string weights;      // "" if none
    std::string activations;  // "" if none
    std::vector<std::map<std::string, ValueOrigin>> point_origins;  // parallel to points: where each value is
    std::optional<int64_t> batch;
    std::optional<uint64_t> seed;
    std::optional<double> timeout_s;
    std::optional<SlurmOptions> slurm;  // "slurm": used with --backend slurm
};

SweepSpec load_sweep_spec(const std::string& path);
SweepSpec parse_sweep_spec(const json& doc, const std::string& path);

}  // namespace sx
