#pragma once
// The per-layer requantisation a design's post-processing unit applies to its int32
// accumulators before storing them to DRAM as int8 (docs/real-data.md, "Quantisation scheme"):
//
//   q = clamp( (sat32(acc + bias[k]) * multiplier[k] + 2^(shift[k]-1)) >> shift[k],  lo, hi )
//
// per output channel k: an int32 bias in accumulator units, a fixed-point multiplier
// M[k] * 2^-shift[k] (|M| < 2^31, negative after a folded BatchNormalization with gamma < 0;
// shift in 0..62), an arithmetic right shift rounding ties
// toward +inf, and a clamp [lo, hi] (lo 0 after a fused ReLU, -127 otherwise; hi 127, or the
// ReLU6 bound in int8 steps). Output zero point 0 (symmetric int8). This is the hardware's
// definition; the host's check (sw/graph/requant.h, requantize_fixed) computes the same
// function with its own code, and a stored output that differs fails the layer's --check.
#include <cstdint>
#include <vector>

namespace sx {

struct OutputRequant {
    std::vector<int32_t> bias;        // per output channel (K entries)
    std::vector<int32_t> multiplier;  // per output channel, in (-2^31, 2^31)
    std::vector<int32_t> shift;       // per output channel, 0..62
    int lo = -127, hi = 127;          // clamp bounds, -128 <= lo <= hi <= 127

    // Throws SimulationError unless every vector has K entries and the fields are in range.
    void validate(int64_t K) const;
};

// The formula above for output channel k (0 <= k < K, not checked here: validate() first).
inline int8_t apply_output_requant(int32_t acc, const OutputRequant& r, int64_t k) {
    const auto i = static_cast<std::size_t>(k);
    int64_t s = static_cast<int64_t>(acc) + r.bias[i];  // the adder is 32 bits wide: saturate
    if (s > INT32_MAX) s = INT32_MAX;
    if (s < INT32_MIN) s = INT32_MIN;
    // |s| <= 2^31 and |M| < 2^31: |s * M| < 2^62, so the product and the rounding constant
    // fit in 64 bits.
    int64_t p = s * static_cast<int64_t>(r.multiplier[i]);
    const int n = r.shift[i];
    if (n > 0) p = (p + (int64_t{1} << (n - 1))) >> n;
    return static_cast<int8_t>(p < r.lo ? r.lo : p > r.hi ? r.hi : p);
}

}  // namespace sx
