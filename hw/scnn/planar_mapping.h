#pragma once
// PT-IS-CP mapping of a layer onto the 8 x 8 PEs (Parashar et al., ISCA 2017, Section IV):
// the output plane is cut into planar tiles, one per PE; each PE keeps the input activations
// that line up with its tile (input stationary) and accumulates products into its own tile
// plus a halo of Ceil((R-1)/stride) rows above and columns left of it (output halos, sent to
// the neighbours after each group). Output channels are processed in groups of Kc, as many
// as the accumulator buffer holds with the halo. A layer whose output plane is 1 x 1 (FC)
// has no plane to tile: its input channels are spread over the PEs instead and the partial
// sums are reduced over the PE array after each group.
#include <algorithm>
#include <cstdint>

#include "hw/scnn/scnn_params.h"
#include "sw/common/error.h"
#include "sw/workload/workload.h"

namespace sx::scnn {

struct PlanarMapping {
    int pe_rows = 8, pe_cols = 8;
    bool channel_split = false;
    bool output_halo = true;         // SCNN: output halos; dense DP: each PE computes only its tile
    int64_t P = 0, Q = 0, stride = 1, pad = 0, R = 1, S = 1, H = 1, W = 1;
    int64_t Pt = 1, Qt = 1;          // output tile
    int64_t halo_rows = 0, halo_cols = 0;
    int64_t acc_rows = 1, acc_cols = 1;  // accumulator region per output channel
    // Accumulator words per output channel: the region, rounded up to an odd number with output
    // halos (SCNN) so that the F channels of a weight vector fall into different banks of the
    // word-interleaved buffer (an even pitch such as 16 puts channels k and k+2 in one bank).
    int64_t channel_pitch = 1;
    int64_t Kc = 1;
    int64_t K = 0;
    int64_t kgroups() const { return (K + Kc - 1) / Kc; }
    int pes() const { return pe_rows * pe_cols; }

    int64_t tile_p0(int i) const { return std::min<int64_t>(P, i * Pt); }
    int64_t tile_p1(int i) const { return std::min<int64_t>(P, (i + 1) * Pt); }
    int64_t tile_q0(int j) const { return std::min<int64_t>(Q, j * Qt); }
    int64_t tile_q1(int j) const { return std::min<int64_t>(Q, (j + 1) * Qt); }
    int64_t tile_outputs(int pe) const {
        const int i = pe / pe_cols, j = pe % pe_cols;
        return (tile_p1(i) - tile_p0(i)) * (tile_q1(j) - tile_q0(j));
    }
    // PE row owning input row h (SCNN input tiling: the row lines up with output row (h+pad)/stride).
    // Rows past the output plane (the bottom of the last output row's receptive field, e.g. a
    // 5x5 kernel with padding 2 on a 3x3 map) go to the next PE rows, whose tiles are empty:
    // like the paper's input tiling, this spreads the input over the PEs, and such a PE's
    // partial sums all go out as halo (halo_outputs()).
    int owner_row(int64_t h) const {
        const int64_t p = (h + pad) / stride;
        return static_cast<int>(std::clamp<int64_t>(p / Pt, 0, pe_rows - 1));
    }
    int owner_col(int64_t w) const {
        const int64_t q = (w + pad) / stride;
        return static_cast<int>(std::clamp<int64_t>(q / Qt, 0, pe_cols - 1));
    }
    // First output row / column of PE row i / column j's accumulator region (its tile at
    // i * Pt, not clamped to the plane, minus the halo): every product the PE forms lands in
    // [region_p0(i), tile_p1(i)) x [region_q0(j), tile_q1(j)).
    int64_t region_p0(int i) const { return i * Pt - (output_halo ? halo_rows : 0); }
    int64_t region_q0(int j) const { return j * Qt - (output_halo ? halo_cols : 0); }
    // Whether PE `pe` holds input activations (planar tiling; H x W input map).
    bool holds_input(int pe) const {
        const int i = pe / pe_cols, j = pe % pe_cols;
        return i >= owner_row(0) && i <= owner_row(H - 1) && j >= owner_col(0) && j <= owner_col(W - 1);
    }
    // Accumulator address of output (k - k0, p, q) inside PE `pe`'s region: channel-major with
    // channel_pitch words per channel.
    uint32_t acc_addr(int pe, int64_t kk, int64_t p, int64_t q) const {
        const int i = pe / pe_cols, j = pe % pe_cols;
        const int64_t pr = p - (tile_p0(i) - (output_halo ? halo_rows : 0));
        const int64_t qc = q - (tile_q0(j) - (output_halo ? halo_cols : 0));
        return static_cast<uint32_t>(kk * channel_pitch + pr * acc_cols + qc);
    }
    // Halo partial sums PE `pe` sends per output channel after a group (inside the plane only):
    // its region minus its own tile; for a PE with an empty tile that holds input, its whole
    // region inside the plane.
    int64_t halo_outputs(int pe) const;
};

// A single output channel's accumulator region does not fit `accumulator_entries`: a limit of
// the configuration, which the model reports at its field (exit 2).
class AccumulatorTooSmall : public SimulationError {
public:
    AccumulatorTooSmall(const std::string& what, int64_t needed) : SimulationError(what), needed(needed) {}
    int64_t needed;  // partial sums of one output channel's region
};

// Plans the tiling and the accumulator-bound Kc (`kc_cap` further caps it, e.g. for the weight
// FIFO). AccumulatorTooSmall if a single output channel's region does not fit the accumulators.
PlanarMapping plan_planar(const Layer& L, const ScnnParams& prm, int pe_rows, int pe_cols, bool output_halo,
                          int64_t kc_cap = INT64_MAX);

}  // namespace sx::scnn
