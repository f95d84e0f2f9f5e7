#include "sw/compress/block_quantizer.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "sw/image/image_format.h"

namespace sx {

namespace {
inline int exact_log2(double x) {  // x = +-2^e exactly
    int p;
    std::frexp(std::fabs(x), &p);
    return p - 1;
}
}  // namespace

QuantizedBlock quantize_block(const BlockDecomposition& d, const BlockMatrix& W, int basis_bits) {
    QuantizedBlock out;
    const Eigen::Index n = d.Q.rows();
    out.codes.assign(static_cast<std::size_t>(3 * n), 0);
    BasisBlock& blk = out.block;
    blk.scale = 1.0f;

    int e_hi = INT_MIN, e_lo = INT_MAX;
    for (Eigen::Index i = 0; i < d.Q.size(); ++i) {
        const double q = d.Q.data()[i];
        if (q == 0.0) continue;
        const int e = exact_log2(q);
        e_hi = std::max(e_hi, e);
        e_lo = std::min(e_lo, e);
    }
    const BlockMatrix P = d.Q * d.B;  // the real-valued block the decomposition describes
    const double pmax = P.cwiseAbs().maxCoeff();
    const double bmax = d.B.cwiseAbs().maxCoeff();
    if (e_hi == INT_MIN || !(pmax > 0.0) || !(bmax > 0.0)) return out;  // all-zero block

    // Real weight = round_shift(sum_t s_t 2^(E_t + off) Bint[t], shift) * scale, so
    // Bint = B 2^m / scale with m = shift - off. scale0 maps the largest rebuilt weight to
    // 127; m is the largest power keeping |Bint| within the basis range.
    const int bq = (1 << (basis_bits - 1)) - 1;
    const double scale0 = pmax / 127.0;
    int m = static_cast<int>(std::floor(std::log2(bq * scale0 / bmax)));
    while (bmax * std::ldexp(1.0, m) / scale0 > bq + 0.5) --m;  // guard log2 rounding
    // The codes hold exponents 0..6: off in [-e_lo, 6 - e_hi] (a window the projection
    // guarantees). Prefer the top of the range; lower it if the shift would exceed the
    // shifter; if the shift would be negative, clamp it and let the basis saturate.
    int off = 6 - e_hi;
    int shift = m + off;
    if (shift > sxw::kMaxRebuildShift) {
        off = std::max(-e_lo, off - (shift - sxw::kMaxRebuildShift));
        shift = m + off;
        if (shift > sxw::kMaxRebuildShift) {
            m -= shift - sxw::kMaxRebuildShift;
            shift = sxw::kMaxRebuildShift;
        }
    }
    if (shift < 0) {
        shift = 0;
        m = -off;
    }
    blk.rebuild_shift = static_cast<uint8_t>(shift);
    for (int t = 0; t < 3; ++t)
        for (int j = 0; j < 3; ++j) {
            const double v = std::nearbyint(d.B(t, j) * std::ldexp(1.0, m) / scale0);
            blk.basis[t][j] = static_cast<int8_t>(std::clamp(v, -double(bq), double(bq)));
        }
    for (Eigen::Index i = 0; i < n; ++i)
        for (int t = 0; t < 3; ++t) {
            const double q = d.Q(i, t);
            if (q != 0.0) out.codes[3 * i + t] = ce_code_make(q > 0 ? 1 : -1, exact_log2(q) + off);
        }

    // Scale refit: with the integer weights fixed, the scale minimising ||W - scale * w||_F.
    double ww = 0, wx = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        int8_t w[3];
        rebuild_row(blk, &out.codes[3 * i], w);
        for (int j = 0; j < 3; ++j) {
            ww += double(w[j]) * w[j];
            wx += double(w[j]) * W(i, j);
        }
    }
    const double s = ww > 0 ? wx / ww : 0.0;
    blk.scale = static_cast<float>(s > 0 && std::isfinite(s) ? s : scale0);
    if (!(blk.scale > 0.0f) || !std::isfinite(blk.scale)) blk.scale = static_cast<float>(scale0 > 0 ? scale0 : 1.0);
    return out;
}

}  // namespace sx
