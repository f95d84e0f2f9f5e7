#pragma once
// Entry point of the SystemC model: elaborates the accelerator the configuration describes,
// runs every compute layer of the workload cycle by cycle and returns per-layer results.
// Every simulated compute layer runs in its own forked child process with its own SystemC
// kernel (hw/sim/layer_parallel.h), up to RunOptions::jobs at a time; the calling process never
// elaborates SystemC, so simulate() may be called more than once per process. Convention: each
// layer starts from an idle, reset accelerator and DRAM at time 0 (no open rows, refresh phase
// and clock phase of earlier layers), so a layer's figures do not depend on which layers ran
// before it nor on the number of jobs: the results, hence the traces, are identical for any
// jobs, and `only_layers` gives a layer exactly the figures it has in a full run.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hw/common/output_requant.h"
#include "sw/config/arch_config.h"
#include "sw/image/weight_image.h"
#include "sw/trace/layer_result.h"
#include "sw/workload/workload.h"

namespace sx {

struct RunOptions {
    const WeightImage* weights = nullptr;  // null: synthetic weights from the workload's densities
    std::string weights_label;             // for the trace ("model.sxw", "synthetic (seed 1)")
    std::string activations_dir;           // optional: <layer>.npy int8 inputs per layer
    bool check = false;                    // compare every layer bit-exactly with the reference
    uint64_t seed = 1;                     // synthetic weights/activations
    std::string vcd_file;                  // dump handshakes/occupancies of `vcd_layer`
    std::string vcd_layer;
    // Layer selection (cheap partial runs). Both empty/0: every compute layer. Otherwise a compute
    // layer is simulated if it is named in only_layers or is among the first `first_layers`
    // compute layers (workload order); the others are listed with simulated = false. Each
    // selected layer runs on its own inputs (synthetic or <layer>.npy) from a reset design, as
    // in a full run: its figures are those of the full run. Names must exist (the CLI checks them).
    std::vector<std::string> only_layers;
    int64_t first_layers = 0;
    // Exactness test mode (SimContext::step_mode): blocks advance one cycle at a time and a
    // computed duration that stepping does not reproduce is a SimulationError. Tests only.
    bool step_cycles = false;
    // Layers simulated at once, each in its own process (<= 0: one per CPU of the process's
    // affinity mask, layer_parallel.h). Any value gives the same results.
    int jobs = 1;
    // Chained runs (sxsim run --inputs, sw/graph/chain.h): when set, a simulated compute layer
    // takes its N x C x H x W int8 inputs from layer_inputs (instead of synthetic or <layer>.npy
    // ones); layer_requant (optional) gives the requantisation the design applies before storing
    // its outputs (LayerJob::requant); its N x K x P x Q int32 accumulators and the int8 outputs
    // read back from its DRAM (after the check) are handed to layer_outputs. With check and
    // layer_requant, host_requant (the host's own implementation) requantises the reference
    // accumulators and the stored outputs must equal them (else the layer fails its check).
    // layer_inputs, layer_requant and host_requant are called in the layer's child process (they
    // see the caller's state as it was when simulate() was called, and their side effects stay
    // in the child); layer_outputs is called in the calling process as each layer finishes (the
    // child sends acc and stored back), in completion order. An exception in any of them stops
    // the run and is rethrown by simulate().
    std::function<std::vector<int8_t>(const Layer&)> layer_inputs;
    std::function<OutputRequant(const Layer&)> layer_requant;
    std::function<std::vector<int8_t>(const Layer&, const std::vector<int32_t>&)> host_requant;
    std::function<void(const Layer&, const std::vector<int32_t>& acc, const std::vector<int8_t>& stored)> layer_outputs;
    // Real-data runs: the functional host pass's int32 accumulators and stored int8 outputs of a
    // layer (sw/cli/real_data_run.h), called in the layer's child. Without `check`, the design's
    // accumulators and stored outputs are compared with them, and a difference fails the layer
    // (LayerResult::check = Failed, mismatch.what names the functional pass; check_passed false)
    // even though check_enabled is false. With `check`, the reference check above takes them as
    // its reference instead of computing reference_conv and host_requant again (the pass ran the
    // same functions on the same inputs and weights). Null: no such comparison.
    struct Expected {
        const std::vector<int32_t>* acc = nullptr;
        const std::vector<int8_t>* stored = nullptr;
    };
    std::function<Expected(const Layer&)> expected_outputs;
    // What the activations are, for the traces (RunResult::activations); empty: derived here.
    std::string activations_label;
    // Called after each layer (progress display), in the calling process, in completion order
    // (layers not simulated first). index: the layer's position in the workload (all layers,
    // including skipped ones), count: the number of layers.
    std::function<void(std::size_t index, std::size_t count, const LayerResult&)> on_layer;
};

// With options.check, a layer whose outputs differ from the reference is recorded as failed
// (LayerResult::check, ::mismatch: first differing output, values, count), the remaining
// layers still run, and RunResult::check_passed is false; the caller decides the exit status.
// RunResult::layers are in workload order whatever the completion order. A layer's child that
// throws InputError / SimulationError / CheckError: rethrown here with its message (the other
// children are killed); a child that dies (signal, crash): SimulationError naming the layer.
RunResult simulate(const ArchConfig& arch, const Workload& workload, const RunOptions& options);

// Test seam (fault injection), never set by the product: called with each checked layer's
// reference outputs before the comparison, so that a test can make a real mismatch happen and
// see how it is reported (tests/hw/sim, tests/cli/check). Set it before simulate() (the layers'
// child processes inherit it); an empty function removes it.
using ReferenceFault = std::function<void(const Layer& layer, std::vector<int32_t>& reference)>;
void set_reference_fault_for_testing(ReferenceFault fault);

}  // namespace sx
