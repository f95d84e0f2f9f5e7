#pragma once
// Slurm settings of `sweep/compare --backend slurm` (docs/cluster.md): from the sweep file's
// "slurm" object and the command line (which wins, field by field). Values are checked here,
// before anything is submitted: a bad one is an InputError naming the file (or the option) and
// the field, exit 2.
//   "slurm": {"partition": "cpu",          sbatch --partition
//             "time_limit": "0-01:00:00",  sbatch --time: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S
//             "mem": "2G",                 sbatch --mem (per node): an integer with K/M/G/T or none (MiB)
//             "array_limit": 100,          tasks running at once (sbatch --array=0-N%limit), >= 1
//             "points_per_task": 4,        points one array task runs one after another, >= 1
//             "sbatch_args": ["--qos=long"]}   passed to sbatch verbatim, after the above
#include <optional>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"

namespace sx {

struct SlurmOptions {
    std::string partition;   // "" -> the cluster's default
    std::string time_limit;  // "" -> the partition's default
    std::string mem;         // "" -> the cluster's default
    int64_t array_limit = 0;      // 0 -> no limit
    int64_t points_per_task = 1;
    std::vector<std::string> sbatch_args;
};

// The optional "slurm" member of a sweep specification (node: the object).
SlurmOptions parse_slurm_options(const JsonNode& node);

// Checks of single values; `file`/`field` name where they were written, for the error.
void check_slurm_time(const std::string& v, const std::string& file, const std::string& field);
void check_slurm_mem(const std::string& v, const std::string& file, const std::string& field);
void check_slurm_partition(const std::string& v, const std::string& file, const std::string& field);

}  // namespace sx
