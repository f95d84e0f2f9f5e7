#pragma once
// The DMA engine: a TLM-2.0 approximately-timed initiator moving byte ranges between DRAM
// and a global buffer. A command is cut into bursts aligned to `burst_bytes`; up to
// `max_outstanding` bursts are in flight; a new BEGIN_REQ waits for the END_REQ of the
// previous one (base-protocol request exclusion), so the target's back-pressure is felt.
// Read data is written into the buffer through its ports when the response arrives; write
// data is read from the buffer before the request is sent. Commands queue in a bounded FIFO;
// callers get a ticket and may wait for it, which lets the controller overlap transfers
// with compute (double buffering).
//
// Clock-domain crossing: when the memory runs on a clock of its own (the DRAM model, at its
// preset's clock or a link clock), a response arrives at a memory clock edge that is in
// general not a core clock edge. It then passes a synchronizer: it is captured at the first
// core edge at or after its arrival and is usable `sync_cycles` core cycles later (a two-flop
// synchronizer: 2). Only then is read data written into the buffer, a store counted as done,
// and the burst's slot (its data register) freed for another outstanding burst. Responses
// keep their order (constant latency). A memory on the core clock (the fixed-latency stub)
// has no crossing.
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "hw/buffer/global_buffer.h"
#include "hw/common/sim_context.h"

namespace sx {

struct DmaCommand {
    uint64_t dram_addr = 0;
    uint64_t bytes = 0;
    bool to_dram = false;          // false: DRAM -> buffer (load); true: buffer -> DRAM (store)
    GlobalBuffer* buffer = nullptr;
    uint64_t buffer_addr = 0;
};

struct DmaStats {
    uint64_t read_bytes = 0;       // bytes received from DRAM
    uint64_t write_bytes = 0;      // bytes sent to DRAM
    uint64_t bursts = 0;
    uint64_t buffer_bytes_in = 0;  // bytes written into global buffers
    uint64_t overfetch_bytes = 0;
    uint64_t buffer_bytes_out = 0; // bytes read from global buffers for stores  // bytes of aligned bursts outside a load's range (dropped)
    uint64_t req_stall_cycles = 0; // cycles a ready burst waited for END_REQ / a free slot
    uint64_t first_request_cycle = UINT64_MAX;
    uint64_t last_write_done_cycle = 0;
};

class Dma : public sc_core::sc_module, private tlm::tlm_mm_interface {
public:
    tlm_utils::simple_initiator_socket<Dma> socket;

    // transfer_bytes: largest transaction, a multiple of align_bytes (the memory's burst). The
    // memory accepts only aligned, whole-burst transactions: loads fetch the covering bursts
    // and drop the bytes outside the range (counted as overfetch); stores must be aligned.
    // cross_domain: the memory is on another clock (responses pass the synchronizer above);
    // sync_cycles: its latency in core cycles after the capturing core edge.
    Dma(sc_core::sc_module_name name, SimContext& ctx, int max_outstanding, uint32_t transfer_bytes,
        uint32_t align_bytes, int queue_depth, bool cross_domain = false, uint32_t sync_cycles = 0);

    // Called from a SystemC thread: blocks while the command FIFO is full.
    uint64_t submit(const DmaCommand& cmd);
    bool done(uint64_t ticket) const;
    void wait_done(uint64_t ticket);  // from a thread; returns at the cycle the data is in place
    void wait_all();                  // every submitted ticket done

    DmaStats stats;  // reset per layer by the owner
    int outstanding() const { return outstanding_; }
    bool busy() const { return outstanding_ > 0 || queue_.num_available() > 0 || issuing_; }
    // For VCD tracing.
    const int& outstanding_ref() const { return outstanding_; }
    const bool& req_pending_ref() const { return req_in_progress_; }

private:
    struct Slot {
        tlm::tlm_generic_payload p;
        std::vector<uint8_t> data;
        uint64_t ticket = 0;
        uint64_t buffer_addr = 0;  // buffer address of the first useful byte
        uint64_t skip = 0;         // bytes of the transaction before the first useful byte
        uint64_t useful = 0;       // useful bytes
        GlobalBuffer* buffer = nullptr;
    };
    struct Ticket {
        uint64_t remaining = 0;
        uint64_t done_cycle = 0;
        bool all_issued = false;
        std::vector<BufferAccess> writes;  // buffer writes of the read responses, not yet waited
    };

    void issue_thread();
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_core::sc_time& d);
    void on_response(tlm::tlm_generic_payload& p);
    void deliver(tlm::tlm_generic_payload& p);  // the response in the core domain
    void sync_thread();                          // the synchronizer's output side
    void free(tlm::tlm_generic_payload* p) override;
    Slot* alloc_slot();

    SimContext& ctx_;
    int mon_id_;
    int max_outstanding_;
    uint32_t burst_bytes_;
    uint32_t align_;
    sc_core::sc_fifo<uint64_t> queue_;
    std::vector<DmaCommand> commands_;  // by ticket
    std::vector<Ticket> tickets_;
    uint64_t settled_ = 0;  // tickets [0, settled_) are done and waited for (wait_all)
    int outstanding_ = 0;
    bool req_in_progress_ = false;
    tlm::tlm_generic_payload* req_payload_ = nullptr;  // the payload in its request phase
    bool issuing_ = false;
    sc_core::sc_event end_req_ev_, resp_ev_, done_ev_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<Slot*> free_slots_;
    std::unordered_map<tlm::tlm_generic_payload*, Slot*> slot_of_;
    bool cross_domain_ = false;
    uint32_t sync_cycles_ = 0;
    struct Crossing {
        uint64_t land;  // core cycle the response is usable
        tlm::tlm_generic_payload* p;
    };
    std::deque<Crossing> sync_q_;  // responses in the synchronizer, arrival order
    sc_core::sc_event sync_ev_;
};

}  // namespace sx
