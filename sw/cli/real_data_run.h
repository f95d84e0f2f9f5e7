#pragma once
// sxsim run --inputs DIR: the real-data path of the run command (docs/real-data.md). Thin glue
// over sw/graph: loads the host graph and the inputs, calibrates, builds the int8 weights (or
// takes the --weights image), runs the functional host pass, plugs its per-layer values into
// simulate()'s RunOptions, then writes OUT/outputs, OUT/reference_outputs and the "real_data"
// summary.
//
// The functional pass (configure()): in graph order, each compute layer's int8 inputs from the
// chain, its accumulators from sw/reference, the host's requantisation of them, handed on to
// the chain. Every layer can then be simulated independently (any -j, simulate.h) on the
// inputs recorded here, and its accumulators and stored outputs are compared with the pass's
// (--check or not). The final outputs are the pass's: identical to the design's when every
// layer matched, and a layer that did not fails the run.
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
    // Runs the functional pass, then sets weights, activation hooks and labels for simulate().
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
    struct Expected {
        std::vector<int32_t> acc;
        std::vector<int8_t> stored;
    };
    void functional_pass();
    std::map<std::string, std::vector<int8_t>> inputs_of_;  // by compute layer: its int8 inputs
    std::map<std::string, Expected> expected_;               // by compute layer: the pass's outputs
    std::vector<std::string> input_notes_;  // about the inputs (e.g. --normalize on .npy), for run.json
};

}  // namespace sx
