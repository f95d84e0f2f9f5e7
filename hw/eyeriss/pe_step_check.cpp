// Exactness test mode of the PE array (SimContext::step_mode, tests only; issue 13). The blocks
// of pe_array.cpp jump from event to event: a flit goes at max(bus free, data ready, the
// destinations' free entries), a PE's window is worked through by the in-order recurrence, a
// psum packet moves when its inputs are there. Here the same step is advanced one cycle at a
// time from the same inputs (the data-ready cycles of its GLB reads, the PEs' previous state):
// in each cycle a bus sends its head flit if every destination can take it now, a PE does one
// MAC if its operand is in its spad, a link moves a packet if both ends are ready, the psum-out
// bus grants the request waiting longest. Every cycle the jumps computed must come out again;
// otherwise a SimulationError names the block and both cycles.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hw/eyeriss/pe_array.h"
#include "sw/common/error.h"

namespace sx::eyeriss {

namespace {
[[noreturn]] void mismatch(const std::string& what, uint64_t computed, uint64_t stepped) {
    throw SimulationError("exactness: eyeriss " + what + " computed at cycle " + std::to_string(computed) +
                          ", stepping cycle by cycle: " + std::to_string(stepped));
}
constexpr uint64_t kRunaway = 1u << 24;  // cycles a stepped block may idle before it is a hang
}  // namespace

void PeArray::check_step(const StepRecord& r, int packets) const {
    check_ifmaps_and_pes(r);
    check_psums(r, packets);
}

void PeArray::check_ifmaps_and_pes(const StepRecord& r) const {
    const RsMapping& M = M_;
    const std::size_t n = static_cast<std::size_t>(npe_), qS = static_cast<std::size_t>(M.q * M.S);
    const int64_t spare = P_.spad_ifmap - static_cast<int64_t>(qS);
    if (step_freed_.size() != n * qS) step_freed_.assign(n * qS, 0);
    // Ifmap network, cycle by cycle: the Y-bus takes its head flit in the first cycle its data
    // is read and every X-bus it goes to has an empty input register; in the same cycle and
    // later, an X-bus holding a flit passes it on once every PE of its group has a free entry
    // (a spare one, or the one its last use has freed), and takes a new flit from the next cycle.
    std::vector<uint64_t> arr(n * qS, 0);
    std::vector<uint64_t> xempty = r.ifmap_xfree;  // per X-bus: the first cycle it can take a flit
    std::vector<std::pair<std::size_t, std::size_t>> held(xempty.size(), {SIZE_MAX, 0});  // (flit, group)
    auto can_accept = [&](const StepRecord::Flit& f, std::size_t g, uint64_t t) {
        for (int i = f.dst->begin(g); i < f.dst->group_end[g]; ++i) {
            const std::size_t di = static_cast<std::size_t>(f.dst->pes[static_cast<std::size_t>(i)]);
            if ((f.k < spare ? r.prev_start[di] : step_freed_[di * qS + static_cast<std::size_t>(f.k - spare)]) > t) return false;
        }
        return true;
    };
    std::size_t head = 0, in_x = 0;
    for (uint64_t t = r.ifmap_free, t0 = t; head < r.flits.size() || in_x; ++t) {
        if (t - t0 > kRunaway) mismatch("ifmap network (hang)", 0, t);
        if (head < r.flits.size()) {
            const StepRecord::Flit& f = r.flits[head];
            bool can = t >= f.ready;
            for (int x : f.dst->xbus) can = can && xempty[static_cast<std::size_t>(x)] <= t && held[static_cast<std::size_t>(x)].first == SIZE_MAX;
            if (can) {
                if (t != f.sent) mismatch("ifmap Y-bus flit", f.sent, t);
                for (std::size_t g = 0; g < f.dst->xbus.size(); ++g) held[static_cast<std::size_t>(f.dst->xbus[g])] = {head, g};
                in_x += f.dst->xbus.size();
                ++head;
                t0 = t;
            }
        }
        for (std::size_t x = 0; x < held.size(); ++x) {
            if (held[x].first == SIZE_MAX) continue;
            const StepRecord::Flit& f = r.flits[held[x].first];
            const std::size_t g = held[x].second;
            if (!can_accept(f, g, t)) continue;
            if (t != r.xsent[f.xs0 + g]) mismatch("ifmap X-bus " + std::to_string(x) + " flit", r.xsent[f.xs0 + g], t);
            for (int i = f.dst->begin(g); i < f.dst->group_end[g]; ++i)
                for (int64_t v = 0; v < f.nv; ++v)
                    arr[static_cast<std::size_t>(f.dst->pes[static_cast<std::size_t>(i)]) * qS + static_cast<std::size_t>(f.u + v * M.q)] = t + 1;
            held[x].first = SIZE_MAX;
            xempty[x] = t + 1;
            --in_x;
            t0 = t;
        }
    }
    uint64_t t = 0;
    // PEs: start in the first cycle the last step is done, the filters are in and the psum
    // entries are free; then one MAC per cycle whose operand is in the spad.
    for (std::size_t d = 0; d < n; ++d) {
        if (arr[d * qS] != r.arr_pos[d * qS]) mismatch("ifmap arrival", r.arr_pos[d * qS], arr[d * qS]);
        t = r.prev_end[d];
        while (t < r.filters_in[d] || t < r.credit[d]) ++t;
        if (t != r.start[d]) mismatch("PE step start", r.start[d], t);
        const uint64_t* a = arr.data() + d * qS;
        uint64_t* fr = step_freed_.data() + d * qS;
        const int64_t rounds = r.fm ? M.p : 1, per = r.fm ? 1 : M.p;
        for (int64_t f = 0; f < rounds; ++f)
            for (std::size_t u = 0; u < qS; ++u)
                for (int64_t m = 0; m < per; ++m) {
                    while (a[u] > t) ++t;  // the operand is not in yet: the PE idles this cycle
                    ++t;                   // one MAC
                    fr[u] = t;
                }
        if (t + r.drain != r.end[d]) mismatch("PE step end", r.end[d], t + r.drain);
    }
}

void PeArray::check_psums(const StepRecord& r, int packets) const {
    // Psum-in network (in order, as the GLB streams), then the vertical links and the psum-out
    // bus, all columns together, cycle by cycle.
    const std::size_t n = static_cast<std::size_t>(npe_);
    uint64_t t = 0;
    const int ncols = static_cast<int>(r.col_active.size()), cn = chain_n_;
    // Packets arriving from below: none yet (the bottom PE's: from the psum-in network, or none
    // needed on a first accumulation).
    std::vector<uint64_t> in(static_cast<std::size_t>(ncols * cn * packets), UINT64_MAX);
    // Psum-in network: one flit (a bottom PE's packet) per cycle into the Y-bus once it is read
    // and its X-bus's register is empty; the X-bus passes it on once the PE can take it.
    {
        std::vector<uint64_t> xempty = r.pin_xfree;
        std::vector<std::size_t> held(xempty.size(), SIZE_MAX);
        std::size_t head = 0, in_x = 0;
        for (uint64_t c = r.pin_free, c0 = c; head < r.pins.size() || in_x; ++c) {
            if (c - c0 > kRunaway) mismatch("psum-in network (hang)", 0, c);
            if (head < r.pins.size()) {
                const StepRecord::Pin& p = r.pins[head];
                const std::size_t x = static_cast<std::size_t>(p.xbus);
                if (c >= p.ready && xempty[x] <= c && held[x] == SIZE_MAX) {
                    if (c != p.sent) mismatch("psum-in Y-bus flit", p.sent, c);
                    held[x] = head++;
                    ++in_x;
                    c0 = c;
                }
            }
            for (std::size_t x = 0; x < held.size(); ++x) {
                if (held[x] == SIZE_MAX || r.pins[held[x]].accept > c) continue;
                if (c != r.pins[held[x]].xsent) mismatch("psum-in X-bus flit", r.pins[held[x]].xsent, c);
                held[x] = SIZE_MAX;
                xempty[x] = c + 1;
                --in_x;
                c0 = c;
            }
        }
    }
    auto own = [&](int col, int c, int b) {
        return r.own[static_cast<std::size_t>(col) * static_cast<std::size_t>(cn * packets) + static_cast<std::size_t>(c * packets + b)];
    };
    auto inp = [&](int col, int c, int b) -> uint64_t& { return in[static_cast<std::size_t>((col * cn + c) * packets + b)]; };
    std::vector<int> next(static_cast<std::size_t>(ncols * cn), 0);
    std::vector<uint64_t> last(static_cast<std::size_t>(ncols * cn), 0), req(static_cast<std::size_t>(ncols), UINT64_MAX);
    std::vector<uint64_t> left(n, 0);
    uint64_t lo = UINT64_MAX;
    for (int col = 0; col < ncols; ++col) {
        if (!r.col_active[static_cast<std::size_t>(col)]) continue;
        for (int b = 0; b < packets; ++b) {
            inp(col, cn - 1, b) = r.first_acc ? 0 : r.pin_arr[static_cast<std::size_t>(col * packets + b)];
            lo = std::min(lo, own(col, cn - 1, b));
        }
    }
    std::size_t gi = 0;
    for (t = lo; gi < r.grants.size(); ++t) {
        if (t - lo > kRunaway) mismatch("psum-out bus grant", r.grants[gi].cycle, t);
        for (int col = 0; col < ncols; ++col) {
            if (!r.col_active[static_cast<std::size_t>(col)]) continue;
            for (int c = cn - 1; c >= 0; --c) {
                const std::size_t pc = static_cast<std::size_t>(col * cn + c);
                const int b = next[pc];
                if (b >= packets || (b > 0 && last[pc] >= t)) continue;
                if (own(col, c, b) > t || inp(col, c, b) > t) continue;
                if (c == 0) {
                    if (req[static_cast<std::size_t>(col)] == UINT64_MAX) req[static_cast<std::size_t>(col)] = t;
                    continue;
                }
                if (own(col, c - 1, b) > t) continue;  // the PE above adds it to its own psums
                inp(col, c - 1, b) = t + 1;
                last[pc] = t;
                if (b == 0) left[pc] = t + 1;
                ++next[pc];
            }
        }
        if (t < r.pout_hold) continue;
        int win = -1;
        for (int col = 0; col < ncols; ++col) {
            const uint64_t q = req[static_cast<std::size_t>(col)];
            if (q <= t && (win < 0 || q < req[static_cast<std::size_t>(win)])) win = col;
        }
        if (win < 0) continue;
        const std::size_t pc = static_cast<std::size_t>(win * cn);
        const StepRecord::Grant& g = r.grants[gi++];
        if (g.col != win || g.b != next[pc] || g.cycle != t) {
            mismatch("psum-out bus grant (column " + std::to_string(g.col) + " packet " + std::to_string(g.b) + "; stepped: column " +
                         std::to_string(win) + " packet " + std::to_string(next[pc]) + ", grant " + std::to_string(gi - 1) +
                         " of " + std::to_string(r.grants.size()) + ", hold " + std::to_string(r.pout_hold) + ")",
                     g.cycle, t);
        }
        if (next[pc] == 0) left[pc] = t + 1;
        last[pc] = t;
        ++next[pc];
        req[static_cast<std::size_t>(win)] = UINT64_MAX;
    }
    for (std::size_t d = 0; d < n; ++d)
        if (left[d] != r.left[d]) mismatch("psum entries free", r.left[d], left[d]);
}

}  // namespace sx::eyeriss
