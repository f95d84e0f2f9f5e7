#pragma once
// DRAM device + controller configuration, parsed from a preset (configs/dram/*.json).
// All timings are held in DRAM clock cycles (tCK) at the effective clock, so a clock
// override (e.g. Eyeriss' 60 MHz link) rescales every timing given in ns.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"

namespace sx {

// Fields of the physical address, most significant first in DramConfig::mapping. The byte
// offset inside one burst is always the least significant part.
enum class DramAddrField : uint8_t { Row, Bank, Column, Channel };

struct DramTimings {          // DRAM clock cycles
    uint32_t tRCD = 0, tRP = 0, tRAS = 0;
    uint32_t tCL = 0, tCWL = 0;         // read / write latency (RL / WL)
    uint32_t tBURST = 0;                // burst_length / transfers per clock
    uint32_t tCCD_S = 0, tCCD_L = 0;    // column to column, other / same bank group
    uint32_t tRRD_S = 0, tRRD_L = 0;    // activate to activate, other / same bank group
    uint32_t tFAW = 0;
    uint32_t tWR = 0, tWTR_S = 0, tWTR_L = 0, tRTP = 0;
    uint32_t tRTW = 0;                  // read to write turnaround (derived: RL + tBURST + 2 - WL)
    uint32_t tRFC = 0, tREFI = 0;
};

// Energy per command / power per state for one channel (all its devices), DRAMPower-style.
struct DramEnergy {
    double act_pj = 0;            // per ACT
    double pre_pj = 0;            // per bank precharge
    double rd_burst_pj = 0;       // per read burst
    double wr_burst_pj = 0;       // per write burst
    double ref_pj = 0;            // per all-bank REF
    double bg_active_mw = 0;      // background, at least one bank open (IDD3N)
    double bg_precharged_mw = 0;  // background, all banks closed (IDD2N)
};

struct DramConfig {
    std::string name;
    std::string file;             // preset file (for messages)
    double clock_mhz = 0;         // effective DRAM clock
    int transfers_per_clock = 2;  // DDR
    int bus_width_bits = 0;       // per channel
    int burst_length = 0;
    int channels = 1;
    int banks = 0;                // per channel (all bank groups)
    int bank_groups = 1;
    int rows = 0;                 // per bank
    int columns = 0;              // per row, in bus-width words
    DramTimings t;
    DramEnergy e;
    std::vector<DramAddrField> mapping;  // MSB first, e.g. row:bank:column:channel
    // Controller
    int request_queue_depth = 8;     // transactions accepted (END_REQ) and not fully issued
    int scheduler_buffer_depth = 32; // bursts per channel visible to the scheduler

    double tck_ns() const { return 1000.0 / clock_mhz; }
    uint32_t bytes_per_burst() const { return uint32_t(bus_width_bits / 8) * uint32_t(burst_length); }
    uint32_t bursts_per_row() const { return uint32_t(columns / burst_length); }
    uint64_t capacity_bytes() const {
        return uint64_t(channels) * uint64_t(banks) * uint64_t(rows) * bursts_per_row() * bytes_per_burst();
    }
    // bus width x data rate x channels
    double peak_bandwidth_bytes_per_s() const {
        return double(channels) * bus_width_bits / 8.0 * transfers_per_clock * clock_mhz * 1e6;
    }
    std::string mapping_text() const;
};

// `preset` is the whole preset document; its errors are InputErrors naming the preset file and
// field. The other arguments are the configuration's own fields (sw/config validates them
// against the configuration or the override that set them, with these same ranges): channels
// a power of two in [1, 1024]; bus_width_bits 0 keeps the preset's width, else a power of two
// in [8, 1024] (another width scales the device count, hence energy, proportionally); a clock
// override > 0. Out of range: std::invalid_argument (a caller's bug, not bad input).
DramConfig parse_dram_config(const JsonNode& preset, int channels, int bus_width_bits,
                             std::optional<double> clock_mhz_override);
// Convenience for tests and tools: load the file and parse it.
DramConfig load_dram_config(const std::string& path, int channels = 1, int bus_width_bits = 0,
                            std::optional<double> clock_mhz_override = std::nullopt);

struct DramAddress {
    uint32_t channel = 0, bank = 0, row = 0, column = 0;  // column counted in bursts
};

// Bit-slicing decoder; every field size is a power of two (checked by the parser).
class DramAddressMapper {
public:
    explicit DramAddressMapper(const DramConfig& cfg);
    DramAddress decode(uint64_t addr) const {
        DramAddress a;
        a.channel = uint32_t((addr >> shift_[3]) & mask_[3]);
        a.bank = uint32_t((addr >> shift_[1]) & mask_[1]);
        a.row = uint32_t((addr >> shift_[0]) & mask_[0]);
        a.column = uint32_t((addr >> shift_[2]) & mask_[2]);
        return a;
    }
    uint64_t encode(const DramAddress& a) const;

private:
    uint32_t shift_[4] = {0, 0, 0, 0};  // indexed by DramAddrField
    uint64_t mask_[4] = {0, 0, 0, 0};
};

}  // namespace sx
