// Fuzzes the ONNX import (load_onnx: protobuf parse, graph walk, shape inference into a
// Workload). load_onnx takes a path, so each input goes through a per-process scratch file.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "sw/io/onnx_model.h"
#include "tests/fuzz/targets/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = "/tmp/sx-fuzz-" + std::to_string(::getpid()) + ".onnx";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    sx::fuzz::expect_input_error_only("load_onnx", [&] {
        const sx::OnnxModel m = sx::load_onnx(path);
        double sum = static_cast<double>(m.workload.total_macs());
        for (const auto& [name, w] : m.weights) sum += w.size();
        sx::fuzz::sink(sum);
    });
    return 0;
}
