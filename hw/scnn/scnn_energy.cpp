#include "hw/scnn/scnn_energy.h"

#include "hw/energy/area_model.h"
#include "hw/energy/energy_model.h"

namespace sx::scnn {

void apply_scnn_energy(const ArchConfig& arch, const ScnnEnergyCounts& c, LayerResult& r) {
    const TechTable& t = arch.tech;
    const ScnnWidths& w = c.widths;
    const ScnnFloorplan& fp = c.floorplan;
    const auto d = [](uint64_t v) { return static_cast<double>(v); };
    const double acc16 = w.accumulator / 16.0;  // a partial sum in 16-bit accesses
    // Multipliers: SCNN fires every issued product (discarded ones included: the multiplier
    // ran); DCNN fires every slot; DCNN-opt gates slots with a zero operand (no dynamic
    // energy; the gated multiplier still leaks: Leakage is the whole area's, below).
    double mults = 0, adds = 0;
    if (c.sparse) {
        mults = d(c.cnt.products + c.cnt.products_discarded);
        adds = d(c.cnt.products);
    } else {
        mults = d(c.cnt.products - (c.zero_gating ? c.cnt.zero_gated : 0));
        adds = mults;
    }
    // Accumulate adds on add_32b (24-bit sums, the next size up); halo merges one add each;
    // the PPU per output: bias and rounding adds, a 32 x 32 multiply (4 x mult_16b), 2 compares.
    double pe = mults * t.pj("mult_16b") + (adds + d(c.halo_values)) * t.pj("add_32b") +
                d(c.ppu_outputs) * (4 * t.pj("mult_16b") + 2 * t.pj("add_32b") + 2 * t.pj("comparator_8b"));
    // DCNN-opt: zero detect on the F + I operands of every array cycle (2 compares each).
    if (!c.sparse && c.zero_gating) pe += d(c.cnt.array_cycles) * 2 * (c.F + c.I) * t.pj("comparator_8b");
    r.energy(EnergyComponent::PeArray) = pe;
    // SCNN coordinate computation: each weight / activation decoded from its run (one 8-bit
    // add), each issued product's output row and column (two).
    if (c.sparse)
        r.energy(EnergyComponent::IndexDecoder) =
            (d(c.cnt.fifo_reads) * c.F + d(c.cnt.iaram_reads) * c.I + 2 * d(c.cnt.products + c.cnt.products_discarded)) *
            t.pj("add_8b");
    // Accumulators (flip-flop banks, scnn_area.cpp): a read (rf_read_16b per 16 bits) and a
    // write (reg_bit per bit) per accumulation, per halo merge; a read per PPU output.
    const double acc_rd = acc16 * t.pj("rf_read_16b"), acc_wr = w.accumulator * t.pj("reg_bit");
    r.energy(EnergyComponent::RegisterFile) = d(c.cnt.acc_reads + c.halo_values + c.ppu_outputs) * acc_rd +
                                              d(c.cnt.acc_writes + c.halo_values) * acc_wr;
    // FIFOs: weight-vector writes (every PE's FIFO on a broadcast) and reads (replays included),
    // fifo_access_16b per 16 bits of the entry; crossbar bank queues: a write and a read of a
    // product's payload per product delivered.
    double fifo = d(c.fifo_writes() + c.cnt.fifo_reads) * (w.weight_entry / 16.0) * t.pj("fifo_access_16b");
    if (c.sparse && c.crossbar_queue_entries > 0)
        fifo += d(c.cnt.products) * 2 * (w.product / 16.0) * t.pj("fifo_access_16b");
    r.energy(EnergyComponent::Fifo) = fifo;
    // Distribution (bits x mm of wire, + crossbar_bit per bit per crosspoint): the weight bus
    // (every PE: spine + all ribs; one PE: spine + its rib), the scatter crossbar (one
    // crosspoint, across its width and height), the halo / reduction links (one pitch per hop,
    // the link's output register written per hop).
    double noc = wire_pj(t, d(c.broadcast_entries) * w.weight_entry, fp.broadcast_all_mm) +
                 wire_pj(t, d(c.unicast_entries) * w.weight_entry, fp.broadcast_one_mm) +
                 wire_pj(t, d(c.halo_value_hops) * w.accumulator, fp.pe_pitch_mm) +
                 d(c.halo_value_hops) * w.accumulator * t.pj("reg_bit");
    if (c.sparse)
        noc += d(c.cnt.products) * w.product * t.pj("crossbar_bit") +
               wire_pj(t, d(c.cnt.products) * w.product, fp.crossbar_mm);
    r.energy(EnergyComponent::Noc) = noc;
    // IARAM / OARAM: one bank per PE, inside the PE: an access reaches its own bank only
    // (sram_access_pj, the rule every design's buffers follow).
    for (const auto& b : arch.buffers) {
        if (b.role == "input") r.energy(EnergyComponent::InputBuffer) = buffer_energy_pj(t, b, r.buffer(BufferRole::Input), 1);
        if (b.role == "output") r.energy(EnergyComponent::OutputBuffer) = buffer_energy_pj(t, b, r.buffer(BufferRole::Output), 1);
    }
    r.energy(EnergyComponent::Dram) = c.dram_pj;
    // Leakage: the configuration's static power (every block of scnn_area) x the layer's time.
    r.energy(EnergyComponent::Leakage) = leakage_pj(fp.static_power_mw, c.cycles, arch.clock_mhz);
}

}  // namespace sx::scnn
