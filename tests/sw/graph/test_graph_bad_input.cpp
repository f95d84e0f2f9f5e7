// Bad ONNX input to the host graph loader (sw/graph/graph.h), models generated at test time with
// /usr/bin/python3 + onnx (Debian's python3-onnx): each must be an InputError naming the file,
// the node and what was expected (exit 2 through sxsim).
#include <catch2/catch.hpp>

#include <filesystem>
#include <stdexcept>

#include "sw/common/error.h"
#include "sw/graph/graph.h"
#include "tests/sw/python_fixture.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

// Conv 1->4 (1x1, weight 1) then BatchNormalization 'bn1' with variance `var` (4 values) and
// epsilon 1e-5; with `relu_first` a Relu sits between them, so the BN is not folded into the
// Conv but runs on the host.
fs::path bn_model(const std::string& stem, const std::string& var, bool relu_first) {
    static const fs::path script = python_fixture::write_script(python_fixture::scratch_dir("test_graph_bad"), R"PY(
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
out, var, relu_first = sys.argv[1], [float(v) for v in sys.argv[2].split(',')], sys.argv[3] == '1'
init = lambda n, a: numpy_helper.from_array(np.array(a, np.float32), n)
nodes = [helper.make_node('Conv', ['x', 'w'], ['c'], name='conv1', kernel_shape=[1, 1])]
if relu_first:
    nodes.append(helper.make_node('Relu', ['c'], ['r'], name='relu1'))
nodes.append(helper.make_node('BatchNormalization', ['r' if relu_first else 'c', 's', 'b', 'm', 'v'], ['y'],
                              name='bn1', epsilon=1e-5))
inits = [init('w', np.ones((4, 1, 1, 1))), init('s', np.ones(4)), init('b', np.zeros(4)), init('m', np.zeros(4)),
         init('v', var)]
g = helper.make_graph(nodes, 'bn', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 1, 2, 2])],
                      [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 4, 2, 2])], inits)
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), out)
)PY");
    const fs::path out = script.parent_path() / (stem + ".onnx");
    python_fixture::run_script(script, out.string() + " " + var + " " + (relu_first ? "1" : "0"));
    return out;
}

// The InputError load_graph throws on `model` (the test fails if it throws none).
InputError load_error(const fs::path& model) {
    try {
        load_graph(model.string());
    } catch (const InputError& e) {
        return e;
    }
    FAIL("no error loading " << model);
    throw std::logic_error("unreachable");
}

}  // namespace

// Follow-up to issue 17: sqrt(variance + epsilon) of a non-positive number made the folded
// weights (or the host BN's outputs) NaN and the run went on. Right: refused at load, naming the
// node, the input and the channel. Variance 0 with epsilon 1e-5 stays legal.
TEST_CASE("Graph loader: BatchNormalization with variance + epsilon <= 0 is refused") {
    SECTION("folded into the Conv: a negative variance") {
        const fs::path m = bn_model("folded", "1,1,-1,1", false);
        const InputError e = load_error(m);
        CHECK(e.file() == m.string());
        CHECK(e.field() == "node 'bn1' (BatchNormalization)");
        CHECK_THAT(e.expected(), Catch::Contains("input_var + epsilon > 0") && Catch::Contains("'v'"));
        CHECK(e.found() == "channel 2: variance -1 + epsilon 1e-05 = -0.99999");
    }
    SECTION("run on the host: variance + epsilon exactly 0") {
        const fs::path m = bn_model("host", "1,-1e-5,1,1", true);
        const InputError e = load_error(m);
        CHECK(e.file() == m.string());
        CHECK(e.field() == "node 'bn1' (BatchNormalization)");
        CHECK(e.found() == "channel 1: variance -1e-05 + epsilon 1e-05 = 0");
    }
    SECTION("variance 0 loads (epsilon keeps it positive), folded and on the host") {
        CHECK_NOTHROW(load_graph(bn_model("zero_folded", "0,0,0,0", false).string()));
        const Graph g = load_graph(bn_model("zero_host", "0,0,0,0", true).string());
        bool host_bn = false;
        for (const Node& n : g.nodes) host_bn = host_bn || n.op == "BatchNormalization";
        CHECK(host_bn);
    }
}
