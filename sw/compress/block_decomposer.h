#pragma once
// The SmartExchange alternating decomposition of one block, W (n x 3) ~= Q * B, with Q sparse
// signed powers of two and B a dense 3x3 basis (docs/compressor.md; the public SmartDeal
// algorithm): start B = I, Ce = W; repeat { project Ce to powers of two -> Q; stop when Q no
// longer changes; refit B (least squares, Q fixed); refit Ce (least squares, B fixed);
// zero elements < theta }; final projection and refit of B; polish. Which rows may be non-zero
// is fixed beforehand from the weights (sqrt(3) x the row's L2 norm >= 5 theta, relative to the
// layer's max |w|), so the kept rows only shrink as theta grows.
//
// A group holds the same block of several filters. In structural mode the row support is
// shared: a row is kept in every filter of the group or in none, by the RMS of its norm over
// the group, so zero rows line up across output channels. Otherwise groups have one member.
#include <vector>

#include <Eigen/Dense>

#include "sw/compress/compress_knobs.h"

namespace sx {

using BlockMatrix = Eigen::Matrix<double, Eigen::Dynamic, 3>;

struct BlockDecomposition {
    BlockMatrix Q;               // 0 or +-2^E (E integer), unitless
    Eigen::Matrix3d B;           // real units: W ~= Q * B
    int iterations = 0;          // alternating iterations run (the last attempt)
    int theta_reductions = 0;    // times theta was reduced because the block became all-zero
    double theta_used = 0;       // relative theta of the accepted attempt
};

// Decomposes each member of a group (every W has the same row count). Deterministic.
// layer_scale: the weight scale theta is relative to (max |w| of the layer; <= 0: each
// block's own max |w|).
std::vector<BlockDecomposition> decompose_group(const std::vector<BlockMatrix>& W, const CompressKnobs& knobs,
                                                bool shared_rows, double layer_scale = 0.0);

// The power-of-two projection (step a), exposed for tests: zero below theta, round log2 to
// the nearest integer, keep `levels` exponents below the block's largest (capped at
// max_exponent); below the window, round to 0 or the smallest kept power.
void project_pow2(const BlockMatrix& Ce, double theta, int levels, int max_exponent, BlockMatrix& Q);

}  // namespace sx
