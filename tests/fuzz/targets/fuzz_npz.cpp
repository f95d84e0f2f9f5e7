// Fuzzes the .npz reader (read_npz: libzip, then parse_npy per member) and the weight-array
// loader on the tiny workload. read_npz takes a path, so each input goes through a
// per-process scratch file.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "sw/io/npy.h"
#include "sw/workload/workload.h"
#include "tests/fuzz/targets/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const sx::Workload tiny = sx::load_workload(SX_SOURCE_DIR "/tests/fuzz/data/tiny_workload.json");
    static const std::string path = "/tmp/sx-fuzz-" + std::to_string(::getpid()) + ".npz";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    sx::fuzz::expect_input_error_only("read_npz", [&] {
        for (const auto& [name, a] : sx::read_npz(path)) sx::fuzz::sink(static_cast<double>(a.elements()) + a.data.size());
    });
    sx::fuzz::expect_input_error_only("load_weight_arrays(.npz)", [&] {
        for (const auto& [name, w] : sx::load_weight_arrays(path, tiny)) sx::fuzz::sink(w.size());
    });
    return 0;
}
