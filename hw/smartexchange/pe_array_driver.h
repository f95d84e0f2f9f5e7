#pragma once
// The process around the shift-add PE array (pe_array.h, plain C++): takes a rebuilt pass
// from the rebuild engines, runs its steps (one output row x dim_f columns each) with the
// next step's activations fetched from the input buffer during the current one and each
// step's partial sums written to the output buffer after it, requantises a finished group
// into its output half and hands it to the store unit, and gives buffer halves back.
// Requantisation is issued, not waited for: the array goes on with the next group, whose first
// partial-sum writes wait for the requantisation's read of the same region (the arbiter may
// interleave accesses, so order is not implied), and the store unit waits for the read and the
// output writes (SeStore), so the array is held only as long as those accesses require.
#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "hw/smartexchange/pe_array.h"
#include "hw/smartexchange/se_fabric.h"

namespace sx::se {

class SePeArrayDriver : public SeBlock {
public:
    SC_HAS_PROCESS(SePeArrayDriver);
    SePeArrayDriver(sc_core::sc_module_name name, SeFabric& fab, int dim_m, int dim_c, int dim_f);

private:
    void run();  // re_q -> steps -> (group done) store_q
    void skip_pass(const SeChunk& ch);     // every slice's rows are zero
    void compute_pass(const SeChunk& ch);  // the steps of one pass
    void requantise_group(const SeTask& t);  // issues it; the store unit waits for it
    void step_lines(uint64_t end);  // exactness test mode: one step, cycle by cycle

    std::unique_ptr<SePeTiming> timing_;  // the pe_timing policy (before pe_)
    PeArray pe_;
    PeArray::StepBeats beats_cur_, beats_next_;  // exactness test mode only
    int out_half_ = 1;         // output half of the current group
    // The last group's requantisation read of the partial sums, until the next group overwrites them.
    std::shared_ptr<SharedBufferAccess> requant_read_;
    bool psum_valid_ = false;  // the group's partial sums hold data (later passes read-modify-write)
    std::vector<PeStep> steps_;
    std::vector<PeArray::Fetch> fetches_;
    std::vector<int32_t> acc_cur_, acc_next_;
};

}  // namespace sx::se
