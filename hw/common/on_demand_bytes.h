#pragma once
// Host storage of a modelled memory: a contiguous, zero-filled byte array whose host pages are
// allocated only when first touched. A modelled SRAM may be documented up to 1 TiB
// (docs/formats.md); what a run writes into it is bounded by the workload, not by the capacity,
// so host memory must follow the data (issue 11: a 64 GiB buffer used to be a 64 GiB host
// array and the run died "out of memory").
//
// Why an anonymous MAP_NORESERVE mapping rather than a paged map (hw/dram/backing_store.h):
// it stays contiguous, so callers keep plain pointers into it (GlobalBuffer::data(addr, n)
// returns one, and some designs address a whole buffer from one base pointer); the kernel
// supplies zero pages on first touch, and reads of untouched pages cost nothing; an access
// costs exactly what a vector access costs. Only address space is reserved up front (the
// x86-64 user space is 128 TiB; a run has a handful of buffers of at most 1 TiB each).
//
// Errors: the mapping can still fail (address-space limit such as `ulimit -v`, or the kernel
// in strict overcommit mode, vm.overcommit_memory=2); the constructor then throws
// HostReservationError, which the caller maps to the configuration field that asked for it.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sx {

// The host could not reserve the address space of a modelled memory. `owner` is the name the
// caller gave (a buffer's name), `bytes` the size asked for, `reason` the system's error text.
class HostReservationError : public std::runtime_error {
public:
    HostReservationError(std::string owner, uint64_t bytes, std::string reason);
    const std::string& owner() const { return owner_; }
    uint64_t bytes() const { return bytes_; }
    const std::string& reason() const { return reason_; }

private:
    std::string owner_;
    uint64_t bytes_;
    std::string reason_;
};

class OnDemandBytes {
public:
    OnDemandBytes() = default;
    // Reserves `bytes` of zero-filled storage (nothing for 0). Throws HostReservationError
    // naming `owner` when the host refuses the reservation.
    OnDemandBytes(uint64_t bytes, const std::string& owner);
    ~OnDemandBytes();
    OnDemandBytes(OnDemandBytes&& o) noexcept;
    OnDemandBytes& operator=(OnDemandBytes&& o) noexcept;
    OnDemandBytes(const OnDemandBytes&) = delete;
    OnDemandBytes& operator=(const OnDemandBytes&) = delete;

    uint8_t* data() { return data_; }
    const uint8_t* data() const { return data_; }
    uint64_t size() const { return size_; }

    // Host bytes of this storage currently resident (pages touched so far, rounded to pages),
    // from mincore(2). For tests and benchmarks; costs one bit per page of the reservation.
    uint64_t resident_bytes() const;

private:
    void release();
    uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
};

}  // namespace sx
