#include "hw/system/memory_system.h"

namespace sx {

MemorySystem::MemorySystem(const ArchConfig& arch, SimContext& ctx, const MemorySystemParams& p) : ctx_(ctx) {
    uint32_t align = 1;
    uint32_t sync_cycles = 0;
    if (!p.fixed_memory) {
        const DramConfig dc = parse_dram_config(JsonNode(arch.dram.preset, arch.dram.preset_path), arch.dram.channels,
                                                arch.dram.bus_width_bits, arch.dram.clock_mhz_override);
        dram_ = std::make_unique<Dram>("dram", dc);
        align = dram_->bytes_per_burst();
        // The DRAM is another clock domain: its read data crosses into the core clock.
        sync_cycles = static_cast<uint32_t>(arch.dram.sync_cycles);
    } else {
        // The stub is clocked by the core clock: no crossing.
        fixed_ = std::make_unique<AtMemory>("memory", 0, ctx.clk, p.fixed_latency_cycles, p.fixed_bytes_per_cycle);
        fixed_bytes_per_cycle_ = p.fixed_bytes_per_cycle;
    }
    burst_ = align;
    dma_ = std::make_unique<Dma>("dma", ctx, p.dma_max_outstanding, p.dma_transfer_bytes, align, p.dma_queue_depth,
                                 dram_ != nullptr, sync_cycles);
    if (dram_) dma_->socket.bind(dram_->socket);
    else dma_->socket.bind(fixed_->socket);
}

double MemorySystem::peak_bandwidth_bytes_per_s() const {
    if (dram_) return dram_->peak_bandwidth_bytes_per_s();
    return static_cast<double>(fixed_bytes_per_cycle_) / ctx_.clk.to_seconds();
}

void MemorySystem::backdoor_read(uint64_t addr, uint8_t* dst, uint64_t n) const {
    if (dram_) dram_->read_backdoor(addr, dst, n);
    else fixed_->backdoor_read(addr, dst, n);
}

void MemorySystem::backdoor_write(uint64_t addr, const uint8_t* src, uint64_t n) {
    if (dram_) dram_->write_backdoor(addr, src, n);
    else fixed_->backdoor_write(addr, src, n);
}

void MemorySystem::begin_layer() {
    dma_->stats = DmaStats{};
    if (dram_) {
        before_ = dram_->stats();
    } else {
        fixed_->read_bytes = fixed_->write_bytes = 0;
    }
}

MemoryLayerStats MemorySystem::end_layer() const {
    MemoryLayerStats m;
    m.dma = dma_->stats;
    if (dram_) {
        m.dram_valid = true;
        m.dram = dram_->stats() - before_;
        m.read_bytes = m.dram.bytes_read;
        m.write_bytes = m.dram.bytes_written;
    } else {
        m.read_bytes = fixed_->read_bytes;
        m.write_bytes = fixed_->write_bytes;
    }
    return m;
}

}  // namespace sx
