// The host graph on the tiny CNN fixture (tests/cli/real_data/fixtures/make_fixtures.py):
// loading (BN folded, ReLU fused: the fixture keeps its BatchNormalization node), the float reference against PyTorch's outputs, and the
// int8 chain with sw/reference's convolution standing in for the accelerator.
#include <catch2/catch.hpp>

#include <cmath>

#include "sw/graph/calibration.h"
#include "sw/graph/chain.h"
#include "sw/graph/executor.h"
#include "sw/graph/graph.h"
#include "sw/io/npy.h"
#include "sw/io/onnx_model.h"
#include "sw/common/error.h"
#include "sw/reference/conv_reference.h"

using namespace sx;

namespace {
const std::string kDir = SX_REAL_DATA_FIXTURES;

double rel_error(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0, r = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]), r += b[i] * b[i];
    return std::sqrt(d / r);
}

Tensor input(int i) {
    NdArray a = read_npy(kDir + "/inputs/s" + std::to_string(i) + ".npy");
    return Tensor({1, 1, 8, 8}, a.data);
}
}  // namespace

TEST_CASE("The fixture graph loads with BatchNormalization folded and ReLUs fused") {
    const Graph g = load_graph(kDir + "/tiny_cnn.onnx");
    const auto compute = g.compute_nodes();
    REQUIRE(compute.size() == 4);  // c1, c2, c3, fc
    CHECK(compute[0]->fused == "BatchNormalization, Relu");
    CHECK(compute[1]->fused == "Relu");
    CHECK(compute[2]->fused == "Relu");
    CHECK(compute[3]->fused.empty());
    CHECK_FALSE(compute[3]->relu);
    CHECK(g.input_dims == std::vector<int64_t>{1, 1, 8, 8});
    for (const auto& n : g.nodes) CHECK(n.op != "BatchNormalization");
}

TEST_CASE("The host float reference matches PyTorch's outputs on the fixture") {
    const Graph g = load_graph(kDir + "/tiny_cnn.onnx");
    for (int i = 0; i < 3; ++i) {
        const Tensor out = run_float(g, input(i)).at(0);
        const NdArray torch = read_npy(kDir + "/torch_outputs/s" + std::to_string(i) + ".npy");
        REQUIRE(out.data.size() == torch.data.size());
        CHECK(rel_error(out.data, torch.data) < 1e-5);  // float32 summation order only
    }
}

TEST_CASE("The int8 chain (reference convolution as the accelerator) stays close to the float reference") {
    const Graph g = load_graph(kDir + "/tiny_cnn.onnx");
    OnnxImportOptions opt;
    opt.batch = 3;
    opt.weights = false;
    const Workload wl = load_onnx(kDir + "/tiny_cnn.onnx", opt).workload;
    Calibrator cal(CalibrationMethod::Max);
    std::vector<Tensor> samples, ref;
    for (int i = 0; i < 3; ++i) {
        samples.push_back(input(i));
        ref.push_back(run_float(g, samples.back(), [&](const std::string& n, const Tensor& t) { cal.observe(n, t); }).at(0));
    }
    ChainedNetwork chain(g, wl, cal.scales(g), samples);
    const WeightImage img = chain.use_int8_weights();
    for (const Layer& l : wl.layers) {
        if (!l.is_compute()) continue;
        const std::vector<int8_t> x = chain.layer_inputs(l);
        CHECK(static_cast<int64_t>(x.size()) == l.input_elems());
        const std::vector<int32_t> acc = reference_conv(l, x, decode_int8(*img.find(l.name)));
        chain.layer_outputs(l, acc, chain.host_requant(l, acc));
    }
    const std::vector<Tensor> out = chain.finish();
    REQUIRE(out.size() == 3);
    for (int i = 0; i < 3; ++i) {
        // int8 activations and weights on 4 layers: ~0.5% measured (PyTorch fixture); 5% bound.
        CHECK(rel_error(out[i].data, ref[i].data) < 0.05);
        CHECK(std::max_element(out[i].data.begin(), out[i].data.end()) - out[i].data.begin() ==
              std::max_element(ref[i].data.begin(), ref[i].data.end()) - ref[i].data.begin());
    }
}

TEST_CASE("Asking for a layer out of graph order is an error, not a silent misuse") {
    const Graph g = load_graph(kDir + "/tiny_cnn.onnx");
    OnnxImportOptions opt;
    opt.weights = false;
    const Workload wl = load_onnx(kDir + "/tiny_cnn.onnx", opt).workload;
    Calibrator cal(CalibrationMethod::Max);
    run_float(g, input(0), [&](const std::string& n, const Tensor& t) { cal.observe(n, t); });
    ChainedNetwork chain(g, wl, cal.scales(g), {input(0)});
    const Layer* second = nullptr;
    int k = 0;
    for (const Layer& l : wl.layers)
        if (l.is_compute() && k++ == 1) second = &l;
    REQUIRE(second);
    CHECK_THROWS_AS(chain.layer_inputs(*second), SimulationError);
}

TEST_CASE("A negative folded BatchNormalization factor keeps its sign in the requantisation (weight image)") {
    // Regression: with a weight image the requantisation multiplier per channel is
    // s_in * s_image * g / s_out, g = gamma / sqrt(var + eps) the folded BN factor. A trained
    // network may have gamma < 0; fixed_point() turned m < 0 into M = 0, so that channel was
    // stored as all zeros. The fixture's c1 has a BN: flip channel 0's factor, the multiplier
    // and the bias flip sign, the shift stays.
    OnnxImportOptions opt;
    opt.weights = false;
    const Workload wl = load_onnx(kDir + "/tiny_cnn.onnx", opt).workload;
    const Layer* first = nullptr;
    for (const Layer& l : wl.layers)
        if (l.is_compute() && !first) first = &l;
    REQUIRE(first);
    auto requant = [&](bool flip) {
        Graph g = load_graph(kDir + "/tiny_cnn.onnx");
        for (Node& n : g.nodes)
            if (n.compute) {
                REQUIRE(n.fused.find("BatchNormalization") != std::string::npos);
                n.bn_scale[0] = flip ? -n.bn_scale[0] : n.bn_scale[0];
                break;
            }
        Calibrator cal(CalibrationMethod::Max);
        run_float(g, input(0), [&](const std::string& n, const Tensor& t) { cal.observe(n, t); });
        ChainedNetwork chain(g, wl, cal.scales(g), {input(0)});
        chain.use_weight_image(chain.use_int8_weights());
        return chain.layer_requant(*first);
    };
    const OutputRequant a = requant(false), b = requant(true);
    REQUIRE(a.multiplier.size() >= 2);
    CHECK(a.multiplier[0] > 0);
    CHECK(b.multiplier[0] == -a.multiplier[0]);
    CHECK(b.shift[0] == a.shift[0]);
    CHECK(b.bias[0] == -a.bias[0]);
    CHECK(b.multiplier[1] == a.multiplier[1]);  // other channels untouched
    // The hardware's formula applies it (validate() refused M < 0 before): with the bias added,
    // a sum of -1000 under the flipped factor is exactly what +1000 is under the original one
    // ((-1000) * (-M) = 1000 * M; c1 has a fused ReLU, so the other sign is clamped to 0).
    b.validate(static_cast<int64_t>(b.multiplier.size()));
    const int8_t pos = apply_output_requant(1000 - a.bias[0], a, 0);
    CHECK(pos > 0);
    CHECK(apply_output_requant(-1000 - b.bias[0], b, 0) == pos);
    CHECK(apply_output_requant(1000 - b.bias[0], b, 0) == 0);
}
