#pragma once
// Area and static power of a eyeriss configuration, block by block (hw/energy/area_model.h
// rules; docs/energy-model.md lists the blocks). Needs configure_design() to have run.
#include "sw/common/area_report.h"
#include "sw/config/arch_config.h"

namespace sx::eyeriss {

AreaReport eyeriss_area(const ArchConfig& arch);

}  // namespace sx::eyeriss
