#include "hw/eyeriss/pe_array.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "hw/eyeriss/rlc.h"
#include "sw/reference/conv_reference.h"

namespace sx::eyeriss {

namespace {
int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A psum in the GLB: the low 16 bits at `addr` in the GLB (the chip's 16-bit psum), the high 16
// bits at the same address of the shadow store (the model's 32-bit accumulation, docs/eyeriss.md).
int32_t load_psum(GlobalBuffer& lo, GlobalBuffer& hi, uint64_t addr) {
    uint16_t l, h;
    std::memcpy(&l, lo.data(addr, 2), 2);
    std::memcpy(&h, hi.data(addr, 2), 2);
    return static_cast<int32_t>(static_cast<uint32_t>(h) << 16 | l);
}
// The same on the storage of a region located once (GlobalBuffer::data covers [addr, capacity)).
int32_t load_psum(const uint8_t* lo, const uint8_t* hi, uint64_t off) {
    uint16_t l, h;
    std::memcpy(&l, lo + off, 2);
    std::memcpy(&h, hi + off, 2);
    return static_cast<int32_t>(static_cast<uint32_t>(h) << 16 | l);
}
void store_psum(uint8_t* lo, uint8_t* hi, uint64_t off, int32_t v) {
    const uint32_t u = static_cast<uint32_t>(v);
    const uint16_t l = static_cast<uint16_t>(u & 0xffff), h = static_cast<uint16_t>(u >> 16);
    std::memcpy(lo + off, &l, 2);
    std::memcpy(hi + off, &h, 2);
}
}  // namespace

PeArray::PeArray(const RsMapping& m, const EyerissParams& prm) : M_(m), P_(prm) {
    filt_.assign(static_cast<std::size_t>(m.p * m.t * m.q * m.r * m.set_h * m.S), 0);
    row_tmp_.assign(static_cast<std::size_t>(m.W), 0);
}

uint64_t PeArray::at(const SimContext& ctx, uint64_t t) const {
    ctx.wait_until(t);
    return std::max(t, ctx.now_cycles());
}

void PeArray::begin_residency(int64_t g, int64_t b, int64_t s, int64_t fb) {
    g_ = g;
    b_ = b;
    s_ = s;
    fb_ = fb;
    vimg_ = std::min<int64_t>(M_.n, M_.N - b * M_.n);
}

void PeArray::set_ifmaps(GlobalBuffer& glb, uint64_t base, uint64_t ring_bytes, uint64_t ring_offset, int64_t row0,
                         int64_t nrows, int64_t fold, int64_t cb) {
    ifm_glb_ = &glb;
    ifm_base_ = base;
    ifm_ring_ = ring_bytes;
    ifm_ring_off_ = ring_offset;
    row0_ = row0;
    nrows_ = nrows;
    fold_ = fold;
    cb_ = cb;
    vcc_ = std::min<int64_t>(M_.q * M_.r, M_.Cg - cb * M_.q * M_.r);
    const int64_t nv = vimg_ * vcc_ * nrows * M_.W;
    c_.ifmap_values += static_cast<uint64_t>(nv);
    for (int64_t r = 0; r < vimg_ * vcc_ * nrows; ++r) {
        const int16_t* row = ifmap_row(r);
        for (int64_t w = 0; w < M_.W; ++w) c_.ifmap_zeros += row[w] == 0;
    }
}

const int16_t* PeArray::ifmap_row(int64_t r) {
    // Row r of the block (image, channel, row order) as the link wrote it into the GLB.
    const uint64_t bytes = static_cast<uint64_t>(M_.W) * 2, off = static_cast<uint64_t>(r) * bytes;
    if (!ifm_ring_) return reinterpret_cast<const int16_t*>(ifm_glb_->data(ifm_base_ + off, bytes));
    const uint64_t pos = (ifm_ring_off_ + off) % ifm_ring_;
    if (pos + bytes <= ifm_ring_) return reinterpret_cast<const int16_t*>(ifm_glb_->data(ifm_base_ + pos, bytes));
    const uint64_t first = ifm_ring_ - pos;  // the row wraps around the ring's end
    auto* t = reinterpret_cast<uint8_t*>(row_tmp_.data());
    std::memcpy(t, ifm_glb_->data(ifm_base_ + pos, first), first);
    std::memcpy(t + first, ifm_glb_->data(ifm_base_, bytes - first), bytes - first);
    return row_tmp_.data();
}

uint64_t PeArray::load_filters(GlobalBuffer& fil, const SimContext& ctx, uint64_t bytes) {
    // The scratchpads are overwritten only once the previous pass's MACs are done.
    const uint64_t t = at(ctx, pe_free_);
    BufferAccess a = fil.issue_read(0, bytes);
    std::memcpy(filt_.data(), fil.data(0, filt_.size() * 2), filt_.size() * 2);
    const uint64_t values = filt_.size();
    const uint64_t gdone = a.pending() ? fil.wait(a) : 0;
    const uint64_t end = std::max(t + static_cast<uint64_t>(cdiv(static_cast<int64_t>(values), P_.filter_noc_values)), gdone);
    // Each filter row is multicast to the PEs of its set row: every active PE receives p*q*S.
    const uint64_t per_pe = static_cast<uint64_t>(M_.p * M_.q * M_.S);
    c_.noc_values += per_pe * static_cast<uint64_t>(M_.active_pes);
    c_.filter_spad += per_pe * static_cast<uint64_t>(M_.active_pes);
    c_.filter_load_cycles += end - t;
    pe_free_ = std::max(pe_free_, end);
    return end;
}

void PeArray::run_pass(int64_t kb, bool first_acc, uint64_t filters_ready, GlobalBuffer& glb, GlobalBuffer& psum_hi,
                       uint64_t psum_base, const SimContext& ctx) {
    const RsMapping& M = M_;
    const int64_t pt = M.p * M.t;
    const int64_t k0 = kb * pt;                       // first filter of the pass (in the group)
    const int64_t vk = std::min<int64_t>(pt, M.Kg - k0);
    const int64_t kres0 = k0 - fb_ * M.m;             // its slot in the residency's psums
    const int64_t e_real = std::min<int64_t>(M.e, M.E - s_ * M.e);
    const uint64_t psum_cnt = static_cast<uint64_t>(vk * e_real);  // psums per step to/from the GLB
    const uint64_t vb = static_cast<uint64_t>(P_.value_bytes);
    const int64_t macs_step = M.p * M.q * M.S;
    const int64_t new_cap = std::min(M.stride, M.S);
    // Ifmap scratchpad: the window of a step holds q*S values; spare entries take the next
    // step's values early; otherwise they are delivered as the values that slide out of the
    // window are used up (the PE runs ifmap-major: each value meets its p filters in turn).
    const bool prefetch = P_.spad_ifmap - M.q * M.S >= M.q * new_cap;
    // Psum scratchpad: room for a second set of p psums lets the next step start while the
    // previous psums drain up the column.
    const bool psum_double = P_.spad_psum >= 2 * M.p;
    const uint64_t chain = static_cast<uint64_t>(M.set_h * M.r - 1 + cdiv(M.p, P_.psum_link_values));
    const uint64_t active = static_cast<uint64_t>(M.active_pes);
    // Loop order inside a PE, chosen per pass by the controller: ifmap-major (each window
    // value meets its p filters in turn: values slide out early, but all p psums complete at
    // the end of the step) or filter-major (each psum completes after q*S MACs and drains
    // while the next filter runs, but the window stays whole until the step ends). Pick the
    // order whose exposed transfer is shorter.
    const int64_t if_vals_step = nrows_ * vcc_ * new_cap;
    const int64_t im_exposed = psum_double ? 0 : cdiv(static_cast<int64_t>(psum_cnt), P_.psum_noc_values) - (M.p - 1);
    const int64_t fm_exposed = prefetch ? 0 : cdiv(if_vals_step, P_.ifmap_noc_values);
    const bool filter_major = fm_exposed < im_exposed;
    c_.filter_major_passes += filter_major;
    ++c_.passes;
    // The block's rows in the GLB, located once per pass (the link writes only space the block
    // does not use while it is in use; at most one row wraps around the ring, into row_tmp_).
    std::vector<const int16_t*> rows(static_cast<std::size_t>(vimg_ * vcc_ * nrows_));
    for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = ifmap_row(static_cast<int64_t>(r));
    // The drain of a step's psums (psum network -> GLB write) is issued when they are ready and
    // waited for only when something needs its completion: the PE before it overwrites its psum
    // spad entries (filter-major, or ifmap-major with one psum set), otherwise the next drain.
    // So the GLB write runs concurrently with the next step's ifmap and psum-in reads.
    // The residency's psum region in the GLB and its shadow store, located once per pass.
    const uint64_t preg = 2 * static_cast<uint64_t>(vimg_ * M.m * M.e * M.F);
    uint8_t* pmem_lo = glb.data(psum_base, preg);
    uint8_t* pmem_hi = psum_hi.data(psum_base, preg);
    bool pending = false;  // the last step's psums have not been issued yet
    BufferAccess out_acc;  // the last issued drain, not yet waited for
    uint64_t out_floor = 0;  // its completion without the GLB (network, chain)
    uint64_t out_lag = 0;    // filter-major: how far the drain may lag its step
    bool out_holds_pe = false;
    uint64_t p_start = 0, p_end = 0;
    int64_t p_i = 0, p_x = 0;
    // GLB timing addresses: a step's psums (vk filters x e rows at column x of image i) are
    // F values apart in the psum region; the access covers as many contiguous bytes from the
    // first one's address (same region, same word count; not every value's own address).
    auto psum_addr = [&](int64_t i, int64_t x) {
        return psum_base + vb * static_cast<uint64_t>(((i * M.m + kres0) * M.e) * M.F + x);
    };
    // The step's new ifmap values (one to three columns of every row of the block) likewise:
    // from the first one's address in the block's slot or ring, as many contiguous bytes.
    auto ifmap_addr = [&](int64_t i, int64_t col) {
        const uint64_t off = (static_cast<uint64_t>(i * vcc_ * nrows_) * static_cast<uint64_t>(M.W) + static_cast<uint64_t>(col)) * vb;
        return ifm_ring_ ? ifm_base_ + (ifm_ring_off_ + off) % ifm_ring_ : ifm_base_ + off;
    };
    auto out_ready = [&] {
        // Filter-major: the first psums leave after q*S MACs; the last not before p_end.
        return filter_major ? p_start + static_cast<uint64_t>(M.q * M.S) + chain : p_end + chain;
    };
    // Waits for the last drain's GLB write and applies what it holds back.
    auto finish_out = [&] {
        if (!out_acc.pending() && !out_holds_pe) return;
        const uint64_t g = out_acc.pending() ? glb.wait(out_acc) : 0;
        pout_free_ = std::max(out_floor, g);
        if (!out_holds_pe) return;
        out_holds_pe = false;
        if (filter_major) {
            // Psum k of the next step is first written after k*q*S MACs: the drain may lag
            // by up to one step.
            c_.stall_psum += pout_free_ > pe_free_ + out_lag ? pout_free_ - pe_free_ - out_lag : 0;
            pe_free_ = std::max(pe_free_, pout_free_ > out_lag ? pout_free_ - out_lag : 0);
        } else {
            // Ifmap-major: old psum k must be gone before the new step first writes it
            // (cycle k); the spare entries take the first ones.
            const uint64_t slack = static_cast<uint64_t>(M.p - 1);
            const uint64_t need = pout_free_ > slack ? pout_free_ - slack : 0;
            c_.stall_psum += need > pe_free_ ? need - pe_free_ : 0;
            pe_free_ = std::max(pe_free_, need);
        }
    };
    // Issues the last step's drain (at the earliest when the previous drain has left).
    auto issue_out = [&] {
        if (!pending) return;
        pending = false;
        finish_out();
        const uint64_t pst = at(ctx, std::max(pout_free_, out_ready()));
        out_acc = glb.issue_write(psum_addr(p_i, p_x), psum_cnt * vb);
        out_floor = std::max(pst + static_cast<uint64_t>(cdiv(static_cast<int64_t>(psum_cnt), P_.psum_noc_values)),
                             p_end + chain + (filter_major ? static_cast<uint64_t>(cdiv(M.p, P_.psum_link_values)) : 0));
        out_lag = p_end - p_start;
        out_holds_pe = filter_major || !psum_double;
        pe_free_ = std::max(pe_free_, p_end);
    };
    uint64_t prev_start = filters_ready;
    (void)filters_ready;
    for (int64_t i = 0; i < vimg_; ++i) {
        for (int64_t x = 0; x < M.F; ++x) {
            // New ifmap columns of this step's window.
            const int64_t lo = x * M.stride - M.pad, hi = lo + M.S;
            const int64_t plo = x == 0 ? lo : lo - M.stride + M.S;  // previous window end (none at x = 0)
            const int64_t from = std::max<int64_t>(std::max<int64_t>(lo, plo), 0), to = std::min<int64_t>(hi, M.W);
            const int64_t new_cols = std::max<int64_t>(0, to - from);
            const uint64_t vals = static_cast<uint64_t>(nrows_ * vcc_ * new_cols);
            // Each PE takes q*new_cap new values; value v goes into a spare entry at once, or into
            // the entry the (v - spare)-th outgoing value frees: in ifmap-major order after its p
            // MACs, in filter-major order at the end of the step. The network carries each
            // per-PE index to every PE of the set in turn (vals / per_pe values).
            const int64_t per_pe = std::max<int64_t>(1, M.q * std::min(new_cols, new_cap));
            const int64_t spare = P_.spad_ifmap - M.q * M.S;
            auto slot_free = [&](int64_t v) -> uint64_t {
                // A new row replaces the whole window (q*S values per PE): the spare entries take
                // their share of it during the previous step, the rest waits for the array.
                if (x == 0) return v * M.q * M.S < spare * per_pe ? prev_start : pe_free_;
                if (v < spare) return prev_start;
                if (filter_major) return pe_free_;
                return prev_start + static_cast<uint64_t>((v - spare + 1) * M.p);
            };
            if (x == 0) {
                // A new row: the window refill waits for the array anyway.
                issue_out();
                finish_out();
            }
            // The step's transfers are issued in time order at their cycles, then waited for
            // together: the ifmap read, the psum-in read and the last step's drain share the
            // GLB's banks concurrently (the arbiter decides who waits).
            const uint64_t slots = slot_free(0);
            BufferAccess if_acc, if_acc2, pin_acc;
            uint64_t if_noc = 0, pin_noc = 0;
            auto do_ifmap = [&] {
                const uint64_t st = at(ctx, std::max(slots, ifmap_free_));
                if (vals) {
                    // In the ring, an access that would run past its end wraps: two accesses.
                    const uint64_t a = ifmap_addr(i, from), len = vals * vb;
                    const uint64_t end = ifm_ring_ ? ifm_base_ + ifm_ring_ : UINT64_MAX;
                    if (a + len <= end) {
                        if_acc = glb.issue_read(a, len);
                    } else {
                        if_acc = glb.issue_read(a, end - a);
                        if_acc2 = glb.issue_read(ifm_base_, len - (end - a));
                    }
                }
                uint64_t t = st;
                const uint64_t chunk = static_cast<uint64_t>(cdiv(static_cast<int64_t>(vals), per_pe * P_.ifmap_noc_values));
                for (int64_t v = 0; v < per_pe && vals; ++v) t = std::max(t, slot_free(v)) + chunk;
                if_noc = t;
            };
            auto do_pin = [&] {
                if (first_acc) return;
                const uint64_t st = at(ctx, std::max(pin_free_, x == 0 ? pe_free_ : prev_start));
                pin_acc = glb.issue_read(psum_addr(i, x), psum_cnt * vb);
                pin_noc = st + static_cast<uint64_t>(cdiv(static_cast<int64_t>(psum_cnt), P_.psum_noc_values));
            };
            {
                const uint64_t t_if = std::max(slots, ifmap_free_);
                const uint64_t t_pin = first_acc ? UINT64_MAX : std::max(pin_free_, x == 0 ? pe_free_ : prev_start);
                // The drain's own earliest cycle (the previous drain may hold it back further).
                const uint64_t t_out = pending ? std::max(out_floor, out_ready()) : UINT64_MAX;
                std::array<std::pair<uint64_t, int>, 3> ev{{{t_if, 0}, {t_pin, 1}, {t_out, 2}}};
                std::sort(ev.begin(), ev.end());
                for (const auto& e : ev) {
                    if (e.first == UINT64_MAX) continue;
                    if (e.second == 0) do_ifmap();
                    else if (e.second == 1) do_pin();
                    else issue_out();
                }
            }
            uint64_t if_done = std::max(if_noc, if_acc.pending() ? glb.wait(if_acc) : 0);
            if (if_acc2.pending()) if_done = std::max(if_done, glb.wait(if_acc2));
            ifmap_free_ = if_done;
            uint64_t pin_done = 0;
            if (!first_acc) {
                pin_done = std::max(pin_noc, glb.wait(pin_acc));
                pin_free_ = pin_done;
            }
            if (out_holds_pe) finish_out();
            const uint64_t start = std::max(pe_free_, if_done);
            c_.stall_ifmap += start - pe_free_;
            uint64_t end = start + static_cast<uint64_t>(macs_step) +
                           (x == M.F - 1 ? static_cast<uint64_t>(P_.mac_pipeline_stages - 1) : 0);
            if (!first_acc && pin_done + 1 > end) {
                c_.stall_psum += pin_done + 1 - end;
                end = pin_done + 1;
            }
            c_.compute_cycles += static_cast<uint64_t>(macs_step);
            // The drain of this step's psums is issued when its time comes, after the next
            // step's transfers that are due earlier (one thread issues in time order).
            pe_free_ = end;
            pending = true;
            p_start = start;
            p_end = end;
            p_i = i;
            p_x = x;
            prev_start = start;
            ++c_.steps;

            // Functional: every PE's 1-D row convolution for output column x.
            uint64_t executed = 0, gated = 0;
            for (int64_t kk = 0; kk < vk; ++kk) {
                const int64_t kt = kk / M.p;  // filter set
                (void)kt;
                for (int64_t j = 0; j < e_real; ++j) {
                    const int64_t eo = s_ * M.e + j;
                    int32_t acc = 0;
                    for (int64_t cc = 0; cc < vcc_; ++cc)
                        for (int64_t rr = 0; rr < M.set_h; ++rr) {
                            const int64_t fr = fold_ * M.set_h + rr;
                            if (fr >= M.R) continue;
                            const int64_t h = eo * M.stride + fr - M.pad;
                            if (h < 0 || h >= M.H) {
                                gated += static_cast<uint64_t>(M.S);
                                continue;
                            }
                            const int16_t* row = rows[static_cast<std::size_t>((i * vcc_ + cc) * nrows_ + (h - row0_))];
                            const int16_t* f = filt_.data() + ((kk * M.q * M.r + cc) * M.set_h + rr) * M.S;
                            for (int64_t s = 0; s < M.S; ++s) {
                                const int64_t w = lo + s;
                                const int32_t v = (w >= 0 && w < M.W) ? row[w] : 0;
                                if (v == 0) {
                                    ++gated;  // zero ifmap: filter read and MAC gated
                                } else {
                                    acc += v * static_cast<int32_t>(f[s]);
                                    ++executed;
                                }
                            }
                        }
                    // Accumulate in the GLB's psum region (the first channel block starts it).
                    const uint64_t po = 2 * static_cast<uint64_t>(((i * M.m + kres0 + kk) * M.e + j) * M.F + x);
                    store_psum(pmem_lo, pmem_hi, po, first_acc ? acc : load_psum(pmem_lo, pmem_hi, po) + acc);
                }
            }
            c_.macs_executed += executed;
            c_.macs_gated += gated;
            // Scratchpads: an ifmap read per (value, channel) of the window (shared by the p
            // filters), a filter read and a psum read+write per executed MAC; incoming psums
            // (from the PE below, or the GLB at the bottom of a chain) added with p more.
            const uint64_t pe_steps = active;
            c_.ifmap_spad += pe_steps * static_cast<uint64_t>(M.q * M.S + M.q * new_cap);
            c_.filter_spad += executed;
            c_.psum_spad += 2 * executed + 2 * pe_steps * static_cast<uint64_t>(M.p);
            c_.psum_adds += pe_steps * static_cast<uint64_t>(M.p);
            // Networks: ifmap values to each PE that holds them, psums between PEs and to/from the GLB.
            c_.noc_values += pe_steps * static_cast<uint64_t>(M.q * new_cap) + pe_steps * static_cast<uint64_t>(M.p) +
                             (first_acc ? 1 : 2) * psum_cnt;
        }
    }
    issue_out();
    finish_out();
}

uint64_t PeArray::residency_psum_values() const {
    const int64_t e_real = std::min<int64_t>(M_.e, M_.E - s_ * M_.e);
    const int64_t vk = std::min<int64_t>(M_.m, M_.Kg - fb_ * M_.m);
    return static_cast<uint64_t>(vimg_ * vk * e_real * M_.F);
}

PeArray::Residency PeArray::residency() const {
    Residency r;
    r.g = g_;
    r.b = b_;
    r.s = s_;
    r.fb = fb_;
    r.vimg = vimg_;
    r.vk = std::min<int64_t>(M_.m, M_.Kg - fb_ * M_.m);
    r.e_real = std::min<int64_t>(M_.e, M_.E - s_ * M_.e);
    return r;
}

uint64_t encode_residency_outputs(const RsMapping& M, const PeArray::Residency& r, GlobalBuffer& glb, GlobalBuffer& psum_hi,
                                  uint64_t psum_base, int64_t K, int shift, std::vector<int32_t>& outputs,
                                  std::vector<uint8_t>& rlc, int run_bits, int pairs_per_word, uint64_t& zeros,
                                  std::vector<uint64_t>* stream_end) {
    std::vector<int16_t> row(static_cast<std::size_t>(M.F));
    // One RLC stream per output plane segment (the strip's rows of one filter of one image).
    for (int64_t i = 0; i < r.vimg; ++i)
        for (int64_t kk = 0; kk < r.vk; ++kk) {
            RlcEncoder enc(rlc, run_bits, pairs_per_word);
            for (int64_t j = 0; j < r.e_real; ++j) {
                const int64_t img = r.b * M.n + i, k = r.g * M.Kg + r.fb * M.m + kk, eo = r.s * M.e + j;
                for (int64_t x = 0; x < M.F; ++x) {
                    const uint64_t pa = psum_base + 2 * static_cast<uint64_t>(((i * M.m + kk) * M.e + j) * M.F + x);
                    const int32_t v = load_psum(glb, psum_hi, pa);
                    outputs[static_cast<std::size_t>(((img * K + k) * M.E + eo) * M.F + x)] = v;
                    row[static_cast<std::size_t>(x)] = requantize(v, shift);
                    zeros += row[static_cast<std::size_t>(x)] == 0;
                }
                enc.append(row.data(), M.F);
            }
            enc.flush();
            if (stream_end) stream_end->push_back(rlc.size());
        }
    return static_cast<uint64_t>(r.vimg * r.vk * r.e_real * M.F);
}

}  // namespace sx::eyeriss
