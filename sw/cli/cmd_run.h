#pragma once
#include <CLI/CLI.hpp>

namespace sx {
// `sxsim run`: simulate one workload on one configuration and write per-layer traces.
void add_run_command(CLI::App& app);
}  // namespace sx
