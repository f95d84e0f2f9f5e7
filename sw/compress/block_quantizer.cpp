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

// Basis, rebuild shift and codes of one block against the filter's common scale0.
QuantizedBlock quantize_against(const BlockDecomposition& d, double scale0, int basis_bits) {
    QuantizedBlock out;
    const Eigen::Index n = d.Q.rows();
    out.codes.assign(static_cast<std::size_t>(3 * n), 0);
    BasisBlock& blk = out.block;

    int e_hi = INT_MIN, e_lo = INT_MAX;
    for (Eigen::Index i = 0; i < d.Q.size(); ++i) {
        const double q = d.Q.data()[i];
        if (q == 0.0) continue;
        const int e = exact_log2(q);
        e_hi = std::max(e_hi, e);
        e_lo = std::min(e_lo, e);
    }
    const double bmax = d.B.cwiseAbs().maxCoeff();
    if (e_hi == INT_MIN || !(bmax > 0.0) || !(scale0 > 0.0)) return out;  // all-zero block

    // Real weight = round_shift(sum_t s_t 2^(E_t + off) Bint[t], shift) * scale, so
    // Bint = B 2^m / scale with m = shift - off: m is the largest power keeping |Bint| within
    // the basis range. A block much smaller than the filter's largest gets a larger m (shift).
    const int bq = (1 << (basis_bits - 1)) - 1;
    int m = static_cast<int>(std::floor(std::log2(bq * scale0 / bmax)));
    while (bmax * std::ldexp(1.0, m) / scale0 > bq + 0.5) --m;  // guard log2 rounding
    // The codes hold exponents 0..6: off in [-e_lo, 6 - e_hi] (a window the projection
    // guarantees). Prefer the top of the range; lower it if the shift would exceed the
    // shifter; then lower m (the basis loses precision: at the limit a block whose weights are
    // below half a step of the filter's int8 grid rebuilds as zero anyway); if the shift would
    // be negative, clamp it and let the basis saturate.
    int off = 6 - e_hi;
    int shift = m + off;
    if (shift > sxw::kMaxRebuildShift) {
        off = std::max(-e_lo, off - (shift - sxw::kMaxRebuildShift));
        shift = m + off;
        if (shift > sxw::kMaxRebuildShift) {
            m -= shift - sxw::kMaxRebuildShift;
            shift = sxw::kMaxRebuildShift;
            out.shift_limited = true;
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
    return out;
}
}  // namespace

std::vector<QuantizedBlock> quantize_filter(const std::vector<const BlockDecomposition*>& d,
                                            const std::vector<const BlockMatrix*>& W, int basis_bits) {
    // The filter's scale: its largest rebuilt magnitude maps to 127.
    double pmax = 0;
    for (const BlockDecomposition* b : d) {
        if (b->Q.rows() == 0) continue;
        const double p = (b->Q * b->B).cwiseAbs().maxCoeff();
        if (std::isfinite(p)) pmax = std::max(pmax, p);
    }
    const double scale0 = pmax / 127.0;
    std::vector<QuantizedBlock> out;
    out.reserve(d.size());
    for (const BlockDecomposition* b : d) out.push_back(quantize_against(*b, scale0, basis_bits));

    // Scale refit over the whole filter: with the integer weights fixed, the one scale
    // minimising ||W - scale * w||_F over all its blocks.
    double ww = 0, wx = 0;
    for (std::size_t b = 0; b < out.size(); ++b) {
        const BlockMatrix& Wb = *W[b];
        for (Eigen::Index i = 0; i < Wb.rows(); ++i) {
            int8_t w[3];
            rebuild_row(out[b].block, &out[b].codes[3 * i], w);
            for (int j = 0; j < 3; ++j) {
                ww += double(w[j]) * w[j];
                wx += double(w[j]) * Wb(i, j);
            }
        }
    }
    const double s = ww > 0 ? wx / ww : 0.0;
    float scale = static_cast<float>(s > 0 && std::isfinite(s) ? s : scale0);
    if (!(scale > 0.0f) || !std::isfinite(scale)) scale = 1.0f;
    for (QuantizedBlock& q : out) q.block.scale = scale;
    return out;
}

QuantizedBlock quantize_block(const BlockDecomposition& d, const BlockMatrix& W, int basis_bits) {
    return quantize_filter({&d}, {&W}, basis_bits).front();
}

}  // namespace sx
