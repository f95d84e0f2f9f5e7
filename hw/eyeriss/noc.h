#pragma once
// The on-chip networks of Eyeriss as blocks (Chen et al., JSSC 2017 Sec. III-C/D; issue 13):
//  * GlobalBus - one global network (filter 64 b, ifmap 16 b, psum 64 b): a Y-bus feeding one
//    X-bus per PE row. One flit (the network's width) enters per cycle; it is tagged with a
//    (row, column) ID pair and reaches every PE whose configured IDs match (MulticastIds). A
//    flit goes on the bus only when its data is ready, the bus is free and every matched PE
//    can accept it (a free scratchpad entry): one PE that cannot accept stalls the bus for all.
//    The flit is in the destination's scratchpad one cycle after it goes on the bus.
//  * PsumChain - the vertical 64-bit local links of one PE column: psums flow from the bottom
//    PE of the column to the top, one 64-bit packet per link per cycle; a PE adds an incoming
//    packet to its own psums once those are complete and passes the sum up; the top PE hands
//    its packets to the psum network towards the GLB.
// Times are absolute core cycles. The blocks are plain C++ (called by the PE array inside the
// controller's SystemC thread): they compute when each flit/packet moves from the times its
// inputs are present and its destination can take it, nothing else.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace sx::eyeriss {

// ID-based multicast: each PE of a network has a row ID and a column ID; match(row, col) is
// the list of PEs whose IDs equal the flit's tag (empty if none). IDs are small non-negative
// integers assigned per layer (the chip's configuration scan chain).
class MulticastIds {
public:
    void clear();
    void assign(int pe, int row_id, int col_id);
    const std::vector<int>& match(int row_tag, int col_tag) const;

private:
    std::vector<std::vector<std::vector<int>>> by_id_;  // [row_id][col_id] -> PEs
    std::vector<int> none_;
};

class GlobalBus {
public:
    // flit_values: 16-bit values per flit (network width / 16).
    explicit GlobalBus(int flit_values = 1) : flit_values_(flit_values) {}
    // A flit whose data is ready at `ready`, whose destinations can all accept it from
    // `accept` (the latest of the matched PEs' free-entry cycles). Returns the cycle it is on
    // the bus; the data is in the destinations at the returned cycle + 1.
    uint64_t send(uint64_t ready, uint64_t accept) {
        const uint64_t t = std::max(std::max(free_, ready), accept);
        stall_ += accept > std::max(free_, ready) ? accept - std::max(free_, ready) : 0;
        free_ = t + 1;
        ++flits_;
        return t;
    }
    uint64_t free_at() const { return free_; }
    void hold_until(uint64_t t) { free_ = std::max(free_, t); }
    int flit_values() const { return flit_values_; }
    uint64_t flits() const { return flits_; }
    uint64_t stall_cycles() const { return stall_; }  // cycles flits waited for a destination

private:
    int flit_values_;
    uint64_t free_ = 0, flits_ = 0, stall_ = 0;
};

// One column's vertical psum links for one step. Positions 0 (top) .. n-1 (bottom); each PE
// has `packets` 64-bit packets of psums (ceil(p / 4)).
//   own[c * packets + b]: cycle PE c's psums of packet b are complete;
//   in[b]: cycle packet b of incoming psums (from the GLB over the psum network) is in the
//          bottom PE (0 when none: the first accumulation);
//   top_send(b, ready): the psum network's grant for the top PE's packet b ready at `ready`.
// Fills left[c]: the cycle PE c's first packet has left it (its psum entries free in order).
class PsumChain {
public:
    template <typename TopSend>
    void run(int n, int packets, const uint64_t* own, const uint64_t* in, uint64_t* left, TopSend&& top_send) {
        arr_.assign(static_cast<std::size_t>(packets), 0);
        for (int b = 0; b < packets; ++b) arr_[static_cast<std::size_t>(b)] = in ? in[b] : 0;
        for (int c = n - 1; c >= 0; --c) {
            uint64_t prev = 0;
            for (int b = 0; b < packets; ++b) {
                // The sum is ready when the PE's own psums and the incoming packet are there.
                const uint64_t ready = std::max(own[c * packets + b], arr_[static_cast<std::size_t>(b)]);
                uint64_t send;
                if (c == 0) {
                    send = top_send(b, std::max(ready, b ? prev + 1 : 0));
                } else {
                    // The PE above takes the packet once its own psums are complete (it adds
                    // the packet to them); one packet per link per cycle.
                    send = std::max(std::max(ready, own[(c - 1) * packets + b]), b ? prev + 1 : 0);
                }
                if (b == 0) left[c] = send + 1;
                arr_[static_cast<std::size_t>(b)] = send + 1;
                prev = send;
            }
        }
    }

private:
    std::vector<uint64_t> arr_;
};

}  // namespace sx::eyeriss
