#pragma once
// `sxsim sweep` and `sxsim compare`: the architect's workflow over sw/workflow.
#include <CLI/CLI.hpp>

namespace sx {

void add_workflow_commands(CLI::App& app);

}  // namespace sx
