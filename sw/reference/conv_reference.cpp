#include "sw/reference/conv_reference.h"

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
    for (int64_t n = 0; n < l.N; ++n)
        for (int64_t k = 0; k < l.K; ++k) {
            const int64_t g = k / Kg;
            for (int64_t p = 0; p < P; ++p)
                for (int64_t q = 0; q < Q; ++q) {
                    int32_t acc = 0;
                    for (int64_t c = 0; c < Cg; ++c)
                        for (int64_t r = 0; r < l.R; ++r) {
                            const int64_t h = p * l.stride - l.padding + r;
                            if (h < 0 || h >= l.H) continue;
                            for (int64_t s = 0; s < l.S; ++s) {
                                const int64_t x = q * l.stride - l.padding + s;
                                if (x < 0 || x >= l.W) continue;
                                const int32_t a = in[((n * l.C + g * Cg + c) * l.H + h) * l.W + x];
                                const int32_t b = w[((k * Cg + c) * l.R + r) * l.S + s];
                                acc += a * b;
                            }
                        }
                    out[((n * l.K + k) * P + p) * Q + q] = acc;
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
