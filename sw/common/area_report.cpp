#include "sw/common/area_report.h"

namespace sx {

const char* to_string(AreaClass c) {
    switch (c) {
        case AreaClass::Arithmetic: return "arithmetic";
        case AreaClass::RegisterFile: return "register_file";
        case AreaClass::Sram: return "sram";
        case AreaClass::Fifo: return "fifo";
        case AreaClass::Distribution: return "distribution";
        case AreaClass::IndexDecoder: return "index_decoder";
        case AreaClass::Control: return "control";
        case AreaClass::kCount: break;
    }
    return "?";
}

double AreaReport::total_mm2() const {
    double s = 0;
    for (const auto& b : blocks) s += b.area_mm2;
    return s;
}

double AreaReport::static_power_mw() const {
    double s = 0;
    for (const auto& b : blocks) s += b.leakage_mw;
    return s;
}

double AreaReport::class_mm2(AreaClass c) const {
    double s = 0;
    for (const auto& b : blocks)
        if (b.cls == c) s += b.area_mm2;
    return s;
}

}  // namespace sx
