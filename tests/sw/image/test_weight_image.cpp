// Weight image helpers: Ce code mapping, the shift-and-add rebuild, block lookup, decoding and
// the block partition of each layer kind. Expected values derived by hand in the comments.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "sw/image/layer_plan.h"
#include "sw/image/weight_image.h"

using namespace sx;

TEST_CASE("Ce code mapping follows weight_image.h", "[image]") {
    CHECK(ce_code_make(0, 3) == 0);
    CHECK(ce_code_make(+1, 0) == 1);
    CHECK(ce_code_make(+1, 6) == 7);
    CHECK(ce_code_make(-1, 0) == 9);
    CHECK(ce_code_make(-1, 6) == 15);
    CHECK_THROWS(ce_code_make(1, 7));
    for (uint8_t c = 0; c < 16; ++c) {
        CHECK(ce_code_valid(c) == (c != 8));
        if (c == 8) {
            CHECK_THROWS(ce_code_sign(c));
            continue;
        }
        CHECK(ce_code_make(ce_code_sign(c), ce_code_exponent(c)) == c);
    }
    CHECK_FALSE(ce_code_valid(16));
}

TEST_CASE("rebuild_row shifts, adds, rounds and saturates", "[image]") {
    BasisBlock b;
    int8_t vals[3][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    for (int t = 0; t < 3; ++t)
        for (int j = 0; j < 3; ++j) b.basis[t][j] = vals[t][j];
    // codes: +2^1, 0, -2^0 -> acc = 2*B[0] - B[2] = (-5, -4, -3)
    const uint8_t codes[3] = {ce_code_make(1, 1), 0, ce_code_make(-1, 0)};
    int8_t out[3];
    b.rebuild_shift = 0;
    rebuild_row(b, codes, out);
    CHECK(out[0] == -5);
    CHECK(out[1] == -4);
    CHECK(out[2] == -3);
    // shift 1: (x + 1) >> 1 with floor: (-4)/2 = -2, floor(-3/2) = -2, (-2)/2 = -1
    b.rebuild_shift = 1;
    rebuild_row(b, codes, out);
    CHECK(out[0] == -2);
    CHECK(out[1] == -2);
    CHECK(out[2] == -1);
    // saturation: 3 * 127 * 2^6 = 24384 -> 127; negated -> -128
    for (auto& r : b.basis)
        for (auto& v : r) v = 127;
    b.rebuild_shift = 0;
    const uint8_t big[3] = {7, 7, 7};
    rebuild_row(b, big, out);
    CHECK(out[0] == 127);
    const uint8_t neg[3] = {15, 15, 15};
    rebuild_row(b, neg, out);
    CHECK(out[2] == -128);
    const uint8_t bad[3] = {8, 0, 0};
    CHECK_THROWS(rebuild_row(b, bad, out));
}

static Layer conv(uint32_t C, uint32_t K, uint32_t R, uint32_t groups = 1) {
    Layer l;
    l.name = "l";
    l.type = LayerType::Conv;
    l.C = C;
    l.K = K;
    l.R = l.S = R;
    l.H = l.W = 8;
    l.groups = groups;
    return l;
}

TEST_CASE("layer plan partitions blocks as evenly as possible", "[image]") {
    auto rows = [](const LayerPlan& p) {
        std::vector<uint32_t> r;
        for (auto& b : p.blocks) r.push_back(b.rows);
        return r;
    };
    // 3x3: blocks of at most 64 channels, 3 rows per channel.
    CHECK(rows(plan_layer(conv(64, 8, 3))) == std::vector<uint32_t>{192});
    CHECK(rows(plan_layer(conv(128, 8, 3))) == std::vector<uint32_t>{192, 192});
    CHECK(rows(plan_layer(conv(96, 8, 3))) == std::vector<uint32_t>{144, 144});
    CHECK(rows(plan_layer(conv(160, 8, 3))) == std::vector<uint32_t>{120, 120, 120, 120});
    CHECK(plan_layer(conv(3, 8, 3)).rows_per_filter == 9);
    // 1x1: ceil(C/3) rows; C = 1000 -> 334 rows -> 2 blocks of 167.
    LayerPlan fc = plan_layer(conv(1000, 8, 1));
    CHECK(fc.kind == ImageLayerKind::Decomposed);
    CHECK(fc.rows_per_filter == 334);
    CHECK(rows(fc) == std::vector<uint32_t>{167, 167});
    CHECK(fc.blocks[1].first_row == 167);
    // 1x1 with C = 2048 -> 683 rows (prime): no equal split with 4..8 parts -> 4 parts
    // 171, 171, 171, 170.
    CHECK(rows(plan_layer(conv(2048, 8, 1))) == std::vector<uint32_t>{171, 171, 171, 170});
    // grouped (not depthwise) 3x3: C/groups channels.
    CHECK(plan_layer(conv(64, 64, 3, 2)).rows_per_filter == 96);
    // raw: 7x7 and depthwise
    CHECK(plan_layer(conv(3, 64, 7)).kind == ImageLayerKind::Raw);
    CHECK(plan_layer(conv(32, 32, 3, 32)).kind == ImageLayerKind::Raw);
    CHECK(plan_layer(conv(32, 32, 3, 32)).filter_size == 9);
}

TEST_CASE("decode of a hand-built 1x1 layer drops the padding", "[image]") {
    // K = 2 filters of C = 4 weights -> 2 rows per filter, the last row has 2 padding columns.
    ImageLayer l;
    l.name = "fc";
    l.kind = ImageLayerKind::Decomposed;
    l.K = 2;
    l.C = 4;
    l.rows_per_filter = 2;
    l.blocks_per_filter = 1;
    BasisBlock b;  // identity basis: Ce row (c0,c1,c2) rebuilds (2^e0.., ...)
    b.basis[0][0] = b.basis[1][1] = b.basis[2][2] = 1;
    b.rows = 2;
    b.scale = 0.5f;
    l.blocks = {b, b};
    // rows (k=0,i=0) and (k=1,i=1) non-zero: bits 0 and 3.
    l.row_bitmap = {0b1001};
    // row A codes: +1, -2, +4 -> (1, 9+1=10, 1+2=3); row B codes: -1, 0, 0 -> (9, 0, 0)
    // nibbles: 1, 10, 3, 9, 0, 0 -> bytes 0xA1, 0x93, 0x00
    // Filter k covers flat weights 4k..4k+3; row i covers filter elements 3i..3i+2 (< 4).
    l.ce_codes = {0xA1, 0x93, 0x00};
    CHECK(l.nonzero_rows() == 2);
    CHECK(l.ce_code(1, 0) == 9);
    CHECK(&l.block_of(1, 1) == &l.blocks[1]);
    const auto w = decode_int8(l);
    CHECK(w == std::vector<int8_t>{1, -2, 4, 0, 0, 0, 0, -1});
    const auto f = decode_float(l);
    CHECK(f[2] == 2.0f);
    CHECK(f[7] == -0.5f);
}

TEST_CASE("rebuild_row equals the textbook shift-add-round for every code triple and shift", "[image]") {
    // rebuild_row uses a factor table and a division-free rounding shift; the reference here is
    // the definition: sum_t sign_t * B[t][j] * 2^e_t, rounded by floor((x + 2^(s-1)) / 2^s),
    // saturated to int8. Every valid code triple (15^3), every shift 0..15, bases random and
    // extreme (+-127, -128).
    auto reference = [](const BasisBlock& b, const uint8_t c[3], int j) {
        int64_t acc = 0;
        for (int t = 0; t < 3; ++t) acc += ce_code_sign(c[t]) * int64_t{b.basis[t][j]} * (int64_t{1} << ce_code_exponent(c[t]));
        const int s = b.rebuild_shift;
        if (s > 0) {
            const int64_t num = acc + (int64_t{1} << (s - 1)), den = int64_t{1} << s;
            int64_t q = num / den;
            if (num % den != 0 && num < 0) --q;
            acc = q;
        }
        return static_cast<int8_t>(std::clamp<int64_t>(acc, -128, 127));
    };
    std::mt19937 g(3);
    const uint8_t valid[] = {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15};
    long mismatches = 0, checked = 0;
    for (int shift = 0; shift <= 15; ++shift) {
        for (int trial = 0; trial < 3; ++trial) {
            BasisBlock b;
            b.rebuild_shift = static_cast<uint8_t>(shift);
            for (auto& row : b.basis)
                for (auto& v : row) v = static_cast<int8_t>(trial == 0 ? 127 : trial == 1 ? -128 : int(g() % 256) - 128);
            if (trial == 2) b.basis[1][1] = -127;
            for (uint8_t c0 : valid)
                for (uint8_t c1 : valid)
                    for (uint8_t c2 : valid) {
                        const uint8_t c[3] = {c0, c1, c2};
                        int8_t out[3];
                        rebuild_row(b, c, out);
                        for (int j = 0; j < 3; ++j, ++checked) mismatches += out[j] != reference(b, c, j);
                    }
        }
    }
    CHECK(checked == 16L * 3 * 3375 * 3);
    CHECK(mismatches == 0);
    const uint8_t bad[3] = {1, 8, 2};
    int8_t out[3];
    CHECK_THROWS_AS(rebuild_row(BasisBlock{}, bad, out), std::invalid_argument);
}
