#pragma once
// Row-stationary mapper: the rules the Eyeriss compiler applies to place one layer on the PE
// array (Chen et al., ISCA 2016 Sec. V; JSSC 2017 Sec. IV).
//  * A logical PE set is R x E (filter rows x output rows). A PE runs one 1-D row convolution.
//  * A set taller than the array has its filter rows folded (accumulated like channels).
//  * A set wider than the array is split into pieces stacked vertically when they fit
//    (AlexNet CONV2 5x27 -> 5x14 + 5x13), otherwise strip-mined into sets of e output rows
//    processed one strip after another (CONV1 11x55 -> 11x7).
//  * As many physical sets as fit run at once: r sets on different channels (psums chained),
//    t sets on different filters (ifmaps multicast).
//  * A PE holds p filters x q channels: p*q*S <= filter spad, q*S <= ifmap spad, p <= psum spad.
//  * The ifmap+psum GLB (banks assigned per layer) holds n*m psum planes and one, two or all
//    channel blocks of n*q*r ifmap planes (the strip's rows); the filter GLB holds one pass's
//    filters (p*t x q*r x R x S).
// DRAM traffic: filters once per (batch of n, strip), ifmaps once per psum block (or once
// when every channel block stays resident), outputs once. Among the legal choices the mapper
// takes the least DRAM traffic (the chip's compiler minimises energy, which DRAM dominates)
// among those its cycle estimate rates within a tolerance of the fastest. The estimate only
// ranks candidates: the reported cycles come from the SystemC model.
#include <cstdint>
#include <string>

#include "hw/eyeriss/eyeriss_params.h"
#include "sw/workload/workload.h"

namespace sx::eyeriss {

struct RsMapping {
    // The layer as the array sees it (per group; FC as a 1x1 convolution on a 1x1 plane).
    int64_t N = 1, groups = 1, Cg = 0, Kg = 0, R = 1, S = 1, H = 1, W = 1, E = 1, F = 1;
    int64_t stride = 1, pad = 0;

    int set_h = 1;       // filter rows a physical set holds (R, or the array height if R is taller)
    int r_folds = 1;     // filter-row chunks (ceil(R / set_h)), accumulated like channel blocks
    int e = 1;           // output rows of a strip (the logical set width)
    int pieces = 1;      // pieces a wide set is split into (stacked vertically)
    int strips = 1;      // ceil(E / e)
    int sets = 1;        // physical sets that fit in the array
    int n = 1, p = 1, q = 1, r = 1, t = 1;
    int64_t m = 1;       // filters whose psum planes the GLB holds at once (multiple of p*t)
    int ifmap_rows = 1;  // ifmap rows one strip needs: (e-1)*stride + set_h
    int ifmap_banks = 0, psum_banks = 0;  // ifmap_banks per ifmap slot
    // GLB ifmap slots, one channel block each: 1 (the next block loads after the current one),
    // 2 (the next block prefetches into the other slot), or acc_blocks() (every channel block
    // of the strip stays resident across the psum blocks, so the ifmaps are read once; a block
    // of the next strip / batch prefetches into its slot once its last use is over).
    int ifmap_slots = 1;
    bool ifmap_resident() const { return ifmap_slots >= acc_blocks(); }
    int64_t acc_blocks() const { return r_folds * channel_blocks(); }
    int active_pes = 0;

    // Loop counts.
    int64_t batches() const { return (N + n - 1) / n; }
    int64_t filter_blocks() const { return (Kg + m - 1) / m; }        // psum residency blocks
    int64_t passes_per_block() const { return (m + p * t - 1) / (p * t); }
    int64_t channel_blocks() const { return (Cg + q * r - 1) / (q * r); }
    int64_t passes() const;

    uint64_t ifmap_plane_bytes = 0;  // one strip of one channel of one image in the GLB
    uint64_t psum_plane_bytes = 0;   // one strip of one output channel of one image
    uint64_t filter_pass_bytes = 0;  // p*t*q*r*set_h*S values

    double est_cycles = 0;           // ranking estimate only
    double est_dram_bytes = 0;
    std::string describe() const;    // "set 11x7 (strips 8) sets 2 n1 p16 q1 r1 t2 m96 ..."
};

// link_bytes_per_cycle: off-chip bandwidth in bytes per core cycle (for the ranking estimate).
// Throws InputError when no legal mapping exists (e.g. a filter wider than the ifmap spad).
// rlc_input: the layer's input is RLC-coded in DRAM (all but the network's first layer).
RsMapping map_layer(const Layer& layer, const EyerissParams& prm, double link_bytes_per_cycle, bool rlc_input = true);

}  // namespace sx::eyeriss
