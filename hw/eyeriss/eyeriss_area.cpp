#include "hw/eyeriss/eyeriss_area.h"

#include <cmath>

#include "hw/energy/area_model.h"
#include "hw/eyeriss/eyeriss_params.h"

namespace sx::eyeriss {

// Every block of the model (docs/eyeriss.md, docs/energy-model.md "Eyeriss"), in the order a
// value meets them. Per PE (rows x cols of them): the 16-bit MAC (multiplier + accumulate
// adder: the incoming-psum additions use the same adder, pe_array.h), the ifmap and psum
// scratchpads in flip-flops, the filter scratchpad in SRAM (the chip's is SRAM: 181.5 KB of
// SRAM = 108 KB GLB + 168 x 448 B), the zero detector that gates the MAC (a 16-bit compare
// with 0: two 8-bit comparator slices), the multicast controllers' ID match (one 8-bit
// comparator per PE per network that delivers into PEs: filter, ifmap, psum-in; the chip's
// IDs are under 8 bits) and the register at the head of the PE's vertical psum link (one
// 64-bit packet per link per cycle, noc.h PsumChain). Per network: one flit register per
// X-bus (physical PE row) and one row-ID comparator per X-bus on the Y-bus; the psum-out
// bus gathers the top PEs' packets: a cols-to-1 mux of its width. Wires have no area
// (area_model.h). Outside the array: the RLC codec, the link FIFO (flip-flops), the GLBs,
// then control as the table's fraction of the rest.
AreaReport eyeriss_area(const ArchConfig& arch) {
    const EyerissParams& p = arch.design_params<EyerissParams>();
    const TechTable& t = arch.tech;
    AreaReport r = start_report(arch);
    const uint64_t rows = static_cast<uint64_t>(p.rows), cols = static_cast<uint64_t>(p.cols), npe = rows * cols;
    const uint64_t vbits = static_cast<uint64_t>(p.value_bytes) * 8;
    const uint64_t ifmap_bits = static_cast<uint64_t>(p.ifmap_noc_values) * vbits,
                   filter_bits = static_cast<uint64_t>(p.filter_noc_values) * vbits,
                   psum_bits = static_cast<uint64_t>(p.psum_noc_values) * vbits,
                   link_bits = static_cast<uint64_t>(p.psum_link_values) * vbits;
    // PE blocks (their sum is one PE's area, the pitch below).
    const std::size_t pe_first = r.blocks.size();
    r.blocks.push_back(logic_block(t, "pe/mac", AreaClass::Arithmetic, "mac_16b", npe));
    r.blocks.push_back(register_block(t, "pe/ifmap_spad", AreaClass::RegisterFile,
                                      npe * static_cast<uint64_t>(p.spad_ifmap) * vbits));
    r.blocks.push_back(sram_block(t, "pe/filter_spad", AreaClass::Sram,
                                  static_cast<double>(p.spad_filter) * static_cast<double>(vbits) / 8.0 / 1024.0, 1, npe));
    r.blocks.push_back(register_block(t, "pe/psum_spad", AreaClass::RegisterFile,
                                      npe * static_cast<uint64_t>(p.spad_psum) * vbits));
    r.blocks.push_back(logic_block(t, "pe/zero_detect", AreaClass::IndexDecoder, "comparator_8b", npe * (vbits / 8)));
    r.blocks.push_back(logic_block(t, "pe/noc_id_match", AreaClass::Distribution, "comparator_8b", npe * 3));
    r.blocks.push_back(register_block(t, "pe/psum_link_reg", AreaClass::Distribution, npe * link_bits));
    const std::size_t pe_last = r.blocks.size();
    for (std::size_t i = pe_first; i < pe_last; ++i) r.blocks[i].basis += ", for " + std::to_string(npe) + " PEs";
    // Networks outside the PEs.
    r.blocks.push_back(register_block(t, "noc/xbus_flit_regs", AreaClass::Distribution,
                                      rows * (filter_bits + ifmap_bits + psum_bits)));
    r.blocks.back().basis += " (" + std::to_string(rows) + " X-buses x (filter " + std::to_string(filter_bits) + " + ifmap " +
                             std::to_string(ifmap_bits) + " + psum-in " + std::to_string(psum_bits) + " b))";
    r.blocks.push_back(logic_block(t, "noc/ybus_row_id_match", AreaClass::Distribution, "comparator_8b", rows * 3));
    r.blocks.push_back(logic_block(t, "noc/psum_out_mux", AreaClass::Distribution, "crossbar_bit", cols * psum_bits));
    r.blocks.back().basis += " (" + std::to_string(cols) + " top PEs to 1, " + std::to_string(psum_bits) + " b)";
    // RLC codec: encoder = zero test of the 16-bit value (2 comparator slices), run counter
    // (an 8-bit adder covers the 5-bit run), the 64-bit word it packs pairs into; decoder = the
    // 64-bit word it unpacks, run down-counter, the 16-bit value out.
    r.blocks.push_back(logic_block(t, "rlc/zero_test", AreaClass::IndexDecoder, "comparator_8b", vbits / 8));
    r.blocks.push_back(logic_block(t, "rlc/run_counters", AreaClass::IndexDecoder, "add_8b", 2));
    r.blocks.push_back(register_block(t, "rlc/word_regs", AreaClass::IndexDecoder, 64 + 64 + vbits));
    // Link FIFO between the 64-bit link and the codec (eyeriss_link.h): flip-flops.
    r.blocks.push_back(register_block(t, "link/fifo", AreaClass::Fifo, p.link_fifo_bytes * 8));
    add_global_buffers(r, arch);
    add_control(r, t);
    double pe_mm2 = 0;
    for (std::size_t i = pe_first; i < pe_last; ++i) pe_mm2 += r.blocks[i].area_mm2;
    r.pe_pitch_mm = std::sqrt(pe_mm2 / static_cast<double>(npe));
    return r;
}

}  // namespace sx::eyeriss
