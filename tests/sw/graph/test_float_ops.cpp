// Float kernels of the host graph runner (sw/graph/float_ops.h) and BatchNormalization
// folding, against small hand-computed values (derivations in the comments).
#include <catch2/catch.hpp>

#include <cmath>

#include "sw/graph/float_ops.h"
#include "sw/graph/graph.h"

using namespace sx;

namespace {
Node host_node(const std::string& op, std::vector<int64_t> out_dims) {
    Node n;
    n.op = op;
    n.name = op;
    n.out_dims = {std::move(out_dims)};
    n.outputs = {"y"};
    return n;
}
}  // namespace

TEST_CASE("conv2d: valid, padded-strided and grouped convolutions") {
    // x = 1..9 in a 3x3 plane; w = [[1,0],[0,1]] adds each pixel to its lower-right neighbour.
    const Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const std::vector<float> w = {1, 0, 0, 1};
    // Valid: 1+5, 2+6, 4+8, 5+9.
    CHECK(conv2d(x, w, 1, 2, 2, 1, 1, 0, 0, 0, 0).data == std::vector<float>{6, 8, 12, 14});
    // Pad 1, stride 2: windows start at (-1,-1), (-1,1), (1,-1), (1,1): 0+1, 0+3, 0+7, 5+9.
    const Tensor p = conv2d(x, w, 1, 2, 2, 1, 2, 1, 1, 1, 1);
    CHECK(p.dims == std::vector<int64_t>{1, 1, 2, 2});
    CHECK(p.data == std::vector<float>{1, 3, 7, 14});
    // Two groups of one channel, 1x1 weights 2 and -1: each output channel scales its own input.
    const Tensor x2({1, 2, 1, 2}, {1, 2, 3, 4});
    CHECK(conv2d(x2, {2, -1}, 2, 1, 1, 2, 1, 0, 0, 0, 0).data == std::vector<float>{2, 4, -3, -4});
}

TEST_CASE("run_compute_float adds the bias and applies the fused ReLU and Clip") {
    Node n;
    n.op = "Gemm";
    n.compute = true;
    n.C = 2, n.K = 2;
    n.weights = {1, 1, 1, -1};  // y0 = x0 + x1, y1 = x0 - x1
    n.bias = {0.5f, 0};
    n.relu = true;
    n.clip_max = 6;
    const Tensor x({1, 2}, {2, 3});
    // y0 = 5 + 0.5 = 5.5; y1 = -1 -> ReLU 0.
    CHECK(run_compute_float(n, x).data == std::vector<float>{5.5f, 0});
    const Tensor big({1, 2}, {4, 3});  // y0 = 7.5 -> clipped to 6, y1 = 1
    CHECK(run_compute_float(n, big).data == std::vector<float>{6, 1});
}

TEST_CASE("MaxPool and AveragePool windows, with and without counting the padding") {
    Tensor x({1, 1, 4, 4});
    for (int i = 0; i < 16; ++i) x.data[i] = static_cast<float>(i);
    Node mp = host_node("MaxPool", {1, 1, 2, 2});
    mp.ints = {{"kernel_shape", {2, 2}}, {"strides", {2, 2}}};
    // 2x2 windows of 0..15: maxima 5, 7, 13, 15.
    CHECK(run_host_op(mp, {&x})[0].data == std::vector<float>{5, 7, 13, 15});
    Node ap = mp;
    ap.op = "AveragePool";
    // (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, 10.5, 12.5.
    CHECK(run_host_op(ap, {&x})[0].data == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});
    // 2x2 input [1 2; 3 4], kernel 2, stride 2, pad 1: every window holds one pixel.
    const Tensor s({1, 1, 2, 2}, {1, 2, 3, 4});
    ap.ints["pads"] = {1, 1, 1, 1};
    CHECK(run_host_op(ap, {&s})[0].data == std::vector<float>{1, 2, 3, 4});  // divided by 1 valid pixel
    ap.ints["count_include_pad"] = {1};
    CHECK(run_host_op(ap, {&s})[0].data == std::vector<float>{0.25f, 0.5f, 0.75f, 1});  // divided by 4
}

TEST_CASE("GlobalAveragePool, broadcasting Add and Mul, Concat, Softmax, Flatten") {
    const Tensor x({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    // Channel means: (1+2+3+4)/4 = 2.5 and (5+6+7+8)/4 = 6.5.
    CHECK(run_host_op(host_node("GlobalAveragePool", {1, 2, 1, 1}), {&x})[0].data == std::vector<float>{2.5f, 6.5f});
    // {1,2,2} + {2,1}: b broadcasts along the last axis: [1+10, 2+10, 3+20, 4+20].
    const Tensor a({1, 2, 2}, {1, 2, 3, 4}), b({2, 1}, {10, 20});
    CHECK(run_host_op(host_node("Add", {1, 2, 2}), {&a, &b})[0].data == std::vector<float>{11, 12, 23, 24});
    CHECK(run_host_op(host_node("Mul", {1, 2, 2}), {&a, &b})[0].data == std::vector<float>{10, 20, 60, 80});
    // Concat along axis 2 of {1,2,1} [1,2] and {1,2,2} [3,4,5,6]: rows [1,3,4] and [2,5,6].
    Node cat = host_node("Concat", {1, 2, 3});
    cat.ints["axis"] = {2};
    const Tensor c1({1, 2, 1}, {1, 2}), c2({1, 2, 2}, {3, 4, 5, 6});
    CHECK(run_host_op(cat, {&c1, &c2})[0].data == std::vector<float>{1, 3, 4, 2, 5, 6});
    // Softmax of [0, ln 3]: e^0 / (1 + 3) = 0.25, 3 / 4 = 0.75.
    const Tensor l({1, 2}, {0, std::log(3.0f)});
    const Tensor sm = run_host_op(host_node("Softmax", {1, 2}), {&l})[0];
    CHECK(sm.data[0] == Approx(0.25f));
    CHECK(sm.data[1] == Approx(0.75f));
    const Tensor f = run_host_op(host_node("Flatten", {1, 8}), {&x})[0];
    CHECK(f.dims == std::vector<int64_t>{1, 8});
    CHECK(f.data == x.data);
}

TEST_CASE("BatchNormalization folds into the preceding layer's weights and bias") {
    Node n;
    n.K = 2;
    n.weights = {1, 2, 3, 4};  // K x 2
    n.bias = {0, 1};
    n.bn_scale = {1, 1};
    // g0 = 4 / sqrt(3 + 1) = 2, g1 = 3 / sqrt(8 + 1) = 1.
    fold_batch_norm(n, {4, 3}, {0.5f, 0}, {1, 1}, {3, 8}, 1.0f);
    CHECK(n.weights == std::vector<float>{2, 4, 3, 4});
    CHECK(n.bias[0] == Approx(-1.5f));  // (0 - 1) * 2 + 0.5
    CHECK(n.bias[1] == Approx(0.0f));   // (1 - 1) * 1 + 0
    CHECK(n.bn_scale == std::vector<float>{2, 1});
}

// Follow-up to issue 17: a BatchNormalization whose variance is computed at run time (not a
// constant the loader can check) with variance + epsilon <= 0 is refused before sqrt makes the
// whole channel NaN. x = 1 in 2 channels; variance [1, -1], epsilon 1e-5 (the default).
TEST_CASE("run_host_op refuses a BatchNormalization with variance + epsilon <= 0") {
    const Node n = host_node("BatchNormalization", {1, 2, 1, 1});
    const Tensor x({1, 2, 1, 1}, {1, 1}), ones({2}, {1, 1}), zeros({2}, {0, 0}), bad_var({2}, {1, -1});
    CHECK_THROWS_WITH(run_host_op(n, {&x, &ones, &zeros, &zeros, &bad_var}),
                      Catch::Contains("node 'BatchNormalization'") && Catch::Contains("input_var + epsilon > 0"));
    // Variance 0 is fine with epsilon 1e-5: 1 / sqrt(1e-5) = 316.2.
    const Tensor ok_var({2}, {0, 1});
    const Tensor y = run_host_op(n, {&x, &ones, &zeros, &zeros, &ok_var}).at(0);
    CHECK(y.data[0] == Approx(316.2278).epsilon(1e-4));
}
