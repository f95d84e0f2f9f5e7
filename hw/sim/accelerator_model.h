#pragma once
// How a dataflow plugs into the simulator. A dataflow implements AcceleratorModel (built from
// the ArchConfig during elaboration: it creates its SystemC modules there) and adds one line
// to hw/sim/registry.cpp. simulate() then drives it: it creates the data of each layer,
// calls run_layer() from a SystemC thread, checks the outputs against sw/reference and the
// conservation counters, and collects the LayerResults.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/common/output_requant.h"
#include "hw/common/sim_context.h"
#include "sw/config/arch_config.h"
#include "sw/image/weight_image.h"
#include "sw/trace/layer_result.h"
#include "sw/workload/workload.h"

namespace sx {

// The form of the synthetic weights simulate() builds when no weight image is given (a given
// image is used as it is by every model).
enum class SyntheticWeightForm {
    SmartExchange,  // SmartExchange image (decomposed Ce x basis layers, make_synthetic_image)
    Unstructured,   // raw int8, seeded, unstructured, pruned at exactly the workload's
                    // per-layer weight densities (make_unstructured_image): sparse baselines
};

struct LayerJob {
    const Layer* layer = nullptr;
    const ImageLayer* image = nullptr;             // the layer's weight image
    const std::vector<int8_t>* weights = nullptr;  // decode_int8(*image): K x C/g x R x S
    const std::vector<int8_t>* inputs = nullptr;   // N x C x H x W
    bool trace = false;                            // this is the --vcd layer
    // Optional per-layer requantisation (hw/common/output_requant.h, K channels, validated by
    // simulate()): the design's post-processing applies it to the accumulators instead of its
    // fixed ReLU + requant_shift() (sw/reference) before storing the int8 outputs to DRAM.
    // Null: the fixed requantisation (synthetic runs; traces unchanged).
    const OutputRequant* requant = nullptr;
    // Optional: filled with the int8 outputs as read back from the design's DRAM after the
    // layer (decoded from its storage format), N x K x P x Q. Null: not read back for this.
    std::vector<int8_t>* stored_outputs = nullptr;
};

// Conservation figures a model reports per layer; simulate() checks them.
struct LayerConservation {
    uint64_t dram_read_bytes = 0;       // as the memory counted them
    uint64_t buffer_bytes_in = 0;       // bytes the global buffers received from the DMA
    uint64_t overfetch_bytes = 0;       // bytes of aligned bursts outside the requested ranges
};

class AcceleratorModel {
public:
    virtual ~AcceleratorModel() = default;
    // Runs one layer inside a SystemC thread (may wait). Fills `result` (everything but the
    // layer/macs fields simulate() sets) and `outputs` (N x K x P x Q int32 accumulators).
    virtual void run_layer(const LayerJob& job, LayerResult& result, std::vector<int32_t>& outputs,
                           LayerConservation& conservation) = 0;
    // Registers VCD traces (before the simulation starts); values should change only while a
    // job with trace = true runs. A design that registers none says so (traces_vcd() false):
    // `--vcd` on it is then refused (exit 2) rather than writing an empty waveform.
    virtual void trace(sc_core::sc_trace_file* tf) {}
    virtual bool traces_vcd() const { return false; }
    // Which synthetic weights this design is measured with.
    virtual SyntheticWeightForm synthetic_weight_form() const { return SyntheticWeightForm::SmartExchange; }
};

using ModelFactory = std::function<std::unique_ptr<AcceleratorModel>(const ArchConfig&, SimContext&)>;

// The registry: hw/sim/registry.cpp holds one line per dataflow.
const ModelFactory* find_model_factory(Dataflow d);
// The registered model's synthetic_weight_form(), without building the model.
SyntheticWeightForm synthetic_weight_form_of(Dataflow d);

}  // namespace sx
