#include "hw/scnn/scnn_area.h"

#include <any>
#include <cmath>

#include "hw/energy/area_model.h"

namespace sx::scnn {

namespace {

uint32_t ceil_log2(uint64_t v) {
    uint32_t b = 0;
    while ((uint64_t{1} << b) < v) ++b;
    return b;
}

ScnnParams params_of(const ArchConfig& arch) {
    if (const auto* p = std::any_cast<ScnnParams>(&arch.design)) return *p;
    return parse_scnn_params(arch);
}

// A block of `n` per-PE instances, its basis prefixed with what one PE holds.
BlockArea per_pe(BlockArea b, const std::string& what) {
    b.basis = what + ": " + b.basis;
    return b;
}

}  // namespace

ScnnWidths scnn_widths(const ArchConfig& arch, const ScnnParams& p) {
    const bool sparse = arch.dataflow == Dataflow::Scnn;
    ScnnWidths w;
    // A FIFO entry holds F weights; sparse ones with their 4-bit zero-run field (docs/scnn.md:
    // 4 x 20 bits, the paper's 0.5 KB for 50 entries). DCNN-opt decodes before the FIFO
    // (dense vectors of F channels at one tap): no run field.
    w.weight_entry = static_cast<uint32_t>(p.F) * static_cast<uint32_t>(arch.bits.activation + (sparse ? 4 : 0));
    w.accumulator = static_cast<uint32_t>(arch.bits.accumulator);
    // The crossbar carries the product (accumulator width) and its address inside the bank.
    const uint64_t per_bank = (static_cast<uint64_t>(p.accumulator_entries) + static_cast<uint64_t>(p.accumulator_banks) - 1) /
                              static_cast<uint64_t>(p.accumulator_banks);
    w.product = w.accumulator + ceil_log2(per_bank);
    return w;
}

AreaReport scnn_area(const ArchConfig& arch) {
    const TechTable& t = arch.tech;
    const ScnnParams p = params_of(arch);
    const ScnnWidths wd = scnn_widths(arch, p);
    const bool sparse = arch.dataflow == Dataflow::Scnn;
    const auto pes = static_cast<uint64_t>(arch.pe.rows) * static_cast<uint64_t>(arch.pe.cols);
    const auto FI = static_cast<uint64_t>(p.F) * static_cast<uint64_t>(p.I);
    const auto A = static_cast<uint64_t>(p.accumulator_banks);
    const auto act_bits = static_cast<uint64_t>(arch.bits.activation);
    AreaReport r = start_report(arch);
    auto add = [&](BlockArea b, const std::string& what) { r.blocks.push_back(per_pe(std::move(b), what)); };
    const std::string per = " per PE x " + std::to_string(pes) + " PEs";

    // The F x I multiplier array (16-bit operands: the table's mult_16b).
    add(logic_block(t, "pe/multipliers", AreaClass::Arithmetic, "mult_16b", FI * pes),
        std::to_string(FI) + " multipliers" + per);
    // Accumulate adders (24-bit sums on the table's 32-bit adder, the next size up): SCNN one
    // per accumulator bank (a bank retires one product per cycle), DCNN one per multiplier
    // (each product goes to its own accumulator, no crossbar).
    const uint64_t adders = sparse ? A : FI;
    add(logic_block(t, "pe/accumulate_adders", AreaClass::Arithmetic, "add_32b", adders * pes),
        std::to_string(adders) + (sparse ? " (one per bank)" : " (one per multiplier)") + per);
    if (sparse) {
        // Scatter crossbar: F*I inputs x A outputs, a mux crosspoint per payload bit.
        const uint64_t xp = FI * A * wd.product;
        add(logic_block(t, "pe/scatter_crossbar", AreaClass::Distribution, "crossbar_bit", xp * pes),
            std::to_string(FI) + " x " + std::to_string(A) + " crosspoints x " + std::to_string(wd.product) +
                " bits (product + bank address)" + per);
        if (p.crossbar_queue_entries > 0) {
            const uint64_t qb = A * static_cast<uint64_t>(p.crossbar_queue_entries) * wd.product;
            add(register_block(t, "pe/crossbar_queues", AreaClass::Fifo, qb * pes),
                std::to_string(A) + " bank queues x " + std::to_string(p.crossbar_queue_entries) + " entries x " +
                    std::to_string(wd.product) + " bits" + per);
        }
        // Coordinate computation from the zero runs (our reading of the paper's PE: indices ->
        // coordinates -> crossbar): F + I running coordinates and, per product, an output row
        // and column adder.
        const uint64_t idx = (static_cast<uint64_t>(p.F) + static_cast<uint64_t>(p.I)) + 2 * FI;
        add(logic_block(t, "pe/coordinate_units", AreaClass::IndexDecoder, "add_8b", idx * pes),
            std::to_string(idx) + " 8-bit adders (F + I run decoders, 2 per product)" + per);
    } else if (p.zero_gating) {
        // DCNN-opt: a zero detector per operand line (F weights, I activations), each as two
        // 8-bit compares on a 16-bit value.
        const uint64_t zd = 2 * (static_cast<uint64_t>(p.F) + static_cast<uint64_t>(p.I));
        add(logic_block(t, "pe/zero_detect", AreaClass::Arithmetic, "comparator_8b", zd * pes),
            std::to_string(zd) + " 8-bit comparators (zero detect on F + I operands)" + per);
    }
    // Accumulator buffers: 2 (double buffer) x accumulator_entries x accumulator bits, in
    // flip-flops: a bank is accumulator_entries / banks words (32 x 24 b = 96 B on the paper's
    // configuration), far below the smallest SRAM point of any table (1 KiB, where CACTI's
    // range starts): as SRAM macros each bank would be charged a 1 KiB array.
    const uint64_t acc_bits = 2 * static_cast<uint64_t>(p.accumulator_entries) * wd.accumulator;
    add(register_block(t, "pe/accumulator_buffers", AreaClass::RegisterFile, acc_bits * pes),
        "2 x " + std::to_string(p.accumulator_entries) + " x " + std::to_string(wd.accumulator) + " bits" + per);
    // Weight FIFO (flip-flops): entries x F weights (+ run fields when sparse).
    const uint64_t fifo_bits = static_cast<uint64_t>(p.weight_fifo_entries) * wd.weight_entry;
    add(register_block(t, "pe/weight_fifo", AreaClass::Fifo, fifo_bits * pes),
        std::to_string(p.weight_fifo_entries) + " entries x " + std::to_string(wd.weight_entry) + " bits" + per);
    // IARAM read port: a word register and the activation-vector register (iaram_port.h).
    uint64_t in_port = 64, out_port = 64;
    for (const auto& b : arch.buffers) {
        if (b.role == "input") in_port = static_cast<uint64_t>(b.port_width_bits);
        if (b.role == "output") out_port = static_cast<uint64_t>(b.port_width_bits);
    }
    const bool compressed = sparse || p.compressed_dram;
    const uint64_t port_bits = in_port + static_cast<uint64_t>(p.I) * (act_bits + (sparse ? 4 : 0));
    add(register_block(t, "pe/iaram_port_registers", AreaClass::RegisterFile, port_bits * pes),
        std::to_string(in_port) + "-bit word + " + std::to_string(p.I) + "-activation vector register" + per);
    // Halo / reduction links: an output register of halo_values_per_cycle partial sums per
    // outgoing link (SCNN: left, above, above-left; DCNN only the FC reduction's left and above,
    // its planar tiles need no output halo) and the merge port's adders.
    const uint64_t links = sparse ? 3 : 2, hw = static_cast<uint64_t>(p.halo_values_per_cycle);
    add(register_block(t, "pe/halo_link_registers", AreaClass::Distribution, links * hw * wd.accumulator * pes),
        std::to_string(links) + " links x " + std::to_string(hw) + " x " + std::to_string(wd.accumulator) + " bits" + per);
    add(logic_block(t, "pe/halo_merge_adders", AreaClass::Arithmetic, "add_32b", hw * pes),
        std::to_string(hw) + " merge adders" + per);
    // Post-processing unit (ppu.h), per value lane: bias and rounding adds, the 32 x 32-bit
    // requantisation multiply (four 16-bit multipliers: area quadratic in width, the Aladdin
    // rule), the clamp's two compares; the output word register and the zero-run counter.
    const uint64_t lanes = static_cast<uint64_t>(p.ppu_values_per_cycle);
    add(logic_block(t, "pe/ppu_multipliers", AreaClass::Arithmetic, "mult_16b", 4 * lanes * pes),
        std::to_string(4 * lanes) + " x mult_16b (32 x 32 requantisation)" + per);
    add(logic_block(t, "pe/ppu_adders", AreaClass::Arithmetic, "add_32b", 2 * lanes * pes),
        std::to_string(2 * lanes) + " x add_32b (bias, rounding)" + per);
    add(logic_block(t, "pe/ppu_clamp", AreaClass::Arithmetic, "comparator_8b", 2 * lanes * pes),
        std::to_string(2 * lanes) + " x comparator_8b (clamp)" + per);
    add(register_block(t, "pe/ppu_registers", AreaClass::RegisterFile, (out_port + (compressed ? 4 : 0)) * pes),
        std::to_string(out_port) + "-bit output word" + std::string(compressed ? " + 4-bit run counter" : "") + per);
    // IARAM / OARAM: one bank per PE (capacity / banks each), as configured.
    add_global_buffers(r, arch);
    if (p.weight_staging_kib > 0)  // the optional staging SRAM, 8 banks as the model builds it
        r.blocks.push_back(sram_block(t, "weight_staging", AreaClass::Sram, p.weight_staging_kib, 8));
    // The weight broadcast bus and the links are wires: no area (area_model.h).
    // One PE: its blocks and its IARAM and OARAM banks; control is left out of the pitch, as
    // for SmartExchange's slices and Eyeriss' PEs.
    double pe_mm2 = 0;
    for (const auto& b : r.blocks)
        if (b.block.rfind("pe/", 0) == 0) pe_mm2 += b.area_mm2;
    for (const auto& b : arch.buffers)
        if (b.role == "input" || b.role == "output")
            for (const auto& blk : r.blocks)
                if (blk.block == "glb/" + b.name) pe_mm2 += blk.area_mm2;
    add_control(r, t);
    pe_mm2 = pe_mm2 / static_cast<double>(pes);
    r.pe_pitch_mm = std::sqrt(pe_mm2);
    return r;
}

ScnnFloorplan scnn_floorplan(const ArchConfig& arch, const AreaReport& area) {
    ScnnFloorplan f;
    const double rows = arch.pe.rows, cols = arch.pe.cols;
    f.pe_pitch_mm = area.pe_pitch_mm;
    f.broadcast_all_mm = (rows + rows * cols) * f.pe_pitch_mm;
    f.broadcast_one_mm = (rows + cols) * f.pe_pitch_mm;
    double xbar = 0;
    for (const auto& b : area.blocks)
        if (b.block == "pe/scatter_crossbar") xbar = b.area_mm2 / (rows * cols);
    f.crossbar_mm = 2 * std::sqrt(xbar);
    f.static_power_mw = area.static_power_mw();
    return f;
}

}  // namespace sx::scnn
