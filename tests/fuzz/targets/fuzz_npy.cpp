// Fuzzes the .npy reader (parse_npy) and the weight-array loader on a single-layer workload
// (load_weight_arrays reads an .npy from a path, so the input is also written to a
// per-process scratch file).
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "sw/io/npy.h"
#include "sw/workload/workload.h"
#include "tests/fuzz/targets/fuzz_common.h"

namespace {
const sx::Workload& one_layer() {
    static const sx::Workload w = [] {
        sx::Workload t = sx::load_workload(SX_SOURCE_DIR "/tests/fuzz/data/tiny_workload.json");
        t.layers.resize(1);  // conv1: 8 x 3 x 3 x 3
        return t;
    }();
    return w;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<uint8_t> bytes(data, data + size);
    sx::fuzz::expect_input_error_only("parse_npy", [&] {
        const sx::NdArray a = sx::parse_npy(bytes, "fuzz.npy");
        double sum = static_cast<double>(a.elements()) + a.dtype.size();
        for (float v : a.data) sum += v;
        sx::fuzz::sink(sum);
    });
    static const std::string path = "/tmp/sx-fuzz-" + std::to_string(::getpid()) + ".npy";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    sx::fuzz::expect_input_error_only("load_weight_arrays(.npy)", [&] {
        for (const auto& [name, w] : sx::load_weight_arrays(path, one_layer())) sx::fuzz::sink(w.size());
    });
    return 0;
}
