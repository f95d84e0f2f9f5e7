#pragma once
// Area and static power of any configuration: the design's own area function from the
// registry (hw/sim/registry.cpp). Needs configure_design() (hw/sim/design_config.h) to have
// run on `arch`; simulate() stores the result in RunResult::area.
#include "sw/common/area_report.h"
#include "sw/config/arch_config.h"

namespace sx {

AreaReport design_area(const ArchConfig& arch);

}  // namespace sx
