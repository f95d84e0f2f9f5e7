#include "hw/energy/energy_model.h"

#include <algorithm>
#include <cmath>

#include "hw/energy/area_model.h"

namespace sx {

double sram_access_pj(const TechTable& tech, const BufferConfig& buf, int banks_reached, bool write) {
    const int banks = buf.banks > 0 ? buf.banks : 1;
    const double bank_kib = static_cast<double>(buf.capacity_bytes) / 1024.0 / banks;
    const double array = write ? tech.sram_write_pj(bank_kib, buf.port_width_bits)
                               : tech.sram_read_pj(bank_kib, buf.port_width_bits);
    const double span_mm = std::sqrt(std::max(1, banks_reached) * tech.sram_area_mm2(bank_kib));
    return array + wire_pj(tech, buf.port_width_bits, span_mm);
}

double buffer_energy_pj(const TechTable& tech, const BufferConfig& buf, const BufferCounters& c, int banks_reached) {
    return static_cast<double>(c.reads) * sram_access_pj(tech, buf, banks_reached, false) +
           static_cast<double>(c.writes) * sram_access_pj(tech, buf, banks_reached, true);
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
        r.energy(col[static_cast<int>(role)]) = buffer_energy_pj(arch.tech, b, r.buffer(role), b.banks);
    }
}

}  // namespace sx
