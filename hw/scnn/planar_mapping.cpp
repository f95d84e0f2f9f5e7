#include "hw/scnn/planar_mapping.h"

#include "sw/common/error.h"

namespace sx::scnn {

int64_t PlanarMapping::halo_outputs(int pe) const {
    if (channel_split || !output_halo) return 0;
    const int i = pe / pe_cols, j = pe % pe_cols;
    if (tile_outputs(pe) == 0 && !holds_input(pe)) return 0;
    const int64_t r0 = std::max<int64_t>(0, region_p0(i)), c0 = std::max<int64_t>(0, region_q0(j));
    const int64_t rows = std::max<int64_t>(0, tile_p1(i) - r0), cols = std::max<int64_t>(0, tile_q1(j) - c0);
    return rows * cols - tile_outputs(pe);
}

PlanarMapping plan_planar(const Layer& L, const ScnnParams& prm, int pe_rows, int pe_cols, bool output_halo,
                          int64_t kc_cap) {
    PlanarMapping m;
    m.pe_rows = pe_rows;
    m.pe_cols = pe_cols;
    m.output_halo = output_halo;
    m.P = L.P();
    m.Q = L.Q();
    m.stride = L.stride;
    m.pad = L.padding;
    m.R = L.R;
    m.S = L.S;
    m.K = L.K;
    m.H = L.H;
    m.W = L.W;
    m.channel_split = m.P == 1 && m.Q == 1;
    if (m.channel_split) {
        m.Pt = m.Qt = 1;
        m.acc_rows = m.acc_cols = 1;
    } else {
        m.Pt = (m.P + pe_rows - 1) / pe_rows;
        m.Qt = (m.Q + pe_cols - 1) / pe_cols;
        if (output_halo) {
            m.halo_rows = (m.R - 1 + m.stride - 1) / m.stride;
            m.halo_cols = (m.S - 1 + m.stride - 1) / m.stride;
        }
        m.acc_rows = m.Pt + m.halo_rows;
        m.acc_cols = m.Qt + m.halo_cols;
    }
    m.channel_pitch = m.acc_rows * m.acc_cols;
    if (output_halo && !m.channel_split) m.channel_pitch |= 1;
    const int64_t per_channel = m.channel_pitch;
    if (per_channel > prm.accumulator_entries)
        throw AccumulatorTooSmall("layer " + L.name + ": one output channel's tile (" + std::to_string(per_channel) +
                                      " partial sums) exceeds the accumulator buffer (" +
                                      std::to_string(prm.accumulator_entries) + " entries)",
                                  per_channel);
    m.Kc = std::max<int64_t>(1, std::min({L.K, static_cast<int64_t>(prm.accumulator_entries) / per_channel, kc_cap}));
    return m;
}

}  // namespace sx::scnn
