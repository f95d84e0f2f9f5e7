#pragma once
// Where one layer's data sits in DRAM for the SCNN family (SCNN, DCNN, DCNN-opt), for a batch
// of `images`: the weight stream at 0, every image's input tiles back to back after it (image n
// right after image n-1, as the host writes them), then the output region, above every input,
// where image n's stores start at
//     out_base + (bytes stored by images 0..n-1) + 2 * row_period * n + (A(n) mod row_period)
// with A(n) the burst-aligned end of image n's inputs. Why this shape:
// - the output region must be placed before the inputs of later images are known (image n's
//   stores are issued before image n+1 is prepared), so it starts above a worst-case bound of
//   all the batch's inputs (`in_bound` bytes per image);
// - the 2 row periods between images keep each image's stores in DRAM rows of their own, and
//   the (A(n) mod row_period) term keeps every store at the same offset within a row (hence
//   bank and column) as the layout used up to batch 127 (outputs at A(n) + 16 MiB x (n + 1) +
//   earlier stores), so row hits and conflicts, and therefore traces, do not change wherever
//   the row period divides 16 MiB (every preset in configs/dram). That layout needed 16 MiB
//   per image (2 GiB at batch 128, beyond a 2 GiB LPDDR4 channel) and let the inputs of image
//   ~55 reach the outputs of image 0; this one needs about in_bound + out_bound + 2 row
//   periods per image.
// Units: bytes. `row_period`: the address span of one DRAM row over all banks and channels
// (capacity / rows; with the default row:bank:column:channel mapping the next row of the same
// bank starts that far on), a power of two; `burst`: the memory's alignment.
#include <cstdint>

namespace sx::scnn {

struct DramLayoutSizes {
    uint64_t weight_bytes = 0;  // the layer's weight stream
    uint64_t in_bound = 0;      // an image's input tiles, at most (every value stored)
    uint64_t out_bound = 0;     // an image's stores, at most (every output stored, padding included)
    uint64_t images = 1;        // the batch N
    uint64_t burst = 1;
    uint64_t row_period = 1;
};

class ScnnDramLayout {
public:
    explicit ScnnDramLayout(const DramLayoutSizes& s);
    uint64_t act_base() const { return act_base_; }   // image 0's input tiles
    uint64_t out_base() const { return out_base_; }   // the output region (a multiple of row_period)
    // First byte past the last store in the worst case: the layer fits a memory of at least this.
    uint64_t end() const { return end_; }
    // Where image n's stores start, given A(n) (burst-aligned end of its inputs) and the bytes
    // images 0..n-1 stored.
    uint64_t out_start(uint64_t n, uint64_t inputs_end_aligned, uint64_t stored_before) const {
        return out_base_ + stored_before + 2 * s_.row_period * n + inputs_end_aligned % s_.row_period;
    }

private:
    DramLayoutSizes s_;
    uint64_t act_base_ = 0, out_base_ = 0, end_ = 0;
};

}  // namespace sx::scnn
