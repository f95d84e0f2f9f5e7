// Bad-input suite (issue 7, docs/hardening.md): runs the built sxsim binary on broken inputs.
// Every case must end with exit code 2, a message that names the offending file and the
// field (JSON pointer, image section/layer, or command-line option), and no crash: no
// signal, no "internal error", no sanitizer report (the suite also runs under .ci/sanitize).
// Inputs are fixtures (tests/cli/bad_input/fixtures) or derived at test time from the
// bundled files, written to a scratch folder that is removed afterwards.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sw/image/image_writer.h"
#include "sw/image/synthetic_image.h"
#include "sw/workload/workload.h"

extern char** environ;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kFixtures = SX_BAD_INPUT_FIXTURES;
const std::string kArch = kSource + "/configs/smartexchange.json";
const std::string kTiny = kSource + "/tests/fuzz/data/tiny_workload.json";

struct RunResult {
    int exit_code = -1;   // valid when signal == 0
    int signal = 0;       // terminating signal, 0 if the process exited
    bool timed_out = false;
    std::string output;   // stdout and stderr, interleaved
};

// A per-process scratch folder (ctest runs the test cases in parallel processes).
class Scratch {
public:
    Scratch() : dir_(fs::temp_directory_path() / ("sx-bad-input-" + std::to_string(::getpid()))) {
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

private:
    fs::path dir_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    REQUIRE(out.good());
}

// Runs sxsim with `args`, output captured in a file; killed after `timeout_s` seconds.
RunResult run_sxsim(const Scratch& scratch, const std::vector<std::string>& args, int timeout_s = 120) {
    const std::string log = scratch.path("sxsim-output.txt");
    std::vector<std::string> argv_s = {SXSIM_PATH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, SXSIM_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);

    RunResult r;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            r.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.output = read_file(log);
    return r;
}

std::string command_line(const std::vector<std::string>& args) {
    std::string s = "sxsim";
    for (const auto& a : args) s += " " + a;
    return s;
}

// The contract of every case: exit code 2, no crash, and `expect` (file name, field ...) in
// the message.
void expect_bad_input(const Scratch& scratch, const std::vector<std::string>& args,
                      const std::vector<std::string>& expect) {
    const RunResult r = run_sxsim(scratch, args);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    CHECK_FALSE(r.timed_out);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("sxsim: error:") != std::string::npos);
    for (const char* bad : {"internal error", "AddressSanitizer", "LeakSanitizer", "runtime error:", "terminate called"})
        CHECK(r.output.find(bad) == std::string::npos);
    for (const auto& e : expect) {
        INFO("expected in the message: " << e);
        CHECK(r.output.find(e) != std::string::npos);
    }
}

// `sxsim run` on the given configuration and workload (and optional extra arguments).
std::vector<std::string> run_args(const std::string& arch, const std::string& model, const std::string& out,
                                  std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"run", "--arch", arch, "--model", model, "--out", out, "--quiet"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

// configs/smartexchange.json with its file references made absolute (the copy lives in the
// scratch folder), changed by `edit`, written as <name>.
template <typename Edit>
std::string derived_config(const Scratch& scratch, const std::string& name, Edit edit) {
    json doc = json::parse(read_file(kArch));
    doc["technology"] = kSource + "/configs/" + doc["technology"].get<std::string>();
    doc["dram"]["preset"] = kSource + "/configs/" + doc["dram"]["preset"].get<std::string>();
    edit(doc);
    const std::string path = scratch.path(name);
    write_file(path, doc.dump(2));
    return path;
}

template <typename Edit>
std::string derived_workload(const Scratch& scratch, const std::string& name, Edit edit) {
    json doc = json::parse(read_file(kTiny));
    edit(doc);
    const std::string path = scratch.path(name);
    write_file(path, doc.dump(2));
    return path;
}

// A valid .sxw image of the tiny workload (optionally edited first), as bytes.
std::vector<uint8_t> tiny_image_bytes(void (*edit)(sx::Workload&) = nullptr) {
    sx::Workload w = sx::load_workload(kTiny);
    if (edit) edit(w);
    return sx::serialize_image(sx::make_synthetic_image(w, 3, {}));
}

std::string write_bytes(const Scratch& scratch, const std::string& name, const std::vector<uint8_t>& b) {
    const std::string path = scratch.path(name);
    write_file(path, std::string(b.begin(), b.end()));
    return path;
}

}  // namespace

TEST_CASE("bad input: malformed and truncated JSON", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    // A missing comma: the message gives the line and column of the next member.
    expect_bad_input(s, run_args(kFixtures + "/malformed_config.json", kTiny, out),
                     {"malformed_config.json", "line 4 column"});

    const std::string resnet = read_file(kSource + "/models/resnet18.json");
    const std::string truncated = s.path("truncated.json");
    write_file(truncated, resnet.substr(0, resnet.size() * 2 / 5));
    expect_bad_input(s, run_args(kArch, truncated, out), {"truncated.json", "line "});

    const std::string empty = s.path("empty.json");
    write_file(empty, "");
    expect_bad_input(s, run_args(empty, kTiny, out), {"empty.json", "line 1 column 1"});

    // Found by fuzz_config: numbers beyond double range used to escape as a JSON library
    // exception (exit 1, "internal error").
    const std::string overflow = s.path("overflow.json");
    write_file(overflow, std::string(read_file(kArch)).replace(read_file(kArch).find("1000"), 4, "1e400"));
    expect_bad_input(s, run_args(overflow, kTiny, out), {"overflow.json", "line ", "1e400"});

    // 100000 nested arrays used to overflow the stack when the error message printed them.
    const std::string deep = s.path("deep.json");
    write_file(deep, "{\"name\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
    expect_bad_input(s, run_args(kArch, deep, out), {"deep.json", "nested"});

    // A binary file where a workload is expected.
    const std::string binary = write_bytes(s, "binary.json", tiny_image_bytes());
    expect_bad_input(s, run_args(kArch, binary, out), {"binary.json", "line 1 column 1"});
}

TEST_CASE("bad input: wrong types", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    expect_bad_input(s, run_args(derived_config(s, "clock.json", [](json& d) { d["clock_mhz"] = "fast"; }), kTiny, out),
                     {"clock.json", "/clock_mhz", "a number"});
    expect_bad_input(s, run_args(derived_config(s, "buffers.json", [](json& d) { d["buffers"] = json::array(); }), kTiny, out),
                     {"buffers.json", "/buffers", "an object"});
    expect_bad_input(s, run_args(derived_config(s, "typo.json", [](json& d) { d["pe_array"]["dim_n"] = 8; }), kTiny, out),
                     {"typo.json", "/pe_array/dim_n", "unknown field"});
    expect_bad_input(s, run_args(kArch, kFixtures + "/wrong_types_workload.json", out),
                     {"wrong_types_workload.json", "/layers/0/K", "an integer"});
    expect_bad_input(s, run_args(kArch, kFixtures + "/unknown_layer_type.json", out),
                     {"unknown_layer_type.json", "/layers/0/type", "\"conv\""});
    expect_bad_input(s, run_args(kArch, derived_workload(s, "layers.json", [](json& d) { d["layers"] = "conv1"; }), out),
                     {"layers.json", "/layers", "an array"});
}

TEST_CASE("bad input: out-of-range values", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    expect_bad_input(s, run_args(derived_config(s, "banks.json", [](json& d) { d["buffers"]["input"]["banks"] = 0; }), kTiny, out),
                     {"banks.json", "/buffers/input/banks"});
    expect_bad_input(s, run_args(derived_config(s, "clock.json", [](json& d) { d["clock_mhz"] = -5; }), kTiny, out),
                     {"clock.json", "/clock_mhz", "> 0"});
    expect_bad_input(s, run_args(derived_config(s, "bits.json", [](json& d) { d["bits"]["activation"] = 65; }), kTiny, out),
                     {"bits.json", "/bits/activation"});
    expect_bad_input(s, run_args(derived_config(s, "channels.json", [](json& d) { d["dram"]["channels"] = 0; }), kTiny, out),
                     {"channels.json", "/dram/channels"});
    // Found by fuzz_config: 1e300 KiB became a garbage capacity; the PE dimensions' product
    // overflowed int (undefined behaviour).
    expect_bad_input(s, run_args(derived_config(s, "capacity.json", [](json& d) { d["buffers"]["input"]["capacity_kib"] = 1e300; }), kTiny, out),
                     {"capacity.json", "/buffers/input/capacity_kib"});
    expect_bad_input(s, run_args(derived_config(s, "pe.json", [](json& d) {
                                     d["pe_array"] = {{"dim_m", 1 << 20}, {"dim_c", 1 << 20}, {"dim_f", 8}};
                                 }), kTiny, out),
                     {"pe.json", "/pe_array", "MAC units"});
    expect_bad_input(s, run_args(kArch, kTiny, out, {"--set", "/pe_array/dim_m=-1"}), {"smartexchange.json", "/pe_array/dim_m"});
    expect_bad_input(s, run_args(kArch, kTiny, out, {"--set", "/pe_array/no_such_field=1"}),
                     {"smartexchange.json", "/pe_array/no_such_field"});
    // Found by fuzz_workload: unbounded dimensions overflowed int64 (H + 2*padding, MACs).
    expect_bad_input(s, run_args(kArch, derived_workload(s, "padding.json", [](json& d) {
                                     d["layers"][0]["padding"] = 9223372036854775807LL;
                                 }), out),
                     {"padding.json", "/layers/0/padding"});
    expect_bad_input(s, run_args(kArch, derived_workload(s, "density.json", [](json& d) {
                                     d["layers"][2]["stats"]["weight_density"] = 1.5;
                                 }), out),
                     {"density.json", "/layers/2/stats/weight_density"});
    expect_bad_input(s, run_args(kArch, derived_workload(s, "negative.json", [](json& d) { d["input"]["H"] = -8; }), out),
                     {"negative.json", "/input/H"});
    expect_bad_input(s, run_args(kArch, kTiny, out, {"--layer", "no_such_layer"}), {"tiny_workload.json", "--layer"});
}

TEST_CASE("bad input: contradictory configurations and workloads", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    expect_bad_input(s, run_args(kArch, kFixtures + "/broken_chain_workload.json", out),
                     {"broken_chain_workload.json", "/layers/1/C", "output of 'conv1'"});
    expect_bad_input(s, run_args(derived_config(s, "two_arrays.json", [](json& d) { d["pe_array"]["rows"] = 12; }), kTiny, out),
                     {"two_arrays.json", "/pe_array", "not both"});
    expect_bad_input(s, run_args(derived_config(s, "other_section.json", [](json& d) { d["eyeriss"] = json::object(); }), kTiny, out),
                     {"other_section.json", "/eyeriss"});
    expect_bad_input(s, run_args(kArch, derived_workload(s, "groups.json", [](json& d) { d["layers"][0]["groups"] = 2; }), out),
                     {"groups.json", "/layers/0/groups"});
    expect_bad_input(s, run_args(kArch, derived_workload(s, "kernel.json", [](json& d) {
                                     d["layers"][0]["R"] = 11;
                                     d["layers"][0]["padding"] = 0;
                                 }), out),
                     {"kernel.json", "/layers/0/R"});
}

// A weight buffer smaller than one tile can only be detected by the dataflow's tiler, so this
// case needs `sxsim run` to simulate the SmartExchange dataflow. Until it does, the case
// reports itself as skipped (Catch2 v2 has no SKIP) and passes; once the same single-layer
// run succeeds with the bundled configuration, the contradictory one must exit 2.
// The SmartExchange tiler reports this as InputError naming /buffers/<weight buffer>/capacity_kib
// (exit 2). Known open issue: under .ci/sanitize the run dies in an ASan report raised while
// SystemC's coroutine stacks unwind the exception (ASan does not know QuickThreads stacks).
TEST_CASE("bad input: buffer smaller than one tile", "[bad_input]") {
    Scratch s;
    const std::string one_layer = derived_workload(s, "one_conv.json", [](json& d) {
        d["layers"] = json::array({d["layers"][0]});
    });
    const RunResult probe = run_sxsim(s, run_args(kArch, one_layer, s.path("probe")), 300);
    if (probe.timed_out || probe.signal != 0 || probe.exit_code != 0) {
        WARN("SKIPPED: `sxsim run` does not simulate the SmartExchange dataflow yet (exit "
             << probe.exit_code << "); the buffer-smaller-than-a-tile case needs it. Output:\n"
             << probe.output.substr(0, 400));
        return;
    }
    const std::string tiny_buffer = derived_config(s, "tiny_buffer.json", [](json& d) {
        d["buffers"]["weight"]["capacity_kib"] = 1.0 / 1024;  // one byte
    });
    expect_bad_input(s, run_args(tiny_buffer, one_layer, s.path("out")), {"tiny_buffer.json", "/buffers/weight"});
}

TEST_CASE("bad input: workload and weight image mismatch", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    // An image of the tiny workload with another network.
    const std::string tiny_img = write_bytes(s, "tiny.sxw", tiny_image_bytes());
    expect_bad_input(s, run_args(kArch, kSource + "/models/resnet18.json", out, {"--weights", tiny_img}),
                     {"tiny.sxw", "layer '"});
    // The same network, but the image's fc8 has 12 outputs instead of 10.
    const std::string wide = write_bytes(s, "wide_fc.sxw", tiny_image_bytes([](sx::Workload& w) { w.layers.back().K = 12; }));
    expect_bad_input(s, run_args(kArch, kTiny, out, {"--weights", wide}), {"wide_fc.sxw", "layer 'fc8'", "shape"});
    // A layer of the workload missing from the image.
    const std::string missing = write_bytes(s, "no_fc.sxw", tiny_image_bytes([](sx::Workload& w) { w.layers.pop_back(); }));
    expect_bad_input(s, run_args(kArch, kTiny, out, {"--weights", missing}), {"no_fc.sxw", "layer 'fc8'"});
}

TEST_CASE("bad input: truncated and bit-flipped images", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    const std::vector<uint8_t> good = tiny_image_bytes();
    auto run_with = [&](const std::string& name, std::vector<uint8_t> bytes, std::vector<std::string> expect) {
        const std::string path = write_bytes(s, name, bytes);
        expect.insert(expect.begin(), name);
        expect_bad_input(s, run_args(kArch, kTiny, out, {"--weights", path}), expect);
    };
    run_with("short.sxw", {good.begin(), good.begin() + 20}, {"header", "truncated"});
    run_with("half.sxw", {good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2)}, {"truncated"});
    run_with("empty.sxw", {}, {"header"});
    auto flipped = [&](std::size_t at) {
        std::vector<uint8_t> b = good;
        b.at(at) ^= 0x10;
        return b;
    };
    run_with("magic.sxw", flipped(0), {"header", "magic"});
    run_with("header_flip.sxw", flipped(20), {"header", "CRC"});
    run_with("data_flip.sxw", flipped(good.size() - 1), {"CRC", "corrupt"});
    run_with("table_flip.sxw", flipped(good.size() / 2), {"CRC", "corrupt"});
    expect_bad_input(s, run_args(kArch, kTiny, out, {"--weights", kTiny}), {"tiny_workload.json", "magic"});
}

TEST_CASE("bad input: ONNX files", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    // Not an ONNX protobuf at all.
    const std::string garbage = s.path("garbage.onnx");
    write_file(garbage, "this is not a protobuf \x01\x02\x03");
    expect_bad_input(s, run_args(kArch, garbage, out), {"garbage.onnx"});

    // A convolution followed by an operator the importer does not map (Einsum), generated with
    // the system Python's onnx package.
    const std::string model = s.path("einsum.onnx");
    const std::string script = s.path("make_onnx.py");
    write_file(script, R"(import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])
w = numpy_helper.from_array(np.ones((4, 3, 3, 3), dtype=np.float32), "w")
conv = helper.make_node("Conv", ["x", "w"], ["c"], name="conv1", pads=[1, 1, 1, 1], kernel_shape=[3, 3])
ein = helper.make_node("Einsum", ["c", "c"], ["y"], name="mix2", equation="nchw,nchw->nchw")
graph = helper.make_graph([conv, ein], "unsupported-op", [x], [y], initializer=[w])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
)");
    if (std::system(("/usr/bin/python3 " + script + " " + model + " > /dev/null 2>&1").c_str()) != 0) {
        WARN("SKIPPED: /usr/bin/python3 with onnx is not available to generate the unsupported-operator model");
        return;
    }
    const RunResult r = run_sxsim(s, run_args(kArch, model, out));
    if (r.output.find("ONNX import is not built") != std::string::npos) {
        WARN("ONNX import is not in this sxsim build: only the exit code and file name are checked, "
             "not that the message names the Einsum operator");
        expect_bad_input(s, run_args(kArch, model, out), {"einsum.onnx"});
        return;
    }
    expect_bad_input(s, run_args(kArch, model, out), {"einsum.onnx", "Einsum"});
}

TEST_CASE("bad input: missing files", "[bad_input]") {
    Scratch s;
    const std::string out = s.path("out");
    const std::string nowhere = s.path("does-not-exist");
    expect_bad_input(s, run_args(nowhere + ".json", kTiny, out), {nowhere + ".json", "cannot be opened"});
    expect_bad_input(s, run_args(kArch, nowhere + ".json", out), {nowhere + ".json", "cannot be opened"});
    expect_bad_input(s, run_args(kArch, kTiny, out, {"--weights", nowhere + ".sxw"}), {nowhere + ".sxw", "cannot be opened"});
    expect_bad_input(s, run_args(derived_config(s, "tech.json", [](json& d) { d["technology"] = "no-such-table.json"; }), kTiny, out),
                     {"tech.json", "/technology", "no-such-table.json"});
    expect_bad_input(s, run_args(derived_config(s, "dram.json", [](json& d) { d["dram"]["preset"] = "no-such-dram.json"; }), kTiny, out),
                     {"dram.json", "/dram/preset", "no-such-dram.json"});
    // A folder where a file is expected.
    expect_bad_input(s, run_args(kSource + "/configs", kTiny, out), {kSource + "/configs", "a directory"});
}

TEST_CASE("bad input: unwritable output directory", "[bad_input]") {
    Scratch s;
    const std::string file = s.path("a-regular-file");
    write_file(file, "x");
    expect_bad_input(s, run_args(kArch, kTiny, file + "/traces"), {file + "/traces", "--out"});
    expect_bad_input(s, run_args(kArch, kTiny, file), {file, "--out"});
}
