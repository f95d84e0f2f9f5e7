// --labels files (sw/graph/real_data.h load_labels): every bad entry is named at its JSON
// pointer, with the stem escaped as a pointer token (RFC 6901: '~' -> "~0", '/' -> "~1").
#include <catch2/catch.hpp>

#include <fstream>

#include "sw/common/error.h"
#include "sw/graph/real_data.h"
#include "tests/test_scratch.h"

using namespace sx;

TEST_CASE("A label whose stem holds '~' is named at its escaped JSON pointer") {
    const std::string path = (test::scratch_dir("test_labels") / "labels.json").string();
    std::ofstream(path) << R"({"cat~1": -3, "dog": 2})";
    std::vector<InputSample> inputs(2);
    inputs[0].stem = "cat~1";
    inputs[0].file = "cat~1.npy";
    inputs[1].stem = "dog";
    inputs[1].file = "dog.npy";
    try {
        load_labels(path, inputs);
        FAIL("a negative label was accepted");
    } catch (const InputError& e) {
        // "/cat~1" would point at a member "cat/" (~1 decodes to '/'): the key is "cat~01".
        CHECK(e.field() == "/cat~01");
        CHECK(e.file() == path);
    }
    std::ofstream(path) << R"({"cat~1": 1, "dog": 2})";
    const auto labels = load_labels(path, inputs);
    CHECK(labels.at("cat~1") == 1);
}
