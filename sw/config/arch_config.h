#pragma once
// Typed hardware configuration (configs/*.json). docs/formats.md documents every field.
// Shared fields live here; a dataflow's own section ("smartexchange", "eyeriss", "scnn",
// "dense") is kept as JSON and parsed by that dataflow's module with the same JsonNode, so
// its errors still name the file and the field.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"
#include "sw/config/tech_table.h"

namespace sx {

enum class Dataflow { SmartExchange, Eyeriss, Scnn, Dense };
const char* to_string(Dataflow d);
Dataflow dataflow_from_string(const std::string& s);  // throws std::invalid_argument

struct BitWidths {
    int activation = 8;   // input/output activation bits
    int weight = 8;       // (rebuilt or raw) weight bits fed to the MACs
    int accumulator = 32; // partial-sum bits
    int ce_code = 4;      // SmartExchange Ce non-zero code bits
    int basis = 8;        // SmartExchange basis element bits
};

// One global buffer (banked SRAM).
struct BufferConfig {
    std::string name;
    uint64_t capacity_bytes = 0;
    int banks = 1;
    int port_width_bits = 64;  // bits per bank port per cycle
    std::string role;          // input, output, weight, index, shared: which trace column it reports to
};

// DRAM as the user picked it; the preset file holds the device timing and energy
// (configs/dram/*.json) and is parsed by hw/dram.
struct DramChoice {
    std::string preset_path;  // resolved path of the preset file
    json preset;              // its parsed content (validated by hw/dram)
    int channels = 1;
    int bus_width_bits = 0;   // 0: the preset's own width
    std::optional<double> clock_mhz_override;  // e.g. Eyeriss' 60 MHz link
};

struct PeArrayConfig {
    // SmartExchange: dim_m slices x dim_c lines x dim_f lanes. Eyeriss/SCNN/dense: rows x cols
    // (and lanes for per-PE multiplier arrays). Unused dimensions are 0.
    int dim_m = 0, dim_c = 0, dim_f = 0;
    int rows = 0, cols = 0;
    int multipliers_per_pe = 1;
    int total_macs() const;   // number of MAC units in the array
};

struct SimulationConfig {
    uint64_t watchdog_cycles = 1000000;  // cycles without progress before the run is stopped
};

struct ArchConfig {
    std::string file;          // path it was loaded from
    std::string name;
    std::string description;
    Dataflow dataflow = Dataflow::SmartExchange;
    double clock_mhz = 0;
    TechTable tech;
    BitWidths bits;
    DramChoice dram;
    std::vector<BufferConfig> buffers;  // sorted by name (JSON objects keep no order)
    PeArrayConfig pe;
    SimulationConfig sim;
    json dataflow_params;      // the section named after the dataflow ({} if absent)
    json raw;                  // the whole document, for trace provenance and sweeps

    const BufferConfig* find_buffer(const std::string& name) const;
    const BufferConfig& buffer(const std::string& name) const;  // InputError if absent
    JsonNode dataflow_node() const;  // JsonNode over dataflow_params with the right pointer
    double cycle_ns() const { return 1000.0 / clock_mhz; }
};

// Load and validate. Relative paths inside (technology, DRAM preset) resolve against the
// config file's folder. `overrides` (JSON-pointer -> value) are applied before validation:
// sweeps use them to change fields without writing files.
ArchConfig load_arch_config(const std::string& path, const std::map<std::string, json>& overrides = {});
ArchConfig parse_arch_config(const json& doc, const std::string& path);

}  // namespace sx
