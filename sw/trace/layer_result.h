#pragma once
// What a simulation reports per layer. Every dataflow fills the same fields so that traces of
// SmartExchange, Eyeriss, SCNN and the dense design line up row by row; a field a design
// has no use for stays 0. docs/formats.md lists the CSV columns this turns into.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/common/area_report.h"
#include "sw/common/json_reader.h"  // json (RunResult::real_data)
#include "sw/common/model_stats.h"  // BufferRole, EnergyComponent, BufferCounters
#include "sw/workload/workload.h"

namespace sx {

// Functional check of one layer (sxsim run --check): its outputs against sw/reference.
enum class CheckStatus {
    Off,     // not checked: --check not given, or a layer that was not simulated
    Passed,  // every output bit-exact
    Failed,  // at least one output differs (see CheckMismatch)
};
const char* to_string(CheckStatus s);  // "off", "passed", "failed"

// The first difference of a failed check, so the failure can be reproduced and located.
struct CheckMismatch {
    uint64_t index = 0;      // first differing output, in N x K x P x Q order
    int64_t value = 0;       // what the design wrote there (0 if it wrote fewer outputs)
    int64_t reference = 0;   // what sw/reference computed (0 if it has fewer outputs)
    uint64_t count = 0;      // differing outputs (a size difference counts every missing one)
    uint64_t outputs = 0;    // outputs the design wrote
    uint64_t reference_outputs = 0;
    // Empty: the int32 accumulators differ from sw/reference. Otherwise which other outputs
    // differ ("stored int8 outputs": read back from DRAM vs the host's requantisation).
    std::string what;
};

// The int8 input activations a layer ran on (synthetic, given, or chained real data), as
// simulate() measured them; the CSV columns activation_density, booth_digits_0..4 and
// ce_rows_skipped.
struct ActivationStats {
    double density = 0;                        // non-zero fraction
    std::array<uint64_t, 5> booth_digits{};    // values with 0..4 non-zero radix-4 Booth digits
    int64_t ce_rows_skipped = -1;              // SmartExchange: zero Ce rows of the layer's image
                                               // (-1: not a SmartExchange run; empty in the CSV)
};

struct LayerResult {
    Layer layer;               // the shapes it ran with
    bool simulated = false;    // false: not a compute layer (pooling, add), listed and skipped
    CheckStatus check = CheckStatus::Off;
    CheckMismatch mismatch;    // meaningful when check == Failed

    uint64_t macs = 0;           // dense MAC count of the layer (batch included)
    uint64_t macs_executed = 0;  // MACs a PE actually performed
    uint64_t macs_skipped = 0;   // MACs skipped (zero Ce rows, zero operands); executed+skipped == macs
    uint64_t cycles = 0;         // first DRAM request to last output write completed, core clock
    double latency_us = 0;       // cycles / clock
    double pe_utilization = 0;   // macs_executed / (cycles * MAC units); bit-serial counts a MAC once
    uint64_t active_pes = 0;     // PEs (or MAC lanes) the mapping uses

    uint64_t dram_read_bytes = 0;
    uint64_t dram_write_bytes = 0;
    uint64_t dram_row_hits = 0;
    uint64_t dram_row_misses = 0;
    std::array<BufferCounters, static_cast<int>(BufferRole::kCount)> buffers{};
    uint64_t rf_accesses = 0;    // register file / scratchpad / FIFO accesses

    std::array<double, static_cast<int>(EnergyComponent::kCount)> energy_pj{};
    double energy_total_pj() const;

    // Dataflow-specific figures (stall breakdowns, rebuilds, skipped rows, tiles ...): keys
    // are sorted and written to the JSON trace only, so the CSV column set stays stable.
    std::map<std::string, double> extra;
    ActivationStats activations;  // simulated layers only

    BufferCounters& buffer(BufferRole r) { return buffers[static_cast<int>(r)]; }
    const BufferCounters& buffer(BufferRole r) const { return buffers[static_cast<int>(r)]; }
    double& energy(EnergyComponent c) { return energy_pj[static_cast<int>(c)]; }
    double energy(EnergyComponent c) const { return energy_pj[static_cast<int>(c)]; }
};

struct RunResult {
    std::string arch_name, arch_file;
    // Configuration fields replaced for this run (sxsim run --set; sweeps and compare pass theirs
    // as --set): [{"pointer": "/scnn/x", "value": 2}, ...] in the order given. Empty: the file as
    // shipped (run.json then has no arch.overrides, so unmodified traces stay identical).
    json arch_overrides = json::array();
    std::string workload_name, workload_file;
    std::string workload_source;  // the workload's "source" (or a note that it had none)
    std::vector<std::string> workload_warnings;  // defaults taken while loading it (Workload::warnings)
    std::vector<std::string> workload_notes;  // Workload::notes (e.g. an overridden ONNX batch)
    std::string dataflow;
    double clock_mhz = 0;
    int64_t batch = 1;
    std::string weights;        // weight image path, or "synthetic (seed N)"
    std::string activations;    // where the activations come from (synthetic: statistics assumed)
    json real_data;             // sxsim run --inputs: sw/graph/real_data.h summary (null otherwise)
    bool check_enabled = false;
    // All checked layers matched the reference bit-exactly. A mismatch does not stop the run:
    // the layer is recorded as failed (LayerResult::check, mismatch) and the others still run.
    bool check_passed = false;
    uint64_t seed = 0;
    // Area and static power of the configuration (hw/sim/design_area.h); every layer's Leakage
    // energy is area.static_power_mw() x its latency.
    AreaReport area;
    std::vector<LayerResult> layers;

    uint64_t total_cycles() const;
    double total_energy_pj() const;
};

}  // namespace sx
