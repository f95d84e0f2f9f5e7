#include "sw/workflow/plots.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sw/workflow/process_pool.h"

namespace fs = std::filesystem;

namespace sx {

namespace {
constexpr int kExitNoMatplotlib = 3;  // the scripts' code for "import matplotlib failed"
}

std::string plot_python() {
    const char* env = std::getenv("SXSIM_PYTHON");
    return env && *env ? env : "/usr/bin/python3";
}

std::string plots_dir() {
    const char* env = std::getenv("SXSIM_PLOTS_DIR");
    return env && *env ? env : SX_PLOTS_DIR;
}

PlotOutcome run_plot_script(const std::string& script, const std::vector<std::string>& args,
                            const std::string& log_dir) {
    PlotOutcome out;
    const std::string python = plot_python();
    const std::string path = (fs::path(plots_dir()) / script).string();
    if (access(python.c_str(), X_OK) != 0) {
        out.warning = python + " not found: no plots (install python3 and python3-matplotlib)";
        return out;
    }
    if (!fs::exists(path)) {
        out.warning = "plot script " + path + " not found: no plots (set SXSIM_PLOTS_DIR to sw/plots)";
        return out;
    }
    fs::create_directories(log_dir);
    ChildJob job;
    job.argv = {python, path};
    job.argv.insert(job.argv.end(), args.begin(), args.end());
    job.stdout_path = (fs::path(log_dir) / (fs::path(script).stem().string() + ".out")).string();
    job.stderr_path = (fs::path(log_dir) / (fs::path(script).stem().string() + ".log")).string();
    job.timeout_s = 300;
    ChildResult result;
    ProcessPool pool(1);
    pool.run(1, [&](std::size_t) { return job; }, [&](std::size_t, const ChildResult& r) { result = r; });
    if (!result.ok()) {
        if (result.exited && result.exit_code == kExitNoMatplotlib)
            out.warning = "matplotlib is not available to " + python + ": no plots (apt-get install python3-matplotlib)";
        else
            out.warning = script + " failed (" + (result.error.empty() ? "see " + job.stderr_path : result.error) + ")";
        return out;
    }
    std::ifstream in(job.stdout_path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.files.push_back(line);
    out.ok = true;
    return out;
}

}  // namespace sx
