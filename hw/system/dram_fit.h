#pragma once
// Does a batch fit the modelled DRAM? Every design keeps a layer's inputs and outputs for the
// whole batch in DRAM (the host writes all inputs before the layer starts), so a batch too
// large for the memory cannot be simulated: it is bad input (exit 2) naming the batch and the
// DRAM's capacity fields, found before anything is simulated or allocated for the layers.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/common/error.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"

namespace sx {

// Bytes the configuration's DRAM holds: the preset's banks x rows x row bytes per channel,
// times /dram/channels (at /dram/bus_width_bits). Throws InputError for a bad preset.
uint64_t dram_capacity_bytes(const ArchConfig& arch);

// The error for a batch of `images` whose data of layer `layer` (`needed` bytes: `what` says
// which) is more than `capacity` bytes.
InputError batch_does_not_fit(const ArchConfig& arch, const std::string& layer, int64_t images, uint64_t needed,
                              uint64_t capacity, const std::string& what);

// Before simulating: every compute layer that will be simulated (all, or the first
// `first_layers` compute layers and those named in `only_layers`, as simulate() selects them)
// must fit its batch's inputs and outputs uncompressed, at bits.activation, into the DRAM: a
// design may not count on compression to fit, since compressed sizes are known only once the
// layer runs. Throws batch_does_not_fit. (A design's own layout may need more, e.g. SCNN's
// worst-case compressed sizes: it checks that itself when the layer starts.)
void check_batch_fits_dram(const ArchConfig& arch, const Workload& w, const std::vector<std::string>& only_layers,
                           int64_t first_layers);

}  // namespace sx
