#include "hw/smartexchange/se_params.h"

#include "hw/smartexchange/pe_timing.h"

namespace sx::se {

SeParams parse_se_params(const ArchConfig& arch) {
    SeParams p;
    // The widths the model's storage holds: int8 activations in the input buffer and int32
    // partial sums in the output buffer (SeLayer::psum_bytes). Another width would be sized
    // one way and stored another.
    if (arch.bits.activation != 8)
        throw arch.error_at("/bits/activation", "8 (the smartexchange model holds int8 activations)",
                            std::to_string(arch.bits.activation));
    if (arch.bits.accumulator != 32)
        throw arch.error_at("/bits/accumulator", "32 (the smartexchange model holds int32 partial sums)",
                            std::to_string(arch.bits.accumulator));
    const JsonNode n = arch.dataflow_node();
    if (n.value().is_null()) return p;
    n.expect_object();
    // Issue 12: parsed (only the value 2 was accepted) and read by nothing; the ping-pong pair
    // of rebuild engines per line is the model's structure (hw/smartexchange/rebuild_engines.h).
    n.reject_unsupported("rebuild_engines_per_line",
                         "every line has a ping-pong pair of rebuild engines (hw/smartexchange/rebuild_engines.h)");
    n.expect_only({"pe_timing", "bit_serial", "index_decoders", "ce_stage_slots", "rf_rows_per_line",
                   "rebuild_cycles_per_row", "bypass_cycles_per_row", "index_bits_per_cycle", "dma_max_outstanding",
                   "dma_transfer_bytes", "fifo_depth", "input_layout", "memory", "fixed_latency_cycles",
                   "fixed_bytes_per_cycle", "comment"});
    if (n.has("comment")) n.get_string("comment");
    p.pe_timing = n.get_enum_or("pe_timing", pe_timing_names(), p.pe_timing);
    if (n.has("bit_serial")) {
        // The old key, kept as an alias of pe_timing; both present must agree.
        const std::string alias = n.get_bool("bit_serial") ? "booth_bit_serial" : "bit_parallel";
        if (n.has("pe_timing") && p.pe_timing != alias)
            n.at("bit_serial").fail("a value agreeing with /smartexchange/pe_timing (\"" + p.pe_timing +
                                    "\"; bit_serial is its old alias: true = booth_bit_serial, false = bit_parallel)");
        p.pe_timing = alias;
    }
    p.bit_serial = make_pe_timing(p.pe_timing)->bit_serial();
    p.index_decoders = n.get_enum_or("index_decoders", {"shared", "per_slice"}, p.index_decoders);
    p.ce_stage_slots = static_cast<int>(n.get_int_or("ce_stage_slots", p.ce_stage_slots, 1, 2));
    p.rf_rows_per_line = static_cast<int>(n.get_int_or("rf_rows_per_line", p.rf_rows_per_line, 1, 4096));
    p.rebuild_cycles_per_row = static_cast<int>(n.get_int_or("rebuild_cycles_per_row", p.rebuild_cycles_per_row, 1, 1024));
    p.bypass_cycles_per_row = static_cast<int>(n.get_int_or("bypass_cycles_per_row", p.bypass_cycles_per_row, 1, 1024));
    p.index_bits_per_cycle = static_cast<int>(n.get_int_or("index_bits_per_cycle", p.index_bits_per_cycle, 1, 4096));
    p.dma_max_outstanding = static_cast<int>(n.get_int_or("dma_max_outstanding", p.dma_max_outstanding, 1, 1024));
    p.dma_transfer_bytes = static_cast<int>(n.get_int_or("dma_transfer_bytes", p.dma_transfer_bytes, 1, 1 << 20));
    p.fifo_depth = static_cast<int>(n.get_int_or("fifo_depth", p.fifo_depth, 1, 64));
    p.input_layout = n.get_enum_or("input_layout", {"skewed", "packed"}, p.input_layout);
    p.memory = n.get_enum_or("memory", {"dram", "fixed"}, p.memory);
    // The fixed-latency stub's figures are read only when it is the memory: with "dram" they
    // would change nothing, and ArchConfig::expect_all_used() reports them.
    if (p.memory == "fixed") {
        p.fixed_latency_cycles = static_cast<int>(n.get_int_or("fixed_latency_cycles", p.fixed_latency_cycles, 1, 1 << 30));
        p.fixed_bytes_per_cycle = static_cast<int>(n.get_int_or("fixed_bytes_per_cycle", p.fixed_bytes_per_cycle, 1, 4096));
    }
    return p;
}

}  // namespace sx::se
