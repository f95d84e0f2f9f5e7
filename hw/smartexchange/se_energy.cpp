#include "hw/smartexchange/se_energy.h"

#include <cmath>

#include "hw/energy/area_model.h"
#include "hw/energy/energy_model.h"
#include "hw/smartexchange/rebuild_engines.h"

namespace sx::se {

SeWireLengths se_wire_lengths(const ArchConfig& arch, double pitch) {
    const double M = arch.pe.dim_m, C = arch.pe.dim_c;
    SeWireLengths w;
    // The activation, weight and partial-sum buses run past every slice, crossing each slice's
    // lines (slices side by side, the bus snaking through them): a bus spanning the dim_m
    // slices, dim_m pitches (the contract's rule). A transfer drives the whole bus, whichever
    // slice takes it (a broadcast to all, or Ce codes / partial sums of one slice).
    w.act_broadcast_mm = M * pitch;
    w.to_slice_mm = M * pitch;
    // A line's lanes sit along the slice's width.
    w.line_mm = pitch;
    // The line shifts its activation segment one lane per beat: dim_f lanes along the pitch.
    w.lane_shift_mm = pitch / arch.pe.dim_f;
    // Binary tree over C lines pitch / C apart: level l (1..ceil(log2 C)) has C / 2^l adds
    // whose far operand comes 2^(l-1) lines away, i.e. C/2 x pitch/C = pitch/2 of wire per
    // level (dim_c = 8: 4 x 1 + 2 x 2 + 1 x 4 = 12 line spacings = 3 x pitch/2).
    w.adder_tree_mm = C > 1 ? std::ceil(std::log2(C)) * pitch / 2.0 : 0.0;
    return w;
}

void apply_se_energy(const ArchConfig& arch, const SeEnergyCounts& e, LayerResult& r) {
    const TechTable& t = arch.tech;
    const auto d = [](uint64_t v) { return static_cast<double>(v); };
    const double acc_bits = arch.bits.accumulator, act_bits = arch.bits.activation;
    const double reg = t.pj("reg_bit");
    r.energy(EnergyComponent::Dram) = e.dram_valid ? e.dram.total_pj() : dram_bytes_energy_pj(t, e.dram_bytes);
    add_buffer_energy(arch, r);

    // Arithmetic. Bit-serial: each Booth digit is one shift-add into the lane's accumulator
    // (accumulator width, add_32b); bit-parallel: one 8-bit MAC per lane with a non-zero
    // activation (the policy's lane work, pe_timing.h). The adder trees' adds and the partial
    // sums' read-modify-write adds at the output buffer are 32-bit adds.
    r.energy(EnergyComponent::PeArray) = d(e.lane_digit_cycles) * t.pj(e.bit_serial ? "add_32b" : "mac_8b") +
                                         d(e.adder_tree_ops + e.psum_rmw_adds) * t.pj("add_32b");

    // Registers. Line weight RFs (2 banks x rf_rows_per_line x 3 weights, addressed): a write
    // is 8 flip-flops written, a read the table's RF read (a 16-bit figure for 8 bits: upper
    // bound). Lane registers: the accumulator is written once per unit of lane work, the
    // activation register once per beat and lane (macs_executed).
    r.energy(EnergyComponent::RegisterFile) =
        d(e.rf_writes) * 8.0 * reg + d(e.rf_reads) * t.pj("rf_read_16b") +
        (d(e.lane_digit_cycles) * acc_bits + d(e.macs_executed) * act_bits) * reg;

    // FIFO storage, the rule Eyeriss' link FIFO and SCNN's weight FIFO follow: fifo_access_16b
    // per 16 bits written and again per 16 bits read (every staged bit is written once and read
    // once): the staging slots (Ce codes, bases, raw weights) and the decoder -> rebuild FIFO
    // (one non-zero flag per row per slice).
    r.energy(EnergyComponent::Fifo) = 2.0 * (d(e.stage_bytes) * 8.0 + d(e.bitmap_bits)) / 16.0 * t.pj("fifo_access_16b");

    // On-chip distribution: bits x mm (wire_bit_mm), lengths in se_wire_lengths.
    const SeWireLengths w = se_wire_lengths(arch, e.pe_pitch_mm);
    r.energy(EnergyComponent::Noc) =
        wire_pj(t, d(e.act_values_broadcast) * act_bits, w.act_broadcast_mm) +  // input buffer -> lanes
        wire_pj(t, d(e.stage_bytes) * 8.0 + d(e.bitmap_bits), w.to_slice_mm) +  // weight/index -> slices
        wire_pj(t, d(e.rf_reads) * 8.0, w.line_mm) +                            // line RF -> its lanes
        wire_pj(t, d(e.macs_executed) * act_bits, w.lane_shift_mm) +           // lane -> next lane
        wire_pj(t, d(e.adder_trees) * acc_bits, w.adder_tree_mm) +               // adder trees
        wire_pj(t, d(e.psums_out) * acc_bits, w.to_slice_mm);                    // slices -> output buffer

    // Rebuild engines: a rebuilt row = 3 weights x 3 shifted basis terms; a basis load writes
    // the engine's basis record register (kBasisRecordBytes flip-flops).
    r.energy(EnergyComponent::Rebuild) = d(e.rows_rebuilt) * 9.0 * t.pj("shift_add_8b") +
                                         d(e.basis_loads) * static_cast<double>(kBasisRecordBytes) * 8.0 * reg;
    r.energy(EnergyComponent::IndexDecoder) = d(e.bitmap_bits) * t.pj("index_bit");
    r.energy(EnergyComponent::Leakage) = leakage_pj(e.static_power_mw, e.cycles, arch.clock_mhz);
}

}  // namespace sx::se
