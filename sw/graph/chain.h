#pragma once
// Chaining a graph through the simulated accelerator (sxsim run --inputs): the samples are
// batched as the workload's N; simulate() asks for each compute layer's int8 inputs and hands
// back its int32 accumulators (hw/sim/simulate.h, RunOptions::layer_inputs / layer_outputs),
// in workload order, which is the graph's order of compute nodes.
//
// Between two compute layers the host graph runs per sample in float on the dequantised int8
// outputs of the earlier layers (docs/real-data.md). A compute layer's input is its input
// tensor quantised with the tensor's calibrated scale. Each layer's requantisation to its
// output tensor's scale (requant.h: + int32 bias, fixed-point multiplier and shift, fused ReLU
// clamp) is handed to the design (layer_requant -> LayerJob::requant), which applies it in its
// store path; the int8 outputs it read back from its DRAM are what layer_outputs dequantises
// for the host graph. host_requant is the host's own implementation of the same arithmetic
// (for --check). A layer no other compute layer depends on (the classifier) is dequantised from
// its int32 accumulators directly (no int8 rounding of the logits).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hw/common/output_requant.h"
#include "sw/graph/executor.h"
#include "sw/graph/graph.h"
#include "sw/graph/requant.h"
#include "sw/graph/tensor.h"
#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx {

class ChainedNetwork {
public:
    // `wl` must be the same model imported with batch = samples.size(); its compute layers must
    // match the graph's compute nodes one by one (InputError otherwise). `scales`: calibration.
    ChainedNetwork(const Graph& g, const Workload& wl, std::map<std::string, float> scales, std::vector<Tensor> samples);

    // int8 weights, per-tensor symmetric (scale = max |w| / 127) of the BN-folded float
    // weights: one raw image layer per compute layer. Sets the weight scales used to
    // requantise (the image is what the accelerator must then run with).
    WeightImage use_int8_weights();
    // A SmartExchange image of the model's (unfolded) weights: the accelerator uses its rebuilt
    // int8 weights; requantisation uses per output channel the filter's scale (one per filter,
    // shared by its blocks) times the folded BN factor.
    void use_weight_image(const WeightImage& img);

    std::vector<int8_t> layer_inputs(const Layer& l);  // N x C x H x W
    // The requantisation the design applies before storing layer l's outputs (K channels).
    OutputRequant layer_requant(const Layer& l) const;
    // The same requantisation computed on the host (requantize_fixed) of N x K x P x Q
    // accumulators: what the design must have stored.
    std::vector<int8_t> host_requant(const Layer& l, const std::vector<int32_t>& acc) const;
    // acc: the design's int32 accumulators; stored: its int8 outputs read back from DRAM (both
    // N x K x P x Q, or K x rows for an N-D MatMul). The host graph continues from `stored`,
    // or from `acc` for a final layer.
    void layer_outputs(const Layer& l, const std::vector<int32_t>& acc, const std::vector<int8_t>& stored);
    // Runs the host nodes after the last compute layer; the graph's first output per sample.
    std::vector<Tensor> finish();

private:
    struct LayerQuant {
        const Node* node = nullptr;
        float in_scale = 1, out_scale = 1;
        std::vector<double> w_scale;  // per output channel, BN factor included
        bool final = false;           // no compute layer depends on it: dequantised from int32
    };
    struct ChannelRequant {
        std::vector<int32_t> bias;
        std::vector<FixedPointMultiplier> mult;
        std::vector<double> acc_scale;  // s_in * s_w per channel: int32 -> float
        int lo = -127, hi = 127;
    };
    ChannelRequant channel_requant(const LayerQuant& q) const;
    LayerQuant& quant_of(const Layer& l);
    const LayerQuant& quant_of(const Layer& l) const;
    float scale_of(const std::string& tensor) const;

    const Graph& g_;
    std::map<std::string, float> scales_;
    std::vector<std::unique_ptr<HostExecutor>> exec_;  // one per sample
    std::map<std::string, LayerQuant> layers_;  // by workload layer name
};

}  // namespace sx
