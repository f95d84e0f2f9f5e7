#pragma once
// Typed hardware configuration (configs/*.json). docs/formats.md documents every field.
// Shared fields live here; a dataflow's own section ("smartexchange", "eyeriss", "scnn",
// "dense") is kept as JSON and parsed by that dataflow's module with the same JsonNode, so
// its errors still name the file and the field.
#include <any>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sw/common/error.h"
#include "sw/common/json_reader.h"
#include "sw/config/tech_table.h"

namespace sx {

enum class Dataflow { SmartExchange, Eyeriss, Scnn, Dense };
const char* to_string(Dataflow d);
Dataflow dataflow_from_string(const std::string& s);  // throws std::invalid_argument

// Each design checks these against the widths its storage holds (a width it does not store
// is an error, never ignored). Weight widths are not configurable: every design takes the
// int8 weight image (sw/image), whose SmartExchange Ce codes are 4 bits and basis elements
// 8 bits by format; "weight", "ce_code" and "basis" are rejected as not supported.
struct BitWidths {
    int activation = 8;   // input/output activation bits
    int accumulator = 32; // partial-sum bits
};

// One global buffer (banked SRAM).
struct BufferConfig {
    std::string name;
    uint64_t capacity_bytes = 0;
    int banks = 1;
    int port_width_bits = 64;  // bits per bank port per cycle
    std::string role;          // input, output, weight, index, shared: which trace column it reports to
    int ports = -1;            // accesses in flight at once; -1 (absent) or 0: unlimited
    std::string arbiter;       // bank arbitration policy (hw/buffer/buffer_arbiter.h); "" = round_robin
};

// DRAM as the user picked it; the preset file holds the device timing and energy
// (configs/dram/*.json) and is parsed by hw/dram. The fields below are the configuration's own
// and are validated here against the configuration (or the override that set them), with the
// ranges hw/dram accepts, so a bad value is never reported against the preset.
struct DramChoice {
    std::string preset_path;  // resolved path of the preset file
    json preset;              // its parsed content (validated by hw/dram)
    int channels = 1;         // a power of two in [1, 1024]
    int bus_width_bits = 0;   // 0: the preset's own width; else a power of two in [8, 1024]
    std::optional<double> clock_mhz_override;  // > 0, e.g. Eyeriss' 60 MHz link
    // Core cycles a response from the DRAM's clock domain spends in the synchronizer after the
    // core edge that captures it (hw/dma/dma.h). 2: a two-flop synchronizer. In [0, 64].
    int sync_cycles = 2;
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
    // The members of `raw` the parsers read (parse_arch_config, then the design's own parser).
    std::shared_ptr<FieldUse> use;
    // The dataflow section parsed once into the design's typed parameters (se::SeParams,
    // eyeriss::EyerissParams, scnn::ScnnParams) by configure_design() (hw/sim/design_config.h).
    std::any design;
    json raw;                  // the whole document, for trace provenance and sweeps
    // Fields replaced by overrides and where their values were written (null: none).
    std::shared_ptr<const ValueOrigins> origins;
    // What the user should know about how the configuration was read (e.g. a field of the file
    // that this run's overrides made irrelevant, hw/sim/design_config.h); the CLI prints them.
    std::vector<std::string> notes;

    // The design's typed parameters; std::logic_error if configure_design() has not run or
    // the type is not the dataflow's.
    template <class T>
    const T& design_params() const {
        if (const T* p = std::any_cast<T>(&design)) return *p;
        throw std::logic_error("the configuration's design parameters were not parsed as the type asked for "
                               "(configure_design, hw/sim/design_config.h)");
    }
    // One InputError (InputError::all_of) listing every field refused as no longer supported
    // and every field of the document that no parser read (call after the design's parser):
    // a field the run would silently ignore. unused_fields() returns them one by one.
    void expect_all_used() const;
    std::vector<InputError> unused_fields() const;

    const BufferConfig* find_buffer(const std::string& name) const;
    const BufferConfig& buffer(const std::string& name) const;  // InputError if absent
    // JsonNode over dataflow_params with the right pointer and origins: its errors name the
    // configuration file, or the override (--set ...) that wrote the value.
    JsonNode dataflow_node() const;
    // An error about the configuration's field at `pointer` (checks across fields made by the
    // models), naming where that field's value was written.
    InputError error_at(const std::string& pointer, const std::string& expected, const std::string& found = "") const;
    // A contradiction between fields (e.g. more banks than the buffer has bytes): the error is
    // reported at the first of `pointers` whose value was written by an override (the user's
    // change is the likely cause), else at the first; `expected` should name the others.
    InputError error_at(std::initializer_list<std::string> pointers, const std::string& expected,
                        const std::string& found = "") const;
    double cycle_ns() const { return 1000.0 / clock_mhz; }
};

// Load and validate. Relative paths inside (technology, DRAM preset) resolve against the
// config file's folder. `overrides` (JSON-pointer -> value) are applied before validation:
// `sxsim run --set`, sweeps and compare use them to change fields without writing files. An
// override may replace a field or add a member to an object that exists. `origins` says where
// each override was written (a sweep specification and the pointer of the value in it, a
// compare option ...); an override without an entry is reported as `--set POINTER`. A bad
// value is then reported against its origin, never against the configuration file.
ArchConfig load_arch_config(const std::string& path, const std::map<std::string, json>& overrides = {},
                            const std::map<std::string, ValueOrigin>& origins = {});
ArchConfig parse_arch_config(const json& doc, const std::string& path,
                             std::shared_ptr<const ValueOrigins> origins = nullptr);

}  // namespace sx
