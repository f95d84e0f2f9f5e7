#include "hw/sim/timing_limits.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "hw/dram/dram_config.h"
#include "hw/smartexchange/se_params.h"
#include "sw/common/error.h"

namespace sx {

namespace {

DramConfig parse_dram(const ArchConfig& arch, std::optional<double> clock_override) {
    return parse_dram_config(JsonNode(arch.dram.preset, arch.dram.preset_path), arch.dram.channels,
                             arch.dram.bus_width_bits, clock_override);
}

// The longest single access: refresh, then precharge, activate, CAS latency and the burst
// (DRAM cycles), in core cycles rounded up.
uint64_t worst_dram_access_cycles(const ArchConfig& arch, const DramConfig& d) {
    const DramTimings& t = d.t;
    const double dram_cycles = static_cast<double>(t.tRFC) + t.tRP + t.tRCD + std::max(t.tCL, t.tCWL) + t.tBURST;
    return static_cast<uint64_t>(std::ceil(dram_cycles * arch.clock_mhz / d.clock_mhz));
}

std::string format_mhz(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g MHz", v);
    return b;
}

}  // namespace

void check_timing_limits(const ArchConfig& arch) {
    const uint64_t watchdog = arch.sim.watchdog_cycles;
    if (arch.dataflow == Dataflow::SmartExchange) {
        const se::SeParams& prm = arch.design_params<se::SeParams>();
        if (prm.memory == "fixed") {
            if (watchdog <= static_cast<uint64_t>(prm.fixed_latency_cycles))
                throw arch.error_at({"/smartexchange/fixed_latency_cycles", "/simulation/watchdog_cycles"},
                                    "a fixed memory latency shorter than /simulation/watchdog_cycles (" +
                                        std::to_string(watchdog) +
                                        " cycles): no module reports progress while one access is in flight",
                                    std::to_string(prm.fixed_latency_cycles) + " cycles");
            return;
        }
    }
    DramConfig d;
    try {
        d = parse_dram(arch, arch.dram.clock_mhz_override);
    } catch (const InputError& e) {
        if (!arch.dram.clock_mhz_override) throw;
        parse_dram(arch, std::nullopt);  // the preset's own fault: its error names it
        throw arch.error_at("/dram/clock_mhz",
                            // The preset's own message ends with its raw JSON entry: name the
                            // entry and the rule it breaks instead.
                            "a DRAM clock at which the preset's timings hold (" + e.file() + ": " + e.field() +
                                ": " + e.expected() + ")",
                            format_mhz(*arch.dram.clock_mhz_override));
    }
    const uint64_t access = worst_dram_access_cycles(arch, d);
    if (watchdog <= access)
        throw arch.error_at({"/simulation/watchdog_cycles", "/dram/clock_mhz", "/clock_mhz"},
                            "more cycles than the longest single DRAM access (" + std::to_string(access) +
                                " core cycles: refresh, precharge, activation, CAS latency and burst of " + d.name +
                                " at /dram/clock_mhz or the preset's clock, in /clock_mhz core cycles)",
                            std::to_string(watchdog));
}

}  // namespace sx
