#include "hw/system/layer_result_builder.h"

#include <algorithm>

#include "hw/energy/energy_model.h"

namespace sx {

void LayerResultBuilder::cycles_from_first_request(const MemoryLayerStats& m, uint64_t start, uint64_t now) {
    const uint64_t first = m.dma.first_request_cycle == UINT64_MAX ? start : m.dma.first_request_cycle;
    cycles(first, std::max(m.dma.last_write_done_cycle, now));
}

void LayerResultBuilder::work(uint64_t executed, uint64_t skipped, uint64_t active_pes) {
    r_.macs_executed = executed;
    r_.macs_skipped = skipped;
    r_.active_pes = active_pes;
}

void LayerResultBuilder::memory(const MemoryLayerStats& m) {
    if (m.dram_valid) {
        r_.dram_row_hits = m.dram.row_hits;
        r_.dram_row_misses = m.dram.row_misses;
    }
    r_.dram_read_bytes = m.read_bytes;
    r_.dram_write_bytes = m.write_bytes;
    cons_.dram_read_bytes = m.read_bytes;
    cons_.buffer_bytes_in = m.dma.buffer_bytes_in;
    cons_.overfetch_bytes = m.dma.overfetch_bytes;
}

void LayerResultBuilder::dram_energy(const MemoryLayerStats& m) {
    r_.energy(EnergyComponent::Dram) =
        m.dram_valid ? m.dram.total_pj() : dram_bytes_energy_pj(arch_.tech, m.read_bytes + m.write_bytes);
}

}  // namespace sx
