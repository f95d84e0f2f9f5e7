#pragma once
// Parameters of the SCNN / DCNN designs: the "scnn" or "dense" section of the config
// (docs/scnn.md lists each with its source in Parashar et al., ISCA 2017).
#include <cstdint>
#include <string>

#include "sw/config/arch_config.h"

namespace sx::scnn {

struct ScnnParams {
    int F = 4;                      // weights per multiplier-array cycle
    int I = 4;                      // activations per multiplier-array cycle
    int accumulator_banks = 32;     // A = 2 F I (SCNN only)
    // SCNN only: which bank holds an accumulator address, by name (hw/scnn/bank_mapping.h):
    // "interleaved" (address mod banks, the paper's) or "skewed".
    std::string accumulator_bank_mapping = "interleaved";
    // SCNN only: products each accumulator bank can hold waiting behind the crossbar (0: the
    // unbuffered crossbar, a conflict holds the array; not a paper parameter, a sensitivity
    // study: docs/validation.md "Why the speedup is 1.76x, not 2.37x").
    int crossbar_queue_entries = 0;
    int accumulator_entries = 1024; // per bank set (one of the two buffers): 6 KB / 2 / 3 B
    int weight_fifo_entries = 50;   // one entry = F weights with their run fields
    int halo_values_per_cycle = 1;  // partial sums a PE sends to a neighbour per cycle
    int ppu_values_per_cycle = 1;   // outputs the post-processing unit handles per cycle
    int dma_max_outstanding = 16;
    int dma_transfer_bytes = 256;
    // Weight staging buffer between the DMA and the weight broadcast, in KiB (0: none; weights
    // stream from DRAM straight into the FIFOs). Not an SCNN paper parameter: an assumption,
    // docs/scnn.md "Weight delivery" gives the reason and reports results with and without.
    int weight_staging_kib = 0;
    // DCNN-opt only.
    bool zero_gating = false;       // zero operands gate the multiplier (energy only)
    bool compressed_dram = false;   // activations and weights travel compressed in DRAM
};

// Parses the dataflow section ("scnn" or "dense"); absent section: the defaults above. Called
// once per configuration by configure_design() (hw/sim/design_config.h); the model uses
// arch.design_params<ScnnParams>(). A field the design does not use is an error.
ScnnParams parse_scnn_params(const ArchConfig& arch);

}  // namespace sx::scnn
