#include "sw/graph/requant.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sx {

FixedPointMultiplier fixed_point(double m) {
    // A negative m (a BatchNormalization with gamma < 0 folded into a SmartExchange image's
    // scale) is -fixed_point(-m): the same shift, the multiplier negated.
    if (m < 0) {
        FixedPointMultiplier f = fixed_point(-m);
        f.multiplier = -f.multiplier;
        return f;
    }
    FixedPointMultiplier f;
    if (!(m > 0)) return f;
    int e = 0;
    const double frac = std::frexp(m, &e);  // m = frac * 2^e, frac in [0.5, 1)
    int64_t M = static_cast<int64_t>(std::llround(frac * 2147483648.0));  // frac * 2^31
    if (M == (int64_t{1} << 31)) M /= 2, ++e;
    int shift = 31 - e;
    if (shift > 62) return {};
    if (shift < 0) return {(int64_t{1} << 31) - 1, 0};  // m >= 2^31: saturate (never in practice)
    f.multiplier = M;
    f.shift = shift;
    return f;
}

int8_t requantize_fixed(int64_t acc, const FixedPointMultiplier& f, int lo, int hi) {
    // Saturated to int32 (the accumulator's width): |acc * M| <= 2^62 and the rounding term
    // (at most 2^61) keep the sum within int64.
    acc = std::clamp<int64_t>(acc, INT32_MIN, INT32_MAX);
    int64_t v = acc * f.multiplier;
    if (f.shift > 0) v = (v + (int64_t{1} << (f.shift - 1))) >> f.shift;
    return static_cast<int8_t>(std::clamp<int64_t>(v, lo, hi));
}

int8_t quantize(float x, float scale, int lo, int hi) {
    // Round half away from zero: clamp first (no overflow in the cast), then add +-0.5 and
    // truncate toward zero (cheaper than std::round, which is a libm call here; ResNet-18
    // quantises ~2.5 M activations and 11 M weights per input).
    const double v = std::clamp(static_cast<double>(x) / scale, lo - 1.0, hi + 1.0);
    const int q = static_cast<int>(v + (v >= 0 ? 0.5 : -0.5));
    return static_cast<int8_t>(std::clamp(q, lo, hi));
}

int clip_steps(double clip_max, double scale) {
    return static_cast<int>(std::clamp(std::round(clip_max / scale), 0.0, 127.0));
}

int32_t quantize_bias(double b, double scale) {
    const double q = std::round(b / scale);
    return static_cast<int32_t>(std::clamp<double>(q, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

}  // namespace sx
