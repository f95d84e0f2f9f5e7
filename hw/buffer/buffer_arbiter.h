#pragma once
// Who gets a global buffer's banks, and when: the arbitration policy of hw/buffer/global_buffer.
// One implementation per file (fcfs_arbiter, round_robin_arbiter), chosen by name from the
// buffer's configuration ("arbiter") through make_buffer_arbiter, as DRAMSys picks its
// scheduler.
//
// The model every policy shares: a buffer has `banks` banks; port word w (port_width_bits wide)
// lives in bank w % banks; a bank moves one port word per cycle. A request (an access) is a run
// of consecutive port words. At most `ports` requests are in flight (0: no limit); a request
// issued beyond that waits, first come first served, for a request to complete and free its
// port. A request issued at cycle t can be served from cycle t on; one that completes at cycle c
// moved its last word in cycle c - 1, and its port serves a waiting request from cycle c on.
// The policies differ in which in-flight request a bank serves when several want it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sx {

// Told when a request's completion cycle is final, with the conflict cycles the policy counts
// for it (kDelayBeyondOwn: completion - issue - the request's own length).
class ArbiterListener {
public:
    static constexpr uint64_t kDelayBeyondOwn = UINT64_MAX;
    virtual ~ArbiterListener() = default;
    virtual void completed(uint32_t slot, uint64_t cycle, uint64_t conflict_cycles) = 0;
};

struct ArbiterGeometry {
    uint64_t banks = 1;  // >= 1
    uint64_t ports = 0;  // requests in flight at once; 0 = unlimited
};

class BufferArbiter {
public:
    BufferArbiter(const ArbiterGeometry& g, ArbiterListener& l) : geo_(g), listener_(l) {}
    virtual ~BufferArbiter() = default;

    // Request `slot` (the buffer's handle, reused once completed) of `words` >= 1 port words from
    // word address `w0`, issued at cycle `now`. `now` never decreases from call to call.
    virtual void issue(uint32_t slot, uint64_t now, uint64_t w0, uint64_t words) = 0;
    // Brings the schedule to cycle `now`: completed() for every request that completes at or
    // before `now`.
    virtual void advance(uint64_t now) = 0;
    // The cycle at which `slot` (issued, not yet completed at `now`) completes if nothing more
    // is issued. Exact under that condition; a later issue may move it later, never earlier.
    virtual uint64_t plan(uint32_t slot, uint64_t now) = 0;

protected:
    ArbiterGeometry geo_;
    ArbiterListener& listener_;
};

// The policy named `name` (one of buffer_arbiter_names()); std::invalid_argument otherwise
// (the configuration rejects unknown names first, with the field's pointer).
std::unique_ptr<BufferArbiter> make_buffer_arbiter(const std::string& name, const ArbiterGeometry& g,
                                                   ArbiterListener& l);
// Registered names, the default first: {"round_robin", "fcfs"}.
const std::vector<std::string>& buffer_arbiter_names();

}  // namespace sx
