#pragma once
// Entry point of the SystemC model: elaborates the accelerator the configuration describes,
// runs every compute layer of the workload cycle by cycle and returns per-layer results.
// SystemC elaborates once per process: call simulate() at most once per process (sweeps run
// points as separate processes; tests run each case in its own process via ctest).
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
    // selected layer runs on its own inputs (synthetic or <layer>.npy), as in a full run; the
    // model's state carried from earlier layers (DRAM open rows, refresh phase) differs, which
    // can move a layer's cycles slightly. Names must exist (the CLI checks them).
    std::vector<std::string> only_layers;
    int64_t first_layers = 0;
    // Exactness test mode (SimContext::step_mode): blocks advance one cycle at a time and a
    // computed duration that stepping does not reproduce is a SimulationError. Tests only.
    bool step_cycles = false;
    // Chained runs (sxsim run --inputs, sw/graph/chain.h): when set, a simulated compute layer
    // takes its N x C x H x W int8 inputs from layer_inputs (instead of synthetic or <layer>.npy
    // ones); layer_requant (optional) gives the requantisation the design applies before storing
    // its outputs (LayerJob::requant); its N x K x P x Q int32 accumulators and the int8 outputs
    // read back from its DRAM (after the check) are handed to layer_outputs. With check and
    // layer_requant, host_requant (the host's own implementation) requantises the reference
    // accumulators and the stored outputs must equal them (else the layer fails its check).
    // Called in workload order from the simulation thread; an exception stops the run and is
    // rethrown by simulate().
    std::function<std::vector<int8_t>(const Layer&)> layer_inputs;
    std::function<OutputRequant(const Layer&)> layer_requant;
    std::function<std::vector<int8_t>(const Layer&, const std::vector<int32_t>&)> host_requant;
    std::function<void(const Layer&, const std::vector<int32_t>& acc, const std::vector<int8_t>& stored)> layer_outputs;
    // What the activations are, for the traces (RunResult::activations); empty: derived here.
    std::string activations_label;
    // Called after each layer (progress display). index counts all layers, including skipped.
    std::function<void(std::size_t index, std::size_t count, const LayerResult&)> on_layer;
};

// With options.check, a layer whose outputs differ from the reference is recorded as failed
// (LayerResult::check, ::mismatch: first differing output, values, count), the remaining
// layers still run, and RunResult::check_passed is false; the caller decides the exit status.
RunResult simulate(const ArchConfig& arch, const Workload& workload, const RunOptions& options);

// Test seam (fault injection), never set by the product: called with each checked layer's
// reference outputs before the comparison, so that a test can make a real mismatch happen and
// see how it is reported (tests/hw/sim, tests/cli/check). Set it before simulate(); an empty
// function removes it.
using ReferenceFault = std::function<void(const Layer& layer, std::vector<int32_t>& reference)>;
void set_reference_fault_for_testing(ReferenceFault fault);

}  // namespace sx
