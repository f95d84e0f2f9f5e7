#pragma once
// TLM-2.0 DRAM target, approximately-timed base protocol (BEGIN_REQ / END_REQ / BEGIN_RESP /
// END_RESP over nb_transport_fw/bw), in the manner of DRAMSys.
//
// Initiator contract:
//  * Send BEGIN_REQ through `socket` (a tlm_utils::simple_target_socket). Address and length
//    must be multiples of bytes_per_burst(); no byte enables; data pointer valid until the
//    response. The request is accepted (END_REQ, either as the TLM_UPDATED return value of
//    the BEGIN_REQ call or later on nb_transport_bw) only when the request queue
//    (config.request_queue_depth transactions) has room; until then, per the base protocol,
//    the initiator may not send another BEGIN_REQ.
//  * The target copies data at acceptance (writes store into the backing store, reads fill
//    the payload's buffer), so functional order is acceptance order; timing is separate.
//  * BEGIN_RESP comes on nb_transport_bw when the data of the transaction's last burst has
//    crossed the bus. Return TLM_COMPLETED (or TLM_UPDATED with END_RESP), or TLM_ACCEPTED and
//    send END_RESP later on nb_transport_fw; the next response waits for it.
//  * If the payload has a memory manager the target acquire()s it from BEGIN_REQ to END_RESP.
// Transactions longer than a burst are split into bursts internally (bursts of one transaction
// may go to several channels and banks according to the address mapping).
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/dram/backing_store.h"
#include "hw/dram/dram_config.h"
#include "hw/dram/dram_stats.h"
#include "hw/dram/refresh_manager.h"
#include "hw/dram/scheduler.h"
#include "hw/dram/timing_checker.h"

namespace sx {

class Dram : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Dram);
    tlm_utils::simple_target_socket<Dram> socket;

    // scheduler: nullptr = FR-FCFS.
    Dram(sc_core::sc_module_name name, const DramConfig& cfg,
         std::unique_ptr<DramScheduler> scheduler = nullptr);
    ~Dram() override;

    const DramConfig& config() const { return cfg_; }
    uint32_t bytes_per_burst() const { return cfg_.bytes_per_burst(); }
    sc_core::sc_time clock_period() const { return period_; }
    double peak_bandwidth_bytes_per_s() const { return cfg_.peak_bandwidth_bytes_per_s(); }
    const DramAddressMapper& mapper() const { return mapper_; }

    // Backdoor: no simulated time, no statistics (preloading weights / inputs, checking results).
    void write_backdoor(uint64_t addr, const void* src, std::size_t len);
    void read_backdoor(uint64_t addr, void* dst, std::size_t len) const;

    // Snapshot at the current simulation time; background energy covers time 0 .. now, so
    // (after - before) gives a layer's share. Missed refreshes of idle channels are committed.
    DramStats stats() const;

    // Work in flight (accepted and not yet responded), for watchdogs / end-of-run checks.
    std::size_t outstanding() const { return outstanding_; }

private:
    struct Txn {
        tlm::tlm_generic_payload* gp = nullptr;
        uint64_t addr = 0;
        uint64_t arrival = 0;   // DRAM cycle
        uint64_t done = 0;      // data end of the latest burst issued so far
        uint32_t bursts = 0, fed = 0, issued = 0;
        bool write = false;
    };
    struct Burst {
        uint64_t seq, arrival;
        uint32_t txn, bank, row;
        bool write, caused_act;
    };
    struct Channel {
        explicit Channel(const DramConfig& c)
            : tc(c), ref(c.t.tREFI), open_row(std::size_t(c.banks), -1),
              has_hit(std::size_t(c.banks), 0) {
            buf.reserve(std::size_t(c.scheduler_buffer_depth));
            runs.reserve(std::size_t(c.scheduler_buffer_depth));
            cands.resize(std::size_t(c.scheduler_buffer_depth));
        }
        std::vector<Burst> buf;          // oldest first
        TimingChecker tc;
        RefreshManager ref;
        std::vector<int32_t> open_row;   // -1: closed
        std::vector<uint8_t> has_hit;
        // Runs partition buf into consecutive bursts equal in all but age (same bank, row,
        // direction and arrival: the bursts of one transaction), oldest first. With a policy
        // that collapses equal candidates a run gets one candidate, its oldest burst's, and the
        // younger ones none (they have the same command and earliest cycle); otherwise every
        // run is one burst. cands[k] is runs[k]'s candidate, for k < ncands, while cands_valid:
        // candidates depend only on the timing checker, the open rows and the buffer, so they
        // stay valid until a command or a refresh is issued; runs fed meanwhile are appended
        // (docs/dram.md, "Controller cost").
        struct Run { uint32_t first, count; };
        std::vector<Run> runs;
        std::vector<DramCandidate> cands;   // sized scheduler_buffer_depth
        uint32_t ncands = 0;
        bool cands_valid = false;
        uint32_t open_banks = 0;
        uint64_t active_since = 0, active_cycles = 0;
    };
    struct Resp {
        uint64_t done, seq;
        tlm::tlm_generic_payload* gp;
        bool operator>(const Resp& o) const { return done != o.done ? done > o.done : seq > o.seq; }
    };

    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp);

    void validate(const tlm::tlm_generic_payload& gp) const;
    void accept(tlm::tlm_generic_payload& gp, const sc_core::sc_time& delay);
    void controller();          // SC_METHOD on wake_ev_
    void responder();           // SC_METHOD on resp_ev_
    bool feed();                // move bursts of accepted transactions into channel buffers
    uint64_t service(Channel& ch, uint64_t now);   // issue at most one command, return next wake
    void build_candidates(Channel& ch);             // all of buf, from scratch
    void update_candidates(Channel& ch);            // append the bursts fed since, or rebuild
    void add_candidates(Channel& ch);              // runs[ncands, size)
    void issue(Channel& ch, const DramCandidate& c, uint64_t now);
    void commit_refreshes(Channel& ch, uint64_t now) const;
    uint64_t now_cycle() const;
    void wake_at(sc_core::sc_event& ev, uint64_t cycle);

    DramConfig cfg_;
    DramAddressMapper mapper_;
    std::unique_ptr<DramScheduler> sched_;
    bool collapse_;             // sched_->collapses_equal_candidates()
    sc_core::sc_time period_;
    uint64_t period_units_;     // period in SystemC time-resolution units
    BackingStore store_;

    std::vector<Txn> slots_;
    std::vector<uint32_t> free_slots_;
    std::deque<uint32_t> to_feed_;            // accepted, not fully fed, acceptance order
    tlm::tlm_generic_payload* pending_req_ = nullptr;   // BEGIN_REQ waiting for a slot
    sc_core::sc_time pending_arrival_;
    bool end_req_due_ = false;                // pending_req_ accepted, END_REQ to send
    tlm::tlm_generic_payload* end_req_gp_ = nullptr;
    std::priority_queue<Resp, std::vector<Resp>, std::greater<Resp>> responses_;
    tlm::tlm_generic_payload* resp_in_flight_ = nullptr;   // waiting for END_RESP
    uint64_t seq_ = 0;
    std::size_t outstanding_ = 0;

    mutable std::vector<Channel> channels_;
    mutable DramStats st_;
    sc_core::sc_event wake_ev_, resp_ev_;
};

}  // namespace sx
