#pragma once
// The 12 x 14 PE array of Eyeriss as plain C++ driven by the controller's SystemC thread: per
// PE a 1-D row convolution over its scratchpads (filter p x q x S, ifmap q x S window, p
// psums), ifmap-zero gating, vertical psum accumulation. Time comes from the blocks of
// noc.h and the PEs' own state (issue 13, stage 2): the filter, ifmap and psum networks are
// buses with ID-based multicast whose flits go only when every destination PE has a free
// scratchpad entry; each logical PE starts a step when its last step is done, its filters are
// in and its psum entries are free, and works through its window in order, each value when it
// has arrived; psums go up the column's vertical links and leave over the psum network. The
// thread makes each GLB access at its cycle (issue-then-wait), so bank conflicts with the
// link are real; data cross a network only after their GLB read is done. Times are absolute
// core cycles. In the exactness test mode each step is re-derived cycle by cycle
// (pe_step_check.cpp).
// Data: the ifmaps the MACs use are read from the GLB's storage, where the link wrote them
// (slot or ring addresses); psums accumulate in the GLB's psum region (16-bit values, as the
// chip stores them, at psum_base + 2 * index over n x F x (m / pt) x e x pt; the upper
// 16 bits of the model's 32-bit psums in a shadow store at the same addresses: see
// docs/eyeriss.md); filters are copied from
// the filter GLB into the scratchpads. Nothing the arithmetic uses bypasses the storage.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "hw/buffer/global_buffer.h"
#include "hw/common/output_requant.h"
#include "hw/common/sim_context.h"
#include "hw/eyeriss/eyeriss_params.h"
#include "hw/eyeriss/noc.h"
#include "hw/eyeriss/rs_mapper.h"
#include "sw/workload/workload.h"

namespace sx::eyeriss {

struct PeCounters {
    uint64_t macs_executed = 0, macs_gated = 0;
    uint64_t ifmap_spad = 0, filter_spad = 0, psum_spad = 0;  // 16-bit scratchpad accesses
    uint64_t psum_adds = 0;       // incoming psums accumulated (vertical chain, GLB psums)
    uint64_t noc_values = 0;      // 16-bit values delivered over a network (per destination PE)
    uint64_t psum_link_packets = 0;  // packets moved over one vertical PE-to-PE psum link
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
    // Before a pass: `next_in_glb` tells (without waiting) whether the next pass's filter block
    // (`bytes` in `fil`) has arrived in the filter GLB; from then on, between steps, the filter
    // GLB reads its flits for the spare filter-spad entries and they cross the filter network
    // while the pass runs (the rest at load_filters). Null: no next pass.
    void arm_filter_prefetch(std::function<bool()> next_in_glb, GlobalBuffer* fil, uint64_t bytes);
    // One pass: filter block kb (p*t filters) over the current ifmap block for n images; psums
    // accumulate in glb at psum_base (upper halves in psum_hi, same addresses).
    // Each PE starts once its own filters are in (load_filters).
    void run_pass(int64_t kb, bool first_accumulation, GlobalBuffer& glb, GlobalBuffer& psum_hi, uint64_t psum_base,
                  const SimContext& ctx);
    uint64_t residency_psum_values() const;
    // The current residency's place in the layer (for its store).
    struct Residency {
        int64_t g = 0, b = 0, s = 0, fb = 0, vimg = 0, vk = 0, e_real = 0;
    };
    Residency residency() const;
    uint64_t array_free() const { return std::max(pe_free_, pout_free_); }
    const PeCounters& counters() const { return c_; }
    // The global networks (flit and stall counts for tests and traces).
    const GlobalBus& ifmap_bus() const { return ifmap_bus_; }
    const GlobalBus& filter_bus() const { return filter_bus_; }
    const GlobalBus& psum_out_bus() const { return psum_out_bus_; }
    const GlobalBus& psum_in_bus() const { return psum_in_bus_; }

private:
    uint64_t at(const SimContext& ctx, uint64_t t) const;
    const int16_t* ifmap_row(int64_t r);  // row r of the block, read from the GLB
    // Functional: every PE's 1-D row convolutions of output column x of image i, accumulated in
    // the GLB's psum region (pmem_lo/hi at the residency's psum base). Adds to macs counters.
    void compute_step(int64_t i, int64_t x, int64_t vk, int64_t e_real, int64_t kres0, bool first_acc,
                      const std::vector<const int16_t*>& rows, uint8_t* pmem_lo, uint8_t* pmem_hi);
    // The step's timing, block by block (pe_array.cpp): the ifmap network fills the PEs' ifmap
    // spads (arr_pos_), the PEs step (start_, end_), the psums go over the psum-in network, up the
    // vertical links and over the psum-out network (left1_/left2_, out_first_/out_last_).
    void assign_ifmap_ids(int64_t e_real);
    int64_t spare_filter_flits() const;
    void poll_filter_prefetch(const SimContext& ctx);
    std::function<bool()> next_in_glb_;
    GlobalBuffer* pre_fil_ = nullptr;
    uint64_t pre_bytes_ = 0, pre_len_ = 0, pre_t_ = 0;
    bool pre_armed_ = false;  // the spare entries' flits of the next pass are being read
    BufferAccess pre_acc_;
    std::vector<uint64_t> pre_in_;  // scratch: per set row, per X-bus group, the prefetched flits' arrival
    // A pass's constants and the pending psum drain, shared by its steps.
    struct PassState {
        bool first_acc = true, fm = false, psum_double = false;
        int64_t vk = 0, kres0 = 0, e_real = 0, qS = 0, new_cap = 0, sets_active = 0;
        int packets = 1;
        uint64_t psum_cnt = 0, psum_base = 0;
        uint8_t *pmem_lo = nullptr, *pmem_hi = nullptr;
        bool pending = false;  // the last step's drain is not issued yet
        uint64_t out_first = 0, out_floor = 0;
        int64_t p_i = 0, p_x = 0;
    };
    void run_step(PassState& ps, int64_t i, int64_t x, GlobalBuffer& glb, const SimContext& ctx);
    void issue_ifmap_reads(GlobalBuffer& glb, int64_t i, int64_t from, int64_t new_cols);
    void issue_psum_rows(const PassState& ps, GlobalBuffer& glb, int64_t i, int64_t x, bool write,
                         std::vector<BufferAccess>& out);
    void issue_drain(PassState& ps, GlobalBuffer& glb, const SimContext& ctx);
    void finish_drain(PassState& ps, GlobalBuffer& glb);
    void count_step(int64_t new_cap, bool first_acc, uint64_t psum_cnt);
    void deliver_ifmaps(int64_t lo, int64_t from, int64_t new_cols);
    void step_pes(int64_t x, bool fm, bool psum_double);
    // pe_timing.cpp: the blocks of one step, in order.
    void drain_psums(bool first_acc, bool fm, bool psum_double, int64_t sets_active, int64_t e_real, int packets, int64_t qS);
    void grant_psum_out(int packets);  // the psum-out bus over out_req_ (out_first_, out_last_)
    // A step's GLB reads: per row of read_segs_, its new ifmap values (a2: the part past the
    // ring's end); psums: one run, or one per output row.
    struct SegRead {
        BufferAccess a, a2;
    };
    struct ReadSeg {
        int64_t cc, hr;  // channel and row in the block
        const Multicast* dst;
    };
    std::vector<ReadSeg> read_segs_;  // the block's rows the pass's PEs read (assign_ifmap_ids)
    std::vector<SegRead> if_reads_;
    std::vector<uint64_t> seg_ready_, pin_ready_;  // cycle each read_segs_ row's / psum row's data are read
    std::vector<BufferAccess> pin_accs_, out_accs_;
    std::vector<const int16_t*> rows_;  // the block's rows in the GLB (located once per pass)
    // Logical PE index: column (filter set ts, output row j) major, then the position in the
    // column's psum chain c = channel set * set_h + filter row (0 = top).
    int pe_index(int64_t ts, int64_t j, int64_t c) const { return static_cast<int>((ts * M_.e + j) * chain_n_ + c); }
    const RsMapping& M_;
    const EyerissParams& P_;
    int64_t g_ = 0, b_ = 0, s_ = 0, fb_ = 0, fold_ = 0, cb_ = 0;
    int64_t vimg_ = 0, vcc_ = 0, row0_ = 0, nrows_ = 0;
    GlobalBuffer* ifm_glb_ = nullptr;
    uint64_t ifm_base_ = 0, ifm_ring_ = 0, ifm_ring_off_ = 0;
    std::vector<int16_t> filt_;   // p*t x q*r x set_h x S (the scratchpads' contents)
    std::vector<int32_t> filtT_;  // the same, q*r x set_h x S x p*t (host layout for the MAC loop)
    std::vector<int16_t> row_tmp_;  // an ifmap row that wraps around the GLB ring
    std::vector<int32_t> acc_;      // scratch: one output's psums of the pass's filters
    uint64_t pe_free_ = 0, pout_free_ = 0;
    // The networks and the per-PE state they see (docs/eyeriss.md, "pe_array").
    int chain_n_ = 1, npe_ = 0;
    GlobalBus filter_bus_, ifmap_bus_, psum_in_bus_, psum_out_bus_;
    MulticastIds filter_ids_, ifmap_ids_;
    PsumChain chain_;
    std::vector<uint64_t> start_, end_;        // each PE's last step
    std::vector<uint64_t> left1_, left2_;      // cycle its psums of the last / the one before left
    std::vector<uint64_t> filters_in_;         // cycle its filters for the current pass are in
    std::vector<int> xbus_;                    // the X-bus (physical PE row) it sits on
    std::vector<uint64_t> busy_, in_;          // scratch: per X-bus group of a filter flit
    std::vector<uint64_t> arr_pos_;  // per PE and window position: the cycle its value is in
    std::vector<uint64_t> freed_;    // per PE and window position: the cycle its entry is free
    std::vector<uint64_t> own_, pin_, lefts_;  // scratch: psum packets of a column
    struct OutReq {
        uint64_t ready;
        int col, b;
        int col_first;  // index of the column's packet 0 in out_req_
        bool operator<(const OutReq& o) const {
            return ready != o.ready ? ready < o.ready : col != o.col ? col < o.col : b < o.b;
        }
    };
    std::vector<OutReq> out_req_;
    std::vector<OutReq> out_heap_;  // scratch: psum-out requests waiting for the bus
    uint64_t out_first_ = 0, out_last_ = 0;  // the last step's psum-out grants
    // Exactness test mode (SimContext::step_mode, tests only): a step's inputs and the times the
    // blocks computed by jumping from event to event, re-derived one cycle at a time by
    // check_step (pe_step_check.cpp); a difference is a SimulationError.
    struct StepRecord {
        struct Flit {
            uint64_t ready, sent;  // sent: the cycle it entered the Y-bus
            const Multicast* dst;
            int64_t k, u, nv;  // the PE's k-th new value (last of the flit), first window position
            std::size_t xs0;   // xsent[xs0 + g]: the cycle X-bus group g passed it on
        };
        struct Pin {
            uint64_t ready, accept, sent, xsent;
            int xbus;
        };
        struct Grant {
            uint64_t cycle;
            int col, b;
        };
        uint64_t ifmap_free = 0, pin_free = 0, pout_hold = 0, drain = 0;
        bool fm = false, first_acc = true;
        std::vector<Flit> flits;
        std::vector<uint64_t> xsent, ifmap_xfree, pin_xfree;
        std::vector<Pin> pins;
        std::vector<Grant> grants;
        std::vector<uint64_t> prev_start, prev_end, filters_in, credit, arr_pos, start, end, own, pin_arr, left;
        std::vector<char> col_active;
    };
    std::unique_ptr<StepRecord> rec_;
    mutable std::vector<uint64_t> step_freed_;  // check_step's own entry-free cycles (stepped)
    void check_step(const StepRecord& r, int packets) const;
    void check_ifmaps_and_pes(const StepRecord& r) const;
    void check_psums(const StepRecord& r, int packets) const;
    PeCounters c_;
};

// The RLC encoder's side of a store: reads the residency's final psums from the GLB's storage
// (glb at psum_base, upper halves in psum_hi; n x F x (m / pt) x e x pt layout), puts the int32 results
// into `outputs` (N x K x E x F) and appends the requantised values (`rq`, or with rq null
// ReLU + `shift`), one RLC stream per (image, filter) plane segment, to `rlc` (the byte size
// after each stream to *stream_end). Returns the values encoded.
uint64_t encode_residency_outputs(const RsMapping& M, const PeArray::Residency& r, GlobalBuffer& glb, GlobalBuffer& psum_hi,
                                  uint64_t psum_base, int64_t K, int shift, const OutputRequant* rq,
                                  std::vector<int32_t>& outputs,
                                  std::vector<uint8_t>& rlc, int run_bits, int pairs_per_word, uint64_t& zeros,
                                  std::vector<uint64_t>* stream_end = nullptr);

}  // namespace sx::eyeriss
