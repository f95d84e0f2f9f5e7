#pragma once
// Fills a LayerResult (sw/trace/layer_result.h) and the conservation figures simulate()
// checks, in one place for every design: latency, MAC accounting, buffer counters by role,
// the memory side (DRAM bytes, row outcomes, DRAM energy, conservation), extras.
// The design keeps what is its own (its energy of PEs, register files, networks, leakage from
// its area report) and its extra columns; everything that comes from the shared blocks goes
// through here.
#include <cstdint>
#include <string>

#include "hw/buffer/global_buffer.h"
#include "hw/sim/accelerator_model.h"
#include "hw/system/memory_system.h"
#include "sw/config/arch_config.h"
#include "sw/trace/layer_result.h"

namespace sx {

class LayerResultBuilder {
public:
    LayerResultBuilder(const ArchConfig& arch, LayerResult& r, LayerConservation& cons)
        : arch_(arch), r_(r), cons_(cons) {}

    // Latency in core cycles: `first` to `end`.
    void cycles(uint64_t first, uint64_t end) { r_.cycles = end - first; }
    // Latency from the layer's first DRAM request (`start` if it made none) to its last output
    // write done or `now`, whichever is later.
    void cycles_from_first_request(const MemoryLayerStats& m, uint64_t start, uint64_t now);
    // MACs performed and skipped (their sum is checked against the layer's MACs), PEs in use.
    void work(uint64_t executed, uint64_t skipped, uint64_t active_pes);
    void buffer(BufferRole role, const BufferCounters& c) { r_.buffer(role) = c; }
    void rf_accesses(uint64_t n) { r_.rf_accesses = n; }
    // DRAM bytes and row outcomes, and the conservation figures (memory reads vs. bytes into
    // the buffers plus overfetch).
    void memory(const MemoryLayerStats& m);
    // The Dram energy column: the device model's energy, or (stub) dram_access_64b per 64 bits.
    void dram_energy(const MemoryLayerStats& m);
    void extra(const std::string& name, double v) { r_.extra[name] = v; }

    LayerResult& result() { return r_; }

private:
    const ArchConfig& arch_;
    LayerResult& r_;
    LayerConservation& cons_;
};

}  // namespace sx
