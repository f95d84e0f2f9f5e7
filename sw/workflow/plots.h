#pragma once
// Runs the plotting scripts (sw/plots/*.py, /usr/bin/python3 + matplotlib). Plots are an
// extra: a missing interpreter or matplotlib gives a warning, never a failed sweep/compare.
#include <string>
#include <vector>

namespace sx {

struct PlotOutcome {
    bool ok = false;
    std::vector<std::string> files;  // written files as the script reports them (one per stdout line)
    std::string warning;             // why no plots were made
};

// The python interpreter: $SXSIM_PYTHON, else /usr/bin/python3. The scripts' folder:
// $SXSIM_PLOTS_DIR, else the source tree's sw/plots.
std::string plot_python();
std::string plots_dir();

// Runs `<python> <plots_dir>/<script> <args...>`; its stdout/stderr go to log_dir/<script>.log.
PlotOutcome run_plot_script(const std::string& script, const std::vector<std::string>& args,
                            const std::string& log_dir);

}  // namespace sx
