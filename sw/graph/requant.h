#pragma once
// Integer requantisation as hardware does it between layers (docs/real-data.md):
//   q_out = clamp( round_shift( (acc + q_bias) * M, n ), lo, 127 )
// with the real multiplier m = s_in * s_w / s_out written as M * 2^-n, |M| a 31-bit integer in
// [2^30, 2^31) (or 0; M < 0 when m < 0: a folded BatchNormalization with gamma < 0), n >= 0; round_shift(v, n) = (v + 2^(n-1)) >> n (arithmetic shift: ties
// toward +inf), lo = 0 after a fused ReLU, else -127 (symmetric). q_bias = round(b / (s_in *
// s_w)) in int32. Quantisation of a float: clamp(round_half_away(x / s), -127, 127).
#include <cstdint>

namespace sx {

struct FixedPointMultiplier {
    int64_t multiplier = 0;  // |M| in [2^30, 2^31), 0 for m == 0, negative for m < 0
    int shift = 0;           // 0..62
};

// Any finite m (the sign goes to the multiplier). A multiplier too small for 62 bits of shift
// becomes 0; |m| >= 2^31 saturates.
FixedPointMultiplier fixed_point(double m);

// The formula above; `acc` is the accumulator plus the bias, saturated to int32 first.
int8_t requantize_fixed(int64_t acc, const FixedPointMultiplier& f, int lo, int hi = 127);

int8_t quantize(float x, float scale, int lo = -127, int hi = 127);
// Upper clamp of a fused ReLU6-style Clip in int8 steps: min(127, round(clip_max / scale)),
// computed in double (a tiny scale makes the quotient exceed int).
int clip_steps(double clip_max, double scale);
int32_t quantize_bias(double b, double scale);  // round(b / scale), saturated to int32

}  // namespace sx
