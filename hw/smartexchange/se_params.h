#pragma once
// The "smartexchange" section of an architecture config (docs/architecture.md explains each
// choice). Parsed with JsonNode so a bad value names the file and the field.
#include <cstdint>
#include <string>

#include "sw/config/arch_config.h"

namespace sx::se {

struct SeParams {
    // PE timing policy by name (pe_timing.h registry): "booth_bit_serial" or "bit_parallel".
    std::string pe_timing = "booth_bit_serial";
    bool bit_serial = true;            // the policy's bit_serial() (old key `bit_serial`: an alias)
    // Index decoders (index selectors): "shared" = one for the whole array, which decodes the
    // dim_m slices' bitmaps one after the other; "per_slice" = one per PE slice, in parallel.
    std::string index_decoders = "shared";
    // Pass-sized slots of the Ce/basis staging SRAM near the PEs: the Ce codes and bases of a
    // pass are read from the weight buffer into a slot, the shift-add rebuilds from it. 2: the
    // next pass is read while this one is rebuilt; 1: read and rebuild strictly in turn.
    int ce_stage_slots = 2;
    int rf_rows_per_line = 8;          // rebuilt weight rows a line's register file holds per pass
    int rebuild_cycles_per_row = 3;    // an RE produces one weight (3 shifted terms) per cycle
    int bypass_cycles_per_row = 1;     // raw weights through the bypass multiplexer
    int index_bits_per_cycle = 16;     // bitmap bits an index decoder consumes per cycle
    int dma_max_outstanding = 8;       // bursts in flight
    int dma_transfer_bytes = 64;       // DMA transaction size (rounded up to the DRAM burst)
    int fifo_depth = 2;                // depth of the decoder -> rebuild -> PE FIFOs
    // Where a channel's input rows sit in the input buffer (docs/architecture.md, "Input
    // buffer layout"): "skewed" pads each channel slot to a whole number of port words that
    // shares no factor with the bank count, so the channels one step reads start in different
    // banks; "packed" puts the slots back to back (rows x W bytes), which on most layers makes
    // the slot a multiple of the bank line and the channels of a step collide in a few banks.
    std::string input_layout = "skewed";
    // Memory behind the DMA: "dram" (hw/dram, the preset of the config) or "fixed" (a fixed
    // latency / bandwidth stub, used by micro-tests whose cycle counts are derived by hand).
    std::string memory = "dram";
    int fixed_latency_cycles = 20;
    int fixed_bytes_per_cycle = 16;
};

// Reads the "smartexchange" section (and checks /bits against the model's storage widths).
// Called once per configuration, by configure_design() (hw/sim/design_config.h); models use
// arch.design_params<SeParams>(). InputError names the file (or override) and the field.
SeParams parse_se_params(const ArchConfig& arch);

}  // namespace sx::se
