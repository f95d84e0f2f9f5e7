#include "hw/smartexchange/se_area.h"

#include <cmath>

#include "hw/energy/area_model.h"
#include "hw/smartexchange/rebuild_engines.h"
#include "hw/smartexchange/se_params.h"

namespace sx::se {

namespace {

BlockArea with_basis(BlockArea b, const std::string& why) {
    b.basis = why + ": " + b.basis;
    return b;
}

}  // namespace

// The blocks of the model (docs/energy-model.md, "SmartExchange", lists them with the energy
// each one is charged). M x C x F = dim_m slices x dim_c lines x dim_f lanes.
AreaReport se_area(const ArchConfig& arch) {
    const TechTable& t = arch.tech;
    const SeParams& p = arch.design_params<SeParams>();
    const uint64_t M = static_cast<uint64_t>(arch.pe.dim_m), C = static_cast<uint64_t>(arch.pe.dim_c),
                   F = static_cast<uint64_t>(arch.pe.dim_f);
    const uint64_t lanes = M * C * F, lines = M * C;
    const uint64_t acc_bits = static_cast<uint64_t>(arch.bits.accumulator);  // 32 (se_params checks it)
    const uint64_t act_bits = static_cast<uint64_t>(arch.bits.activation);   // 8
    const uint64_t chunk_rows = C * static_cast<uint64_t>(p.rf_rows_per_line);
    AreaReport r = start_report(arch);

    // --- The slice blocks (everything that is replicated per slice; pe_pitch_mm below). ---
    // Lanes. Bit-serial Booth: the lane's shift-add accumulator, an adder of the accumulator
    // width (the Booth digit's shift and sign are a mux on its input, as the table's
    // shift_add entries); bit-parallel: an 8-bit MAC (pe_timing.h).
    if (p.bit_serial)
        r.blocks.push_back(with_basis(logic_block(t, "pe_array/lane_shift_add", AreaClass::Arithmetic, "add_32b", lanes),
                                      "one Booth shift-add accumulator per lane, M x C x F"));
    else
        r.blocks.push_back(with_basis(logic_block(t, "pe_array/lane_mac", AreaClass::Arithmetic, "mac_8b", lanes),
                                      "one 8-bit MAC per lane, M x C x F"));
    // Lane registers: the accumulator (the partial sum of the lane over a step) and the
    // activation operand (shifted digit by digit when bit-serial).
    r.blocks.push_back(with_basis(register_block(t, "pe_array/lane_registers", AreaClass::RegisterFile,
                                                 lanes * (acc_bits + act_bits)),
                                  "per lane an accumulator (bits.accumulator) + an activation register "
                                  "(bits.activation), M x C x F x " + std::to_string(acc_bits + act_bits) + " bits"));
    // Line weight register files: two banks (ping-pong with the rebuild engines: the 1-deep
    // rebuild -> PE FIFO), rf_rows_per_line rebuilt rows of 3 int8 weights each. Raw rows of
    // S > 3 weights (7x7, 11x11 first layers) would need S/3 of this: not sized for them.
    r.blocks.push_back(with_basis(register_block(t, "pe_array/line_weight_rf", AreaClass::RegisterFile,
                                                 lines * 2 * static_cast<uint64_t>(p.rf_rows_per_line) * 3 * 8),
                                  "M x C lines x 2 banks x rf_rows_per_line x 3 weights x 8 bits"));
    // Adder trees: a slice sums its C lines' accumulators per lane column.
    r.blocks.push_back(with_basis(logic_block(t, "pe_array/adder_trees", AreaClass::Arithmetic, "add_32b", M * F * (C - 1)),
                                  "(dim_c - 1) 32-bit adders per slice per lane column, M x F x (C - 1)"));
    // Rebuild engines: two per line (ping-pong). Each: a basis record register (9 int8 + the
    // rebuild shift, kBasisRecordBytes) and three shift-add units (one weight = 3 shifted basis
    // terms per cycle, rebuild_cycles_per_row = 3 for the 3 weights of a row).
    const uint64_t res = 2 * lines;
    r.blocks.push_back(with_basis(logic_block(t, "rebuild_engines/shift_add", AreaClass::Arithmetic, "shift_add_8b", res * 3),
                                  "2 REs per line x M x C, 3 shift-add units each"));
    r.blocks.push_back(with_basis(register_block(t, "rebuild_engines/basis_registers", AreaClass::RegisterFile,
                                                 res * kBasisRecordBytes * 8),
                                  "2 REs per line x M x C, one basis record (" + std::to_string(kBasisRecordBytes) +
                                      " bytes) each"));
    // Ce/basis staging slots (the paper's small distributed SRAMs near the PEs), in flip-flops:
    // per slot and slice a pass's Ce codes (rows x 3 x 4 bits) and two basis records (a pass
    // of <= 192 rows touches at most two 192-row basis blocks; pointwise layers with smaller
    // blocks may need more: not bounded by the model).
    const uint64_t stage_bits =
        static_cast<uint64_t>(p.ce_stage_slots) * M * (chunk_rows * 12 + 2 * kBasisRecordBytes * 8);
    r.blocks.push_back(with_basis(register_block(t, "rebuild_engines/ce_staging_slots", AreaClass::Fifo, stage_bits),
                                  "ce_stage_slots x M x (dim_c x rf_rows_per_line rows x 12 bits + 2 basis records)"));
    double slice_mm2 = 0;
    for (const BlockArea& b : r.blocks) slice_mm2 += b.area_mm2;
    slice_mm2 /= static_cast<double>(M);
    // Slice pitch: the slice's blocks as a square. The distribution lengths (se_energy.cpp)
    // are multiples of it: slices side by side in one row next to the global buffers.
    r.pe_pitch_mm = std::sqrt(slice_mm2);

    // --- Shared blocks. ---
    // Index decoders: one (shared) or one per slice. Each holds a bitmap word of
    // index_bits_per_cycle bits and computes, per cycle, the Ce nibble address of each of its
    // rows: a prefix count over the word (one 16-bit adder per bit) plus the running address
    // (a 16-bit register).
    const uint64_t decoders = p.index_decoders == "per_slice" ? M : 1;
    const uint64_t ibits = static_cast<uint64_t>(p.index_bits_per_cycle);
    r.blocks.push_back(with_basis(logic_block(t, "index_decoders/prefix_adders", AreaClass::IndexDecoder, "add_16b",
                                              decoders * ibits),
                                  std::to_string(decoders) + " decoder(s) x index_bits_per_cycle adders"));
    r.blocks.push_back(with_basis(register_block(t, "index_decoders/registers", AreaClass::IndexDecoder,
                                                 decoders * (ibits + 16)),
                                  std::to_string(decoders) + " decoder(s) x (index_bits_per_cycle + 16) bits"));
    // Decoder -> rebuild FIFO: fifo_depth passes of one non-zero flag per row per slice (the
    // nibble addresses follow from the flags). The task and store FIFOs hold descriptors
    // (control, in the control fraction); the rebuild -> PE FIFO is the line RF's second bank.
    r.blocks.push_back(with_basis(register_block(t, "fifos/decoder_to_rebuild", AreaClass::Fifo,
                                                 static_cast<uint64_t>(p.fifo_depth) * M * chunk_rows),
                                  "fifo_depth x M x dim_c x rf_rows_per_line flag bits"));
    // Partial-sum read-modify-write at the output buffer: one 32-bit adder per 32 bits of
    // the output buffer's bank ports (the buffer moves that many partial sums per cycle).
    for (const auto& b : arch.buffers)
        if (b.role == "output") {
            const uint64_t n = static_cast<uint64_t>(b.banks) * static_cast<uint64_t>(b.port_width_bits) / acc_bits;
            r.blocks.push_back(with_basis(logic_block(t, "output/psum_adders", AreaClass::Arithmetic, "add_32b",
                                                      n > 0 ? n : 1),
                                          "output banks x port_width_bits / 32"));
        }
    // No DMA data buffers: the DMA moves bursts straight between the DRAM and the buffer
    // ports (its command queue is control). Wires have no area (area_model.h).
    add_global_buffers(r, arch);
    add_control(r, t);
    return r;
}

}  // namespace sx::se
