#pragma once
// Names and counters shared by the hardware model (hw/) and the trace format (sw/trace): the
// fixed buffer roles and energy components (trace columns) and a buffer's access counters.
// Here, not in sw/trace, so that hw/buffer does not depend on how results are written.
#include <cstdint>
#include <string>

namespace sx {

// Fixed buffer roles (trace columns). A design maps each of its buffers to one role.
enum class BufferRole { Input, Output, Weight, Index, kCount };
const char* to_string(BufferRole r);
BufferRole buffer_role_from_string(const std::string& s);  // throws std::invalid_argument

// Fixed energy components (trace columns), all in pJ.
enum class EnergyComponent {
    Dram,          // device energy: activate/precharge, read/write bursts, I/O, background
    InputBuffer,   // global buffers by role
    OutputBuffer,
    WeightBuffer,
    IndexBuffer,
    RegisterFile,  // PE-local register files, scratchpads, accumulator banks
    Fifo,          // FIFO storage: weight FIFOs, link FIFOs, crossbar queues
    Noc,           // on-chip distribution: NoCs, buses, broadcasts, crossbars, adder trees, links
    Rebuild,       // SmartExchange basis-rebuild engines (shift-and-add)
    IndexDecoder,  // sparse index decoding
    PeArray,       // MACs / multipliers
    Leakage,       // static power x latency
    kCount
};
const char* to_string(EnergyComponent c);

struct BufferCounters {
    uint64_t reads = 0;        // port-width accesses
    uint64_t writes = 0;
    uint64_t read_bytes = 0;
    uint64_t write_bytes = 0;
    // Cycles accesses waited on busy ports/banks, summed over accesses and counted when an
    // access completes. round_robin: completion - issue - the access's own length (its
    // most-loaded bank's words). fcfs: the longest a port or bank kept the access from starting
    // (the definition before issue 12).
    uint64_t conflict_cycles = 0;
};

}  // namespace sx
