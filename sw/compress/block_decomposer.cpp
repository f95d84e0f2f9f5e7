#include "sw/compress/block_decomposer.h"

#include <algorithm>
#include <climits>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace sx {

namespace {

// Nearest integer to log2|x| for x != 0: with x = m 2^p, m in [0.5, 1), log2|x| = p + log2 m,
// which rounds to p when m >= 2^-0.5 and to p - 1 otherwise.
// Done on the bit pattern (this runs for every element of every iteration): for a normal
// double |x| = 1.f x 2^(E-1023), log2|x| rounds up when the mantissa 1.f >= sqrt(2).
inline int round_log2(double x) {
    uint64_t bits;
    std::memcpy(&bits, &x, 8);
    const int biased = static_cast<int>((bits >> 52) & 0x7FF);
    if (biased == 0) {  // subnormal: rare, take the slow path
        int p;
        const double m = std::frexp(std::fabs(x), &p);
        return m >= M_SQRT1_2 ? p : p - 1;
    }
    constexpr uint64_t kSqrt2Mantissa = 0x6A09E667F3BCDull;  // fraction bits of sqrt(2)
    return biased - 1023 + ((bits & 0xFFFFFFFFFFFFFull) >= kSqrt2Mantissa ? 1 : 0);
}

inline double signed_pow2(int e, double sign_of) {
    const uint64_t bits = (static_cast<uint64_t>(e + 1023) << 52) | (std::signbit(sign_of) ? (1ull << 63) : 0);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
}

struct Member {
    BlockMatrix W;       // normalised by s
    double s = 0;        // weight scale: max |w| of the layer (or of the block)
    BlockMatrix Ce, Q, Qprev;
    std::vector<char> keep;  // rows allowed to be non-zero (fixed per group, see decompose_group)
    Eigen::Matrix3d B;
    bool zero = false;   // all-zero block: nothing to decompose
    bool converged = false;
};

// B = argmin ||Q B - W||_F (Q fixed). Normal equations on a 3x3 system, solved with a
// complete orthogonal decomposition so a rank-deficient Q (a column unused) still gives the
// minimum-norm solution.
void refit_basis(Member& m) {
    const Eigen::Matrix3d G = m.Q.transpose() * m.Q;
    if (G.isZero(0.0)) return;  // all-zero Q: keep the previous basis
    const Eigen::Matrix3d R = m.Q.transpose() * m.W;
    // Well-conditioned (the usual case): Cholesky-type LDLT; otherwise the rank-revealing
    // complete orthogonal decomposition.
    Eigen::LDLT<Eigen::Matrix3d> ldlt(G);
    const Eigen::Vector3d d = ldlt.vectorD().cwiseAbs();
    if (ldlt.info() == Eigen::Success && d.minCoeff() > 1e-10 * d.maxCoeff()) m.B = ldlt.solve(R);
    else m.B = G.completeOrthogonalDecomposition().solve(R);
}

// Ce = argmin ||Ce B - W||_F (B fixed): Ce = W pinv(B).
void refit_coefficients(Member& m) {
    Eigen::Matrix3d P;
    bool invertible = false;
    double det = 0;
    m.B.computeInverseAndDetWithCheck(P, det, invertible, 1e-12 * std::pow(m.B.cwiseAbs().maxCoeff(), 3));
    if (!invertible) P = m.B.completeOrthogonalDecomposition().pseudoInverse();
    m.Ce.noalias() = m.W * P;
}

// Rows outside `keep` are zeroed; rows inside keep at least their largest element, so the
// number of non-zero rows (what the image stores) is exactly the support's size. Elements: the
// reference zeroes |c_t| < theta, in basis coordinates, whose scale follows the block's basis;
// we zero an element when its contribution to the rebuilt row, |c_t| x ||b_t||, is below theta
// (the same threshold in units of the layer's max |w|; identical when B = I). Issue 16: on
// gear at the reference's 2.44x (its bit count) this moved the project from +0.004 to -0.010
// relative error against the reference; the power-of-two projection still zeroes |c_t| < theta.
void apply_support(Member& m, double theta) {
    for (Eigen::Index i = 0; i < m.Ce.rows(); ++i) {
        if (!m.keep[static_cast<std::size_t>(i)]) {
            m.Ce.row(i).setZero();
            continue;
        }
        Eigen::Index big;
        const double v = m.Ce.row(i).cwiseAbs().maxCoeff(&big);
        const double keepv = m.Ce(i, big);
        for (int t = 0; t < 3; ++t)
            if (std::fabs(m.Ce(i, t)) * m.B.row(t).norm() < theta) m.Ce(i, t) = 0.0;
        if (m.Ce.row(i).isZero(0.0)) m.Ce(i, big) = v > 0 ? keepv : theta;  // an exact-zero row: any non-zero
    }
}

// Step e on a group: rows outside the support (fixed in decompose_group) are zeroed, small
// elements inside it too (apply_support).
void sparsify(std::vector<Member*>& members, double theta) {
    for (Member* m : members) apply_support(*m, theta);
}

// Initial basis from the block's dominant row directions: rows of W that are multiples of one
// basis vector (Ce rows with a single non-zero) share a direction, so the three most frequent
// directions (up to sign and scale) are a natural basis guess. Directions are compared on a
// 1e-6 grid after normalising and fixing the sign of the largest component; each cluster
// contributes its first row (the row itself, not its direction: for a planted Ce B, W rows
// are +-2^e b_t, so Ce = W B0^-1 starts out as exact powers of two). Falls back to the
// scaled identity when no independent triple exists.
constexpr std::size_t kDirectionCandidates = 8;  // 56 triples

// Returns false (and leaves B alone) when no direction occurs twice: the restart is aimed at
// blocks with exact structure, and trained weights never repeat a direction exactly.
bool dominant_directions(const BlockMatrix& W, double theta, int levels, int max_exponent, Eigen::Matrix3d& B) {
    struct Dir {
        std::array<long long, 3> key;
        Eigen::Index row;
    };
    std::vector<Dir> dirs;
    const double maxnorm = W.rowwise().norm().maxCoeff();
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
        Eigen::RowVector3d r = W.row(i);
        const double nrm = r.norm();
        if (!(nrm > 1e-9 * maxnorm)) continue;
        r /= nrm;
        Eigen::Index big;
        r.cwiseAbs().maxCoeff(&big);
        if (r(big) < 0) r = -r;
        dirs.push_back({{std::llround(r(0) * 1e6), std::llround(r(1) * 1e6), std::llround(r(2) * 1e6)}, i});
    }
    std::stable_sort(dirs.begin(), dirs.end(), [](const Dir& a, const Dir& b) { return a.key < b.key; });
    struct Cluster {
        std::size_t count;
        Eigen::Index row;  // first row of the cluster (in row order)
    };
    std::vector<Cluster> clusters;
    for (std::size_t i = 0; i < dirs.size();) {
        std::size_t j = i;
        Eigen::Index first = dirs[i].row;
        while (j < dirs.size() && dirs[j].key == dirs[i].key) first = std::min(first, dirs[j++].row);
        clusters.push_back({j - i, first});
        i = j;
    }
    std::stable_sort(clusters.begin(), clusters.end(), [](const Cluster& a, const Cluster& b) {
        return a.count != b.count ? a.count > b.count : a.row < b.row;
    });
    if (clusters.empty() || clusters.front().count < 2) return false;
    // Candidate bases: triples of independent rows among the most frequent directions; the
    // triple whose power-of-two projection reproduces W best wins (a frequent direction may
    // be a combination such as b2 + b3, which is not a basis vector).
    const std::size_t top = std::min<std::size_t>(clusters.size(), kDirectionCandidates);
    Eigen::Matrix3d best = maxnorm * Eigen::Matrix3d::Identity();
    double best_err = std::numeric_limits<double>::infinity();
    BlockMatrix Ce, Q;
    for (std::size_t a = 0; a < top; ++a)
        for (std::size_t b = a + 1; b < top; ++b)
            for (std::size_t c = b + 1; c < top; ++c) {
                Eigen::Matrix3d B0;
                B0.row(0) = W.row(clusters[a].row);
                B0.row(1) = W.row(clusters[b].row);
                B0.row(2) = W.row(clusters[c].row);
                Eigen::Matrix3d N = B0;
                N.rowwise().normalize();
                if (std::fabs(N.determinant()) < 1e-3) continue;  // not independent
                Ce.noalias() = W * B0.inverse();
                project_pow2(Ce, theta, levels, max_exponent, Q);
                const double err = (W - Q * B0).squaredNorm();
                if (err < best_err) {
                    best_err = err;
                    best = B0;
                }
            }
    B = best;
    return true;
}

// Polish (ours): with the zero pattern of Q fixed, a joint step per row (below), then
// coordinate descent on its non-zeros (each
// the best signed power of two for the residual of its row, inside the block's exponent
// window), then the least-squares refit of B; `passes` rounds. The alternating loop only rounds
// the least-squares Ce elementwise, which ignores how the three elements of a row interact
// through B. Each step can only lower ||W - Q B||_F (a coordinate keeps its value unless
// another is strictly better; the refit is least squares), and the zero pattern, hence the
// image size and the reference's bit count, does not change.
void polish(Member& m, int levels, int passes) {
    if (m.Q.isZero(0.0)) return;
    int top = INT_MIN;
    for (Eigen::Index i = 0; i < m.Q.size(); ++i)
        if (m.Q.data()[i] != 0.0) top = std::max(top, round_log2(m.Q.data()[i]));
    const int lo = top - levels + 1;
    auto best_pow2 = [&](double c, double current, const Eigen::RowVector3d& r, const Eigen::RowVector3d& b) {
        // Minimise ||r - q b||^2 over q in {current} u {+-2^e, e in [lo, top], around c}.
        double best = current, best_err = (r - current * b).squaredNorm();
        if (c == 0.0 || !std::isfinite(c)) return best;
        int p;
        std::frexp(std::fabs(c), &p);  // |c| in [2^(p-1), 2^p)
        for (int e : {p - 1, p}) {
            const int ec = std::clamp(e, lo, top);
            const double q = std::copysign(std::ldexp(1.0, ec), c);
            const double err = (r - q * b).squaredNorm();
            if (err < best_err) {
                best_err = err;
                best = q;
            }
        }
        return best;
    };
    BlockMatrix before;
    for (int pass = 0; pass < passes; ++pass) {
        before = m.Q;
        // Joint step per row: the row's least-squares coefficients c = W_i B^-1, each non-zero
        // rounded down or up to a power of two inside the window (2^nnz <= 8 combinations),
        // the best combination kept if it beats the current row. Coordinate descent alone
        // cannot move two coupled elements at once.
        Eigen::Matrix3d P;
        bool invertible = false;
        double det = 0;
        m.B.computeInverseAndDetWithCheck(P, det, invertible, 1e-12 * std::pow(m.B.cwiseAbs().maxCoeff(), 3));
        if (invertible) {
            for (Eigen::Index i = 0; i < m.Q.rows(); ++i) {
                const Eigen::RowVector3d c = m.W.row(i) * P;
                std::array<std::array<double, 2>, 3> cand{};
                int nz = 0;
                for (int t = 0; t < 3; ++t) {
                    if (m.Q(i, t) == 0.0 || c(t) == 0.0 || !std::isfinite(c(t))) {
                        cand[t] = {m.Q(i, t), m.Q(i, t)};
                        continue;
                    }
                    ++nz;
                    int p;
                    std::frexp(std::fabs(c(t)), &p);  // |c| in [2^(p-1), 2^p)
                    cand[t] = {std::copysign(std::ldexp(1.0, std::clamp(p - 1, lo, top)), c(t)),
                               std::copysign(std::ldexp(1.0, std::clamp(p, lo, top)), c(t))};
                }
                if (nz == 0) continue;
                Eigen::RowVector3d best = m.Q.row(i);
                double best_err = (m.W.row(i) - best * m.B).squaredNorm();
                for (int mask = 0; mask < 8; ++mask) {
                    const Eigen::RowVector3d q(cand[0][mask & 1], cand[1][(mask >> 1) & 1], cand[2][(mask >> 2) & 1]);
                    const double err = (m.W.row(i) - q * m.B).squaredNorm();
                    if (err < best_err) {
                        best_err = err;
                        best = q;
                    }
                }
                m.Q.row(i) = best;
            }
        }
        for (Eigen::Index i = 0; i < m.Q.rows(); ++i) {
            for (int t = 0; t < 3; ++t) {
                if (m.Q(i, t) == 0.0) continue;
                const Eigen::RowVector3d b = m.B.row(t);
                const double bb = b.squaredNorm();
                if (!(bb > 0.0)) continue;
                const Eigen::RowVector3d r = m.W.row(i) - m.Q.row(i) * m.B + m.Q(i, t) * b;
                m.Q(i, t) = best_pow2(r.dot(b) / bb, m.Q(i, t), r, b);
            }
        }
        refit_basis(m);
        if (m.Q == before) break;  // a fixed point: further passes would repeat this one
    }
}

// After the final projection: a support row the projection emptied (all its elements below
// theta or below the block's exponent window) gets its largest Ce element as the nearest
// power of two inside the window, so the row count stays the support's size.
void fill_support(Member& m, int levels, int max_exponent) {
    if (m.keep.empty()) return;
    int top = INT_MIN;
    for (Eigen::Index i = 0; i < m.Q.size(); ++i)
        if (m.Q.data()[i] != 0.0) top = std::max(top, round_log2(m.Q.data()[i]));
    for (Eigen::Index i = 0; i < m.Q.rows(); ++i) {
        if (!m.keep[static_cast<std::size_t>(i)] || !m.Q.row(i).isZero(0.0)) continue;
        Eigen::Index big;
        m.Ce.row(i).cwiseAbs().maxCoeff(&big);
        double x = m.Ce(i, big);
        if (x == 0.0 || !std::isfinite(x)) x = 1.0;
        int e = round_log2(x);
        if (top == INT_MIN) top = std::min(e, max_exponent);
        e = std::clamp(e, top - levels + 1, top);
        m.Q(i, big) = std::copysign(std::ldexp(1.0, e), x);
    }
}

// The steps of decompose_group's per-group search, one function each (they were lambdas in a
// ~180-line decompose_group): fix the support, run the alternating algorithm from a start,
// compare two starts by error and size, retry with a smaller theta.

// Where the alternating algorithm starts: the reference's B = I, or the block's most frequent
// row directions (dominant_directions).
enum class Start { Identity, Directions };

// (iterations of the alternating loop, whether some member lost every coefficient).
using RunResult = std::pair<int, bool>;

// Which rows may be non-zero, decided once from the weights themselves (issue 16): a
// row is kept when sqrt(3) x its L2 norm (normalised by the layer's max |w|; the RMS over
// the group in structural mode) is at least 5 theta, the reference's row rule with the
// row's weights in place of its coefficients. Why the weights: a zero Ce row rebuilds
// as zero, so dropping row i costs exactly ||W_i||^2 of squared error whatever the
// basis, and keeping the rows with the largest norms is what minimises the error for
// a given number of rows (what the image pays for). The reference scores rows by the
// L1 norm of their coefficients, which depends on the block's basis scale (a block
// whose B came out large loses rows that matter) and on theta (its last iteration), so
// it is neither error-ordered nor monotonic; an earlier version of ours scored the
// coefficients of a theta-0 run, monotonic but still basis-scaled: 0.01-0.06 worse
// than the reference at equal true size. sqrt(3) x L2 equals the L1 norm for a row of
// three equal magnitudes, so theta lands near the reference's compression. The scores
// do not depend on theta, so the kept rows for a larger theta are a subset of those for
// a smaller one, and every kept row stays non-zero (apply_support / fill_support): the
// image never grows with theta. theta 0 keeps every row with a non-zero weight.
void choose_support(std::vector<Member*>& group, double theta) {
    const Eigen::Index n = group.front()->W.rows();
    std::vector<char> keep(static_cast<std::size_t>(n), 0);
    for (Eigen::Index i = 0; i < n; ++i) {
        double sq = 0;
        bool any = false;
        for (const Member* m : group) {
            sq += m->W.row(i).squaredNorm();
            any = any || !m->W.row(i).isZero(0.0);
        }
        const double score = std::sqrt(3.0 * sq / static_cast<double>(group.size()));
        keep[static_cast<std::size_t>(i)] = any && score >= 5.0 * theta;
    }
    for (Member* m : group) m->keep = keep;
}

// One run of the alternating algorithm on a group from a given initial basis; returns
// the number of iterations and whether some member lost every coefficient.
RunResult attempt(std::vector<Member*>& group, double theta, Start start, const CompressKnobs& k, int levels) {
    for (Member* m : group) {
        if (start == Start::Directions) {
            if (!dominant_directions(m->W, theta, levels, k.max_exponent, m->B)) m->B.setIdentity();
            refit_coefficients(*m);
        } else {
            m->B.setIdentity();
            m->Ce = m->W;
        }
        m->Qprev.resize(0, 3);
        m->converged = false;
    }
    int iterations = 0;
    for (int it = 0; it < k.iterations; ++it) {
        bool all_converged = true;
        for (Member* m : group) {
            project_pow2(m->Ce, theta, levels, k.max_exponent, m->Q);
            if (m->Qprev.rows() == m->Q.rows()) {
                const double prev = m->Qprev.norm();
                const double diff = (m->Q - m->Qprev).norm();
                m->converged = prev > 0 ? diff <= k.tolerance * prev : diff <= k.tolerance;
            }
            all_converged = all_converged && m->converged;
        }
        if (all_converged) break;
        ++iterations;
        for (Member* m : group) {
            m->Qprev = m->Q;
            refit_basis(*m);
            refit_coefficients(*m);
        }
        sparsify(group, theta);
    }
    bool any_empty = false;
    for (Member* m : group) {
        project_pow2(m->Ce, theta, levels, k.max_exponent, m->Q);
        fill_support(*m, levels, k.max_exponent);
        refit_basis(*m);
        // Polished here, so alternative starts are compared on their final error.
        if (k.polish_passes > 0) polish(*m, levels, k.polish_passes);
        any_empty = any_empty || m->Q.isZero(0.0);
    }
    return std::make_pair(iterations, any_empty);
}

// (non-zero Q rows, non-zero Q elements) over a group: what the image stores and what the
// reference counts.
std::pair<std::size_t, std::size_t> group_nonzeros(const std::vector<Member*>& group) {
    std::size_t rows = 0, elems = 0;
    for (const Member* m : group) {
        for (Eigen::Index i = 0; i < m->Q.rows(); ++i) rows += !m->Q.row(i).isZero(0.0);
        elems += static_cast<std::size_t>((m->Q.array() != 0.0).count());
    }
    return std::make_pair(rows, elems);
}

// Squared rebuild error ||W - Q B||_F^2 over a group (normalised weights).
double group_error(const std::vector<Member*>& group) {
    double e = 0;
    for (const Member* m : group) e += (m->W - m->Q * m->B).squaredNorm();
    return e;
}

// Another start, kept only when it is better on every count: lower error, and no more
// non-zero rows (what the image stores) or elements (what the reference counts).
// Quantized trained weights repeat directions too; there the direction restart often
// found a lower error with a much denser Ce, which would buy accuracy with size behind
// theta's back. Otherwise the group's previous Q, Ce and B are restored and `run` is left
// alone.
void try_start(std::vector<Member*>& group, double theta, Start start, const CompressKnobs& k, int levels,
               RunResult& run) {
    std::vector<BlockMatrix> Q0, Ce0;
    std::vector<Eigen::Matrix3d> B0;
    for (Member* m : group) {
        Q0.push_back(m->Q);
        Ce0.push_back(m->Ce);
        B0.push_back(m->B);
    }
    const double e0 = group_error(group);
    const std::pair<std::size_t, std::size_t> n0 = group_nonzeros(group);
    const RunResult run2 = attempt(group, theta, start, k, levels);
    const std::pair<std::size_t, std::size_t> n2 = group_nonzeros(group);
    if (group_error(group) < e0 && n2.first <= n0.first && n2.second <= n0.second && !(run2.second && !run.second)) {
        run = run2;
        return;
    }
    for (std::size_t g = 0; g < group.size(); ++g) {
        group[g]->Q = Q0[g];
        group[g]->Ce = Ce0[g];
        group[g]->B = B0[g];
    }
}

// What the search on one group ends with: the last run, and the theta it used after
// `reductions` reductions.
struct GroupResult {
    RunResult run;
    double theta = 0;
    int reductions = 0;
};

// The whole search on one group: the B = I start, the direction restart when some member
// repeats a direction, and theta / 4 retries while a member comes out empty.
GroupResult decompose_one_group(std::vector<Member*>& group, const CompressKnobs& k, int levels) {
    choose_support(group, k.theta);
    double theta = k.theta;
    int reductions = 0;
    RunResult run;
    for (;;) {
        run = attempt(group, theta, Start::Identity, k, levels);
        // The reference starts from B = I only (docs/compressor.md). A start from the
        // block's principal directions was tried (issue 16): 0.0005 lower error on real
        // layers for twice the time, not kept.
        bool repeats = false;
        Eigen::Matrix3d probe;
        if (k.direction_restart)
            for (Member* m : group) repeats = repeats || dominant_directions(m->W, theta, levels, k.max_exponent, probe);
        if (repeats) try_start(group, theta, Start::Directions, k, levels, run);
        if (!run.second || reductions >= k.max_theta_reductions) break;
        // A block lost every coefficient: the threshold is too coarse for it. Retry the
        // group with theta / 4 (the reference reduces theta; the factor is our choice).
        theta /= 4.0;
        ++reductions;
    }
    return {run, theta, reductions};
}

}  // namespace

void project_pow2(const BlockMatrix& Ce, double theta, int levels, int max_exponent, BlockMatrix& Q) {
    Q.resize(Ce.rows(), 3);
    int top = INT_MIN;
    for (Eigen::Index i = 0; i < Ce.size(); ++i) {
        const double x = Ce.data()[i];
        if (x != 0.0 && std::fabs(x) >= theta) top = std::max(top, round_log2(x));
    }
    if (top == INT_MIN) {
        Q.setZero();
        return;
    }
    top = std::min(top, max_exponent);
    const int lo = top - levels + 1;
    for (Eigen::Index i = 0; i < Ce.size(); ++i) {
        const double x = Ce.data()[i];
        double q = 0.0;
        if (x != 0.0 && std::fabs(x) >= theta) {
            int e = std::min(round_log2(x), top);
            if (e < lo) e = std::fabs(x) >= std::ldexp(1.0, lo - 1) ? lo : INT_MIN;
            if (e != INT_MIN) q = (e > -1000 && e < 1000) ? signed_pow2(e, x) : std::copysign(std::ldexp(1.0, e), x);
        }
        Q.data()[i] = q;
    }
}

std::vector<BlockDecomposition> decompose_group(const std::vector<BlockMatrix>& W, const CompressKnobs& k,
                                                bool shared_rows, double layer_scale) {
    const int levels = k.usable_exponent_levels();
    std::vector<Member> members(W.size());
    // Normalise by the layer's weight scale (max |w| of the layer, as the reference does), so
    // theta is one threshold for the whole layer: a block whose weights are all small next to
    // the layer's largest loses its rows like any other, instead of being rescaled to look
    // large (a per-block RMS did that, and low-norm blocks were never zeroed).
    for (std::size_t i = 0; i < W.size(); ++i) {
        Member& m = members[i];
        const double fro = W[i].norm();
        m.zero = !(fro > 0.0);
        m.s = layer_scale > 0.0 ? layer_scale : (m.zero ? 1.0 : W[i].cwiseAbs().maxCoeff());
        m.W = W[i] / m.s;
    }
    // Groups sparsify together; without shared rows each member is its own group.
    std::vector<std::vector<Member*>> groups;
    if (shared_rows) {
        groups.emplace_back();
        for (Member& m : members)
            if (!m.zero) groups.back().push_back(&m);
    } else {
        for (Member& m : members)
            if (!m.zero) groups.push_back({&m});
    }

    std::vector<BlockDecomposition> out(W.size());
    for (std::size_t i = 0; i < W.size(); ++i) {
        out[i].Q = BlockMatrix::Zero(W[i].rows(), 3);
        out[i].B = Eigen::Matrix3d::Zero();
    }
    for (auto& group : groups) {
        if (group.empty()) continue;
        const GroupResult r = decompose_one_group(group, k, levels);
        for (Member* m : group) {
            const std::size_t i = static_cast<std::size_t>(m - members.data());
            out[i].Q = m->Q;
            out[i].B = m->B * m->s;
            out[i].iterations = r.run.first;
            out[i].theta_reductions = r.reductions;
            out[i].theta_used = r.theta;
        }
    }
    return out;
}

}  // namespace sx
