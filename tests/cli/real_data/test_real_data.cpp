// sxsim run --inputs (issue 17) as a process: outputs, run.json real_data, the per-layer
// statistics columns, every design with --check, and bad inputs (exit 2 naming file and field).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sw/io/npy.h"
#include "tests/cli/sxsim_process.h"

using nlohmann::json;
using sx::cli_test::command_line;
using sx::cli_test::read_file;
using sx::cli_test::write_file;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kDir = SX_REAL_DATA_FIXTURES;
const std::string kModel = kDir + "/tiny_cnn.onnx";

class Scratch : public sx::cli_test::Scratch {
public:
    Scratch() : sx::cli_test::Scratch("sx-real-data") {}
};

sx::cli_test::ProcessResult sxsim(const Scratch& s, const std::vector<std::string>& args) {
    return sx::cli_test::run_process(s, SXSIM_PATH, args, 300);
}

std::vector<std::string> run_args(const std::string& design, const std::string& out) {
    return {"run", "--arch", kSource + "/configs/" + design + ".json", "--model", kModel, "--inputs", kDir + "/inputs",
            "--out", out, "--check", "-q"};
}

void expect_bad_input(const Scratch& s, const std::vector<std::string>& args, const std::vector<std::string>& expect) {
    const auto r = sxsim(s, args);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("sxsim: error:") != std::string::npos);
    for (const auto& e : expect) {
        INFO("expected in the message: " << e);
        CHECK(r.output.find(e) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("Real data on SmartExchange: outputs, reference outputs, real_data, accuracy, statistics columns") {
    Scratch s;
    const std::string out = s.path("out");
    auto args = run_args("smartexchange", out);
    args.insert(args.end(), {"--labels", kDir + "/labels.json"});
    const auto r = sxsim(s, args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    for (const char* stem : {"s0", "s1", "s2"}) {
        const sx::NdArray o = sx::read_npy(out + "/outputs/" + stem + ".npy");
        CHECK(o.shape == std::vector<int64_t>{1, 10});
        CHECK(sx::read_npy(out + "/reference_outputs/" + stem + ".npy").shape == std::vector<int64_t>{1, 10});
    }
    const json run = json::parse(read_file(out + "/run.json"));
    const json& rd = run.at("real_data");
    CHECK(rd.at("inputs") == 3);
    CHECK(rd.at("calibration") == "max");
    CHECK(rd.at("top1_agreement") == 1.0);
    // int8 activations and weights through 4 layers: 0.55% mean, 0.73% max measured.
    CHECK(rd.at("relative_error").at("max").get<double>() < 0.05);
    CHECK(rd.at("relative_error").at("max").get<double>() > 0);  // int8 is not exact: a real comparison
    CHECK(rd.at("accuracy").at("simulated") == 1.0);  // labels are PyTorch's argmax
    CHECK(rd.at("accuracy").at("reference") == 1.0);
    CHECK(run.at("check").at("passed") == true);
    CHECK(run.at("activations").get<std::string>().find("real") == 0);
    const std::string csv = read_file(out + "/layers.csv");
    for (const char* col : {"activation_density", "booth_digits_0", "booth_digits_4", "ce_rows_skipped"})
        CHECK(csv.find(col) != std::string::npos);
    // The first layer sees the real (signed, dense) input: density 1 unless a value rounds to 0.
    CHECK(run.at("layers").at(0).at("activation_density").get<double>() > 0.9);
}

TEST_CASE("Real data against given reference outputs (PyTorch's)") {
    Scratch s;
    const std::string out = s.path("out");
    auto args = run_args("smartexchange", out);
    args.insert(args.end(), {"--reference", kDir + "/torch_outputs", "--calibration", "percentile"});
    const auto r = sxsim(s, args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const json rd = json::parse(read_file(out + "/run.json")).at("real_data");
    CHECK(rd.at("reference").get<std::string>().find("--reference") != std::string::npos);
    CHECK(rd.at("calibration") == "percentile");
    CHECK(rd.at("relative_error").at("max").get<double>() < 0.05);
    CHECK(rd.at("top1_agreement") == 1.0);
    CHECK_FALSE(std::filesystem::exists(out + "/reference_outputs"));
}

TEST_CASE("Real data on Eyeriss, SCNN and DCNN: chained layers pass --check, same outputs") {
    Scratch s;
    std::string first;
    for (const char* d : {"eyeriss", "scnn", "dcnn"}) {
        const std::string out = s.path(d);
        const auto r = sxsim(s, run_args(d, out));
        INFO(d << "\n" << r.output);
        REQUIRE(r.exit_code == 0);
        const json run = json::parse(read_file(out + "/run.json"));
        CHECK(run.at("check").at("passed") == true);
        CHECK(run.at("real_data").at("top1_agreement") == 1.0);
        // Every design returns the same (bit-exact) accumulators, so the chained outputs agree.
        const std::string o = read_file(out + "/outputs/s1.npy");
        if (first.empty()) first = o;
        CHECK(o == first);
        CHECK(run.at("layers").at(0).at("ce_rows_skipped").is_string());  // empty: not SmartExchange
    }
}

TEST_CASE("An image input is decoded, resized to the graph input and converted to grey") {
    Scratch s;
    const std::string out = s.path("out");
    const auto r = sxsim(s, {"run", "--arch", kSource + "/configs/smartexchange.json", "--model", kModel, "--inputs",
                             kDir + "/image", "--out", out, "-q", "--normalize", "imagenet"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(sx::read_npy(out + "/outputs/grey.npy").shape == std::vector<int64_t>{1, 10});
}

TEST_CASE("The synthetic mode says its Booth statistics are assumed") {
    Scratch s;
    const std::string out = s.path("out");
    const auto r = sxsim(s, {"run", "--arch", kSource + "/configs/smartexchange.json", "--model", kModel, "--out", out});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("Booth-digit statistics are assumed") != std::string::npos);
    const json run = json::parse(read_file(out + "/run.json"));
    CHECK(run.at("activations").get<std::string>().find("assumed") != std::string::npos);
    CHECK_FALSE(run.contains("real_data"));
}

TEST_CASE("Bad real-data inputs: exit 2 naming the file and the field") {
    Scratch s;
    const std::string arch = kSource + "/configs/smartexchange.json";
    auto base = [&](const std::string& inputs) {
        return std::vector<std::string>{"run", "--arch", arch, "--model", kModel, "--inputs", inputs, "--out", s.path("o"), "-q"};
    };
    SECTION("missing inputs folder") { expect_bad_input(s, base(s.path("nope")), {s.path("nope"), "--inputs", "no such directory"}); }
    SECTION("empty inputs folder") {
        std::filesystem::create_directories(s.path("empty"));
        expect_bad_input(s, base(s.path("empty")), {s.path("empty"), "--inputs", "at least one"});
    }
    SECTION("a tensor of the wrong shape") {
        std::filesystem::create_directories(s.path("in"));
        const std::string f = s.path("in") + "/x.npy";
        std::filesystem::copy_file(kDir + "/torch_outputs/s0.npy", f);  // 1 x 10, not 1 x 8 x 8
        expect_bad_input(s, base(s.path("in")), {f, "shape", "1x8x8", "1x10"});
    }
    SECTION("an unreadable image") {
        std::filesystem::create_directories(s.path("in"));
        write_file(s.path("in") + "/broken.png", "not a png at all");
        expect_bad_input(s, base(s.path("in")), {s.path("in") + "/broken.png", "image", "PNG"});
    }
    SECTION("labels naming an unknown stem") {
        write_file(s.path("labels.json"), R"({"s0": 1, "s1": 2, "s2": 3, "zz": 4})");
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--labels", s.path("labels.json")});
        expect_bad_input(s, a, {s.path("labels.json"), "/zz", "stem"});
    }
    // Independent entries: all the bad and missing ones in one error, one line each.
    SECTION("labels with several problems") {
        write_file(s.path("labels.json"), R"({"s0": "cat", "s1": 2, "zz": 4})");
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--labels", s.path("labels.json")});
        expect_bad_input(s, a, {"3 problems, one per line:", s.path("labels.json") + ": /s0: expected a non-negative integer",
                                s.path("labels.json") + ": /zz: expected the stem of an input file",
                                s.path("labels.json") + ": /s2: expected a label for every input"});
    }
    SECTION("labels that are not integers") {
        write_file(s.path("labels.json"), R"({"s0": "cat", "s1": 2, "s2": 3})");
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--labels", s.path("labels.json")});
        expect_bad_input(s, a, {s.path("labels.json"), "/s0", "integer"});
    }
    // Follow-up to issue 17: a stem labelled twice took its last label silently (nlohmann keeps
    // the last of equal keys). Right: exit 2 naming the file and the key (the shared JSON
    // parser's check since every JSON file is read through it).
    SECTION("labels naming a stem twice") {
        write_file(s.path("labels.json"), R"({"s0": 1, "s1": 2, "s2": 3, "s1": 4})");
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--labels", s.path("labels.json")});
        expect_bad_input(s, a, {s.path("labels.json") + ": /s1: expected each key once in an object", "'s1' a second time"});
    }
    SECTION("labels that are not JSON") {
        write_file(s.path("labels.json"), "{s0: 1");
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--labels", s.path("labels.json")});
        expect_bad_input(s, a, {s.path("labels.json"), "JSON"});
    }
    SECTION("a missing reference output") {
        std::filesystem::create_directories(s.path("ref"));
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--reference", s.path("ref")});
        expect_bad_input(s, a, {s.path("ref") + "/s0.npy", "--reference"});
    }
    // User-found case (issue 17 fixes): a NaN in an input ran to exit 0, NaN reference outputs
    // and "relative error 0.0" in run.json. Right: exit 2 naming the file, the index and
    // "finite values"; the same for an infinity, a non-finite --reference, and NaN weights.
    SECTION("a NaN or an infinity in an input tensor") {
        std::filesystem::create_directories(s.path("in"));
        for (const char* stem : {"s0", "s1"})
            std::filesystem::copy_file(kDir + "/inputs/" + stem + ".npy", s.path("in") + "/" + stem + ".npy");
        sx::NdArray x = sx::read_npy(kDir + "/inputs/s2.npy");  // 1 x 8 x 8
        x.data[3 * 8 + 5] = NAN;
        sx::write_npy(s.path("in") + "/s2.npy", x.shape, x.data);
        expect_bad_input(s, base(s.path("in")), {s.path("in") + "/s2.npy", "npy data", "finite values", "NaN at index [0, 3, 5]"});
        x.data[3 * 8 + 5] = -INFINITY;
        sx::write_npy(s.path("in") + "/s2.npy", x.shape, x.data);
        expect_bad_input(s, base(s.path("in")), {s.path("in") + "/s2.npy", "finite values", "-infinity at index [0, 3, 5]"});
    }
    SECTION("a NaN in a reference output") {
        std::filesystem::create_directories(s.path("ref"));
        for (const char* stem : {"s0", "s1", "s2"})
            std::filesystem::copy_file(kDir + "/torch_outputs/" + stem + ".npy", s.path("ref") + "/" + stem + ".npy");
        sx::NdArray r = sx::read_npy(kDir + "/torch_outputs/s1.npy");  // 1 x 10
        r.data[2] = NAN;
        sx::write_npy(s.path("ref") + "/s1.npy", r.shape, r.data);
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--reference", s.path("ref")});
        expect_bad_input(s, a, {s.path("ref") + "/s1.npy", "finite values", "NaN at index [0, 2]"});
    }
    SECTION("a label beyond the model's classes") {
        write_file(s.path("labels.json"), R"({"s0": 1, "s1": 10, "s2": 3})");
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--labels", s.path("labels.json")});
        expect_bad_input(s, a, {s.path("labels.json"), "/s1", "class index below 10", "found 10"});
    }
    SECTION("NaN weights in the ONNX model") {
        const std::string m = kDir + "/tiny_cnn_nan_weight.onnx";  // c2.weight element 5 (make_fixtures.py)
        expect_bad_input(s, {"run", "--arch", arch, "--model", m, "--inputs", kDir + "/inputs", "--out", s.path("o"), "-q"},
                         {m, "node '/c2/Conv'", "finite values", "NaN at element 5 of 576"});
    }
    SECTION("--inputs with a JSON workload") {
        const std::string wl = kSource + "/tests/fuzz/data/tiny_workload.json";
        expect_bad_input(s, {"run", "--arch", arch, "--model", wl, "--inputs", kDir + "/inputs", "--out", s.path("o")},
                         {wl, "--inputs", "ONNX"});
    }
    SECTION("--labels without --inputs") {
        expect_bad_input(s, {"run", "--arch", arch, "--model", kModel, "--labels", kDir + "/labels.json", "--out", s.path("o")},
                         {"--labels", "--inputs"});
    }
    SECTION("an unknown calibration method") {
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--calibration", "mean"});
        expect_bad_input(s, a, {"--calibration", "max or percentile"});
    }
    SECTION("--layer with --inputs") {
        auto a = base(kDir + "/inputs");
        a.insert(a.end(), {"--first-layers", "1"});
        expect_bad_input(s, a, {"--first-layers", "--inputs"});
    }
}

// User-found cases (h21): a folder for --labels ended in exit 1 "internal error: basic_filebuf::
// underflow"; --reference FILE said "no such directory"; an empty --inputs "" ran a synthetic run
// (exit 0) and an empty --labels / --reference was ignored; --calibration max / --normalize none
// without --inputs were accepted (compared with the defaults). Right: exit 2 naming the option.
TEST_CASE("Bad real-data options: file/folder mix-ups, empty values, options without --inputs") {
    Scratch s;
    const std::string arch = kSource + "/configs/smartexchange.json";
    const std::vector<std::string> plain = {"run", "--arch", arch, "--model", kModel, "--out", s.path("o"), "-q"};
    auto with = [&](std::vector<std::string> extra) {
        auto a = plain;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const std::string in = kDir + "/inputs", labels = kDir + "/labels.json";
    SECTION("a folder for --labels") {
        expect_bad_input(s, with({"--inputs", in, "--labels", in}), {in, "--labels", "JSON file", "a directory"});
    }
    SECTION("a file for --reference") {
        expect_bad_input(s, with({"--inputs", in, "--reference", labels}), {labels, "--reference", "not a directory"});
    }
    SECTION("a folder for --weights, a file for --activations") {
        expect_bad_input(s, with({"--weights", in}), {in, "--weights", "weight image file", "a directory"});
        expect_bad_input(s, with({"--activations", labels}), {labels, "--activations", "not a directory"});
    }
    SECTION("an empty value is an error, not \"not given\"") {
        expect_bad_input(s, with({"--inputs", ""}), {"--inputs", "expected a non-empty path"});
        expect_bad_input(s, with({"--inputs", in, "--labels", ""}), {"--labels", "expected a non-empty path"});
        expect_bad_input(s, with({"--inputs", in, "--reference", ""}), {"--reference", "expected a non-empty path"});
        expect_bad_input(s, with({"--weights", ""}), {"--weights", "expected a non-empty path"});
        CHECK_FALSE(std::filesystem::exists(s.path("o") + "/run.json"));
    }
    SECTION("an input .npy whose shape has a negative or non-integer entry") {
        // (1, -8, 8) was read as 1x8x8 and ran; the header must say (1, 8, 8) for this model.
        const sx::NdArray x = sx::read_npy(kDir + "/inputs/s0.npy");  // 1 x 8 x 8 float32
        std::filesystem::create_directories(s.path("in"));
        const std::string f = s.path("in") + "/s0.npy";
        for (const char* bad : {"(1, -8, 8)", "(1, 'a', 8)"}) {
            // A format 1.0 .npy as numpy lays it out, with the bad shape and s0's 64 float32 values.
            std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': " + std::string(bad) + ", }";
            while ((10 + h.size() + 1) % 64) h += ' ';
            h += '\n';
            std::string b = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size()) + '\0' + h;
            b.append(reinterpret_cast<const char*>(x.data.data()), x.data.size() * sizeof(float));
            write_file(f, b);
            expect_bad_input(s, with({"--inputs", s.path("in")}), {f, "npy header shape", "non-negative integers"});
        }
    }
    SECTION("real-data options without --inputs, even at their default values") {
        expect_bad_input(s, with({"--calibration", "max"}), {"--calibration", "--inputs DIR"});
        expect_bad_input(s, with({"--normalize", "none"}), {"--normalize", "--inputs DIR"});
        expect_bad_input(s, with({"--reference", in}), {"--reference", "--inputs DIR"});
    }
}

// User-found case (h21): --normalize imagenet with .npy inputs silently did nothing. Right: a
// warning on stderr and a note in run.json real_data.notes; the outputs are those of --normalize
// none (the .npy tensors are used as they are).
TEST_CASE("Real data: normalize imagenet with .npy inputs warns that it applies to images only") {
    Scratch s;
    const std::string arch = kSource + "/configs/smartexchange.json";
    auto args = [&](const std::string& norm, const std::string& out) {
        return std::vector<std::string>{"run", "--arch", arch, "--model", kModel, "--inputs", kDir + "/inputs",
                                        "--normalize", norm, "--out", out, "-q"};
    };
    const auto r = sxsim(s, args("imagenet", s.path("a")));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("warning: --normalize imagenet applies to image inputs (.png, .jpg) only: 3 of 3 input(s) "
                        "are .npy tensors") != std::string::npos);
    const json run = json::parse(read_file(s.path("a") + "/run.json"));
    bool noted = false;
    for (const auto& n : run.at("real_data").at("notes")) noted |= n.get<std::string>().find("--normalize imagenet") != std::string::npos;
    CHECK(noted);
    REQUIRE(sxsim(s, args("none", s.path("b"))).exit_code == 0);
    for (const char* stem : {"s0", "s1", "s2"})
        CHECK(read_file(s.path("a") + "/outputs/" + stem + ".npy") == read_file(s.path("b") + "/outputs/" + stem + ".npy"));
}

TEST_CASE("Real data with a SmartExchange image: the compression's cost shows in the comparison") {
    Scratch s;
    const std::string img = s.path("tiny.sxw");
    const auto c = sxsim(s, {"compress", kModel, "-o", img});
    INFO(c.output);
    REQUIRE(c.exit_code == 0);
    const std::string out = s.path("out");
    auto args = run_args("smartexchange", out);
    args.insert(args.end(), {"--weights", img, "--reference", kDir + "/torch_outputs"});
    const auto r = sxsim(s, args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const json run = json::parse(read_file(out + "/run.json"));
    CHECK(run.at("check").at("passed") == true);
    CHECK(run.at("weights") == img);
    // Compressed without retraining: 9.0% mean relative error measured (int8 weights: 0.55%).
    const double err = run.at("real_data").at("relative_error").at("mean").get<double>();
    CHECK(err > 0.01);
    CHECK(err < 0.5);
}
