// `sxsim compress` end to end through CLI11 (the subcommand as sxsim registers it).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "sw/cli/cmd_compress.h"
#include "sw/common/error.h"
#include "sw/image/image_reader.h"
#include "sw/workload/workload.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

fs::path tmp() { return sx::test::scratch_dir("sx_test_cmd_compress"); }

void run(std::vector<std::string> args) {
    CLI::App app("sxsim");
    add_compress_command(app);
    args.insert(args.begin(), "compress");
    std::reverse(args.begin(), args.end());
    app.parse(args);
}

const char* kWorkload = R"({
  "name": "cli-test", "source": "test", "input": {"C": 3, "H": 16, "W": 16},
  "layers": [
    {"name": "conv1", "type": "conv", "C": 3, "K": 16, "H": 16, "W": 16, "R": 7, "S": 7, "stride": 2, "padding": 3},
    {"name": "conv2", "type": "conv", "C": 16, "K": 32, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1,
     "stats": {"weight_density": 0.35, "source": "test"}},
    {"name": "conv3", "type": "conv", "C": 32, "K": 32, "H": 8, "W": 8, "R": 1, "S": 1}
  ]})";

}  // namespace

TEST_CASE("compress --synthetic writes an image that validates against the workload", "[compress][cli]") {
    const fs::path model = tmp() / "w.json", out = tmp() / "s.sxw", csv = tmp() / "s.csv";
    std::ofstream(model) << kWorkload;
    run({"--synthetic", "--model", model.string(), "-o", out.string(), "--seed", "3", "--report", csv.string()});
    const WeightImage img = read_image(out.string());
    CHECK_NOTHROW(validate_against(img, load_workload(model.string()), out.string()));
    CHECK(img.layers[1].synthetic);
    std::ifstream in(csv);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(text, Catch::Contains("conv2,decomposed"));
    CHECK_THAT(text, Catch::Contains(",yes,"));  // synthetic column
    // Same seed -> byte-identical file.
    const fs::path out2 = tmp() / "s2.sxw";
    run({"--synthetic", "--model", model.string(), "-o", out2.string(), "--seed", "3"});
    std::ifstream a(out, std::ios::binary), b(out2, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(a), {}) == std::string(std::istreambuf_iterator<char>(b), {}));
}

TEST_CASE("compress --weights npz with knobs from JSON", "[compress][cli]") {
    const fs::path model = tmp() / "w.json", npz = tmp() / "w.npz", out = tmp() / "n.sxw", knobs = tmp() / "k.json";
    std::ofstream(model) << kWorkload;
    std::ofstream(knobs) << R"({"theta": 0.05, "iterations": 10})";
    const std::string py = "/usr/bin/python3 -c \"import numpy as np; r=np.random.default_rng(1); "
                           "np.savez_compressed('" + npz.string() + "', conv1=r.standard_normal((16,3,7,7)).astype(np.float32), "
                           "conv2=r.standard_normal((32,16,3,3)).astype(np.float16), conv3=r.standard_normal((32,32,1,1)).astype(np.float32))\"";
    REQUIRE(std::system(py.c_str()) == 0);
    run({"--weights", npz.string(), "--model", model.string(), "-o", out.string(), "--config", knobs.string(),
         "--threads", "1"});
    const WeightImage img = read_image(out.string());
    CHECK(img.layers.size() == 3);
    CHECK_FALSE(img.layers[1].synthetic);
}

TEST_CASE("compress input errors", "[compress][cli]") {
    const fs::path model = tmp() / "w.json";
    std::ofstream(model) << kWorkload;
    CHECK_THROWS_AS(run({"--model", model.string(), "-o", (tmp() / "x.sxw").string()}), InputError);  // no source
    CHECK_THROWS_AS(run({"--synthetic", "-o", (tmp() / "x.sxw").string()}), InputError);            // no model
    CHECK_THROWS_AS(run({"--weights", "/nonexistent.npz", "--model", model.string(), "-o", (tmp() / "x.sxw").string()}),
                    InputError);
    const fs::path knobs = tmp() / "bad.json";
    std::ofstream(knobs) << R"({"theta": -1})";
    CHECK_THROWS_WITH(run({"--synthetic", "--model", model.string(), "-o", (tmp() / "x.sxw").string(), "--config",
                           knobs.string()}),
                      Catch::Contains("theta"));
}

TEST_CASE("compress model.onnx -o model.sxw", "[compress][cli]") {
    const fs::path onnx = tmp() / "m.onnx", out = tmp() / "m.sxw";
    const std::string py =
        "/usr/bin/python3 -c \"import numpy as np, onnx; from onnx import helper, TensorProto, numpy_helper as nh; "
        "r=np.random.default_rng(2); "
        "n=[helper.make_node('Conv',['x','w1'],['c'],name='conv1',kernel_shape=[3,3],pads=[1,1,1,1]), "
        "helper.make_node('Relu',['c'],['r'],name='relu'), helper.make_node('GlobalAveragePool',['r'],['g'],name='gap'), "
        "helper.make_node('Flatten',['g'],['f'],name='flat'), helper.make_node('Gemm',['f','w2'],['y'],name='fc',transB=1)]; "
        "i=[nh.from_array(r.standard_normal((16,8,3,3)).astype(np.float32),'w1'), "
        "nh.from_array(r.standard_normal((10,16)).astype(np.float32),'w2')]; "
        "g=helper.make_graph(n,'m',[helper.make_tensor_value_info('x',TensorProto.FLOAT,[1,8,8,8])],"
        "[helper.make_tensor_value_info('y',TensorProto.FLOAT,[1,10])],i); "
        "onnx.save(helper.make_model(g),'" + onnx.string() + "')\"";
    REQUIRE(std::system(py.c_str()) == 0);
    run({onnx.string(), "-o", out.string()});
    const WeightImage img = read_image(out.string());
    REQUIRE(img.layers.size() == 2);
    CHECK(img.layers[0].name == "conv1");
    CHECK(img.layers[0].kind == ImageLayerKind::Decomposed);
    CHECK(img.layers[1].K == 10);
}
