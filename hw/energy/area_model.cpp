#include "hw/energy/area_model.h"

#include <cstdio>

namespace sx {

namespace {
std::string num(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}
}  // namespace

BlockArea logic_block(const TechTable& t, const std::string& block, AreaClass cls, const std::string& unit,
                      uint64_t count) {
    BlockArea b;
    b.block = block;
    b.cls = cls;
    b.count = count;
    const double n = static_cast<double>(count);
    b.area_mm2 = n * t.area_um2(unit) * 1e-6;
    b.leakage_mw = n * t.leakage_uw(unit) * 1e-3;
    b.basis = std::to_string(count) + " x " + unit + " (" + num(t.area_um2(unit)) + " um2, " +
              num(t.leakage_uw(unit)) + " uW each)";
    return b;
}

BlockArea register_block(const TechTable& t, const std::string& block, AreaClass cls, uint64_t bits) {
    return logic_block(t, block, cls, "reg_bit", bits);
}

BlockArea sram_block(const TechTable& t, const std::string& block, AreaClass cls, double capacity_kib, int banks,
                     uint64_t instances) {
    BlockArea b;
    b.block = block;
    b.cls = cls;
    const int nb = banks > 0 ? banks : 1;
    const double per_bank = capacity_kib / nb;
    const double n = static_cast<double>(instances) * nb;
    b.count = instances * static_cast<uint64_t>(nb);
    b.area_mm2 = n * t.sram_area_mm2(per_bank);
    b.leakage_mw = n * t.sram_leakage_mw(per_bank);
    b.basis = std::to_string(b.count) + " SRAM bank(s) of " + num(per_bank) + " KiB (" + t.sram_device + ")";
    return b;
}

void add_global_buffers(AreaReport& r, const ArchConfig& arch) {
    for (const auto& buf : arch.buffers)
        r.blocks.push_back(sram_block(arch.tech, "glb/" + buf.name, AreaClass::Sram,
                                      static_cast<double>(buf.capacity_bytes) / 1024.0, buf.banks));
}

void add_control(AreaReport& r, const TechTable& t) {
    const double f = t.control_fraction();
    BlockArea c;
    c.block = "control";
    c.cls = AreaClass::Control;
    c.count = 1;
    c.area_mm2 = f * r.total_mm2();
    c.leakage_mw = f * r.static_power_mw();
    c.basis = "control_fraction " + num(f) + " x the other blocks";
    r.blocks.push_back(c);
}

AreaReport start_report(const ArchConfig& arch) {
    AreaReport r;
    r.design = arch.name;
    r.tech = arch.tech.name;
    r.node_nm = arch.tech.node_nm;
    return r;
}

double wire_pj(const TechTable& t, double bits, double mm) { return bits * mm * t.pj("wire_bit_mm"); }

}  // namespace sx
