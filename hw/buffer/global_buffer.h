#pragma once
// A banked global SRAM buffer with real storage and modelled time.
//
// Time (hw/buffer/buffer_arbiter.h has the model): port words (port_width_bits) are interleaved
// over the banks; each bank moves one port word per cycle; at most `ports` accesses are in
// flight; the configured arbiter ("round_robin" by default, or "fcfs") decides which access a
// contended bank serves. Under round robin a later access can delay an earlier one, so an
// access's completion is not known when it is made: a SystemC thread issues accesses (issue_*)
// and then waits for them (wait(), or a BufferAccessGroup). Nothing ticks: the schedule is
// brought forward exactly, event by event, when an access is issued or a waiter wakes.
// Storage: the full capacity is addressable, but host memory is taken only for the pages an
// access touches (hw/common/on_demand_bytes.h), so a documented 1 TiB buffer runs in about the
// host memory of the data it holds.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hw/buffer/buffer_arbiter.h"
#include "hw/common/on_demand_bytes.h"
#include "hw/common/sim_context.h"
#include "sw/common/model_stats.h"
#include "sw/config/arch_config.h"

namespace sx {

// An issued access, to wait on. Default-constructed (or from a zero-byte access): already done.
struct BufferAccess {
    uint32_t slot = UINT32_MAX;
    uint32_t gen = 0;  // the slot's use count at issue: catches a handle waited on twice
    bool pending() const { return slot != UINT32_MAX; }
};

class GlobalBuffer : private ArbiterListener {
public:
    // Throws HostReservationError (owner = cfg.name) if the host cannot reserve the capacity's
    // address space; simulate() reports it at the buffer's capacity field. cfg.arbiter empty:
    // "round_robin"; cfg.ports < 0 (not configured) or 0: unlimited.
    GlobalBuffer(const BufferConfig& cfg, const SimContext& ctx);
    ~GlobalBuffer() override;

    const std::string& name() const { return name_; }
    uint64_t capacity() const { return capacity_; }
    int banks() const { return banks_; }
    uint64_t ports() const { return ports_; }  // 0: unlimited
    uint64_t port_bytes() const { return port_bytes_; }
    const std::string& arbiter() const { return arbiter_name_; }

    // Start an access of `bytes` at `addr` at the current cycle (counted now). SimulationError if
    // outside the capacity. The result must be waited on (wait / BufferAccessGroup) exactly once.
    BufferAccess issue_read(uint64_t addr, uint64_t bytes) { return issue(addr, bytes, false); }
    BufferAccess issue_write(uint64_t addr, uint64_t bytes) { return issue(addr, bytes, true); }
    BufferAccess issue(uint64_t addr, uint64_t bytes, bool write);
    // An access nobody waits for (it still takes its port and banks).
    void post(uint64_t addr, uint64_t bytes, bool write);
    // From a SystemC thread: returns at the cycle `a` completes (at once if it already has).
    // Returns its completion cycle (which is in the past if it completed before the call).
    uint64_t wait(BufferAccess& a);
    // Without waiting: has `a` completed by now?
    bool done(const BufferAccess& a);

    // Data (no timing: pair with an access). Zero where never written. The pointer stays
    // valid for the buffer's lifetime and covers [addr, capacity()).
    uint8_t* data(uint64_t addr, uint64_t bytes);

    // Host bytes currently backing the storage (pages touched so far); for tests and benchmarks.
    uint64_t host_resident_bytes() const { return mem_.resident_bytes(); }

    BufferCounters counters;     // reset per layer by the owner
    uint64_t occupancy = 0;      // bytes holding live data (kept by the owner; traced in VCD)

private:
    static constexpr uint64_t kUnknown = UINT64_MAX;
    struct Request {
        uint64_t issued = 0, own = 0;  // issue cycle; cycles it would take alone
        uint64_t done = kUnknown;      // completion cycle, once final
        uint32_t gen = 0;
        bool detached = false;         // post(): freed at completion
        bool live = false;
    };
    void completed(uint32_t slot, uint64_t cycle, uint64_t conflict_cycles) override;
    uint32_t new_slot();
    void free_slot(uint32_t slot);
    Request& at(const BufferAccess& a);

    std::string name_;
    uint64_t capacity_;
    int banks_;
    uint64_t ports_;
    uint64_t port_bytes_;
    std::string arbiter_name_;
    const SimContext& ctx_;
    std::unique_ptr<BufferArbiter> arb_;
    std::vector<Request> reqs_;
    std::vector<uint32_t> free_;
    OnDemandBytes mem_;  // capacity_ bytes, pages allocated on first touch
};

// Accesses a thread waits for together (e.g. the partial sums of one PE step, on one or more
// buffers): wait() returns once all have completed, at the latest completion.
class BufferAccessGroup {
public:
    void add(GlobalBuffer& b, BufferAccess a) {
        if (a.pending()) items_.emplace_back(&b, a);
    }
    bool empty() const { return items_.empty(); }
    // Returns the cycle the last access completed (the current cycle if there were none).
    uint64_t wait(const SimContext& ctx);
    // Without waiting: have all completed by now? (The exactness test mode re-evaluates this
    // every cycle; the accesses must still be waited for once.)
    bool done() const;

private:
    std::vector<std::pair<GlobalBuffer*, BufferAccess>> items_;
};

// An access that two threads wait for (requantisation's partial-sum read: the PE array before
// it overwrites those partial sums, and the store unit before it sends the outputs). The first
// waiter consumes the handle; the others learn its completion cycle from it. Completions do not
// depend on who waits, so every waiter returns at the same, exact cycle.
class SharedBufferAccess {
public:
    SharedBufferAccess(GlobalBuffer& b, BufferAccess a) : b_(&b), a_(a) {}
    uint64_t wait(const SimContext& ctx);

private:
    GlobalBuffer* b_;
    BufferAccess a_;
    bool waiting_ = false;
    uint64_t done_ = UINT64_MAX;
    sc_core::sc_event known_;
};

}  // namespace sx
