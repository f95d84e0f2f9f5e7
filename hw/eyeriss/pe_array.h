#pragma once
// The 12 x 14 PE array of Eyeriss as plain C++ driven by the controller's SystemC thread: per
// PE a 1-D row convolution over its scratchpads (filter p x q x S, ifmap q x S window, p
// psums), ifmap-zero gating, vertical psum accumulation; with the timing of the filter,
// ifmap and psum networks. Each step (one output column of one image for every PE of the
// pass) starts when its ifmap values have crossed the ifmap network and the previous step
// has finished; psums drain over the psum networks behind it. Times are absolute core
// cycles; the thread waits until a GLB access is due before making it (the GLB serves
// requests at the current time), so bank conflicts with the link are real.
#include <cstdint>
#include <vector>

#include "hw/buffer/global_buffer.h"
#include "hw/common/sim_context.h"
#include "hw/eyeriss/eyeriss_params.h"
#include "hw/eyeriss/rs_mapper.h"
#include "sw/workload/workload.h"

namespace sx::eyeriss {

struct PeCounters {
    uint64_t macs_executed = 0, macs_gated = 0;
    uint64_t ifmap_spad = 0, filter_spad = 0, psum_spad = 0;  // 16-bit scratchpad accesses
    uint64_t psum_adds = 0;       // incoming psums accumulated (vertical chain, GLB psums)
    uint64_t noc_values = 0;      // 16-bit values delivered over a network (per destination PE)
    uint64_t passes = 0, steps = 0, filter_major_passes = 0;
    uint64_t compute_cycles = 0;  // cycles the array spent on MACs
    uint64_t stall_ifmap = 0;     // cycles a step waited for its ifmap values
    uint64_t stall_psum = 0;      // cycles a step waited for psum in/out
    uint64_t filter_load_cycles = 0;
    uint64_t ifmap_values = 0, ifmap_zeros = 0;  // values loaded into the GLB
    uint64_t ofmap_values = 0, ofmap_zeros = 0;  // ReLU-requantised outputs written to DRAM
};

class PeArray {
public:
    PeArray(const RsMapping& m, const EyerissParams& prm);

    void begin_residency(int64_t g, int64_t b, int64_t s, int64_t fb);
    // The ifmap block in the GLB: valid images x valid channels x nrows x W int16 values.
    void set_ifmaps(const int16_t* data, int64_t row0, int64_t nrows, int64_t fold, int64_t cb);
    // Filter block from the filter GLB into the scratchpads; returns the cycle it is loaded.
    uint64_t load_filters(GlobalBuffer& fil, const SimContext& ctx, uint64_t bytes);
    // One pass: filter block kb (p*t filters) over the current ifmap block for n images.
    void run_pass(int64_t kb, bool first_accumulation, uint64_t filters_ready, GlobalBuffer& glb, uint64_t psum_base,
                  const SimContext& ctx);
    // Final psums of the residency: int32 results into `outputs` (N x K x P x Q) and the
    // ReLU-requantised 16-bit fmap, RLC-coded per output row, appended to `rlc`.
    void finish_residency(std::vector<int32_t>& outputs, const Layer& L, int shift, std::vector<uint8_t>& rlc,
                          int run_bits, int pairs_per_word);
    uint64_t residency_psum_values() const;
    uint64_t array_free() const { return std::max(pe_free_, pout_free_); }
    const PeCounters& counters() const { return c_; }

private:
    uint64_t at(const SimContext& ctx, uint64_t t) const;
    const RsMapping& M_;
    const EyerissParams& P_;
    int64_t g_ = 0, b_ = 0, s_ = 0, fb_ = 0, fold_ = 0, cb_ = 0;
    int64_t vimg_ = 0, vcc_ = 0, row0_ = 0, nrows_ = 0;
    const int16_t* ifm_ = nullptr;
    std::vector<int16_t> filt_;   // p*t x q*r x set_h x S (the scratchpads' contents)
    std::vector<int32_t> psum_;   // n x m x e x F: psums of the residency (32-bit, see docs)
    uint64_t pe_free_ = 0, ifmap_free_ = 0, pin_free_ = 0, pout_free_ = 0;
    PeCounters c_;
};

}  // namespace sx::eyeriss
