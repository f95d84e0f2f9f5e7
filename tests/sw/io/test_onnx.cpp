// ONNX import: a tiny model generated at test time with /usr/bin/python3 + onnx.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cstring>

#include <unistd.h>

#include "sw/common/error.h"
#include "sw/io/onnx_model.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

fs::path fixture_dir() {
    static fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("sx_test_onnx_" + std::to_string(::getpid()));
        fs::create_directories(d);
        const fs::path script = d / "make.py";
        std::ofstream(script) << R"PY(
import numpy as np, sys, os
import onnx
from onnx import helper, TensorProto, numpy_helper
d = sys.argv[1]
rng = np.random.default_rng(0)
def init(name, arr):
    return numpy_helper.from_array(arr, name)
w1 = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
w2 = rng.standard_normal((8, 8, 1, 1)).astype(np.float32)
w3 = rng.standard_normal((10, 8)).astype(np.float32)   # Gemm transB=1: [out, in]
w4 = rng.standard_normal((10, 4)).astype(np.float32)   # MatMul: [in, out]
nodes = [
    helper.make_node('Conv', ['x', 'w1'], ['c1'], name='conv1', kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
    helper.make_node('BatchNormalization', ['c1', 's', 'b', 'm', 'v'], ['bn1'], name='bn1'),
    helper.make_node('Relu', ['bn1'], ['r1'], name='relu1'),
    helper.make_node('MaxPool', ['r1'], ['p1'], name='pool1', kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node('Conv', ['p1', 'w2'], ['c2'], name='conv2', kernel_shape=[1, 1]),
    helper.make_node('Add', ['c2', 'p1'], ['a1'], name='add1'),
    helper.make_node('Clip', ['a1'], ['k1'], name='clip1'),
    helper.make_node('GlobalAveragePool', ['k1'], ['g1'], name='gap'),
    helper.make_node('Flatten', ['g1'], ['f1'], name='flatten'),
    helper.make_node('Gemm', ['f1', 'w3'], ['fc1'], name='fc1', transB=1),
    helper.make_node('MatMul', ['fc1', 'w4'], ['y'], name='fc2'),
]
inits = [init('w1', w1), init('w2', w2), init('w3', w3), init('w4', w4),
         init('s', np.ones(8, np.float32)), init('b', np.zeros(8, np.float32)),
         init('m', np.zeros(8, np.float32)), init('v', np.ones(8, np.float32))]
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 3, 8, 8])
y = helper.make_tensor_value_info('y', TensorProto.FLOAT, ['N', 4])
g = helper.make_graph(nodes, 'tiny', [x], [y], inits)
onnx.save(helper.make_model(g), os.path.join(d, 'tiny.onnx'))
np.save(os.path.join(d, 'w1.npy'), w1); np.save(os.path.join(d, 'w4.npy'), w4)
# Same graph with unsupported operators (LRN and Sigmoid) in the middle.
nodes2 = list(nodes)
nodes2[2] = helper.make_node('LRN', ['bn1'], ['r1'], name='lrn1', size=3)
nodes2.insert(3, helper.make_node('Sigmoid', ['r1'], ['sg'], name='sig1'))
nodes2[4] = helper.make_node('MaxPool', ['sg'], ['p1'], name='pool1', kernel_shape=[2, 2], strides=[2, 2])
g2 = helper.make_graph(nodes2, 'tiny_bad', [x], [y], inits)
onnx.save(helper.make_model(g2), os.path.join(d, 'unsupported.onnx'))
open(os.path.join(d, 'garbage.onnx'), 'wb').write(b'\xff\xfe not a protobuf \x00\x01')
)PY";
        const std::string cmd = "/usr/bin/python3 " + script.string() + " " + d.string();
        REQUIRE(std::system(cmd.c_str()) == 0);
        return d;
    }();
    return dir;
}

}  // namespace

TEST_CASE("ONNX graph walk derives the workload shapes", "[io][onnx]") {
    const OnnxModel m = load_onnx((fixture_dir() / "tiny.onnx").string());
    const Workload& w = m.workload;
    CHECK(w.name == "tiny");
    CHECK(w.in_C == 3);
    CHECK(w.in_H == 8);
    std::vector<std::string> names;
    for (const Layer& l : w.layers) names.push_back(l.name);
    CHECK(names == std::vector<std::string>{"conv1", "pool1", "conv2", "add1", "gap", "fc1", "fc2"});
    const Layer* c1 = w.find("conv1");
    CHECK(c1->K == 8);
    CHECK(c1->R == 3);
    CHECK(c1->padding == 1);
    CHECK(c1->P() == 8);
    const Layer* c2 = w.find("conv2");
    CHECK(c2->H == 4);  // after the 2x2/2 max pool
    CHECK(c2->inputs == std::vector<std::string>{"pool1"});  // Relu/BN are pass-throughs
    CHECK(w.find("add1")->inputs == std::vector<std::string>{"conv2", "pool1"});
    CHECK(w.find("gap")->R == 4);
    const Layer* fc1 = w.find("fc1");
    CHECK(fc1->type == LayerType::FullyConnected);
    CHECK(fc1->C == 8);
    CHECK(fc1->K == 10);
    CHECK(w.find("fc2")->K == 4);
    CHECK(w.find("fc2")->inputs == std::vector<std::string>{"fc1"});
    // Warnings name the pass-through operators instead of dropping them silently.
    bool bn_warned = false;
    for (const auto& s : m.warnings) bn_warned = bn_warned || s.find("BatchNormalization") != std::string::npos;
    CHECK(bn_warned);
}

TEST_CASE("ONNX weights come out as K x C/groups x R x S", "[io][onnx]") {
    const OnnxModel m = load_onnx((fixture_dir() / "tiny.onnx").string());
    REQUIRE(m.weights.size() == 4);
    CHECK(m.weights.at("conv1").size() == 8u * 3 * 9);
    CHECK(m.weights.at("fc1").size() == 80u);
    // MatMul weights [in=10][out=4] are transposed to [out][in]: element (k, c) = w4[c][k].
    const auto& fc2 = m.weights.at("fc2");
    REQUIRE(fc2.size() == 40u);
    std::ifstream in(fixture_dir() / "w4.npy", std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    float w4[40];
    std::memcpy(w4, raw.data() + raw.size() - sizeof w4, sizeof w4);
    for (int k = 0; k < 4; ++k)
        for (int c = 0; c < 10; ++c) REQUIRE(fc2[k * 10 + c] == w4[c * 4 + k]);
}

TEST_CASE("unsupported ONNX operators are listed in the error", "[io][onnx]") {
    try {
        load_onnx((fixture_dir() / "unsupported.onnx").string());
        FAIL("no error");
    } catch (const InputError& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains("unsupported.onnx"));
        CHECK_THAT(msg, Catch::Contains("LRN (node 'lrn1')"));
        CHECK_THAT(msg, Catch::Contains("Sigmoid (node 'sig1')"));
    }
    CHECK_THROWS_AS(load_onnx((fixture_dir() / "garbage.onnx").string()), InputError);
    CHECK_THROWS_AS(load_onnx("/nonexistent.onnx"), InputError);
}
