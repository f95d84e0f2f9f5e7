#pragma once
// Limits between timing fields of a configuration that no single field's range can express,
// checked before a model is built (simulate()), so that a contradiction is exit 2 at a field
// instead of a run the watchdog stops (exit 1) or an error naming a file the user did not edit.
#include "sw/config/arch_config.h"

namespace sx {

// Throws InputError (via ArchConfig::error_at, so the place the value was written is named):
// - the DRAM preset's timings do not hold at the `/dram/clock_mhz` override (e.g. tREFI shorter
//   than tRFC + tRP at a few MHz): at /dram/clock_mhz, with the preset's complaint;
// - `/simulation/watchdog_cycles` not longer than the longest single memory access, during
//   which no module can report progress: a DRAM access with refresh, precharge, activation,
//   CAS latency and burst, in core cycles (or SmartExchange's fixed-latency memory,
//   `fixed_latency_cycles`): at the watchdog or the other field, whichever an override set.
void check_timing_limits(const ArchConfig& arch);

}  // namespace sx
