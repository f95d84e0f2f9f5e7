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

}  // namespace sx::scnn
