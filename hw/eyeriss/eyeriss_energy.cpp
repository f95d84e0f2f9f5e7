#include "hw/eyeriss/eyeriss_energy.h"

#include "hw/energy/area_model.h"

namespace sx::eyeriss {

void eyeriss_dynamic_energy(const TechTable& t, const EyerissParams& p, double pitch_mm, const EyerissEvents& ev,
                            LayerResult& res) {
    const auto d = [](uint64_t v) { return static_cast<double>(v); };
    const double vbits = p.value_bytes * 8.0;
    // PE arithmetic: one 16-bit MAC per executed MAC; incoming psums on the same adder.
    res.energy(EnergyComponent::PeArray) = d(ev.macs) * t.pj("mac_16b") + d(ev.psum_adds) * t.pj("add_16b");
    // Scratchpads (per 16-bit access; the filter spad is the 224 x 16 b SRAM, its table entry).
    res.energy(EnergyComponent::RegisterFile) = d(ev.ifmap_spad) * t.pj("spad_ifmap_16b") +
                                                d(ev.filter_spad) * t.pj("spad_weight_16b") +
                                                d(ev.psum_spad) * t.pj("spad_psum_16b");
    // Link FIFO: each 64-bit word written once and read once, 4 16-bit accesses each way at
    // fifo_access_16b (the table's FIFO entry covers the read mux and pointers, which a
    // flip-flop write, reg_bit, does not).
    res.energy(EnergyComponent::Fifo) = d(ev.fifo_words) * 2.0 * (64.0 / 16.0) * t.pj("fifo_access_16b");
    // Distribution. Floorplan: the GLB beside the array; a network's Y-bus runs along the
    // array's height (rows x pitch) to one X-bus per PE row, each X-bus along the row's width
    // (cols x pitch). A bus is one wire driven along its whole length whatever the
    // destinations (no segmentation in the chip's description), so a Y-bus flit is charged the
    // full height once, and a multicast flit the full width once per X-bus it drives. The
    // psum-out network gathers from the top PEs over the same X/Y structure (height + width
    // per packet). A vertical psum link is one pitch. Besides the wire: the X-bus's flit
    // register (reg_bit per bit) and the ID match: every X-bus's row-ID comparator on the
    // Y-bus per Y flit (rows compares), every PE's column-ID comparator per X flit (cols
    // compares); the psum link's register at the receiving PE.
    const double h = p.rows * pitch_mm, w = p.cols * pitch_mm;
    const double fb = p.filter_noc_values * vbits, ib = p.ifmap_noc_values * vbits, pb = p.psum_noc_values * vbits,
                 lb = p.psum_link_values * vbits;
    const double wire = wire_pj(t, fb * d(ev.filter_y), h) + wire_pj(t, fb * d(ev.filter_x), w) +
                        wire_pj(t, ib * d(ev.ifmap_y), h) + wire_pj(t, ib * d(ev.ifmap_x), w) +
                        wire_pj(t, pb * d(ev.psum_in_y), h) + wire_pj(t, pb * d(ev.psum_in_x), w) +
                        wire_pj(t, pb * d(ev.psum_out), h + w) + wire_pj(t, lb * d(ev.psum_link_packets), pitch_mm);
    const double regs = (fb * d(ev.filter_x) + ib * d(ev.ifmap_x) + pb * d(ev.psum_in_x) + lb * d(ev.psum_link_packets)) *
                        t.pj("reg_bit");
    const double ids = (d(ev.filter_y + ev.ifmap_y + ev.psum_in_y) * p.rows +
                        d(ev.filter_x + ev.ifmap_x + ev.psum_in_x) * p.cols) *
                       t.pj("comparator_8b");
    res.energy(EnergyComponent::Noc) = wire + regs + ids;
}

}  // namespace sx::eyeriss
