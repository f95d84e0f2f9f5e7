#include <catch2/catch.hpp>

#include "hw/common/booth.h"

using namespace sx;

// Radix-4 Booth digits worked by hand: d_i = -2 b(2i+1) + b(2i) + b(2i-1).
TEST_CASE("Booth digit counts") {
    CHECK(booth_digits(0) == 0);
    CHECK(booth_digits(1) == 1);    // d0 = 1
    CHECK(booth_digits(2) == 2);    // 0b10: d0 = -2 (b1), d1 = +1 (b1 as b(2i-1)): 2 = -2 + 4
    CHECK(booth_digits(85) == 4);   // 0b01010101: d0..d3 = 1
    CHECK(booth_digits(127) == 2);  // 0b01111111: d0 = -1, d1 = d2 = 0, d3 = 2
    CHECK(booth_digits(-1) == 1);   // 0xFF: d0 = -1, others 0
    CHECK(booth_digits(-128) == 1); // 0x80: d3 = -2
    // Reconstruct every value from its digits: the recoding is exact.
    for (int v = -128; v < 128; ++v) {
        const unsigned u = static_cast<uint8_t>(v);
        int sum = 0, nz = 0;
        for (int i = 0; i < 4; ++i) {
            const int hi = (u >> (2 * i + 1)) & 1, mid = (u >> (2 * i)) & 1, lo = i ? (u >> (2 * i - 1)) & 1 : 0;
            const int d = -2 * hi + mid + lo;
            sum += d * (1 << (2 * i));
            nz += d != 0;
        }
        CHECK(sum == v);
        CHECK(booth_digits(static_cast<int8_t>(v)) == nz);
    }
}
