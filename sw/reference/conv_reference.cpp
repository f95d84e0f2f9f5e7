#include "sw/reference/conv_reference.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sx {

std::vector<int32_t> reference_conv(const Layer& l, const std::vector<int8_t>& in, const std::vector<int8_t>& w) {
    const int64_t G = l.groups, Cg = l.C / G, Kg = l.K / G, P = l.P(), Q = l.Q();
    if (static_cast<int64_t>(in.size()) != l.N * l.C * l.H * l.W)
        throw std::invalid_argument("reference_conv: input size mismatch in layer " + l.name);
    if (static_cast<int64_t>(w.size()) != l.K * Cg * l.R * l.S)
        throw std::invalid_argument("reference_conv: weight size mismatch in layer " + l.name);
    std::vector<int32_t> out(static_cast<std::size_t>(l.N * l.K * P * Q), 0);
    // Same sum as the textbook nest (n, k, p, q, c, r, s) with the loops reordered to
    // n, k, c, r, s, p, q: the innermost loop walks one output row and one input row, so it
    // vectorises, and the padding bounds are computed once per (r, s) instead of tested per MAC.
    // Integer sums are exact, so the order of accumulation cannot change the result. (Measured:
    // the textbook nest cost ~32 instructions per MAC and was half the run time with --check;
    // docs/performance.md.)
    const int64_t st = l.stride, pad = l.padding;
    for (int64_t n = 0; n < l.N; ++n)
        for (int64_t k = 0; k < l.K; ++k) {
            const int64_t g = k / Kg;
            int32_t* o = &out[static_cast<std::size_t>((n * l.K + k) * P * Q)];
            for (int64_t c = 0; c < Cg; ++c) {
                const int8_t* plane = &in[static_cast<std::size_t>((n * l.C + g * Cg + c) * l.H * l.W)];
                for (int64_t r = 0; r < l.R; ++r)
                    for (int64_t s = 0; s < l.S; ++s) {
                        const int32_t b = w[static_cast<std::size_t>(((k * Cg + c) * l.R + r) * l.S + s)];
                        if (b == 0) continue;
                        // Output columns q whose input column x = q * stride - padding + s is in [0, W).
                        const int64_t q_lo = pad - s <= 0 ? 0 : (pad - s + st - 1) / st;
                        const int64_t last = l.W - 1 + pad - s;
                        const int64_t q_hi = last < 0 ? 0 : std::min(Q, last / st + 1);
                        for (int64_t p = 0; p < P; ++p) {
                            const int64_t h = p * st - pad + r;
                            if (h < 0 || h >= l.H) continue;
                            const int8_t* row = plane + h * l.W;
                            int32_t* orow = o + p * Q;
                            for (int64_t q = q_lo; q < q_hi; ++q) orow[q] += int32_t{row[q * st - pad + s]} * b;
                        }
                    }
            }
        }
    return out;
}

int8_t requantize(int32_t acc, int shift) {
    if (acc <= 0) return 0;
    int64_t v = acc;
    if (shift > 0) v = (v + (int64_t{1} << (shift - 1))) >> shift;
    return static_cast<int8_t>(v > 127 ? 127 : v);
}

int requant_shift(const Layer& l) {
    // |a| ~ 2^5, |w| ~ 2^5, sum of n = C/g*R*S terms of random sign ~ sqrt(n) * 2^10; bring
    // that to ~2^5.
    const int64_t n = (l.C / l.groups) * l.R * l.S;
    int lg = 0;
    while ((int64_t{1} << (2 * (lg + 1))) <= n) ++lg;  // floor(log2(sqrt(n)))
    return 5 + lg;
}

}  // namespace sx
