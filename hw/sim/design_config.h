#pragma once
// The typed configuration of a design, read once. parse_arch_config (sw/config) reads the
// shared fields; configure_design() then has the dataflow's own parser (registered in
// hw/sim/registry.cpp: se::parse_se_params, eyeriss::parse_eyeriss_params,
// scnn::parse_scnn_params) read its section into ArchConfig::design, checks that no field of
// the document was left unread (a field nothing reads would be silently ignored), and checks
// the timing limits (hw/sim/timing_limits.h). Models take their parameters from
// ArchConfig::design_params<T>() and never parse JSON themselves.
#include <any>
#include <functional>

#include "sw/config/arch_config.h"

namespace sx {

using DesignParser = std::function<std::any(const ArchConfig&)>;

// The parser of a dataflow's section (hw/sim/registry.cpp); nullptr if none is registered.
const DesignParser* find_design_parser(Dataflow d);

// Parses the design's section into arch.design (once: a configured arch is left as it is).
// Throws InputError naming the file (or the override) and the field's JSON pointer for a bad,
// unknown or unused field. One exception: a field of the file that its design reads with the
// file's own values, but not with the overrides of this run (a sweep setting
// /smartexchange/memory to "dram" over a base file with memory "fixed" and its fixed_* figures),
// is ignored with a note in arch.notes; the file without overrides must still read it.
void configure_design(ArchConfig& arch);

}  // namespace sx
