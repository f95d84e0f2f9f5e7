#pragma once
// Test inputs made at test time with Debian's Python (/usr/bin/python3 with python3-numpy and
// python3-onnx, .ci/deps; the python3 first on PATH lacks them): a script written to a scratch
// folder of the test process and run there. Used by tests/sw/io (npy, ONNX) and tests/sw/graph.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>
#include "tests/test_scratch.h"

namespace sx::python_fixture {

// <temp>/sx_<tag>_<pid>, created (one per test process: ctest runs each TEST_CASE alone).
inline std::filesystem::path scratch_dir(const std::string& tag) {
    return sx::test::scratch_dir("sx_" + tag);  // removed when the test passes
}

// Writes `source` to dir/make.py; returns its path.
inline std::filesystem::path write_script(const std::filesystem::path& dir, const std::string& source) {
    const std::filesystem::path script = dir / "make.py";
    std::ofstream(script) << source;
    return script;
}

// Runs `script` with /usr/bin/python3 and `args` (shell words); the test fails unless it exits 0.
inline void run_script(const std::filesystem::path& script, const std::string& args) {
    const std::string cmd = "/usr/bin/python3 " + script.string() + " " + args;
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
}

// scratch_dir(tag) with the files `source` writes there (it gets the folder as its argument).
inline std::filesystem::path folder_made_by(const std::string& tag, const std::string& source) {
    const std::filesystem::path d = scratch_dir(tag);
    run_script(write_script(d, source), d.string());
    return d;
}

}  // namespace sx::python_fixture
