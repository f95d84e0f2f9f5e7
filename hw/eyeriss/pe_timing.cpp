// The PE array's per-step timing blocks (pe_array.h): the ifmap network into the PEs'
// scratchpads, the PEs' steps, the psums over the psum-in network, up the vertical links and
// out over the psum-out network. Plain C++ on the blocks of noc.h; times are absolute cycles.
#include <algorithm>

#include "hw/eyeriss/pe_array.h"

namespace sx::eyeriss {

void PeArray::deliver_ifmaps(int64_t lo, int64_t from, int64_t new_cols) {
    // The ifmap network: per channel, per row of the block, the step's new values in column
    // order, one flit (ifmap_noc_values values) per cycle, multicast by (channel set, row) IDs.
    // The k-th new value of a PE (its channels in order, columns within) takes a spare entry
    // (free since the PE started its current step), or the entry of window position k - spare
    // of the PE's current step once the PE has used that value for the last time (freed_).
    // arr_pos_[d * q*S + u]: the cycle window position u of PE d's next step is in its spad
    // (0: a value it already holds). A flit goes once its segment's GLB read is done.
    const RsMapping& M = M_;
    const int64_t qS = M.q * M.S, spare = P_.spad_ifmap - qS, fv = ifmap_bus_.flit_values();
    std::fill(arr_pos_.begin(), arr_pos_.end(), 0);
    if (rec_) {
        rec_->flits.clear();
        rec_->ifmap_free = ifmap_bus_.free_at();
        rec_->ifmap_xfree = ifmap_bus_.xbus_free();
        rec_->xsent.clear();
        rec_->prev_start = start_;
    }
    for (std::size_t sg = 0; sg < read_segs_.size() && new_cols; ++sg) {
        const Multicast& dst = *read_segs_[sg].dst;
        const int64_t cq = read_segs_[sg].cc % M.q;
        const uint64_t ready = seg_ready_[sg];
        for (int64_t w0 = 0; w0 < new_cols; w0 += fv) {
            const int64_t nv = std::min(fv, new_cols - w0), k = cq * new_cols + w0 + nv - 1;
            const int64_t u = (from + w0 - lo) * M.q + cq;  // window position of the first value
            const uint64_t y = ifmap_bus_.send_y(ready, dst);
            if (rec_) rec_->flits.push_back({ready, y, &dst, k, u, nv, rec_->xsent.size()});
            // Each X-bus passes the flit on once its PEs all have the entry free: a spare
            // one (free since the PE's step start) or entry k - spare (freed_).
            const int* pes = dst.pes.data();
            const uint64_t* free_at = k < spare ? start_.data() : freed_.data() + (k - spare);
            const std::size_t fstride = k < spare ? 1 : static_cast<std::size_t>(qS);
            int g0 = 0;
            for (std::size_t g = 0; g < dst.xbus.size(); ++g) {
                const int g1 = dst.group_end[g];
                uint64_t accept = 0;
                for (int i = g0; i < g1; ++i) accept = std::max(accept, free_at[static_cast<std::size_t>(pes[i]) * fstride]);
                const uint64_t xs = ifmap_bus_.send_x(dst.xbus[g], y, accept);
                if (rec_) rec_->xsent.push_back(xs);
                for (int i = g0; i < g1; ++i) {
                    uint64_t* ap = arr_pos_.data() + static_cast<std::size_t>(pes[i]) * static_cast<std::size_t>(qS) + u;
                    for (int64_t v = 0; v < nv; ++v) ap[v * M.q] = xs + 1;
                }
                g0 = g1;
            }
        }
    }
}

void PeArray::step_pes(int64_t x, bool fm, bool psum_double) {
    // Each PE starts its step when its last step is done, its filters are in and its psum
    // entries are free (the psums of its last step, or of the one before with a double psum
    // spad, have left it). It works through its window in order, each value when it is in:
    // ifmap-major, p MACs per window position; filter-major, one MAC per position per filter
    // (only the first filter's round can wait for a value). A position's entry is freed after
    // its last MAC (freed_).
    const RsMapping& M = M_;
    const std::size_t qS = static_cast<std::size_t>(M.q * M.S);
    const uint64_t p = static_cast<uint64_t>(M.p);
    const uint64_t drain = x == M.F - 1 ? static_cast<uint64_t>(P_.mac_pipeline_stages - 1) : 0;
    uint64_t wait_if = 0, wait_ps = 0, last = 0;
    if (rec_) {
        rec_->prev_end = end_;
        rec_->filters_in = filters_in_;
        rec_->credit = psum_double ? left2_ : left1_;
        rec_->arr_pos = arr_pos_;
        rec_->fm = fm;
        rec_->drain = drain;
    }
    for (std::size_t d = 0; d < static_cast<std::size_t>(npe_); ++d) {
        const uint64_t ready = std::max(end_[d], filters_in_[d]);
        const uint64_t st = std::max(ready, psum_double ? left2_[d] : left1_[d]);
        const uint64_t* arr = arr_pos_.data() + d * qS;
        uint64_t* fr = freed_.data() + d * qS;
        uint64_t t = st;
        const uint64_t per = fm ? 1 : p;
        for (std::size_t u = 0; u < qS; ++u) {
            t = std::max(t, arr[u]) + per;
            fr[u] = t;
        }
        const uint64_t first_round = t;
        if (fm) {
            t += (p - 1) * qS;
            if (p > 1)
                for (std::size_t u = 0; u < qS; ++u) fr[u] = t - qS + u + 1;
        }
        const uint64_t en = t + drain;
        wait_ps = std::max(wait_ps, st - ready);
        wait_if = std::max(wait_if, first_round - st - qS * per);
        start_[d] = st;
        end_[d] = en;
        last = std::max(last, en);
    }
    if (rec_) {
        rec_->start = start_;
        rec_->end = end_;
    }
    // The array's stall counters: the largest wait of any PE in the step.
    c_.stall_ifmap += wait_if;
    c_.stall_psum += wait_ps;
    pe_free_ = std::max(pe_free_, last);
}

void PeArray::drain_psums(bool first_acc, bool fm, bool psum_double, int64_t sets_active, int64_t e_real, int packets,
                          int64_t qS) {
    // Psums of earlier channel blocks come from the GLB over the psum-in network into the
    // bottom PE of each column, then every column's psums go up its vertical links, then from
    // its top PE over the psum-out network to the GLB, granted first come first served.
    const RsMapping& M = M_;
    const int lv = P_.psum_link_values;
    const std::size_t per_col = static_cast<std::size_t>(chain_n_ * packets);
    const int ncols = static_cast<int>(M.t * M.e);
    own_.resize(per_col * static_cast<std::size_t>(ncols));
    pin_.resize(static_cast<std::size_t>(packets * ncols));
    auto active = [&](int col) { return col / M.e < sets_active && col % M.e < e_real; };
    for (int col = 0; col < ncols; ++col) {
        if (!active(col)) continue;
        for (int c = 0; c < chain_n_; ++c)
            for (int b = 0; b < packets; ++b) {
                // Filter-major: psum k is complete (p - 1 - k) * q*S cycles before the end.
                const uint64_t en = end_[static_cast<std::size_t>(col * chain_n_ + c)];
                const uint64_t early = fm ? static_cast<uint64_t>((M.p - std::min<int64_t>(M.p, (b + 1) * lv)) * qS) : 0;
                own_[static_cast<std::size_t>(col) * per_col + static_cast<std::size_t>(c * packets + b)] = en - early;
            }
    }
    if (rec_) {
        rec_->first_acc = first_acc;
        rec_->own = own_;
        rec_->pins.clear();
        rec_->grants.clear();
        rec_->pin_free = psum_in_bus_.free_at();
        rec_->pin_xfree = psum_in_bus_.xbus_free();
        rec_->col_active.assign(static_cast<std::size_t>(ncols), 0);
        for (int col = 0; col < ncols; ++col) rec_->col_active[static_cast<std::size_t>(col)] = active(col);
    }
    if (!first_acc) {
        // The GLB streams the incoming psums in the order the PEs add them: packet by packet
        // (filter-major PEs complete them in that order), columns in turn. A packet goes into
        // the bottom PE when that PE's psums are allocated (a double psum spad: its step has
        // started) or, with one set of entries, when its own psums of the packet are complete.
        for (int b = 0; b < packets; ++b)
            for (int col = 0; col < ncols; ++col) {
                if (!active(col)) continue;
                const std::size_t bottom = static_cast<std::size_t>(col * chain_n_ + chain_n_ - 1);
                const uint64_t accept =
                    psum_double ? start_[bottom]
                                : own_[static_cast<std::size_t>(col) * per_col + static_cast<std::size_t>((chain_n_ - 1) * packets + b)];
                const int xb = xbus_[bottom];
                const uint64_t pin_ready = pin_ready_[static_cast<std::size_t>(col % M.e)];  // its row's read
                const uint64_t y = psum_in_bus_.send_y(pin_ready, &xb, 1), xs = psum_in_bus_.send_x(xb, y, accept);
                pin_[static_cast<std::size_t>(col * packets + b)] = xs + 1;
                if (rec_) rec_->pins.push_back({pin_ready, accept, y, xs, xb});
            }
    }
    psum_out_bus_.hold_until(pout_free_);  // the GLB takes the drain behind the previous one
    if (rec_) {
        rec_->pout_hold = psum_out_bus_.free_at();
        rec_->pin_arr = pin_;
    }
    out_req_.clear();
    std::fill(left2_.begin(), left2_.end(), 0);  // becomes this step's; PEs without psums: none held
    for (int col = 0; col < ncols; ++col) {
        if (!active(col)) continue;
        chain_.run(chain_n_, packets, own_.data() + static_cast<std::size_t>(col) * per_col,
                   first_acc ? nullptr : pin_.data() + col * packets, lefts_.data(), [&, first = static_cast<int>(out_req_.size())](int b, uint64_t ready) {
                       out_req_.push_back({ready, col, b, first});
                       return ready;
                   });
        for (int c = 1; c < chain_n_; ++c) left2_[static_cast<std::size_t>(col * chain_n_ + c)] = lefts_[static_cast<std::size_t>(c)];
        // Every packet goes up each of the column's chain_n - 1 links.
        c_.psum_link_packets += static_cast<uint64_t>((chain_n_ - 1) * packets);
    }
    grant_psum_out(packets);
    // Double-buffered psum spad: the step after next waits for these; single: the next one.
    left1_.swap(left2_);
    if (rec_) rec_->left = left1_;
}

void PeArray::grant_psum_out(int packets) {
    // The psum-out bus grants, each cycle, the waiting packet that was ready first (ties: lower
    // column, lower packet); a top PE's next packet is ready one cycle after the grant at the
    // earliest (out_req_ holds each packet's readiness from its chain).
    out_first_ = UINT64_MAX;
    out_last_ = 0;
    if (packets == 1) {
        // One packet per column: no packet becomes ready by another's grant, so the grants go
        // in (ready, column) order.
        std::sort(out_req_.begin(), out_req_.end());
        for (const OutReq& r : out_req_) {
            const uint64_t g = psum_out_bus_.send(r.ready, 0);
            left2_[static_cast<std::size_t>(r.col * chain_n_)] = g + 1;
            out_first_ = std::min(out_first_, g);
            out_last_ = std::max(out_last_, g);
            if (rec_) rec_->grants.push_back({g, r.col, r.b});
        }
        return;
    }
    std::vector<OutReq>& heap = out_heap_;
    heap.clear();
    for (const OutReq& r : out_req_)
        if (r.b == 0) heap.push_back(r);
    auto later = [](const OutReq& a, const OutReq& b) { return b < a; };
    std::make_heap(heap.begin(), heap.end(), later);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const OutReq r = heap.back();
        heap.pop_back();
        const uint64_t g = psum_out_bus_.send(r.ready, 0);
        if (r.b == 0) left2_[static_cast<std::size_t>(r.col * chain_n_)] = g + 1;
        out_first_ = std::min(out_first_, g);
        out_last_ = std::max(out_last_, g);
        if (rec_) rec_->grants.push_back({g, r.col, r.b});
        if (r.b + 1 < packets) {
            const OutReq& nx = out_req_[static_cast<std::size_t>(r.col_first + r.b + 1)];
            heap.push_back({std::max(nx.ready, g + 1), r.col, r.b + 1, r.col_first});
            std::push_heap(heap.begin(), heap.end(), later);
        }
    }
}

}  // namespace sx::eyeriss
