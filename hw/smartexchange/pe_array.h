#pragma once
// The shift-add PE array: dim_m slices x dim_c lines x dim_f lanes, plain C++ called from the
// PE process (one SystemC process for the whole array). A step computes dim_f output pixels
// of one output row for the dim_m filters of a pass: line c of slice m runs its non-zero
// weight rows (rows c, c + dim_c, ... of the pass) one weight per "beat"; the weight is
// broadcast to the dim_f lanes, each multiplying it by its own activation. Bit-serial: a beat
// lasts as long as the lane with the most non-zero radix-4 Booth digits needs (at least one
// cycle); bit-parallel: one cycle. A line's time is the sum of its beats, the step's time that
// of the slowest line (lines meet at the adder tree and the partial-sum write).
#include <cstdint>
#include <vector>

#include "hw/buffer/global_buffer.h"
#include "hw/smartexchange/se_layer.h"
#include "hw/smartexchange/se_pipeline.h"

namespace sx {

struct PeStep {
    int64_t p = 0, q0 = 0;
};

class PeArray {
public:
    PeArray(int dim_m, int dim_c, int dim_f, bool bit_serial);

    // Gathers the step's activations from the input buffer (functional), returns the
    // activation row segments to read (timing is up to the caller).
    struct Fetch {
        uint64_t addr, bytes;
    };
    // Computes one step: accumulates into acc[m][f], returns the cycles it takes.
    uint64_t step(const SeLayer& L, const SeChunk& ch, const PeStep& st, GlobalBuffer& in, std::vector<Fetch>& fetches,
                  SeCounters& cnt);
    const std::vector<int32_t>& acc() const { return acc_; }

private:
    int M_, C_, F_;
    bool bit_serial_;
    std::vector<int32_t> acc_;     // [m][f]
    std::vector<int8_t> act_;      // [g][row][j][f]
    std::vector<uint32_t> rowtime_;  // [g][row]
    std::vector<uint8_t> need_;    // [g][row]
    std::vector<uint32_t> lane_digits_;  // [g][row][j]: sum over lanes of the beat's lane-cycles
};

}  // namespace sx
