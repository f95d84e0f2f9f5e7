#pragma once
// Radix-4 Booth recoding of an 8-bit two's-complement activation: four digits in
// {-2,-1,0,1,2}, d_i = -2*b(2i+1) + b(2i) + b(2i-1) with b(-1) = 0. A bit-serial lane spends
// one cycle per non-zero digit (zero activation: none).
#include <array>
#include <cstdint>

namespace sx {

constexpr int booth_digits_slow(int8_t a) {
    const unsigned v = static_cast<uint8_t>(a);
    int n = 0;
    for (int i = 0; i < 4; ++i) {
        const int hi = (v >> (2 * i + 1)) & 1, mid = (v >> (2 * i)) & 1;
        const int lo = i == 0 ? 0 : (v >> (2 * i - 1)) & 1;
        if (-2 * hi + mid + lo != 0) ++n;
    }
    return n;
}

struct BoothTable {
    std::array<uint8_t, 256> digits{};
    constexpr BoothTable() {
        for (int i = 0; i < 256; ++i) digits[i] = static_cast<uint8_t>(booth_digits_slow(static_cast<int8_t>(i)));
    }
};
inline constexpr BoothTable kBooth{};

inline int booth_digits(int8_t a) { return kBooth.digits[static_cast<uint8_t>(a)]; }

}  // namespace sx
