#pragma once
// The shift-add PE array: dim_m slices x dim_c lines x dim_f lanes, plain C++ called from the
// PE process (one SystemC process for the whole array). A step computes dim_f output pixels
// of one output row for the dim_m filters of a pass: line c of slice m runs its non-zero
// weight rows (rows c, c + dim_c, ... of the pass) one weight per "beat"; the weight is
// broadcast to the dim_f lanes, each multiplying it by its own activation. A beat lasts
// max(1, max over lanes of the timing policy's lane_cycles(activation)) (pe_timing.h:
// bit-serial Booth = the lane with the most non-zero radix-4 digits; bit-parallel = one
// cycle). A line's time is the sum of its beats, the step's time that of the slowest line
// (lines meet at the adder tree and the partial-sum write).
#include <cstdint>
#include <vector>

#include "hw/buffer/global_buffer.h"
#include "hw/smartexchange/se_layer.h"
#include "hw/smartexchange/se_pipeline.h"
#include "hw/smartexchange/pe_timing.h"

namespace sx::se {

struct PeStep {
    int64_t p = 0, q0 = 0;
};

class PeArray {
public:
    PeArray(int dim_m, int dim_c, int dim_f, const SePeTiming& timing);

    // The beats of one step as the lanes see them, for the exactness test mode (the PE array
    // driver steps the lines cycle by cycle from these): line (m, c)'s beats are
    // [line_first[m*C + c], line_first[m*C + c + 1]), each dim_f lane activations in `acts`.
    struct StepBeats {
        std::vector<uint32_t> line_first;
        std::vector<int8_t> acts;  // [beat][f]
    };
    // Record the beats of every step into *rec (null: do not; the normal mode).
    void record_beats(StepBeats* rec) { rec_ = rec; }
    int lane_cycles(int8_t a) const { return lat_[static_cast<uint8_t>(a)]; }
    int lanes() const { return F_; }

    // Gathers the step's activations from the input buffer (functional), returns the
    // activation row segments to read (timing is up to the caller).
    struct Fetch {
        uint64_t addr, bytes;
    };
    // Before the first step of a pass: what depends on the pass only (which activation each
    // beat of a row reads, which rows each line runs), so that steps do not recompute it.
    void begin_pass(const SeLayer& L, const SeChunk& ch);
    // Computes one step of the pass begun last: accumulates into acc[m][f], returns the
    // cycles it takes.
    uint64_t step(const SeLayer& L, const SeChunk& ch, const PeStep& st, GlobalBuffer& in, std::vector<Fetch>& fetches,
                  SeCounters& cnt);
    const std::vector<int32_t>& acc() const { return acc_; }

private:
    struct Beat {  // activation of weight j of a row: channel within the group, kernel (r, s)
        int64_t c = 0, kr = 0, ks = 0;
        bool valid = false;  // false: zero padding of the last pointwise row
    };

    // step's recording into *rec_ (rows: the pass's chunk rows, J: weights per row).
    void record_step(uint32_t rows, uint32_t J);

    int M_, C_, F_;
    uint8_t lat_[256], work_[256];  // the timing policy's lane_cycles / lane_work per activation
    StepBeats* rec_ = nullptr;
    std::vector<int32_t> acc_;     // [m][f]
    // Per pass.
    int mvalid_ = 0, groups_ = 0;
    int64_t g_first_ = 0;
    std::vector<Beat> beat_;                 // [row][j]
    std::vector<uint8_t> need_;              // [g][row]: some slice of group g runs the row
    std::vector<int> group_of_;              // [m]
    std::vector<uint32_t> line_rows_;        // non-zero rows of line (m, c), at line_first_[m*C + c]
    std::vector<uint32_t> line_first_;       // [m*C + c], one past the end at [M*C]
    uint64_t beats_run_ = 0, beats_skipped_ = 0;  // valid beats of non-zero / zero rows, all slices
    uint64_t rows_run_ = 0;                  // non-zero rows, all slices
    // Per step.
    std::vector<int8_t> act_;      // [g][row][j][f]
    std::vector<uint32_t> rowtime_;  // [g][row]
    std::vector<uint32_t> lane_digits_;  // [g][row][j]: sum over lanes of the beat's lane-cycles
};

}  // namespace sx::se
