#include "hw/energy/energy_model.h"

namespace sx {

double buffer_energy_pj(const TechTable& tech, const BufferConfig& buf, const BufferCounters& c) {
    const double kib = static_cast<double>(buf.capacity_bytes) / 1024.0;
    return static_cast<double>(c.reads) * tech.sram_read_pj(kib, buf.port_width_bits) +
           static_cast<double>(c.writes) * tech.sram_write_pj(kib, buf.port_width_bits);
}

double leakage_pj(double mw, uint64_t cycles, double clock_mhz) {
    return mw * static_cast<double>(cycles) * (1000.0 / clock_mhz);
}

double dram_bytes_energy_pj(const TechTable& tech, uint64_t bytes) {
    return static_cast<double>(bytes) / 8.0 * tech.pj("dram_access_64b");
}

void add_buffer_energy(const ArchConfig& arch, LayerResult& r) {
    // Counters are per role; a role served by one buffer uses that buffer's geometry.
    for (const auto& b : arch.buffers) {
        BufferRole role;
        try {
            role = buffer_role_from_string(b.role);
        } catch (...) {
            continue;
        }
        static const EnergyComponent col[] = {EnergyComponent::InputBuffer, EnergyComponent::OutputBuffer,
                                              EnergyComponent::WeightBuffer, EnergyComponent::IndexBuffer};
        r.energy(col[static_cast<int>(role)]) = buffer_energy_pj(arch.tech, b, r.buffer(role));
    }
}

}  // namespace sx
