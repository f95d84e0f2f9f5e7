#pragma once
// The memory side every design shares: the off-chip memory (the DRAM model of hw/dram, built
// from the configuration's "dram" section, or the fixed-latency stub of hw/common/at_memory),
// the DMA in front of it, their TLM binding, and the per-layer statistics a design reports
// (DRAM counters and energy as after - before snapshots, DMA counters, conservation figures).
// A design builds one MemorySystem in its constructor and, per layer: writes the layer's image
// with backdoor_write(), calls begin_layer(), runs, and reads end_layer().
//
// Clock domains: the DRAM runs on its own clock (the preset's, or dram.clock_mhz, e.g.
// Eyeriss' 60 MHz link); the stub runs on the core clock. Read data that crosses from the
// DRAM clock to the core clock passes the DMA's synchronizer (dram.sync_cycles, hw/dma/dma.h).
#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "hw/common/at_memory.h"
#include "hw/common/sim_context.h"
#include "hw/dma/dma.h"
#include "hw/dram/dram.h"
#include "hw/dram/dram_stats.h"
#include "hw/sim/accelerator_model.h"
#include "sw/config/arch_config.h"

namespace sx {

// What a design chooses about its memory side (each design reads these from its own section
// of the configuration).
struct MemorySystemParams {
    bool fixed_memory = false;          // true: the fixed-latency stub instead of the DRAM model
    uint64_t fixed_latency_cycles = 20; // stub: core cycles from request to first data
    uint64_t fixed_bytes_per_cycle = 16;// stub: data bus width, bytes per core cycle
    int dma_max_outstanding = 8;        // DMA bursts in flight
    uint32_t dma_transfer_bytes = 64;   // largest DMA transaction (rounded up to the burst)
    int dma_queue_depth = 16;           // DMA command FIFO depth
};

// One layer's memory-side figures (end_layer()).
struct MemoryLayerStats {
    bool dram_valid = false;   // false: the stub (no device model, no row statistics or energy)
    DramStats dram;            // the layer's share (after - before); zero for the stub
    uint64_t read_bytes = 0;   // bytes the memory delivered / accepted, as the memory counted them
    uint64_t write_bytes = 0;
    DmaStats dma;              // the DMA's counters for the layer
};

class MemorySystem {
public:
    // Throws InputError (against the configuration) when the DRAM preset or its overrides are bad.
    MemorySystem(const ArchConfig& arch, SimContext& ctx, const MemorySystemParams& p);

    Dma& dma() { return *dma_; }
    // Alignment the memory accepts (the DRAM burst; 1 for the stub).
    uint32_t burst_bytes() const { return burst_; }
    bool has_dram() const { return dram_ != nullptr; }
    Dram* dram() { return dram_.get(); }
    // Peak bytes per second of the memory's data bus.
    double peak_bandwidth_bytes_per_s() const;

    // Host preload (no simulated time, no statistics).
    void backdoor_write(uint64_t addr, const uint8_t* src, uint64_t n);
    void backdoor_write(uint64_t addr, const std::vector<uint8_t>& bytes) {
        backdoor_write(addr, bytes.data(), bytes.size());
    }
    // Host read-back (no simulated time, no statistics): e.g. a design checking what reached DRAM.
    void backdoor_read(uint64_t addr, uint8_t* dst, uint64_t n) const;

    // Starts a layer: resets the DMA counters and the stub's byte counts, snapshots the DRAM.
    void begin_layer();
    // The layer's figures since begin_layer() (DRAM snapshot taken now).
    MemoryLayerStats end_layer() const;

private:
    SimContext& ctx_;
    std::unique_ptr<Dram> dram_;
    std::unique_ptr<AtMemory> fixed_;
    std::unique_ptr<Dma> dma_;
    uint64_t fixed_bytes_per_cycle_ = 0;
    uint32_t burst_ = 1;
    DramStats before_;
};

}  // namespace sx
