#pragma once
// Architectural parameters of the Eyeriss model (configs/eyeriss.json, "eyeriss" section, plus
// the shared pe_array and buffers). Every default is a published figure of the chip (Chen et
// al., ISCA 2016 / JSSC 2017) unless its comment says it is a modelling choice.
#include <cstdint>

#include "sw/config/arch_config.h"

namespace sx::eyeriss {

struct EyerissParams {
    int rows = 12, cols = 14;          // PE array
    int spad_ifmap = 12;               // entries of 16 b per PE (registers)
    int spad_filter = 224;             // entries of 16 b per PE (SRAM)
    int spad_psum = 24;                // entries of 16 b per PE
    int glb_banks = 25;                // ifmap+psum GLB: banks assigned per layer
    uint64_t glb_bank_bytes = 4096;
    uint64_t filter_glb_bytes = 8192;
    int value_bytes = 2;               // 16-bit datapath: every fmap/filter/psum value is 2 bytes
    int ifmap_noc_values = 1;          // values per cycle: ifmap network 16 b
    int filter_noc_values = 4;         // filter network 64 b
    int psum_noc_values = 4;           // psum networks (GLB->array and array->GLB) 64 b each
    int psum_link_values = 4;          // vertical 64 b PE-to-PE psum links
    int mac_pipeline_stages = 3;
    // RLC of fmaps in DRAM: 5-bit run, 16-bit level, 3 pairs per 64-bit word (hw/eyeriss/rlc.h;
    // pairs x (run + 16) <= 64).
    int rlc_run_bits = 5;
    int rlc_pairs_per_word = 3;
    // Modelling choices (not chip figures): off-chip link FIFO and DMA.
    uint64_t link_fifo_bytes = 512;    // staging between the 64-bit link and the RLC codec
    int dma_max_outstanding = 4;
    int dma_transfer_bytes = 256;
    // Mapper (modelling choice): the least-DRAM mapping among those whose cycle estimate is
    // within this fraction of the fastest (the chip's compiler minimises energy).
    double mapper_cycle_tolerance = 0.05;
};

// Reads the "eyeriss" section and checks the shared fields the design depends on (pe_array,
// the input and weight buffers, /bits). Called once per configuration by configure_design()
// (hw/sim/design_config.h); the model uses arch.design_params<EyerissParams>().
EyerissParams parse_eyeriss_params(const ArchConfig& arch);

}  // namespace sx::eyeriss
