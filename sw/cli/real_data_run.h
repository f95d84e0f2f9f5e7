#pragma once
// sxsim run --inputs DIR: the real-data path of the run command (docs/real-data.md). Thin glue
// over sw/graph: loads the host graph and the inputs, calibrates, builds the int8 weights (or
// takes the --weights image), plugs the chain into simulate()'s RunOptions, then writes
// OUT/outputs, OUT/reference_outputs and the "real_data" summary.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hw/sim/simulate.h"
#include "sw/cli/model_input.h"
#include "sw/graph/calibration.h"
#include "sw/graph/chain.h"
#include "sw/graph/graph.h"
#include "sw/graph/input_loader.h"
#include "sw/graph/real_data.h"

namespace sx {

struct RealDataArgs {
    std::string inputs;     // --inputs DIR (empty: not a real-data run)
    std::string labels;     // --labels LABELS.json
    std::string reference;  // --reference REFDIR
    std::string calibration = "max";
    std::string normalize = "none";
};

class RealDataRun {
public:
    // Loads everything and validates the inputs (InputError, exit 2). `model` must be .onnx.
    RealDataRun(const RealDataArgs& args, const std::string& model, const std::string& weights_path);
    const Workload& workload() const { return workload_; }
    // Weights, activation hooks and labels for simulate().
    void configure(RunOptions& opt);
    // After simulate(): final outputs, comparison, files under out_dir, run.real_data.
    void finish(RunResult& run, const std::string& out_dir);
    void print_summary() const;

private:
    RealDataArgs args_;
    std::string model_;
    Graph graph_;
    std::vector<InputSample> inputs_;
    Workload workload_;
    std::map<std::string, int64_t> labels_;
    std::vector<Tensor> reference_;  // float reference outputs (host, or --reference)
    std::unique_ptr<ChainedNetwork> chain_;
    std::unique_ptr<WeightImage> image_;
    RealDataSummary summary_;
    std::vector<std::string> input_notes_;  // about the inputs (e.g. --normalize on .npy), for run.json
};

}  // namespace sx
