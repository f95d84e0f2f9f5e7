#include "hw/smartexchange/pe_array.h"

#include <algorithm>

#include "hw/common/booth.h"

namespace sx {

namespace {
// One beat of one line: the weight broadcast to the lanes. __restrict: the accumulators never
// overlap the activation scratch, which lets the compiler vectorise without alias checks (int8
// loads may otherwise alias anything).
inline void mac_lanes(int32_t* __restrict acc, const int8_t* __restrict a, int32_t wv, int lanes) {
    for (int f = 0; f < lanes; ++f) acc[f] += wv * a[f];
}
}  // namespace

PeArray::PeArray(int dim_m, int dim_c, int dim_f, bool bit_serial)
    : M_(dim_m), C_(dim_c), F_(dim_f), bit_serial_(bit_serial), acc_(static_cast<std::size_t>(dim_m * dim_f)) {}

uint64_t PeArray::step(const SeLayer& L, const SeChunk& ch, const PeStep& st, GlobalBuffer& in,
                       std::vector<Fetch>& fetches, SeCounters& cnt) {
    const uint32_t rows = ch.rows(), J = L.row_len;
    // The layer's shape, read once per step (the pointer reads would not be hoisted out of the
    // lane loops: int8 stores may alias them).
    const int64_t K = L.K(), Q = L.Q(), Kg = L.Kg(), Cg = L.Cg(), stride = L.stride(), pad = L.pad(), H = L.H(),
                  W = L.W(), S = L.S();
    const int64_t k0 = ch.task.kg * M_;
    const int mvalid = static_cast<int>(std::min<int64_t>(M_, K - k0));
    const int lanes = static_cast<int>(std::min<int64_t>(F_, Q - st.q0));
    // Slices of different groups (depthwise, grouped conv) see different activations.
    const int64_t g_first = k0 / Kg;
    const int groups = static_cast<int>((k0 + mvalid - 1) / Kg - g_first + 1);
    act_.assign(static_cast<std::size_t>(groups) * rows * J * F_, 0);
    rowtime_.assign(static_cast<std::size_t>(groups) * rows, 0);
    need_.assign(static_cast<std::size_t>(groups) * rows, 0);
    lane_digits_.assign(static_cast<std::size_t>(groups) * rows * J, 0);
    std::fill(acc_.begin(), acc_.end(), 0);
    for (int m = 0; m < mvalid; ++m) {
        const int g = static_cast<int>((k0 + m) / Kg - g_first);
        for (uint32_t r = 0; r < rows; ++r)
            if (ch.nz[static_cast<std::size_t>(m) * rows + r]) need_[static_cast<std::size_t>(g) * rows + r] = 1;
    }
    const int64_t h_lo = L.in_lo(ch.task.pt);
    const int64_t span_lanes = (lanes - 1) * stride + 1;
    const uint8_t* base = in.data(0, in.capacity());
    for (int g = 0; g < groups; ++g) {
        const int64_t cbase = (g_first + g) * Cg;
        for (uint32_t r = 0; r < rows; ++r) {
            const std::size_t gr = static_cast<std::size_t>(g) * rows + r;
            if (!need_[gr]) {
                ++cnt.act_rows_skipped;
                continue;
            }
            ++cnt.act_rows_read;
            uint32_t t = 0;
            int64_t last_c = -1, last_h = -1;
            for (uint32_t j = 0; j < J; ++j) {
                int64_t c, kr, ks;
                int8_t* a = &act_[(gr * J + j) * F_];
                int dmax = 0;
                if (L.act_coord(ch.i0 + r, j, c, kr, ks)) {
                    const int64_t h = st.p * stride - pad + kr;
                    if (h >= 0 && h < H) {
                        const uint64_t row_addr =
                            ch.task.in_base + (static_cast<uint64_t>(cbase + c) * L.in_rows_max + (h - h_lo)) * W;
                        // One read per activation row segment the lanes cover.
                        if (c != last_c || h != last_h) {
                            const int64_t x0 = std::max<int64_t>(0, st.q0 * stride - pad + (L.pointwise ? 0 : 0));
                            const int64_t x1 = std::min<int64_t>(
                                W, st.q0 * stride - pad + span_lanes + (L.pointwise ? 0 : S - 1));
                            if (x1 > x0) fetches.push_back({row_addr + x0, static_cast<uint64_t>(x1 - x0)});
                            last_c = c;
                            last_h = h;
                        }
                        for (int f = 0; f < lanes; ++f) {
                            const int64_t x = (st.q0 + f) * stride - pad + ks;
                            if (x < 0 || x >= W) continue;
                            const int8_t v = static_cast<int8_t>(base[row_addr + x]);
                            a[f] = v;
                            dmax = std::max(dmax, booth_digits(v));
                        }
                        // Lane-cycles of this beat, summed once here rather than per slice in
                        // the MAC loop below (the activations do not depend on the slice).
                        uint32_t ld = 0;
                        for (int f = 0; f < lanes; ++f) ld += bit_serial_ ? booth_digits(a[f]) : (a[f] != 0);
                        lane_digits_[gr * J + j] = ld;
                    }
                }
                t += bit_serial_ ? static_cast<uint32_t>(std::max(1, dmax)) : 1u;
            }
            rowtime_[gr] = t;
        }
    }
    // Lines: rows r with r % dim_c == c. The step lasts as long as the slowest line.
    uint64_t step_cycles = 0;
    std::vector<uint32_t> valid_j(rows);
    for (uint32_t r = 0; r < rows; ++r) {
        uint32_t v = 0;
        for (uint32_t j = 0; j < J; ++j) {
            int64_t c, kr, ks;
            v += L.act_coord(ch.i0 + r, j, c, kr, ks) ? 1 : 0;
        }
        valid_j[r] = v;
    }
    for (int m = 0; m < mvalid; ++m) {
        const int g = static_cast<int>((k0 + m) / Kg - g_first);
        const uint8_t* nz = &ch.nz[static_cast<std::size_t>(m) * rows];
        const int8_t* w = &ch.w[static_cast<std::size_t>(m) * rows * J];
        int32_t* acc = &acc_[static_cast<std::size_t>(m) * F_];
        for (int c = 0; c < C_; ++c) {
            uint64_t line = 0;
            for (uint32_t r = static_cast<uint32_t>(c); r < rows; r += static_cast<uint32_t>(C_)) {
                if (!nz[r]) {
                    cnt.macs_skipped += static_cast<uint64_t>(valid_j[r]) * lanes;
                    continue;
                }
                const std::size_t gr = static_cast<std::size_t>(g) * rows + r;
                line += rowtime_[gr];
                cnt.macs_executed += static_cast<uint64_t>(valid_j[r]) * lanes;
                cnt.rf_accesses += J;  // weight register reads
                // Hot loop (profiled, docs/performance.md): lane-cycles come precomputed per
                // (row, beat); the multiply-accumulate alone stays in the innermost loop.
                uint64_t digits = 0;
                for (uint32_t j = 0; j < J; ++j) {
                    const int32_t wv = w[r * J + j];
                    const int8_t* a = &act_[(gr * J + j) * F_];
                    digits += lane_digits_[gr * J + j];
                    mac_lanes(acc, a, wv, lanes);
                }
                cnt.lane_digit_cycles += digits;
            }
            step_cycles = std::max(step_cycles, line);
        }
    }
    cnt.lane_active_cycles += step_cycles * static_cast<uint64_t>(mvalid) * C_ * lanes;
    cnt.adder_tree_ops += static_cast<uint64_t>(mvalid) * lanes * (C_ - 1);
    return step_cycles;
}

}  // namespace sx
