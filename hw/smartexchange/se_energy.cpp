#include "hw/smartexchange/se_energy.h"

#include "hw/energy/energy_model.h"

namespace sx::se {

void apply_se_energy(const ArchConfig& arch, const SeEnergyCounts& e, LayerResult& r) {
    const TechTable& t = arch.tech;
    r.energy(EnergyComponent::Dram) = e.dram_valid ? e.dram.total_pj() : dram_bytes_energy_pj(t, e.dram_bytes);
    add_buffer_energy(arch, r);
    // Line weight registers and partial-sum registers.
    r.energy(EnergyComponent::RegisterFile) = static_cast<double>(e.rf_accesses) * t.pj("rf_read_16b");
    // Adder tree across the dim_c lines of a slice: one 32-bit add per merged pair.
    r.energy(EnergyComponent::Noc) = static_cast<double>(e.adder_tree_ops) * t.pj("add_32b");
    // A rebuilt row: 3 weights x 3 shifted basis terms; a basis load writes 9 RE registers.
    r.energy(EnergyComponent::Rebuild) = static_cast<double>(e.rows_rebuilt) * 9.0 * t.pj("shift_add_8b") +
                                         static_cast<double>(e.basis_loads) * 9.0 * t.pj("rf_write_16b");
    r.energy(EnergyComponent::IndexDecoder) = static_cast<double>(e.bitmap_bits) * t.pj("index_bit");
    // Bit-serial: one shifted add into the lane accumulator per non-zero Booth digit.
    // Bit-parallel: one 8-bit MAC per executed MAC.
    r.energy(EnergyComponent::PeArray) = e.bit_serial ? static_cast<double>(e.lane_digit_cycles) * t.pj("add_16b")
                                                      : static_cast<double>(e.macs_executed) * t.pj("mac_8b");
    r.energy(EnergyComponent::Leakage) = leakage_pj(leakage_mw(arch, e.mac_units), e.cycles, arch.clock_mhz);
}

}  // namespace sx::se
