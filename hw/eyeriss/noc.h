#pragma once
// The on-chip networks of Eyeriss as blocks (Chen et al., JSSC 2017 Sec. III-C/D; issue 13):
//  * GlobalBus - one global network (filter 64 b, ifmap 16 b, psum 64 b): a Y-bus feeding one
//    X-bus per physical PE row. A flit is tagged with a (row, column) ID pair and reaches every
//    PE whose configured IDs match (MulticastIds): the Y-bus hands it to every X-bus with a
//    matching PE (the row ID level), each X-bus to its matching PEs (the column ID level). One
//    flit enters the Y-bus per cycle, once its data is ready and every X-bus it goes to has
//    room (its one-flit input register is empty: a full X-bus stalls the Y-bus). An X-bus
//    passes its flit on in the first cycle every matching PE of its row can accept it (a free
//    scratchpad entry: a PE that cannot accept stalls its X-bus only), at the earliest the
//    cycle the flit entered the Y-bus (cut-through), and is free again the next cycle. The
//    flit is in a PE's scratchpad one cycle after its X-bus passed it on.
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

// ID-based multicast: each PE of a network has a row ID and a column ID (the chip's
// configuration scan chain, assigned per layer) and sits on one X-bus (its physical PE row).
// match(row, col) gives the PEs whose IDs equal the flit's tag, grouped by X-bus (empty if none).
struct Multicast {
    std::vector<int> pes;        // matched PEs, group by group
    std::vector<int> xbus;       // the X-bus of each group
    std::vector<int> group_end;  // group g is pes[g ? group_end[g - 1] : 0, group_end[g])
    int begin(std::size_t g) const { return g ? group_end[g - 1] : 0; }
};

class MulticastIds {
public:
    void clear();
    void assign(int pe, int row_id, int col_id, int xbus);
    const Multicast& match(int row_tag, int col_tag) const;

private:
    std::vector<std::vector<Multicast>> by_id_;  // [row_id][col_id] -> PEs
    Multicast none_;
};

class GlobalBus {
public:
    // flit_values: 16-bit values per flit (network width / 16); xbuses: physical PE rows.
    explicit GlobalBus(int flit_values = 1, int xbuses = 1)
        : flit_values_(flit_values), xfree_(static_cast<std::size_t>(xbuses), 0) {}
    // The Y-bus takes a flit whose data is ready at `ready` for the X-buses `xb[0..n)`: the
    // cycle it enters (the bus free, the data ready, every one of those X-buses free).
    uint64_t send_y(uint64_t ready, const int* xb, std::size_t n) {
        const uint64_t base = std::max(free_, ready);
        uint64_t t = base;
        for (std::size_t i = 0; i < n; ++i) t = std::max(t, xfree_[static_cast<std::size_t>(xb[i])]);
        stall_ += t - base;
        free_ = t + 1;
        ++flits_;
        return t;
    }
    uint64_t send_y(uint64_t ready, const Multicast& m) { return send_y(ready, m.xbus.data(), m.xbus.size()); }
    // X-bus x passes on the flit that entered the Y-bus at y once its PEs can all accept it
    // (`accept`: the latest of their free-entry cycles): the cycle it is on the X-bus; the
    // data are in the PEs at the returned cycle + 1.
    uint64_t send_x(int x, uint64_t y, uint64_t accept) {
        const uint64_t t = std::max(y, accept);
        stall_ += t - y;
        xfree_[static_cast<std::size_t>(x)] = t + 1;
        ++xflits_;
        return t;
    }
    // A flit on a single-level bus (the psum-out network gathers from the top PEs to the GLB):
    // ready at `ready`, taken from `accept`; returns the cycle it is on the bus.
    uint64_t send(uint64_t ready, uint64_t accept) {
        const uint64_t t = std::max(std::max(free_, ready), accept);
        stall_ += accept > std::max(free_, ready) ? accept - std::max(free_, ready) : 0;
        free_ = t + 1;
        ++flits_;
        return t;
    }
    uint64_t free_at() const { return free_; }
    const std::vector<uint64_t>& xbus_free() const { return xfree_; }
    void hold_until(uint64_t t) { free_ = std::max(free_, t); }
    int flit_values() const { return flit_values_; }
    // Flits that entered the Y-bus (or the single-level bus); flits an X-bus passed on (a
    // multicast flit counts once per X-bus it drives): the wire energy's counts.
    uint64_t flits() const { return flits_; }
    uint64_t xflits() const { return xflits_; }
    uint64_t stall_cycles() const { return stall_; }  // cycles flits waited for an X-bus or a PE

private:
    int flit_values_;
    uint64_t free_ = 0, flits_ = 0, xflits_ = 0, stall_ = 0;
    std::vector<uint64_t> xfree_;  // per X-bus: the first cycle it can take a flit
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
