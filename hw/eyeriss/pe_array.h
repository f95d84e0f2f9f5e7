#pragma once
// The 12 x 14 PE array of Eyeriss as plain C++ driven by the controller's SystemC thread: per
// PE a 1-D row convolution over its scratchpads (filter p x q x S, ifmap q x S window, p
// psums), ifmap-zero gating, vertical psum accumulation; with the timing of the filter,
// ifmap and psum networks. Each step (one output column of one image for every PE of the
// pass) starts when its ifmap values have crossed the ifmap network and the previous step
// has finished; psums drain over the psum networks behind it. Times are absolute core
// cycles; the thread waits until a GLB access is due before making it (the GLB serves
// requests at the current time), so bank conflicts with the link are real.
// Data: the ifmaps the MACs use are read from the GLB's storage, where the link wrote them
// (slot or ring addresses); psums accumulate in the GLB's psum region (16-bit values at
// psum_base + 2 * index, as the chip stores them, with the upper 16 bits of the model's 32-bit
// psums in a shadow store at the same addresses: see docs/eyeriss.md); filters are copied from
// the filter GLB into the scratchpads. Nothing the arithmetic uses bypasses the storage.
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
    // The ifmap block in the GLB: valid images x valid channels x nrows x W int16 values, value
    // v at glb address base + 2v, or base + (ring_offset + 2v) % ring_bytes in the one-slot
    // ring (ring_bytes > 0).
    void set_ifmaps(GlobalBuffer& glb, uint64_t base, uint64_t ring_bytes, uint64_t ring_offset, int64_t row0,
                    int64_t nrows, int64_t fold, int64_t cb);
    // Filter block from the filter GLB into the scratchpads; returns the cycle it is loaded.
    uint64_t load_filters(GlobalBuffer& fil, const SimContext& ctx, uint64_t bytes);
    // One pass: filter block kb (p*t filters) over the current ifmap block for n images; psums
    // accumulate in glb at psum_base (upper halves in psum_hi, same addresses).
    void run_pass(int64_t kb, bool first_accumulation, uint64_t filters_ready, GlobalBuffer& glb, GlobalBuffer& psum_hi,
                  uint64_t psum_base, const SimContext& ctx);
    uint64_t residency_psum_values() const;
    // The current residency's place in the layer (for its store).
    struct Residency {
        int64_t g = 0, b = 0, s = 0, fb = 0, vimg = 0, vk = 0, e_real = 0;
    };
    Residency residency() const;
    uint64_t array_free() const { return std::max(pe_free_, pout_free_); }
    const PeCounters& counters() const { return c_; }

private:
    uint64_t at(const SimContext& ctx, uint64_t t) const;
    const int16_t* ifmap_row(int64_t r);  // row r of the block, read from the GLB
    const RsMapping& M_;
    const EyerissParams& P_;
    int64_t g_ = 0, b_ = 0, s_ = 0, fb_ = 0, fold_ = 0, cb_ = 0;
    int64_t vimg_ = 0, vcc_ = 0, row0_ = 0, nrows_ = 0;
    GlobalBuffer* ifm_glb_ = nullptr;
    uint64_t ifm_base_ = 0, ifm_ring_ = 0, ifm_ring_off_ = 0;
    std::vector<int16_t> filt_;   // p*t x q*r x set_h x S (the scratchpads' contents)
    std::vector<int16_t> row_tmp_;  // an ifmap row that wraps around the GLB ring
    uint64_t pe_free_ = 0, ifmap_free_ = 0, pin_free_ = 0, pout_free_ = 0;
    PeCounters c_;
};

// The RLC encoder's side of a store: reads the residency's final psums from the GLB's storage
// (glb at psum_base, upper halves in psum_hi; n x m x e x F layout), puts the int32 results
// into `outputs` (N x K x E x F) and appends the ReLU-requantised values, one RLC stream per
// (image, filter) plane segment, to `rlc` (the byte size after each stream to *stream_end).
// Returns the values encoded.
uint64_t encode_residency_outputs(const RsMapping& M, const PeArray::Residency& r, GlobalBuffer& glb, GlobalBuffer& psum_hi,
                                  uint64_t psum_base, int64_t K, int shift, std::vector<int32_t>& outputs,
                                  std::vector<uint8_t>& rlc, int run_bits, int pairs_per_word, uint64_t& zeros,
                                  std::vector<uint64_t>* stream_end = nullptr);

}  // namespace sx::eyeriss
