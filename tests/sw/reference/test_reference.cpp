#include <catch2/catch.hpp>

#include "sw/data/activations.h"
#include "sw/reference/conv_reference.h"

using namespace sx;

namespace {
Layer layer(int64_t C, int64_t K, int64_t H, int64_t R, int64_t stride, int64_t pad, int64_t groups) {
    Layer l;
    l.name = "l";
    l.C = C;
    l.K = K;
    l.H = l.W = H;
    l.R = l.S = R;
    l.stride = stride;
    l.padding = pad;
    l.groups = groups;
    return l;
}
}  // namespace

// 1 channel 3x3 input 1..9, 3x3 kernel of ones, pad 1: the centre output is the sum 45, the
// corner (0,0) sums 1+2+4+5 = 12.
TEST_CASE("reference convolution by hand") {
    const Layer l = layer(1, 1, 3, 3, 1, 1, 1);
    std::vector<int8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w(9, 1);
    const auto out = reference_conv(l, in, w);
    REQUIRE(out.size() == 9);
    CHECK(out[4] == 45);
    CHECK(out[0] == 12);
    CHECK(out[8] == 5 + 6 + 8 + 9);
}

// Depthwise: channel g only sees its own input channel.
TEST_CASE("grouped convolution") {
    const Layer l = layer(2, 2, 1, 1, 1, 0, 2);
    const auto out = reference_conv(l, {3, 5}, {2, -1});
    CHECK(out == std::vector<int32_t>{6, -5});
}

TEST_CASE("requantisation") {
    CHECK(requantize(-5, 4) == 0);
    CHECK(requantize(24, 4) == 2);   // 24/16 = 1.5 rounds up
    CHECK(requantize(1 << 20, 4) == 127);
}

TEST_CASE("synthetic activations follow the density and are seeded") {
    Layer l = layer(16, 1, 32, 1, 1, 0, 1);
    const auto a = make_activations(l, 7, 0.4), b = make_activations(l, 7, 0.4), c = make_activations(l, 8, 0.4);
    CHECK(a == b);
    CHECK(a != c);
    std::size_t nz = 0;
    for (int8_t v : a) {
        CHECK(v >= 0);
        nz += v != 0;
    }
    CHECK(static_cast<double>(nz) / a.size() == Approx(0.4).margin(0.03));
}
