#include "hw/smartexchange/pe_array.h"

#include <algorithm>


namespace sx::se {

namespace {
// One beat of one line: the weight broadcast to the lanes. __restrict: the accumulators never
// overlap the activation scratch, which lets the compiler vectorise without alias checks (int8
// loads may otherwise alias anything).
inline void mac_lanes(int32_t* __restrict acc, const int8_t* __restrict a, int32_t wv, int lanes) {
    for (int f = 0; f < lanes; ++f) acc[f] += wv * a[f];
}
// The same for the usual 8 lanes: a fixed trip count, and the int8 x int8 product formed in 16
// bits (|product| <= 2^14), which baseline x86-64 (SSE2) multiplies 8 at a time.
inline void mac_8_lanes(int32_t* __restrict acc, const int8_t* __restrict a, int16_t wv) {
    for (int f = 0; f < 8; ++f) acc[f] += static_cast<int16_t>(wv * static_cast<int16_t>(a[f]));
}
}  // namespace

PeArray::PeArray(int dim_m, int dim_c, int dim_f, const SePeTiming& timing)
    : M_(dim_m), C_(dim_c), F_(dim_f), acc_(static_cast<std::size_t>(dim_m * dim_f)) {
    // Tables: no virtual call in the lane loop.
    for (int v = 0; v < 256; ++v) {
        lat_[v] = static_cast<uint8_t>(timing.lane_cycles(static_cast<int8_t>(v)));
        work_[v] = static_cast<uint8_t>(timing.lane_work(static_cast<int8_t>(v)));
    }
}

void PeArray::begin_pass(const SeLayer& L, const SeChunk& ch) {
    const uint32_t rows = ch.rows(), J = L.row_len;
    const int64_t k0 = ch.task.kg * M_, Kg = L.Kg();
    mvalid_ = static_cast<int>(std::min<int64_t>(M_, L.K() - k0));
    // Slices of different groups (depthwise, grouped conv) see different activations.
    g_first_ = k0 / Kg;
    groups_ = static_cast<int>((k0 + mvalid_ - 1) / Kg - g_first_ + 1);
    beat_.resize(static_cast<std::size_t>(rows) * J);
    std::vector<uint32_t> valid_j(rows, 0);
    for (uint32_t r = 0; r < rows; ++r)
        for (uint32_t j = 0; j < J; ++j) {
            Beat& b = beat_[r * J + j];
            b.valid = L.act_coord(ch.i0 + r, j, b.c, b.kr, b.ks);
            valid_j[r] += b.valid ? 1 : 0;
        }
    need_.assign(static_cast<std::size_t>(groups_) * rows, 0);
    group_of_.resize(static_cast<std::size_t>(mvalid_));
    line_rows_.clear();
    line_first_.resize(static_cast<std::size_t>(M_) * C_ + 1);
    beats_run_ = beats_skipped_ = rows_run_ = 0;
    for (int m = 0; m < mvalid_; ++m) {
        const int g = static_cast<int>((k0 + m) / Kg - g_first_);
        group_of_[static_cast<std::size_t>(m)] = g;
        const uint8_t* nz = &ch.nz[static_cast<std::size_t>(m) * rows];
        for (int c = 0; c < C_; ++c) {
            line_first_[static_cast<std::size_t>(m) * C_ + c] = static_cast<uint32_t>(line_rows_.size());
            for (uint32_t r = static_cast<uint32_t>(c); r < rows; r += static_cast<uint32_t>(C_)) {
                if (!nz[r]) {
                    beats_skipped_ += valid_j[r];
                    continue;
                }
                need_[static_cast<std::size_t>(g) * rows + r] = 1;
                line_rows_.push_back(r);
                beats_run_ += valid_j[r];
                ++rows_run_;
            }
        }
    }
    line_first_[static_cast<std::size_t>(mvalid_) * C_] = static_cast<uint32_t>(line_rows_.size());
    act_.resize(static_cast<std::size_t>(groups_) * rows * J * F_);
    rowtime_.resize(static_cast<std::size_t>(groups_) * rows);
    lane_digits_.resize(static_cast<std::size_t>(groups_) * rows * J);
}

uint64_t PeArray::step(const SeLayer& L, const SeChunk& ch, const PeStep& st, GlobalBuffer& in,
                       std::vector<Fetch>& fetches, SeCounters& cnt) {
    const uint32_t rows = ch.rows(), J = L.row_len;
    // The layer's shape, read once per step (the pointer reads would not be hoisted out of the
    // lane loops: int8 stores may alias them).
    const int64_t Q = L.Q(), Cg = L.Cg(), stride = L.stride(), pad = L.pad(), H = L.H(), W = L.W(), S = L.S();
    const uint64_t pitch = L.in_pitch;
    const int lanes = static_cast<int>(std::min<int64_t>(F_, Q - st.q0));
    std::fill(acc_.begin(), acc_.end(), 0);
    const int64_t h_lo = L.in_lo(ch.task.pt);
    const int64_t span_lanes = (lanes - 1) * stride + 1;
    const uint8_t* base = in.data(0, in.capacity());
    // Gather: every beat of every row some slice runs gets its lanes' activations (zero
    // outside the input), in the order the segments are fetched.
    for (int g = 0; g < groups_; ++g) {
        const int64_t cbase = (g_first_ + g) * Cg;
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
                const Beat& b = beat_[r * J + j];
                int8_t* a = &act_[(gr * J + j) * F_];
                int dmax = 0;
                uint32_t ld = 0;
                const int64_t h = st.p * stride - pad + b.kr;
                if (b.valid && h >= 0 && h < H) {
                    // L.in_row_addr, with the layer's W already in a register.
                    const uint64_t row_addr = ch.task.in_base + static_cast<uint64_t>(cbase + b.c) * pitch +
                                              static_cast<uint64_t>((h - h_lo) * W);
                    // One read per activation row segment the lanes cover.
                    if (b.c != last_c || h != last_h) {
                        const int64_t x0 = std::max<int64_t>(0, st.q0 * stride - pad);
                        const int64_t x1 =
                            std::min<int64_t>(W, st.q0 * stride - pad + span_lanes + (L.pointwise ? 0 : S - 1));
                        if (x1 > x0) {
                            fetches.push_back({row_addr + x0, static_cast<uint64_t>(x1 - x0)});
                            // The segment goes out on the broadcast bus once for every slice; the
                            // line that runs the row latches it and shifts it across its lanes.
                            cnt.act_values_broadcast += static_cast<uint64_t>(x1 - x0);
                        }
                        last_c = b.c;
                        last_h = h;
                    }
                    for (int f = 0; f < lanes; ++f) {
                        const int64_t x = (st.q0 + f) * stride - pad + b.ks;
                        const int8_t v = x < 0 || x >= W ? int8_t{0} : static_cast<int8_t>(base[row_addr + x]);
                        a[f] = v;
                        dmax = std::max<int>(dmax, lat_[static_cast<uint8_t>(v)]);
                        // Lane-cycles of this beat, summed once here rather than per slice.
                        ld += work_[static_cast<uint8_t>(v)];
                    }
                    std::fill(a + lanes, a + F_, int8_t{0});  // idle lanes of the last column chunk
                } else {
                    std::fill(a, a + F_, int8_t{0});
                }
                lane_digits_[gr * J + j] = ld;
                t += static_cast<uint32_t>(std::max(1, dmax));
            }
            rowtime_[gr] = t;
        }
    }
    // Lines: the step lasts as long as the slowest line.
    uint64_t step_cycles = 0, digits = 0;
    for (int m = 0; m < mvalid_; ++m) {
        const std::size_t g = static_cast<std::size_t>(group_of_[static_cast<std::size_t>(m)]);
        const int8_t* w = &ch.w[static_cast<std::size_t>(m) * rows * J];
        int32_t* acc = &acc_[static_cast<std::size_t>(m) * F_];
        for (int c = 0; c < C_; ++c) {
            uint64_t line = 0;
            const std::size_t lc = static_cast<std::size_t>(m) * C_ + c;
            for (uint32_t i = line_first_[lc]; i < line_first_[lc + 1]; ++i) {
                const uint32_t r = line_rows_[i];
                const std::size_t gr = g * rows + r;
                line += rowtime_[gr];
                // Hot loop (profiled, docs/performance.md): the multiply-accumulate alone.
                for (uint32_t j = 0; j < J; ++j) {
                    digits += lane_digits_[gr * J + j];
                    // Idle lanes hold zero activations, so every lane may run.
                    if (F_ == 8) mac_8_lanes(acc, &act_[(gr * J + j) * F_], w[r * J + j]);
                    else mac_lanes(acc, &act_[(gr * J + j) * F_], w[r * J + j], F_);
                }
            }
            step_cycles = std::max(step_cycles, line);
        }
    }
    if (rec_) record_step(rows, J);
    cnt.macs_executed += beats_run_ * static_cast<uint64_t>(lanes);
    cnt.macs_skipped += beats_skipped_ * static_cast<uint64_t>(lanes);
    cnt.rf_accesses += rows_run_ * J;  // weight register reads
    cnt.rf_reads += rows_run_ * J;
    cnt.lane_digit_cycles += digits;
    cnt.lane_active_cycles += step_cycles * static_cast<uint64_t>(mvalid_) * C_ * lanes;
    cnt.adder_tree_ops += static_cast<uint64_t>(mvalid_) * lanes * (C_ - 1);
    if (C_ > 1) cnt.adder_trees += static_cast<uint64_t>(mvalid_) * lanes;
    return step_cycles;
}

// Exactness test mode: the lanes' activations of every beat of every line, as the step left
// them in act_. A function of its own so step stays readable (house rule: functions under
// ~100 lines); it runs only when a test asked for it (record_beats).
void PeArray::record_step(uint32_t rows, uint32_t J) {
    rec_->line_first.assign(static_cast<std::size_t>(M_) * C_ + 1, 0);
    rec_->acts.clear();
    for (int m = 0; m < mvalid_; ++m) {
        const std::size_t g = static_cast<std::size_t>(group_of_[static_cast<std::size_t>(m)]);
        for (int c = 0; c < C_; ++c) {
            const std::size_t lc = static_cast<std::size_t>(m) * C_ + c;
            rec_->line_first[lc] = static_cast<uint32_t>(rec_->acts.size() / F_);
            for (uint32_t i = line_first_[lc]; i < line_first_[lc + 1]; ++i)
                for (uint32_t j = 0; j < J; ++j) {
                    const int8_t* a = &act_[((g * rows + line_rows_[i]) * J + j) * F_];
                    rec_->acts.insert(rec_->acts.end(), a, a + F_);
                }
        }
    }
    for (std::size_t lc = static_cast<std::size_t>(mvalid_) * C_; lc < rec_->line_first.size(); ++lc)
        rec_->line_first[lc] = static_cast<uint32_t>(rec_->acts.size() / F_);
}

}  // namespace sx::se
