#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sw/common/error.h"
#include "sw/workflow/sweep_params.h"
#include "sw/workflow/sweep_spec.h"
#include "tests/test_scratch.h"

using namespace sx;

TEST_CASE("parameter lists parse values as JSON, else as strings") {
    const ParamAxis a = parse_param_arg("/pe_array/dim_m=8,16,32");
    CHECK(a.pointer == "/pe_array/dim_m");
    REQUIRE(a.values.size() == 3);
    CHECK(a.values[0] == json(8));
    CHECK(a.values[2] == json(32));
    CHECK(a.values[0].is_number_integer());

    const ParamAxis s = parse_param_arg("/dram/preset=dram/ddr4.json, \"a,b\"x");
    // The quoted token is not valid JSON as a whole (trailing x), so it stays a plain string.
    REQUIRE(s.values.size() == 3);
    CHECK(s.values[0] == json("dram/ddr4.json"));

    const ParamAxis b = parse_param_arg("/smartexchange/bit_serial=true,false");
    CHECK(b.values[0] == json(true));
    CHECK(parse_param_value("0.5") == json(0.5));
    CHECK(parse_param_value("\"x:y\"") == json("x:y"));
}

TEST_CASE("ranges are inclusive, arithmetic or geometric, integral when all parts are") {
    auto v = parse_param_arg("/clock_mhz=200:1000:200").values;
    CHECK(v == std::vector<json>{200, 400, 600, 800, 1000});
    CHECK(v[0].is_number_integer());
    // 0.5, 0.75, 1.0, 1.25, 1.5: 1.5 reached exactly and included.
    v = parse_param_arg("/x=0.5:1.5:0.25").values;
    CHECK(v == std::vector<json>{0.5, 0.75, 1.0, 1.25, 1.5});
    // 0.1 steps must not drift: 0.1 + 2*0.1 prints as 0.3.
    v = parse_param_arg("/x=0.1:0.3:0.1").values;
    REQUIRE(v.size() == 3);
    CHECK(v[2].dump() == "0.3");
    v = parse_param_arg("/pe_array/dim_m=4:64:x2").values;
    CHECK(v == std::vector<json>{4, 8, 16, 32, 64});
    v = parse_param_arg("/x=10:0:-5").values;
    CHECK(v == std::vector<json>{10, 5, 0});
    v = parse_param_arg("/x=1:7:3,100").values;  // a range and a value mixed
    CHECK(v == std::vector<json>{1, 4, 7, 100});
    v = parse_param_arg("/x=5:5:1").values;
    CHECK(v == std::vector<json>{5});
}

TEST_CASE("bad parameter syntax is an InputError") {
    for (const char* bad : {"/pe_array/dim_m", "pe_array/dim_m=8", "/pe_array/dim_m=", "/x=8,,16", "/x=1:2",
                            "/x=1:5:0", "/x=1:5:-1", "/x=a:b:1", "/x=4:64:x1", "/x=0:64:x2", "=8", "/x/=1",
                            "/x=1:2:3:4"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_param_arg(bad), InputError);
    }
    try {
        parse_param_arg("/clock_mhz=200:1000:0");
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.field() == "/clock_mhz");
        CHECK(std::string(e.what()).find("non-zero step") != std::string::npos);
    }
}

TEST_CASE("points are the product of the axes, or their zip") {
    const std::vector<ParamAxis> axes = {parse_param_arg("/a=1,2,3"), parse_param_arg("/b=x,y")};
    const auto product = expand_points({}, axes, CombineMode::Product);
    REQUIRE(product.size() == 6);
    CHECK(product[0].at("/a") == json(1));
    CHECK(product[0].at("/b") == json("x"));
    CHECK(product[5].at("/a") == json(3));
    CHECK(product[5].at("/b") == json("y"));

    CHECK_THROWS_AS(expand_points({}, axes, CombineMode::Zip), InputError);
    const auto zip = expand_points({}, {parse_param_arg("/a=1,2"), parse_param_arg("/b=x,y")}, CombineMode::Zip);
    REQUIRE(zip.size() == 2);
    CHECK(zip[1].at("/a") == json(2));
    CHECK(zip[1].at("/b") == json("y"));

    CHECK_THROWS_AS(expand_points({}, {parse_param_arg("/a=1"), parse_param_arg("/a=2")}, CombineMode::Product),
                    InputError);

    // Explicit points x axes: 2 shapes x 2 clocks.
    const std::vector<Overrides> shapes = {{{"/m", 8}, {"/c", 4}}, {{"/m", 16}, {"/c", 2}}};
    const auto mixed = expand_points(shapes, {parse_param_arg("/clock=500,1000")}, CombineMode::Product);
    REQUIRE(mixed.size() == 4);
    CHECK(mixed[3].at("/m") == json(16));
    CHECK(mixed[3].at("/clock") == json(1000));
    CHECK(expand_points({}, {}, CombineMode::Product).size() == 1);  // no parameters: the base point
}

TEST_CASE("sweep specifications: paths relative to the spec, params as arrays or range strings") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("sx_spec_" + std::to_string(getpid()));
    fs::create_directories(dir / "sweeps");
    sx::test::remove_after_test(dir);
    const std::string path = (dir / "sweeps" / "s.json").string();
    std::ofstream(path) << R"({"arch": "../arch.json", "models": ["../m1.json", "../m2.json"], "mode": "zip",
        "params": {"/pe_array/dim_m": [8, 16], "/clock_mhz": "500:1000:500"},
        "points": [{"/pe_array/dim_c": 4}], "batch": 2, "timeout_s": 30,
        "weights": "../w.sxw", "activations": "acts"})";
    const SweepSpec s = load_sweep_spec(path);
    CHECK(s.arch == (dir / "arch.json").string());
    REQUIRE(s.models.size() == 2);
    CHECK(s.models[1] == (dir / "m2.json").string());
    CHECK(s.mode == CombineMode::Zip);
    REQUIRE(s.params.size() == 2);
    CHECK(s.params[0].pointer == "/clock_mhz");  // members sorted
    CHECK(s.params[0].values == std::vector<json>{500, 1000});
    CHECK(s.batch == 2);
    CHECK(s.weights == (dir / "w.sxw").string());
    CHECK(s.activations == (dir / "sweeps" / "acts").string());
    CHECK(expand_points(s.points, s.params, s.mode).size() == 2);
    // Where each value was written, for the child's errors (issue 11): an array element, the
    // range string, or the member of an explicit point.
    REQUIRE(s.params[1].origins.size() == 2);
    CHECK(s.params[1].origins[1].file == path);
    CHECK(s.params[1].origins[1].pointer == "/params/~1pe_array~1dim_m/1");
    REQUIRE(s.params[0].origins.size() == 2);
    CHECK(s.params[0].origins[1].pointer == "/params/~1clock_mhz");
    REQUIRE(s.point_origins.size() == 1);
    CHECK(s.point_origins[0].at("/pe_array/dim_c").pointer == "/points/0/~1pe_array~1dim_c");
    const ParamAxis cli = parse_param_arg("/clock_mhz=1,2");
    REQUIRE(cli.origins.size() == 2);
    CHECK(cli.origins[0].file == "--param");
    CHECK(cli.origins[0].pointer == "/clock_mhz");

    std::ofstream(path) << R"({"arch": "a.json", "params": {"/x": "1:2"}})";
    CHECK_THROWS_AS(load_sweep_spec(path), InputError);
    std::ofstream(path) << R"({"arch": "a.json", "params": {"pe_array": [1]}})";
    try {
        load_sweep_spec(path);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.field() == "/params/pe_array");
    }
    std::ofstream(path) << R"({"arch": "a.json", "paramz": {}})";
    CHECK_THROWS_AS(load_sweep_spec(path), InputError);
    fs::remove_all(dir);
}
