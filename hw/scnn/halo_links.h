#pragma once
// Timing of the halo exchange between neighbouring PEs after an output-channel group, from its
// links (docs/scnn.md, "Halo exchange"): each PE reads the partial sums of its accumulator
// region that belong to a neighbour (above, left, above-left) and sends them over the link to
// that neighbour, `width` partial sums per cycle; each PE merges incoming partial sums into its
// accumulators through one port of the same width. Two neighbours sending to one PE in the
// same cycle conflict on that port: one is granted (round robin over the senders), the other
// waits. The values themselves are moved by LayerEngine::end_group; this counts the cycles.
#include <cstdint>
#include <vector>

namespace sx::scnn {

struct HaloRun {
    int dst = 0;          // receiving slot
    uint64_t values = 0;  // partial sums sent to it back to back
};

struct HaloTiming {
    uint64_t cycles = 0;        // until the last partial sum is merged
    uint64_t port_stalls = 0;   // sender-cycles lost to a receiver's busy merge port
    uint64_t values = 0;
};

// runs[s]: slot s's sends in order. `width` >= 1 partial sums per link and per merge port per
// cycle. `skip`: advance over conflict-free stretches at once (exact); false steps every cycle
// (the exactness test mode compares the two).
HaloTiming halo_exchange(const std::vector<std::vector<HaloRun>>& runs, int width, bool skip = true);

// The channel-split (FC) reduction over the same links (docs/scnn.md, "FC reduction"): every
// slot holds `values` partial sums (one per output channel of the group, in channel order); slot
// s sends its running sums to parent[s] over its link (-1: the root, which ends with the
// totals). A slot may send the sum of channel i once every child's channel-i sum has been
// merged into its own (it adds as it receives), `width` per cycle, in channel order; each slot
// merges through one port of the same width, granted to one child per cycle (round robin over
// the children with something to send). Values carried = values x (slots - 1). Stepped cycle
// by cycle. parent[] must form a tree rooted at the one slot with parent -1.
HaloTiming reduction_tree(const std::vector<int>& parent, uint64_t values, int width);

}  // namespace sx::scnn
