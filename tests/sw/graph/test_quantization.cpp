// Calibration, quantisation and fixed-point requantisation (sw/graph/calibration.h,
// requant.h), bilinear resizing and the output comparison, against hand-derived values.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include <unistd.h>

#include "sw/common/error.h"
#include "sw/graph/calibration.h"
#include "sw/graph/input_loader.h"
#include "sw/graph/real_data.h"
#include "sw/graph/requant.h"
#include "sw/common/error.h"
#include "tests/test_scratch.h"

using namespace sx;

TEST_CASE("Calibration: max and 99.99th percentile of |x|, scales through pass-through operators") {
    Graph g;
    Node pool;
    pool.op = "MaxPool";
    pool.inputs = {"a"};
    pool.outputs = {"b"};
    g.nodes = {pool};
    Calibrator max(CalibrationMethod::Max);
    max.observe("a", Tensor({3}, {-3, 1, 2}));
    max.observe("a", Tensor({2}, {2.5f, 0}));  // a second input: the max is over both
    max.observe("b", Tensor({1}, {1}));
    const auto s = max.scales(g);
    CHECK(s.at("a") == Approx(3.0f / 127));
    CHECK(s.at("b") == s.at("a"));  // MaxPool keeps its input's scale, not its own max (1)
    // 10000 values 1..10000: rank ceil(0.9999 * 10000) = 9999, so A = 9999.
    Calibrator pct(CalibrationMethod::Percentile);
    Tensor t({10000});
    for (int i = 0; i < 10000; ++i) t.data[i] = (i % 2 ? -1.0f : 1.0f) * static_cast<float>(i + 1);
    pct.observe("x", t);
    CHECK(pct.scales(Graph{}).at("x") == Approx(9999.0f / 127));
    // An all-zero tensor gets scale 1.
    Calibrator zero(CalibrationMethod::Max);
    zero.observe("z", Tensor({2}, {0, 0}));
    CHECK(zero.scales(Graph{}).at("z") == 1.0f);
}

// Percentile calibration keeps only the n - rank + 1 largest |x| of each tensor (n / 10000 + 1),
// not every value: the result must equal the exact rank statistic over all values of all
// samples (percentile_abs, nth_element over everything), ties and small n included.
TEST_CASE("Percentile calibration with bounded memory equals the exact rank statistic") {
    std::mt19937 rng(17);
    for (int trial = 0; trial < 40; ++trial) {
        const std::size_t samples = 1 + rng() % 5, size = 1 + rng() % (trial < 20 ? 50 : 30000);
        Calibrator pct(CalibrationMethod::Percentile, samples);
        std::vector<float> all;
        for (std::size_t s = 0; s < samples; ++s) {
            Tensor t({static_cast<int64_t>(size)});
            // Few distinct values in half the trials (ties at the rank), a heavy tail otherwise.
            for (float& x : t.data)
                x = trial % 2 ? static_cast<float>(static_cast<int>(rng() % 7) - 3)
                              : std::ldexp(static_cast<float>(rng() % 1000) - 500.0f, static_cast<int>(rng() % 12));
            for (float x : t.data) all.push_back(std::fabs(x));
            pct.observe("x", t);
        }
        const float exact = percentile_abs(all);
        INFO("trial " << trial << ": " << samples << " samples of " << size);
        CHECK(pct.scales(Graph{}).at("x") == (exact > 0 ? exact / 127.0f : 1.0f));
    }
    // Observed for more or fewer values than announced: an internal error, not a wrong scale.
    Calibrator two(CalibrationMethod::Percentile, 2);
    two.observe("x", Tensor({3}, {1, 2, 3}));
    CHECK_THROWS_AS(two.scales(Graph{}), std::logic_error);
    two.observe("x", Tensor({3}, {1, 2, 3}));
    CHECK_THROWS_AS(two.observe("x", Tensor({3}, {1, 2, 3})), std::logic_error);
}

TEST_CASE("Quantisation rounds half away from zero and saturates symmetrically") {
    CHECK(quantize(0.5f, 1) == 1);
    CHECK(quantize(-0.5f, 1) == -1);
    CHECK(quantize(0.49f, 1) == 0);
    CHECK(quantize(1000, 1) == 127);
    CHECK(quantize(-1000, 1) == -127);
    CHECK(quantize(0.3f, 0.1f) == 3);
    CHECK(quantize_bias(1.0, 0.25) == 4);
    CHECK(quantize_bias(-1e12, 1e-3) == INT32_MIN);
}

TEST_CASE("Fixed-point multiplier and shift reproduce the real multiplier with round-half-up") {
    // 0.5 = 0.5 * 2^0: M = 0.5 * 2^31 = 2^30, n = 31.
    const FixedPointMultiplier half = fixed_point(0.5);
    CHECK(half.multiplier == (int64_t{1} << 30));
    CHECK(half.shift == 31);
    CHECK(requantize_fixed(100, half, -127) == 50);
    CHECK(requantize_fixed(101, half, -127) == 51);   // 50.5 rounds up
    CHECK(requantize_fixed(-101, half, -127) == -50); // -50.5 rounds toward +inf
    CHECK(requantize_fixed(1000, half, -127) == 127); // 500 saturates
    CHECK(requantize_fixed(-1000, half, -127) == -127);
    CHECK(requantize_fixed(-10, half, 0) == 0);       // fused ReLU
    // 0.75 = 0.75 * 2^0: M = 0.75 * 2^31 = 1610612736; 10 * 0.75 = 7.5 -> 8.
    const FixedPointMultiplier q = fixed_point(0.75);
    CHECK(q.multiplier == 1610612736);
    CHECK(requantize_fixed(10, q, -127) == 8);
    // 3e-3 = 0.768 * 2^-8: n = 39; 1000 * 3e-3 = 3.
    const FixedPointMultiplier small = fixed_point(3e-3);
    CHECK(small.shift == 39);
    CHECK(requantize_fixed(1000, small, -127) == 3);
    CHECK(fixed_point(0).multiplier == 0);
    CHECK(requantize_fixed(12345, fixed_point(0), -127) == 0);
}

TEST_CASE("Fixed-point multiplier of a negative real multiplier (BatchNormalization gamma < 0)") {
    // Regression: fixed_point(m < 0) returned 0, so a SmartExchange image's channel whose folded
    // BN factor is negative was stored as all zeros. -0.5: M = -2^30, n = 31.
    const FixedPointMultiplier neg = fixed_point(-0.5);
    CHECK(neg.multiplier == -(int64_t{1} << 30));
    CHECK(neg.shift == 31);
    CHECK(requantize_fixed(100, neg, -127) == -50);
    CHECK(requantize_fixed(-101, neg, -127) == 51);   // 50.5 rounds toward +inf
    CHECK(requantize_fixed(-10, neg, 0) == 5);        // fused ReLU keeps the positive product
    CHECK(requantize_fixed(10, neg, 0) == 0);
    // -3e-3 = -0.768 * 2^-8: n = 39, 1000 * -3e-3 = -3.
    const FixedPointMultiplier small = fixed_point(-3e-3);
    CHECK(small.shift == 39);
    CHECK(small.multiplier == -fixed_point(3e-3).multiplier);
    CHECK(requantize_fixed(1000, small, -127) == -3);
    // Saturation keeps |M| < 2^31 (the hardware's int32 multiplier).
    CHECK(fixed_point(-1e12).multiplier == -((int64_t{1} << 31) - 1));
}

TEST_CASE("ReLU6 clamp in int8 steps, also for tiny scales (MobileNetV2 regression)") {
    CHECK(clip_steps(6, 6.0 / 127) == 127);
    CHECK(clip_steps(6, 0.1) == 60);     // 6 / 0.1
    CHECK(clip_steps(6, 0.04) == 127);   // 150 steps: saturates at 127
    // Random-initialised MobileNetV2 reaches scales of 3.6e-10: 6 / 3.6e-10 = 1.7e10 overflowed
    // an int conversion and zeroed every output of the layer.
    CHECK(clip_steps(6, 3.55829e-10) == 127);
}

TEST_CASE("Bilinear resize uses half-pixel centres and clamps at the edges") {
    // 2 -> 4 pixels: source x = (o + 0.5) * 2/4 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25
    // (clamped to the last pixel): values 0, 0.25, 0.75, 1.
    CHECK(resize_bilinear({0, 1}, 1, 1, 2, 1, 4) == std::vector<float>{0, 0.25f, 0.75f, 1});
    // Same size: identity.
    CHECK(resize_bilinear({1, 2, 3, 4}, 1, 2, 2, 2, 2) == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("Output comparison: top-1 agreement, relative error, accuracy") {
    std::vector<InputSample> in(2);
    in[0].stem = "a", in[1].stem = "b";
    const std::vector<Tensor> sim = {Tensor({3}, {1, 3, 2}), Tensor({3}, {0, 0, 1})};
    const std::vector<Tensor> ref = {Tensor({3}, {1, 2, 3}), Tensor({3}, {0, 0, 1})};
    const RealDataSummary s = compare_outputs(in, sim, ref, {{"a", 1}, {"b", 2}});
    CHECK(s.top1_agreement == 0.5);  // argmax 1 vs 2, then 2 vs 2
    // ||[0, 1, -1]|| / ||[1, 2, 3]|| = sqrt(2 / 14); the second input is exact.
    CHECK(s.rel_error_max == Approx(std::sqrt(2.0 / 14)));
    CHECK(s.rel_error_mean == Approx(std::sqrt(2.0 / 14) / 2));
    CHECK(*s.accuracy_simulated == 1.0);  // 1 == 1, 2 == 2
    CHECK(*s.accuracy_reference == 0.5);  // 2 != 1, 2 == 2
}

// User-found case (issue 17 fixes): a NaN reached the comparison and run.json reported relative
// error 0.0 (max(0, NaN) is 0) and a top-1 agreement from argmax over a NaN. Right: no figure
// computed from a NaN; NaN figures (null in run.json) and a note naming the input.
TEST_CASE("Output comparison never reports a figure computed from a NaN") {
    std::vector<InputSample> in(2);
    in[0].stem = "a", in[1].stem = "b";
    in[0].file = "a.npy", in[1].file = "b.npy";
    const std::vector<Tensor> sim = {Tensor({3}, {1, 3, 2}), Tensor({3}, {0, 0, 1})};
    const std::vector<Tensor> ref = {Tensor({3}, {1, 2, 3}), Tensor({3}, {NAN, 0, 1})};
    const RealDataSummary s = compare_outputs(in, sim, ref, {{"a", 1}, {"b", 2}});
    CHECK(std::isnan(s.top1_agreement));
    CHECK(std::isnan(s.rel_error_mean));
    CHECK(std::isnan(s.rel_error_max));
    CHECK(std::isnan(*s.accuracy_simulated));
    REQUIRE(s.notes.size() == 1);
    CHECK(s.notes[0].find("b.npy") != std::string::npos);
    const json j = to_json(s);
    CHECK(j["relative_error"]["max"].is_null());
    CHECK(j["relative_error"]["mean"].is_null());
    CHECK(j["top1_agreement"].is_null());
    CHECK(j["accuracy"]["simulated"].is_null());
}

TEST_CASE("Labels beyond the model's classes and an overflowing float computation are input errors") {
    CHECK_NOTHROW(check_label_range("l.json", {{"a", 0}, {"b", 9}}, 10));
    try {
        check_label_range("l.json", {{"a", 0}, {"b", 10}}, 10);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) ==
              "l.json: /b: expected a class index below 10 (the model's output has 10 values per input), found 10");
    }
    InputSample x;
    x.file = "in/x.npy";
    CHECK_NOTHROW(check_finite_activation(x, "conv", Tensor({2}, {1, -3e38f})));
    try {
        check_finite_activation(x, "conv", Tensor({2}, {1, INFINITY}));
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(e.file() == "in/x.npy");
        CHECK(std::string(e.what()).find("an infinity at element 1 of the output of node 'conv'") != std::string::npos);
    }
}

namespace {
uint32_t crc32(const std::string& b) {
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char x : b) {
        c ^= x;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}
std::string be32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string png_chunk(const std::string& type, const std::string& data) {
    return be32(static_cast<uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}
}  // namespace

TEST_CASE("An image whose header declares more pixels than the limit is refused before decoding") {
    // 71 bytes: PNG signature, IHDR of 65535 x 65535 RGB 8-bit, a 2-byte IDAT (the header
    // reader stops at it), IEND. Decoding it would allocate 12 GiB of RGB before finding the
    // pixel data short; the header check refuses it first.
    const std::string ihdr = be32(65535) + be32(65535) + std::string("\x08\x02\x00\x00\x00", 5);
    const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
                            png_chunk("IDAT", std::string("\x78\x9c", 2)) + png_chunk("IEND", "");
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("sx_big_png_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    sx::test::remove_after_test(dir);
    { std::ofstream(dir / "huge.png", std::ios::binary) << png; }
    std::string what;
    try {
        load_inputs(dir.string(), {1, 3, 8, 8}, Normalize::None);
    } catch (const InputError& e) {
        what = e.what();
    }
    std::filesystem::remove_all(dir);
    INFO(what);
    CHECK(what.find("huge.png") != std::string::npos);
    CHECK(what.find("4294836225 pixels") != std::string::npos);  // 65535^2
    CHECK(what.find("at most 33554432 pixels") != std::string::npos);
}
