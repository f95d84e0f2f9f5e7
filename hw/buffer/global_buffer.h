#pragma once
// A banked global SRAM buffer with real storage. Port words (port_width_bits) are interleaved
// over the banks; each bank moves one port word per cycle. An access therefore takes as many
// cycles as the most-loaded bank has words to move, and waits while a bank is still busy
// with an earlier access (bank conflict). Requests are served in the order they are made,
// always at the current simulation time, so the per-bank "busy until" table is an exact
// reservation schedule, not an estimate.
// Storage: the full capacity is addressable, but host memory is taken only for the pages an
// access touches (hw/common/on_demand_bytes.h), so a documented 1 TiB buffer runs in about the
// host memory of the data it holds.
#include <cstdint>
#include <string>
#include <vector>

#include "hw/common/on_demand_bytes.h"
#include "hw/common/sim_context.h"
#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx {

class GlobalBuffer {
public:
    // Throws HostReservationError (owner = cfg.name) if the host cannot reserve the capacity's
    // address space; simulate() reports it at the buffer's capacity field.
    GlobalBuffer(const BufferConfig& cfg, const SimContext& ctx);

    const std::string& name() const { return name_; }
    uint64_t capacity() const { return capacity_; }
    int banks() const { return banks_; }
    uint64_t port_bytes() const { return port_bytes_; }

    // Reserve the bank ports for an access of `bytes` at `addr` requested now; returns the
    // absolute cycle at which it completes. SimulationError if outside the capacity.
    uint64_t read(uint64_t addr, uint64_t bytes) { return access(addr, bytes, false); }
    uint64_t write(uint64_t addr, uint64_t bytes) { return access(addr, bytes, true); }
    uint64_t access(uint64_t addr, uint64_t bytes, bool write);

    // Data (no timing: pair with read()/write()). Zero where never written. The pointer stays
    // valid for the buffer's lifetime and covers [addr, capacity()).
    uint8_t* data(uint64_t addr, uint64_t bytes);

    // Host bytes currently backing the storage (pages touched so far); for tests and benchmarks.
    uint64_t host_resident_bytes() const { return mem_.resident_bytes(); }

    BufferCounters counters;     // reset per layer by the owner
    uint64_t occupancy = 0;      // bytes holding live data (kept by the owner; traced in VCD)

private:
    std::string name_;
    uint64_t capacity_;
    int banks_;
    uint64_t port_bytes_;
    const SimContext& ctx_;
    std::vector<uint64_t> bank_free_;  // cycle at which each bank is free
    OnDemandBytes mem_;  // capacity_ bytes, pages allocated on first touch
};

}  // namespace sx
