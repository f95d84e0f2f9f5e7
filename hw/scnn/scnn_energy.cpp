#include "hw/scnn/scnn_energy.h"

#include "hw/energy/energy_model.h"

namespace sx::scnn {

void apply_scnn_energy(const ArchConfig& arch, const ScnnEnergyCounts& c, LayerResult& r) {
    const TechTable& t = arch.tech;
    const double mult = t.pj("mult_16b");
    const double add = t.pj("add_32b");  // 24-bit accumulate: the next larger Horowitz adder
    // Multipliers: SCNN fires every issued product (discarded ones included: the multiplier
    // ran); DCNN fires every slot; DCNN-opt gates slots with a zero operand.
    double mults = 0, adds = 0;
    if (c.sparse) {
        mults = static_cast<double>(c.cnt.products + c.cnt.products_discarded);
        adds = static_cast<double>(c.cnt.products);
    } else {
        mults = static_cast<double>(c.cnt.products - (c.zero_gating ? c.cnt.zero_gated : 0));
        adds = mults;
    }
    r.energy(EnergyComponent::PeArray) = mults * mult + adds * add;
    // Weight FIFO (register storage, F weights per entry) and the accumulator buffer (an
    // SRAM of accumulator_kib per PE, one 24-bit read-modify-write per product).
    const double fifo = static_cast<double>(c.fifo_writes + c.cnt.fifo_reads) * c.F * t.pj("fifo_access_16b");
    const double acc = static_cast<double>(c.cnt.acc_reads) * t.sram_read_pj(c.accumulator_kib, arch.bits.accumulator) +
                       static_cast<double>(c.cnt.acc_writes) * t.sram_write_pj(c.accumulator_kib, arch.bits.accumulator);
    r.energy(EnergyComponent::RegisterFile) = fifo + acc;
    // Networks: the scatter crossbar (one traversal per product delivered), the halo links and
    // the weight broadcast (one hop per weight per target PE).
    const double xbar = c.sparse ? static_cast<double>(c.cnt.products) * t.pj("noc_hop_16b") : 0;
    r.energy(EnergyComponent::Noc) = xbar + static_cast<double>(c.halo_values) * t.pj("noc_hop_16b") +
                                     static_cast<double>(c.fifo_writes) * c.F * t.pj("noc_hop_16b");
    // IARAM / OARAM: per-PE banks (capacity / banks each).
    for (const auto& b : arch.buffers) {
        BufferConfig per = b;
        per.capacity_bytes = b.capacity_bytes / static_cast<uint64_t>(b.banks > 0 ? b.banks : 1);
        if (b.role == "input") r.energy(EnergyComponent::InputBuffer) = buffer_energy_pj(t, per, r.buffer(BufferRole::Input));
        if (b.role == "output") r.energy(EnergyComponent::OutputBuffer) = buffer_energy_pj(t, per, r.buffer(BufferRole::Output));
    }
    r.energy(EnergyComponent::Dram) = c.dram_pj;
    r.energy(EnergyComponent::Leakage) = leakage_pj(leakage_mw(arch, c.mac_units), c.cycles, arch.clock_mhz);
}

}  // namespace sx::scnn
