// A point's identity covers the content of every input it reads (issue 11): each input kind,
// edited alone, gives another id and is named as the change; paths and unrelated files do not.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sw/config/arch_config.h"
#include "sw/workflow/point_inputs.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path root;
    explicit Dir(const std::string& name) {
        root = fs::temp_directory_path() / ("sx_inputs_" + name + "_" + std::to_string(getpid()));
        fs::remove_all(root);
        fs::create_directories(root);
        sx::test::remove_after_test(root);
    }
    std::string write(const std::string& rel, const std::string& text) const {
        const fs::path p = root / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
};

// A design whose references are relative to its own folder (design/), as in configs/.
struct Design {
    Dir d;
    std::string arch, model, weights, acts;
    explicit Design(const std::string& name) : d(name) {
        arch = d.write("design/arch.json",
                       R"({"name": "x", "technology": "../tech/t45.json", "dram": {"preset": "dram/lp.json"}})");
        d.write("tech/t45.json", R"({"name": "t45", "energy": {"mac": 1.0}})");
        d.write("design/dram/lp.json", R"({"bus_width_bits": {"value": 32}})");
        d.write("design/dram/ddr.json", R"({"bus_width_bits": {"value": 64}})");
        model = d.write("net.json", R"({"name": "net", "layers": []})");
        weights = d.write("net.sxw", "SXW image bytes");
        acts = (d.root / "acts").string();
        d.write("acts/conv1.npy", "npy bytes 1");
    }
    PointSources sources(const Overrides& o = {}) const {
        return {arch, model, weights, acts, o, json{{"batch", 0}, {"seed", 1}, {"check", false}}, "sim-1"};
    }
    PointInputs inputs(const PointSources& s) const {
        DigestCache fresh;  // a new command: files are read again
        return collect_point_inputs(s, fresh);
    }
};

std::vector<std::string> roles(const PointInputs& in) {
    std::vector<std::string> r;
    for (const auto& i : in) r.push_back(i.role);
    return r;
}

}  // namespace

TEST_CASE("point ids: canonical, frozen, and every input's digest enters") {
    const PointInputs in = {{"config", "a.json", "00000000000000a1"},   {"technology", "t.json", "00000000000000a2"},
                            {"dram_preset", "d.json", "00000000000000a3"}, {"workload", "m.json", "00000000000000b1"},
                            {"overrides", "v", "00000000000000c1"},     {"run", "r", "00000000000000c2"},
                            {"simulator", "s", "v1"}};
    // 12 hex digits of FNV-1a 64 over {"config":"00000000000000a1","dram_preset":...} (members
    // sorted, compact), computed independently in Python and frozen: changing it reruns every
    // stored sweep once.
    CHECK(point_id(in) == "023462b2e64c");
    // Labels (paths) do not enter: a moved checkout resumes.
    PointInputs moved = in;
    for (auto& i : moved) i.label = "elsewhere/" + i.label;
    CHECK(point_id(moved) == point_id(in));
    for (std::size_t k = 0; k < in.size(); ++k) {
        PointInputs edited = in;
        edited[k].digest += "x";
        INFO(in[k].role);
        CHECK(point_id(edited) != point_id(in));
    }
}

TEST_CASE("file digests are FNV-1a over the bytes, streamed: a missing file is 'missing'") {
    Dir d("digest");
    DigestCache c;
    CHECK(c.file(d.write("hello.txt", "hello")) == "a430d84680aabd0b");  // Python: FNV-1a 64 of b"hello"
    std::string big;
    for (int i = 0; i < 5000; ++i)
        for (int b = 0; b < 256; ++b) big += static_cast<char>(b);
    // 1,280,000 bytes: crosses the 1 MiB read chunk. Python: fnv1a64(bytes(range(256)) * 5000).
    CHECK(c.file(d.write("big.bin", big)) == "d932828c8d6d3b25");
    CHECK(c.file((d.root / "nope.json").string()) == "missing");
    CHECK(c.file(d.root.string()) == "missing");  // a folder is not a file
    CHECK(simulator_digest().size() == 16);
    CHECK(simulator_digest() == c.file("/proc/self/exe"));
}

TEST_CASE("configuration references resolve as the configuration loader resolves them") {
    // Every bundled configuration, as given and with a point overriding its references.
    int n = 0;
    for (const auto& e : fs::directory_iterator(fs::path(SX_SOURCE_DIR) / "configs")) {
        if (e.path().extension() != ".json") continue;
        const std::string path = e.path().string();
        INFO(path);
        const ArchConfig c = load_arch_config(path);
        const auto refs = config_references(load_json_file(path), path);
        REQUIRE(refs.size() == 2);
        CHECK(refs[0] == std::pair<std::string, std::string>{"technology", c.tech.file});
        CHECK(refs[1] == std::pair<std::string, std::string>{"dram_preset", c.dram.preset_path});
        const Overrides o = {{"/technology", "tech/eyeriss65.json"}, {"/dram/preset", "dram/ddr4-2400.json"}};
        const ArchConfig co = load_arch_config(path, o);
        const auto ro = config_references(apply_overrides(load_json_file(path), o), path);
        CHECK(ro[0].second == co.tech.file);
        CHECK(ro[1].second == co.dram.preset_path);
        ++n;
    }
    CHECK(n >= 5);
    // Absent or non-string references are left to the loader's validation.
    CHECK(config_references(json::parse(R"({"technology": 3, "dram": {"channels": 1}})"), "a.json").empty());
}

TEST_CASE("each input kind, edited alone, changes the id and is named as the change") {
    Design x("kinds");
    const PointSources src = x.sources({{"/pe_array/dim_m", 8}});
    const PointInputs base = x.inputs(src);
    CHECK(roles(base) == std::vector<std::string>{"config", "technology", "dram_preset", "workload", "weights",
                                                  "activations", "overrides", "run", "simulator"});
    const std::string id = point_id(base);
    CHECK(point_id(x.inputs(src)) == id);  // nothing edited: the same point

    auto expect_change = [&](const PointSources& s, const std::string& what) {
        const PointInputs now = x.inputs(s);
        CHECK(point_id(now) != id);
        CHECK(changed_inputs(inputs_to_json(base), now) == std::vector<std::string>{what});
    };
    SECTION("technology table") {
        x.d.write("tech/t45.json", R"({"name": "t45", "energy": {"mac": 1.5}})");
        expect_change(src, display_path((x.d.root / "tech/t45.json").string()) + " changed");
    }
    SECTION("DRAM preset") {
        x.d.write("design/dram/lp.json", R"({"bus_width_bits": {"value": 16}})");
        expect_change(src, display_path((x.d.root / "design/dram/lp.json").string()) + " changed");
    }
    SECTION("configuration") {
        x.d.write("design/arch.json",
                  R"({"name": "y", "technology": "../tech/t45.json", "dram": {"preset": "dram/lp.json"}})");
        expect_change(src, display_path(x.arch) + " changed");
    }
    SECTION("workload") {
        x.d.write("net.json", R"({"name": "net", "layers": [], "batch": 2})");
        expect_change(src, display_path(x.model) + " changed");
    }
    SECTION("weight image") {
        x.d.write("net.sxw", "SXW image bytes, retrained");
        expect_change(src, display_path(x.weights) + " changed");
    }
    SECTION("activations: an edited, an added or a removed .npy file; other files do not count") {
        const std::string label = display_path(x.acts) + "/ changed";
        x.d.write("acts/notes.txt", "not read by the simulator");
        CHECK(point_id(x.inputs(src)) == id);
        x.d.write("acts/conv1.npy", "npy bytes 1 edited");
        expect_change(src, label);
        x.d.write("acts/conv1.npy", "npy bytes 1");
        CHECK(point_id(x.inputs(src)) == id);
        x.d.write("acts/conv2.npy", "npy bytes 2");
        expect_change(src, label);
        fs::remove(x.d.root / "acts/conv2.npy");
        fs::remove(x.d.root / "acts/conv1.npy");
        expect_change(src, label);
    }
    SECTION("a point's override naming another preset reads that preset") {
        PointSources s = src;
        s.overrides["/dram/preset"] = "dram/ddr.json";
        const PointInputs now = x.inputs(s);
        CHECK(now[2].label == display_path((x.d.root / "design/dram/ddr.json").string()));
        CHECK(now[2].digest == DigestCache().file((x.d.root / "design/dram/ddr.json").string()));
        CHECK(point_id(now) != id);
    }
    SECTION("run options") {
        PointSources s = src;
        s.run_options["seed"] = 2;
        expect_change(s, "run options (batch, seed, check) changed");
    }
    SECTION("simulator version (injected)") {
        PointSources s = src;
        s.simulator = "sim-2";
        expect_change(s, "the simulator (sxsim executable) changed");
    }
    SECTION("a weight image given or dropped") {
        PointSources s = src;
        s.weights.clear();
        expect_change(s, display_path(x.weights) + " no longer read");
        const PointInputs without = x.inputs(s);
        CHECK(changed_inputs(inputs_to_json(without), base) == std::vector<std::string>{display_path(x.weights) + " added"});
    }
    SECTION("the same content at another path is the same point") {
        Design y("kinds_moved");
        CHECK(point_id(y.inputs(y.sources({{"/pe_array/dim_m", 8}}))) == id);
    }
}

TEST_CASE("a slot names a point by paths and values, not by contents") {
    const Overrides o = {{"/pe_array/dim_m", 8}};
    CHECK(point_slot("configs/a.json", "models/m.json", o) == point_slot("configs/../configs/a.json", "models/m.json", o));
    CHECK(point_slot("configs/a.json", "models/m.json", o) != point_slot("configs/b.json", "models/m.json", o));
    CHECK(point_slot("configs/a.json", "models/m.json", o) != point_slot("configs/a.json", "models/m.json", {}));
}
