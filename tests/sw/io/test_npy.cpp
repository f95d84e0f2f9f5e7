// .npy / .npz readers. Fixtures are written at test time by /usr/bin/python3 + numpy into a
// temporary directory (nothing is checked in or downloaded).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cstring>

#include <unistd.h>

#include "sw/common/error.h"
#include "sw/io/npy.h"
#include "tests/sw/python_fixture.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

fs::path fixture_dir() {
    static const fs::path dir = python_fixture::folder_made_by("test_npy", R"PY(
import numpy as np, sys, os
d = sys.argv[1]
a = (np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2) - 12) / 8
np.save(os.path.join(d, 'f32.npy'), a)
np.save(os.path.join(d, 'f16.npy'), a.astype(np.float16))
np.save(os.path.join(d, 'i8.npy'), np.array([[-128, 5], [127, 0]], dtype=np.int8))
np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(a))
np.save(os.path.join(d, 'big.npy'), a.astype('>f4'))
fc = np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 6)
np.savez(os.path.join(d, 'stored.npz'), conv=a, fc=fc)
np.savez_compressed(os.path.join(d, 'deflated.npz'), conv=a.astype(np.float16), fc=fc)
np.savez(os.path.join(d, 'wrongshape.npz'), conv=a.reshape(4, 6), fc=fc)
)PY");
    return dir;
}

Workload two_layers() {
    Workload w;
    w.name = "npz-test";
    Layer c;
    c.name = "conv";
    c.C = 3, c.K = 2, c.R = c.S = 2, c.H = c.W = 4;
    Layer f;
    f.name = "fc";
    f.type = LayerType::FullyConnected;
    f.C = 6, f.K = 5;
    w.layers = {c, f};
    return w;
}

}  // namespace

TEST_CASE("npy float32, float16 and int8 arrays", "[io]") {
    const NdArray a = read_npy((fixture_dir() / "f32.npy").string());
    CHECK(a.shape == std::vector<int64_t>{2, 3, 2, 2});
    CHECK(a.dtype == "<f4");
    REQUIRE(a.data.size() == 24);
    CHECK(a.data[0] == -1.5f);   // (0 - 12) / 8
    CHECK(a.data[23] == 1.375f); // (23 - 12) / 8
    const NdArray h = read_npy((fixture_dir() / "f16.npy").string());
    CHECK(h.dtype == "<f2");
    CHECK(h.data == a.data);     // multiples of 1/8 are exact in float16
    const NdArray i = read_npy((fixture_dir() / "i8.npy").string());
    CHECK(i.data == std::vector<float>{-128, 5, 127, 0});
}

TEST_CASE("npy: Fortran order, big-endian, truncation and garbage are input errors", "[io]") {
    CHECK_THROWS_WITH(read_npy((fixture_dir() / "fortran.npy").string()), Catch::Contains("C order"));
    CHECK_THROWS_WITH(read_npy((fixture_dir() / "big.npy").string()), Catch::Contains(">f4"));
    std::ifstream in(fixture_dir() / "f32.npy", std::ios::binary);
    std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{9}, std::size_t{40}, b.size() - 1}) {
        std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_THROWS_AS(parse_npy(t, "t.npy"), InputError);
    }
    CHECK_THROWS_AS(read_npy("/nonexistent.npy"), InputError);
}

// Fuzz finding (fuzz_npy, UBSan): a float64 shape of ~4e18 elements passes the element-count
// bound, but its 3.2e19 bytes did not fit the uint64_t the truncation message cast it to.
TEST_CASE("npy: a byte count beyond 2^64 in a truncated file is an input error, not UB", "[io]") {
    const std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (999999999999, 4000000), }";
    std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() + 1), 0};
    b.insert(b.end(), header.begin(), header.end());
    b.push_back('\n');
    CHECK_THROWS_WITH(parse_npy(b, "big.npy"), Catch::Contains("31999999999968000000 bytes"));
}

TEST_CASE("npz stored and deflated archives", "[io]") {
    for (const char* name : {"stored.npz", "deflated.npz"}) {
        INFO(name);
        const auto arrays = read_npz((fixture_dir() / name).string());
        REQUIRE(arrays.size() == 2);
        CHECK(arrays.at("conv").shape == std::vector<int64_t>{2, 3, 2, 2});
        CHECK(arrays.at("conv").data[1] == -1.375f);
        CHECK(arrays.at("fc").data.back() == 1.0f);
        const auto weights = load_weight_arrays((fixture_dir() / name).string(), two_layers());
        CHECK(weights.at("fc").size() == 30);
    }
}

TEST_CASE("npz arrays must match the workload's shapes", "[io]") {
    CHECK_THROWS_WITH(load_weight_arrays((fixture_dir() / "wrongshape.npz").string(), two_layers()),
                      Catch::Contains("conv") && Catch::Contains("2 x 3 x 2 x 2") && Catch::Contains("4 x 6"));
    Workload w = two_layers();
    w.layers[1].name = "fc2";
    CHECK_THROWS_WITH(load_weight_arrays((fixture_dir() / "stored.npz").string(), w), Catch::Contains("fc2"));
    CHECK_THROWS_AS(read_npz((fixture_dir() / "f32.npy").string()), InputError);  // not a zip
}

namespace {
// A .npy (format 1.0) of `descr`, `shape` text and the raw little-endian payload.
std::vector<uint8_t> npy_bytes(const std::string& descr, const std::string& shape, const void* data, std::size_t n) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64) header += ' ';
    header += '\n';
    std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                              static_cast<uint8_t>(header.size() >> 8)};
    b.insert(b.end(), header.begin(), header.end());
    const auto* p = static_cast<const uint8_t*>(data);
    b.insert(b.end(), p, p + n);
    return b;
}

std::string npy_error(const std::vector<uint8_t>& b) {
    try {
        parse_npy(b, "x.npy");
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

// User-found case (issue 17 fixes): a NaN in an input .npy ran to exit 0 with NaN reference
// outputs and "relative error 0.0" in run.json. Right: every float array read is finite, or
// an InputError naming the file, "npy data", "finite values" and the element's index.
TEST_CASE("npy: NaN and infinities are input errors at their index, in every float dtype", "[io]") {
    const float f4[6] = {0, 1, 2, 3, NAN, 5};  // element 4 of 2 x 3 = index [1, 1]
    const std::string e4 = npy_error(npy_bytes("<f4", "(2, 3)", f4, sizeof f4));
    CHECK(e4 == "x.npy: npy data: expected finite values (no NaN or infinity), found NaN at index [1, 1] (element 4 of 6)");
    const uint16_t f2[3] = {0x3c00, 0xfc00, 0};  // 1.0, -inf, 0 (float16 bit patterns)
    CHECK(npy_error(npy_bytes("<f2", "(3,)", f2, sizeof f2)).find("found -infinity at index [1] (element 1 of 3)") !=
          std::string::npos);
    // float64 beyond float32's range: would become an infinity (the cast itself is undefined).
    const double f8[2] = {1e300, 0};
    const std::string e8 = npy_error(npy_bytes("<f8", "(2,)", f8, sizeof f8));
    CHECK(e8.find("found +infinity at index [0]") != std::string::npos);
    CHECK(e8.find("beyond float32's range") != std::string::npos);
    // Finite values, the largest float included, are fine.
    const float ok[2] = {3.4028235e38f, -3.4028235e38f};
    CHECK(npy_error(npy_bytes("<f4", "(2,)", ok, sizeof ok)).empty());
}

// User-found case (h21): the shape was read by picking digits out of the tuple's text, so
// (1, -8, 8) was read as 1x8x8 and (1, 'a', 8) as 1x8 (then a misleading size error). Right:
// an InputError naming the file, "npy header shape", "non-negative integers" and the entry.
TEST_CASE("npy: a shape entry that is not a non-negative integer is an input error", "[io]") {
    const std::vector<float> v(64, 0.5f);
    for (const auto& [shape, found] : std::vector<std::pair<std::string, std::string>>{
             {"(1, -8, 8)", "entry 1 '-8'"}, {"(1, 'a', 8)", "entry 1 ''a''"}, {"(1, 8.0, 8)", "'.' after entry 1"},
             {"(1 8 8)", "'8' after entry 0"}, {"'1x8x8'", "no tuple"}}) {
        const std::string e = npy_error(npy_bytes("<f4", shape, v.data(), v.size() * 4));
        INFO(shape << " -> " << e);
        CHECK(e.find("x.npy") != std::string::npos);
        CHECK(e.find("npy header shape") != std::string::npos);
        CHECK(e.find("non-negative integers") != std::string::npos);
        CHECK(e.find(found) != std::string::npos);
    }
    // The tuple forms numpy writes still read (hand-derived: 64 float32 values = 256 bytes).
    CHECK(parse_npy(npy_bytes("<f4", "(1, 8, 8)", v.data(), 256), "x.npy").shape == std::vector<int64_t>{1, 8, 8});
    CHECK(parse_npy(npy_bytes("<f4", "(64,)", v.data(), 256), "x.npy").shape == std::vector<int64_t>{64});
    CHECK(parse_npy(npy_bytes("<f4", "(8,8)", v.data(), 256), "x.npy").shape == std::vector<int64_t>{8, 8});
    CHECK(parse_npy(npy_bytes("<f4", "()", v.data(), 4), "x.npy").shape.empty());
}
