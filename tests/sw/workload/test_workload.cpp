// Workload loader: the bundled model library (shapes and MAC totals of the published networks)
// and every kind of malformed input.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "sw/common/error.h"
#include "sw/workload/workload.h"

using namespace sx;

namespace {
std::string model(const std::string& name) { return std::string(SX_SOURCE_DIR) + "/models/" + name + ".json"; }

int64_t conv_macs(const Workload& w) {
    int64_t s = 0;
    for (const auto& l : w.layers)
        if (l.type == LayerType::Conv) s += l.macs();
    return s;
}

// Expect an InputError whose message names the file and the JSON pointer.
void expect_error(const std::string& text, const std::string& pointer) {
    INFO(text);
    try {
        parse_workload(parse_json_text(text, "bad.json"), "bad.json");
        FAIL("no InputError for a malformed workload");
    } catch (const InputError& e) {
        INFO(e.what());
        CHECK(e.file() == "bad.json");
        CHECK(e.field() == pointer);
        CHECK(std::string(e.what()).find("bad.json: " + pointer + ": expected") == 0);
    }
}

// A two-layer network the malformed cases start from: conv 3x8x8 -> 4x8x8, then fc 256 -> 10.
std::string net(const std::string& conv_fields, const std::string& extra_layer = "") {
    return R"({"name": "t", "source": "test", "batch": 1, "input": {"C": 3, "H": 8, "W": 8}, "layers": [
      {"name": "c1", "type": "conv", )" + conv_fields + R"(},
      {"name": "f1", "type": "fc", "C": 256, "K": 10})" + extra_layer + "]}";
}
const std::string kGood = R"("C": 3, "K": 4, "H": 8, "W": 8, "R": 3, "S": 3, "stride": 1, "padding": 1, "groups": 1)";
}  // namespace

TEST_CASE("AlexNet: grouped conv shapes, 665.8 M conv MACs, pruned densities") {
    const Workload w = load_workload(model("alexnet"));
    // 96*55*55*3*121 + 256*27*27*48*25 + 384*13*13*256*9 + 384*13*13*192*9 + 256*13*13*192*9
    CHECK(conv_macs(w) == 105415200 + 223948800 + 149520384 + 112140288 + 74760192);
    CHECK(std::abs(conv_macs(w) - 665.8e6) / 665.8e6 < 0.005);
    const Layer* c2 = w.find("conv2");
    REQUIRE(c2);
    CHECK(c2->groups == 2);
    CHECK(c2->P() == 27);
    CHECK(*c2->stats.weight_density == Approx(0.38));
    CHECK(*c2->stats.activation_density == Approx(0.61));
    CHECK(*w.find("fc8")->stats.weight_density == Approx(0.25));
    CHECK(w.find("fc6")->C == 256 * 6 * 6);
    CHECK(w.find("pool1")->macs() == 0);
}

TEST_CASE("Model library MAC totals match the published networks") {
    const Workload vgg = load_workload(model("vgg16"));
    CHECK(std::abs(conv_macs(vgg) - 15.35e9) / 15.35e9 < 0.01);
    const Workload r18 = load_workload(model("resnet18"));
    CHECK(std::abs(r18.total_macs() - 1.81e9) / 1.81e9 < 0.02);
    const Workload r50 = load_workload(model("resnet50"));
    CHECK(std::abs(r50.total_macs() - 4.1e9) / 4.1e9 < 0.03);
    const Workload mb = load_workload(model("mobilenetv2"));
    CHECK(std::abs(mb.total_macs() - 300e6) / 300e6 < 0.05);
    CHECK(mb.find("block2.dw")->is_depthwise());
    const Workload v11 = load_workload(model("vgg11_cifar10"));
    CHECK(v11.in_H == 32);
    CHECK(v11.layers.back().K == 10);
    CHECK(v11.layers.back().C == 512);
}

TEST_CASE("Residual adds take two producers and batch override sets N") {
    Workload w = load_workload(model("resnet18"));
    const Layer* add = w.find("layer2.0.add");
    REQUIRE(add);
    CHECK(add->inputs == std::vector<std::string>{"layer2.0.conv2", "layer2.0.downsample"});
    CHECK(w.find("layer2.0.downsample")->inputs == std::vector<std::string>{"layer1.1.add"});
    const int64_t one = w.total_macs();
    w.set_batch(4);
    CHECK(w.total_macs() == 4 * one);
    CHECK(w.layers.front().N == 4);
}

TEST_CASE("A well-formed small network loads and defaults apply") {
    const Workload w = parse_workload(parse_json_text(net(kGood), "ok.json"), "ok.json");
    REQUIRE(w.layers.size() == 2);
    CHECK(w.layers[0].inputs == std::vector<std::string>{"input"});
    CHECK(w.layers[1].inputs == std::vector<std::string>{"c1"});
    CHECK(w.layers[1].H == 1);
    CHECK(w.layers[0].macs() == 4 * 8 * 8 * 3 * 9);
    CHECK(w.layers[1].macs() == 256 * 10);
}

TEST_CASE("Malformed workloads name the file and the field") {
    SECTION("syntax error gives line and column") {
        try {
            parse_workload(parse_json_text("{\n  \"name\": \"x\",\n  oops\n}", "bad.json"), "bad.json");
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.file() == "bad.json");
            CHECK(e.field() == "line 3 column 3");
        }
    }
    SECTION("missing field") { expect_error(net(R"("K": 4, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1)"), "/layers/0/C"); }
    SECTION("wrong type") { expect_error(net(R"("C": "3", "K": 4, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1)"), "/layers/0/C"); }
    SECTION("zero dimension") { expect_error(net(R"("C": 3, "K": 0, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1)"), "/layers/0/K"); }
    SECTION("negative padding") { expect_error(net(R"("C": 3, "K": 4, "H": 8, "W": 8, "R": 3, "S": 3, "padding": -1)"), "/layers/0/padding"); }
    SECTION("non-integer dimension") { expect_error(net(R"("C": 3, "K": 4.5, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1)"), "/layers/0/K"); }
    SECTION("channels do not chain") { expect_error(net(R"("C": 4, "K": 4, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1)"), "/layers/0/C"); }
    SECTION("rows do not chain") { expect_error(net(R"("C": 3, "K": 4, "H": 9, "W": 8, "R": 3, "S": 3, "padding": 1)"), "/layers/0/H"); }
    // Without padding the conv gives 4x6x6 = 144 features, not the fc's 256.
    SECTION("fc features do not chain") { expect_error(net(R"("C": 3, "K": 4, "H": 8, "W": 8, "R": 3, "S": 3)"), "/layers/1/C"); }
    SECTION("unknown type") { expect_error(R"({"name": "t", "source": "s", "input": {"C": 3, "H": 8, "W": 8}, "layers": [{"name": "a", "type": "lstm", "C": 3, "K": 3}]})", "/layers/0/type"); }
    SECTION("unknown field") { expect_error(net(kGood + R"(, "dilation": 2)"), "/layers/0/dilation"); }
    SECTION("unknown top-level field") { expect_error(R"({"name": "t", "source": "s", "input": {"C": 3, "H": 8, "W": 8}, "layers": [], "x": 1})", "/x"); }
    SECTION("groups must divide C") { expect_error(net(R"("C": 3, "K": 4, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1, "groups": 2)"), "/layers/0/groups"); }
    SECTION("empty output") { expect_error(net(R"("C": 3, "K": 4, "H": 8, "W": 8, "R": 9, "S": 3)"), "/layers/0/R"); }
    SECTION("duplicate name") { expect_error(net(kGood, R"(, {"name": "c1", "type": "fc", "C": 10, "K": 2})"), "/layers/2/name"); }
    SECTION("producer not defined earlier") { expect_error(net(kGood, R"(, {"name": "f2", "type": "fc", "C": 10, "K": 2, "input": "zz"})"), "/layers/2/input"); }
    SECTION("add inputs disagree") {
        expect_error(net(kGood, R"(, {"name": "a", "type": "add", "C": 10, "K": 10, "H": 1, "W": 1, "inputs": ["f1", "c1"]})"),
                     "/layers/2/C");
    }
    SECTION("density out of range") { expect_error(net(kGood + R"(, "stats": {"weight_density": 1.5, "source": "x"})"), "/layers/0/stats/weight_density"); }

    SECTION("missing file") {
        try {
            load_workload("/nonexistent/model.json");
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.file() == "/nonexistent/model.json");
        }
    }
}

TEST_CASE("The workload example in docs/formats.md loads") {
    std::ifstream in(std::string(SX_SOURCE_DIR) + "/docs/formats.md");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    const std::size_t section = doc.find("## Workload");
    REQUIRE(section != std::string::npos);
    const std::size_t begin = doc.find("```json\n", section);
    REQUIRE(begin != std::string::npos);
    const std::size_t end = doc.find("```", begin + 8);
    const Workload w = parse_workload(parse_json_text(doc.substr(begin + 8, end - begin - 8), "formats.md"), "formats.md");
    CHECK(w.layers.size() == 6);
    CHECK(w.layers.back().C == 4);
}

// Issue 11: a hand-written workload without a source loads; the default says so, and so does
// a warning naming the file and the field. Bundled models cite everything: no warning.
TEST_CASE("A missing source is defaulted with a warning, not an error") {
    std::string text = net(kGood + R"(, "stats": {"weight_density": 0.5})");
    text.replace(text.find(R"("source": "test", )"), std::string(R"("source": "test", )").size(), "");
    const Workload w = parse_workload(parse_json_text(text, "quick.json"), "quick.json");
    CHECK(w.source == "unspecified (no source field in quick.json)");
    CHECK(w.layers[0].stats.source == "unspecified (no source field in quick.json at /layers/0/stats)");
    CHECK(*w.layers[0].stats.weight_density == 0.5);
    REQUIRE(w.warnings.size() == 2);
    CHECK(w.warnings[0] == "quick.json: /source: no source for the shapes; recorded as unspecified");
    CHECK(w.warnings[1] == "quick.json: /layers/0/stats/source: no source for the densities; recorded as unspecified");
    // An empty source is no citation either; a given one is kept, without a warning.
    const Workload empty = parse_workload(parse_json_text(net(kGood + R"(, "stats": {"weight_density": 0.5, "source": ""})"), "e.json"), "e.json");
    CHECK(empty.warnings.size() == 1);
    const Workload cited = parse_workload(parse_json_text(net(kGood + R"(, "stats": {"weight_density": 0.5, "source": "x"})"), "c.json"), "c.json");
    CHECK(cited.source == "test");
    CHECK(cited.layers[0].stats.source == "x");
    CHECK(cited.warnings.empty());
    CHECK(load_workload(model("alexnet")).warnings.empty());
}

// Host layers (operators the accelerators do not run, as the ONNX importer lists them): the
// output shape is explicit, a consumer re-reads it (only the element counts must agree).
TEST_CASE("Host layers carry their output shape and feed layers by element count", "[workload][host]") {
    const std::string text = R"({"name": "h", "source": "test", "batch": 2, "input": {"C": 3, "H": 8, "W": 8},
      "layers": [
        {"name": "c1", "type": "conv", "C": 3, "K": 4, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1},
        {"name": "t", "type": "host", "op": "Transpose", "shape": [2, 8, 8, 4], "inputs": ["c1"]},
        {"name": "r", "type": "host", "op": "Reshape", "shape": [2, 256]},
        {"name": "fc", "type": "fc", "C": 256, "K": 10}]})";
    Workload w = parse_workload(parse_json_text(text, "h.json"), "h.json");
    const Layer* t = w.find("t");
    REQUIRE(t);
    CHECK(t->type == LayerType::Host);
    CHECK(t->op == "Transpose");
    CHECK(t->macs() == 0);
    // The 4-D view: N = 2, C = K = 8, H = 8, W = 4 (product of the rest): 512 elements.
    CHECK(t->N == 2);
    CHECK(t->K == 8);
    CHECK(t->output_elems() == 2 * 8 * 8 * 4);
    CHECK(w.find("r")->inputs == std::vector<std::string>{"t"});
    CHECK(w.total_macs() == 2 * 4 * 8 * 8 * 27 + 2 * 256 * 10);
    w.set_batch(3);
    CHECK(w.find("t")->shape[0] == 3);

    // fc after the 512-element Reshape: 2 x 255 does not re-read 512 elements.
    std::string bad = text;
    bad.replace(bad.find(R"("C": 256, "K": 10)"), 17, R"("C": 255, "K": 10)");
    expect_error(bad, "/layers/3");
    std::string zero = text;
    zero.replace(zero.find("[2, 256]"), 8, "[2, 0]");
    expect_error(zero, "/layers/2/shape/1");
    std::string huge = text;
    huge.replace(huge.find("[2, 256]"), 8, "[16777216, 16777216, 16777216]");
    expect_error(huge, "/layers/2/shape");
    std::string extra = text;
    extra.replace(extra.find(R"("op": "Reshape")"), 15, R"("op": "Reshape", "K": 3)");
    expect_error(extra, "/layers/2/K");
}
