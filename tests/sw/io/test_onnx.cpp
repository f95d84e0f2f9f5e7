// ONNX import: a tiny model generated at test time with /usr/bin/python3 + onnx.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cstring>

#include <unistd.h>

#include "sw/common/error.h"
#include "sw/io/onnx_model.h"
#include "tests/sw/python_fixture.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

fs::path fixture_dir() {
    static const fs::path dir = python_fixture::folder_made_by("test_onnx", R"PY(
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
# Same graph with unsupported operators (Einsum and NonZero) in the middle.
nodes2 = list(nodes)
nodes2[2] = helper.make_node('Einsum', ['bn1'], ['r1'], name='ein1', equation='nchw->nchw')
nodes2.insert(3, helper.make_node('NonZero', ['r1'], ['sg'], name='nz1'))
nodes2[4] = helper.make_node('MaxPool', ['sg'], ['p1'], name='pool1', kernel_shape=[2, 2], strides=[2, 2])
g2 = helper.make_graph(nodes2, 'tiny_bad', [x], [y], inits)
onnx.save(helper.make_model(g2), os.path.join(d, 'unsupported.onnx'))
open(os.path.join(d, 'garbage.onnx'), 'wb').write(b'\xff\xfe not a protobuf \x00\x01')

# Constants however spelled, a shape chain folded at import, host operations, and a MatMul
# on a 3-D input. x: 2x3x8x8 (a concrete batch of 2).
def const(name, arr):
    return helper.make_node('Constant', [], [name], name=name, value=numpy_helper.from_array(np.array(arr), name + '_v'))
wc = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
nodes3 = [
    helper.make_node('Identity', ['wc'], ['wc_id'], name='wc_identity'),
    helper.make_node('Conv', ['x', 'wc_id'], ['c'], name='conv', kernel_shape=[3, 3], pads=[1, 1, 1, 1]),   # 2x4x8x8
    helper.make_node('MaxPool', ['c'], ['p'], name='pool', kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),  # 2x4x4x4
    helper.make_node('Sigmoid', ['p'], ['s'], name='sig'),
    helper.make_node('Mul', ['p', 's'], ['m'], name='mul'),
    helper.make_node('Shape', ['m'], ['shp'], name='shape'),
    const('zero', np.array([0], np.int64)),
    helper.make_node('Gather', ['shp', 'zero'], ['n'], name='gather', axis=0),                # [2]
    const('minus1', np.array([-1], np.int64)),
    const('four', np.array([4], np.int64)),
    helper.make_node('Concat', ['n', 'minus1'], ['flat_shape'], name='cat_flat', axis=0),    # [2, -1]
    helper.make_node('Reshape', ['m', 'flat_shape'], ['f'], name='flatten'),                 # 2x64
    helper.make_node('MatMul', ['f', 'wf'], ['y'], name='fc'),                               # 2x10
    helper.make_node('Transpose', ['m'], ['t'], name='nhwc', perm=[0, 2, 3, 1]),             # 2x4x4x4
    helper.make_node('Concat', ['n', 'minus1', 'four'], ['tok_shape'], name='cat_tok', axis=0),  # [2, -1, 4]
    helper.make_node('Reshape', ['t', 'tok_shape'], ['tok'], name='tokens'),                 # 2x16x4
    helper.make_node('MatMul', ['tok', 'wt'], ['z'], name='proj'),                           # 2x16x6
    const('bias', np.ones(6, np.float32)),
    helper.make_node('Add', ['z', 'bias'], ['zb'], name='proj_bias'),
]
inits3 = [init('wc', wc), init('wf', rng.standard_normal((64, 10)).astype(np.float32)),
          init('wt', rng.standard_normal((4, 6)).astype(np.float32))]
x3 = helper.make_tensor_value_info('x', TensorProto.FLOAT, [2, 3, 8, 8])
y3 = helper.make_tensor_value_info('y', TensorProto.FLOAT, [2, 10])
z3 = helper.make_tensor_value_info('zb', TensorProto.FLOAT, [2, 16, 6])
g3 = helper.make_graph(nodes3, 'folded', [x3], [y3, z3], inits3)
onnx.save(helper.make_model(g3, opset_imports=[helper.make_opsetid('', 13)]), os.path.join(d, 'folded.onnx'))
np.save(os.path.join(d, 'wc.npy'), wc)

# A graph input of 2^32 x 2^32: must fail on the dimensions, before anything is allocated.
xh = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 3, 4294967296, 4294967296])
gh = helper.make_graph([helper.make_node('Conv', ['x', 'wc'], ['y'], name='conv', kernel_shape=[3, 3])], 'huge',
                       [xh], [helper.make_tensor_value_info('y', TensorProto.FLOAT, None)], [init('wc', wc)])
onnx.save(helper.make_model(gh), os.path.join(d, 'huge.onnx'))
)PY");
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
    // Flatten is a host layer; Relu, BatchNormalization and Clip pass through.
    CHECK(names == std::vector<std::string>{"conv1", "pool1", "conv2", "add1", "gap", "flatten", "fc1", "fc2"});
    CHECK(w.find("flatten")->type == LayerType::Host);
    CHECK(w.find("flatten")->shape == std::vector<int64_t>{1, 8});
    CHECK(w.find("fc1")->inputs == std::vector<std::string>{"flatten"});
    CHECK(w.batch == 1);  // a symbolic batch ('N') is one image
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
        CHECK_THAT(msg, Catch::Contains("Einsum (node 'ein1')"));
        CHECK_THAT(msg, Catch::Contains("NonZero (node 'nz1')"));
    }
    CHECK_THROWS_AS(load_onnx((fixture_dir() / "garbage.onnx").string()), InputError);
    CHECK_THROWS_AS(load_onnx("/nonexistent.onnx"), InputError);
}

namespace {
const std::string kCases = std::string(SX_SOURCE_DIR) + "/tests/sw/io/fixtures/";

std::vector<std::string> layer_names(const Workload& w) {
    std::vector<std::string> names;
    for (const Layer& l : w.layers) names.push_back(l.name);
    return names;
}

// The InputError of loading `path`; fails the test if there is none.
InputError import_error(const std::string& path, const OnnxImportOptions& opt = {}) {
    try {
        load_onnx(path, opt);
    } catch (const InputError& e) {
        return e;
    }
    FAIL("no InputError for " << path);
    throw;
}
}  // namespace

// User-found cases (../shared/cases/onnx-identity-initializer, onnx-clip-constant): the
// PyTorch exporter feeds weights through Identity and writes ReLU6's bounds as Constant nodes.
// Conv 1x3x8x8 -> 4 channels, 3x3, pad 1: 4*8*8*3*3*3 = 6912 MACs.
TEST_CASE("ONNX constants however spelled: Identity of an initializer, Constant nodes", "[io][onnx]") {
    for (const char* f : {"conv_identity_weight.onnx", "identity_initializer.onnx", "clip_constant.onnx"}) {
        INFO(f);
        const OnnxModel m = load_onnx(kCases + f);
        REQUIRE(m.workload.layers.size() == 1);
        CHECK(m.workload.total_macs() == 6912);
        CHECK(m.workload.batch == 1);
        CHECK(m.weights.begin()->second.size() == 4u * 3 * 3 * 3);
    }
}

// User-found case onnx-batch-input: graph input 4x3x8x8 is batch 4, 4*6912 = 27648 MACs.
TEST_CASE("ONNX concrete batch is honoured and an override says so", "[io][onnx]") {
    const OnnxModel m = load_onnx(kCases + "conv_batch4.onnx");
    CHECK(m.workload.batch == 4);
    CHECK(m.workload.layers.at(0).N == 4);
    CHECK(m.workload.total_macs() == 27648);
    CHECK(m.workload.notes.empty());
    OnnxImportOptions two;
    two.batch = 2;
    const OnnxModel o = load_onnx(kCases + "conv_batch4.onnx", two);
    CHECK(o.workload.total_macs() == 13824);
    REQUIRE(o.workload.notes.size() == 1);
    CHECK_THAT(o.workload.notes[0], Catch::Contains("--batch 2 overrides the batch 4") && Catch::Contains("'x'"));
    OnnxImportOptions same;
    same.batch = 4;
    CHECK(load_onnx(kCases + "conv_batch4.onnx", same).workload.notes.empty());
    // Both options: each note names the batch it replaced and where that one came from (the
    // second once blamed the model for --input-shape's batch).
    OnnxImportOptions both;
    both.input_shape = {2, 3, 8, 8};
    both.option = "--input-shape";
    both.batch = 5;
    const OnnxModel b = load_onnx(kCases + "conv_batch4.onnx", both);
    CHECK(b.workload.batch == 5);
    REQUIRE(b.workload.notes.size() == 2);
    CHECK_THAT(b.workload.notes[0], Catch::Contains("overrides the batch 4 of ONNX graph input 'x'"));
    CHECK_THAT(b.workload.notes[1], Catch::Contains("--batch 5 overrides the batch 2 of --input-shape"));
}

// User-found case onnx-symbolic-hw: 1x3xHxW must not become 1x3x1x1 (108 MACs).
TEST_CASE("ONNX symbolic spatial dimensions need the input shape", "[io][onnx]") {
    const std::string path = kCases + "conv_dynamic_hw.onnx";
    const InputError e = import_error(path);
    CHECK(e.file() == path);
    CHECK(e.field() == "graph input 'x'");
    CHECK_THAT(e.found(), Catch::Contains("dimension 2 'H'"));
    CHECK_THAT(e.expected(), Catch::Contains("--input-shape"));
    OnnxImportOptions opt;
    opt.input_shape = {1, 3, 8, 8};
    CHECK(load_onnx(path, opt).workload.total_macs() == 6912);
    opt.input_shape = {2, 3, 8, 8};
    CHECK(load_onnx(path, opt).workload.total_macs() == 2 * 6912);
    opt.input_shape = {1, 4, 8, 8};  // conflicts with the concrete 3 channels
    CHECK(import_error(path, opt).field() == "--input-shape");
    opt.input_shape = {1, 3, 8};  // wrong rank
    CHECK(import_error(path, opt).field() == "--input-shape");
}

TEST_CASE("ONNX input shape text parses as NxCxHxW", "[io][onnx]") {
    CHECK(parse_input_shape("1x3x224x224", "--input-shape") == std::vector<int64_t>{1, 3, 224, 224});
    CHECK(parse_input_shape("8X512", "--input-shape") == std::vector<int64_t>{8, 512});
    for (const char* bad : {"", "1x", "x3", "1x3xHx8", "0x3x8x8", "1x-3x8x8", "1x3x99999999999x8", "1x1x1x1x1x1x1x1x1"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_input_shape(bad, "--input-shape"), InputError);
    }
}

TEST_CASE("ONNX dimensions are bounded before anything is allocated", "[io][onnx]") {
    const InputError e = import_error((fixture_dir() / "huge.onnx").string());
    CHECK(e.field() == "graph input 'x'");
    CHECK_THAT(e.found(), Catch::Contains("4294967296"));
}

// folded.onnx (see the script): hand-derived shapes and MACs.
TEST_CASE("ONNX shape chains fold, host operations carry their shapes", "[io][onnx]") {
    const OnnxModel m = load_onnx((fixture_dir() / "folded.onnx").string());
    const Workload& w = m.workload;
    CHECK(layer_names(w) == std::vector<std::string>{"conv", "pool", "sig", "mul", "flatten", "fc", "nhwc", "tokens", "proj"});
    CHECK(w.batch == 2);
    // conv: 2*4*8*8*3*3*3 = 13824, weights through Identity.
    CHECK(w.find("conv")->macs() == 13824);
    CHECK(m.weights.at("conv").size() == 4u * 27);
    // MaxPool 3x3/2 ceil_mode on 8x8: ceil((8-3)/2)+1 = 4 (floor would give 3): a host layer.
    const Layer* pool = w.find("pool");
    CHECK(pool->type == LayerType::Host);
    CHECK(pool->op == "MaxPool");
    CHECK(pool->shape == std::vector<int64_t>{2, 4, 4, 4});
    CHECK(w.find("mul")->inputs == std::vector<std::string>{"pool", "sig"});
    // Shape -> Gather -> Concat with Constant [-1] -> Reshape: [2, 64].
    CHECK(w.find("flatten")->shape == std::vector<int64_t>{2, 64});
    // MatMul 2x64 by 64x10: fully connected, N = 2: 2*64*10 = 1280.
    const Layer* fc = w.find("fc");
    CHECK(fc->type == LayerType::FullyConnected);
    CHECK(fc->N == 2);
    CHECK(fc->macs() == 1280);
    CHECK(w.find("nhwc")->shape == std::vector<int64_t>{2, 4, 4, 4});
    CHECK(w.find("tokens")->shape == std::vector<int64_t>{2, 16, 4});
    // MatMul 2x16x4 by 4x6: a 1x1 conv over 2*16 = 32 positions: 32*4*6 = 768; bias Add passes.
    const Layer* proj = w.find("proj");
    CHECK(proj->type == LayerType::Conv);
    CHECK(proj->H == 32);
    CHECK(proj->W == 1);
    CHECK(proj->C == 4);
    CHECK(proj->K == 6);
    CHECK(proj->macs() == 768);
    CHECK(w.total_macs() == 13824 + 1280 + 768);
    // The whole workload re-validates as JSON would: every consumer re-reads its producer.
    for (const Layer& l : w.layers) CHECK(layer_bounds_problem(l).empty());
}
