#include "hw/eyeriss/eyeriss_params.h"

#include "sw/common/error.h"

namespace sx::eyeriss {

EyerissParams parse_eyeriss_params(const ArchConfig& arch) {
    EyerissParams p;
    if (arch.pe.rows < 1 || arch.pe.cols < 1)
        throw arch.error_at("/pe_array", "rows and cols >= 1 for eyeriss", "missing");
    p.rows = arch.pe.rows;
    p.cols = arch.pe.cols;
    // The GLB split of the chip: an ifmap+psum buffer (role input) and a filter buffer (role weight).
    const BufferConfig* glb = nullptr;
    const BufferConfig* fil = nullptr;
    for (const auto& b : arch.buffers) {
        if (b.role == "input") glb = &b;
        if (b.role == "weight") fil = &b;
    }
    if (!glb) throw arch.error_at("/buffers", "a buffer with role \"input\" (eyeriss ifmap+psum GLB)", "none");
    if (!fil) throw arch.error_at("/buffers", "a buffer with role \"weight\" (eyeriss filter GLB)", "none");
    // The model's datapath, scratchpads and RLC levels hold 16-bit values (the chip's width),
    // and the GLB is laid out in 2-byte values: narrower or wider activations would be sized
    // one way and stored another.
    if (arch.bits.activation < 9 || arch.bits.activation > 16)
        throw arch.error_at("/bits/activation", "an activation width in [9, 16] bits for the eyeriss dataflow (16-bit datapath)",
                            std::to_string(arch.bits.activation));
    if (arch.bits.accumulator != 16)
        throw arch.error_at("/bits/accumulator", "16 for the eyeriss dataflow (partial sums are 16-bit values in the spads and the GLB)",
                            std::to_string(arch.bits.accumulator));
    p.value_bytes = 2;
    p.glb_banks = glb->banks;
    p.glb_bank_bytes = glb->capacity_bytes / static_cast<uint64_t>(glb->banks);
    p.filter_glb_bytes = fil->capacity_bytes;
    // The mapper sizes ifmap and psum blocks in whole banks: a bank holds at least one value.
    if (p.glb_bank_bytes < static_cast<uint64_t>(p.value_bytes)) {
        const std::string at = "/buffers/" + glb->name;
        throw arch.error_at({at + "/banks", at + "/capacity_kib"},
                            "banks of at least one 2-byte value each (" + at + "/capacity_kib / " + at + "/banks)",
                            std::to_string(glb->banks) + " banks sharing " + std::to_string(glb->capacity_bytes) + " bytes");
    }
    const JsonNode n = arch.dataflow_node();
    if (n.value().is_null()) return p;
    n.expect_object();
    n.expect_only({"spad_ifmap_entries", "spad_filter_entries", "spad_psum_entries", "ifmap_noc_bits",
                   "filter_noc_bits", "psum_noc_bits", "psum_link_bits", "mac_pipeline_stages", "rlc_run_bits",
                   "rlc_pairs_per_word", "link_fifo_bytes", "dma_max_outstanding", "dma_transfer_bytes", "mapper_cycle_tolerance",
                   "comment"});
    if (n.has("comment")) n.get_string("comment");
    p.spad_ifmap = static_cast<int>(n.get_int_or("spad_ifmap_entries", p.spad_ifmap, 1, 4096));
    p.spad_filter = static_cast<int>(n.get_int_or("spad_filter_entries", p.spad_filter, 1, 1 << 20));
    p.spad_psum = static_cast<int>(n.get_int_or("spad_psum_entries", p.spad_psum, 1, 4096));
    const int vb = p.value_bytes * 8;
    // A network moves whole values: a width that is not a multiple of the value was silently
    // rounded down (31 bits ran as 16), so it is refused.
    auto noc_values = [&](const char* key, int64_t fallback) {
        const int64_t bits = n.get_int_or(key, fallback, vb, 4096);
        if (bits % vb)
            n.at(key).fail("a positive multiple of the " + std::to_string(vb) + "-bit value (whole values per transfer), "
                           "at most 4096");
        return static_cast<int>(bits / vb);
    };
    p.ifmap_noc_values = noc_values("ifmap_noc_bits", 16);
    p.filter_noc_values = noc_values("filter_noc_bits", 64);
    p.psum_noc_values = noc_values("psum_noc_bits", 64);
    p.psum_link_values = noc_values("psum_link_bits", 64);
    p.mac_pipeline_stages = static_cast<int>(n.get_int_or("mac_pipeline_stages", p.mac_pipeline_stages, 1, 64));
    p.rlc_run_bits = static_cast<int>(n.get_int_or("rlc_run_bits", p.rlc_run_bits, 1, 16));
    p.rlc_pairs_per_word = static_cast<int>(n.get_int_or("rlc_pairs_per_word", p.rlc_pairs_per_word, 1, 3));
    // Pairs of a run and a 16-bit level fill a 64-bit word (rlc.h): e.g. 16-bit runs fit 2.
    if (p.rlc_pairs_per_word * (p.rlc_run_bits + 16) > 64)
        throw arch.error_at({"/eyeriss/rlc_pairs_per_word", "/eyeriss/rlc_run_bits"},
                            "rlc_pairs_per_word x (rlc_run_bits + 16 level bits) <= 64 (the pairs of a 64-bit word, "
                            "/eyeriss/rlc_run_bits)",
                            std::to_string(p.rlc_pairs_per_word) + " x (" + std::to_string(p.rlc_run_bits) + " + 16) = " +
                                std::to_string(p.rlc_pairs_per_word * (p.rlc_run_bits + 16)) + " bits");
    p.link_fifo_bytes = static_cast<uint64_t>(n.get_int_or("link_fifo_bytes", 512, 64, 1 << 20));
    p.dma_max_outstanding = static_cast<int>(n.get_int_or("dma_max_outstanding", p.dma_max_outstanding, 1, 1024));
    p.dma_transfer_bytes = static_cast<int>(n.get_int_or("dma_transfer_bytes", p.dma_transfer_bytes, 8, 1 << 20));
    p.mapper_cycle_tolerance = n.has("mapper_cycle_tolerance") ? n.get_double("mapper_cycle_tolerance", 0.0, 10.0)
                                                                : p.mapper_cycle_tolerance;
    return p;
}

}  // namespace sx::eyeriss
