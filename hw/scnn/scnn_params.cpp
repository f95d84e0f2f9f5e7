#include "hw/scnn/scnn_params.h"

#include "hw/scnn/bank_mapping.h"

namespace sx::scnn {

ScnnParams parse_scnn_params(const ArchConfig& arch) {
    ScnnParams p;
    const bool sparse = arch.dataflow == Dataflow::Scnn;
    const JsonNode n = arch.dataflow_node();
    if (n.value().is_null()) return p;
    n.expect_object();
    // Each design reads only what it uses (ArchConfig::expect_all_used() reports the rest):
    // the accumulator banks and their mapping are SCNN's scatter crossbar (DCNN's dot products
    // need none); zero gating and compressed DRAM are DCNN-opt's switches (SCNN never
    // multiplies a zero and always moves compressed data).
    std::vector<std::string> known = {"F", "I", "accumulator_entries", "weight_fifo_entries", "halo_values_per_cycle",
                                      "ppu_values_per_cycle", "dma_max_outstanding", "dma_transfer_bytes",
                                      "weight_staging_kib", "comment"};
    for (const char* k : sparse ? std::vector<const char*>{"accumulator_banks", "accumulator_bank_mapping",
                                                           "crossbar_queue_entries"}
                                : std::vector<const char*>{"zero_gating", "compressed_dram"})
        known.push_back(k);
    n.expect_only(known);
    if (n.has("comment")) n.get_string("comment");
    p.F = static_cast<int>(n.get_int_or("F", p.F, 1, 64));
    p.I = static_cast<int>(n.get_int_or("I", p.I, 1, 64));
    p.accumulator_entries = static_cast<int>(n.get_int_or("accumulator_entries", p.accumulator_entries, 1, 1 << 20));
    p.weight_fifo_entries = static_cast<int>(n.get_int_or("weight_fifo_entries", p.weight_fifo_entries, 1, 1 << 16));
    p.halo_values_per_cycle = static_cast<int>(n.get_int_or("halo_values_per_cycle", p.halo_values_per_cycle, 1, 64));
    p.ppu_values_per_cycle = static_cast<int>(n.get_int_or("ppu_values_per_cycle", p.ppu_values_per_cycle, 1, 64));
    p.dma_max_outstanding = static_cast<int>(n.get_int_or("dma_max_outstanding", p.dma_max_outstanding, 1, 1024));
    p.dma_transfer_bytes = static_cast<int>(n.get_int_or("dma_transfer_bytes", p.dma_transfer_bytes, 1, 1 << 20));
    p.weight_staging_kib = static_cast<int>(n.get_int_or("weight_staging_kib", p.weight_staging_kib, 0, 1 << 16));
    if (sparse) {
        p.accumulator_banks = static_cast<int>(n.get_int_or("accumulator_banks", p.accumulator_banks, 1, 1024));
        p.crossbar_queue_entries =
            static_cast<int>(n.get_int_or("crossbar_queue_entries", p.crossbar_queue_entries, 0, 64));
        p.accumulator_bank_mapping = n.get_enum_or("accumulator_bank_mapping", bank_mapping_names(), p.accumulator_bank_mapping);
    } else {
        p.zero_gating = n.get_bool_or("zero_gating", p.zero_gating);
        p.compressed_dram = n.get_bool_or("compressed_dram", p.compressed_dram);
    }
    return p;
}

}  // namespace sx::scnn
