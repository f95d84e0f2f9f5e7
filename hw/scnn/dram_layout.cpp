#include "hw/scnn/dram_layout.h"

#include <cstdint>

namespace sx::scnn {

namespace {
constexpr uint64_t kMax = UINT64_MAX / 4;  // saturation: sizes past this never fit a memory
uint64_t sat(unsigned __int128 x) { return x > kMax ? kMax : static_cast<uint64_t>(x); }
uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }
}  // namespace

ScnnDramLayout::ScnnDramLayout(const DramLayoutSizes& s) : s_(s) {
    if (s_.burst == 0) s_.burst = 1;
    if (s_.row_period < s_.burst) s_.row_period = s_.burst;
    act_base_ = align_up(s_.weight_bytes, s_.burst);
    // Every input lies below act_base + images x in_bound (+ the burst rounding of A(n)).
    using u128 = unsigned __int128;
    out_base_ = align_up(sat(u128(act_base_) + u128(s_.images) * s_.in_bound + s_.burst), s_.row_period);
    // Last image: its stores start at most out_base + (N-1) x out_bound + 2 P (N-1) + P - 1.
    end_ = sat(u128(out_base_) + u128(s_.images) * s_.out_bound +
               u128(2) * s_.row_period * (s_.images > 0 ? s_.images - 1 : 0) + s_.row_period);
}

}  // namespace sx::scnn
