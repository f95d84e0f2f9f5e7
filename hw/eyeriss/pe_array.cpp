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
// Byte offset of psum (image i, filter kk of the residency, output row j, column x) in the
// residency's psum region, laid out n x F x (m / pt) x e x pt (pt = p*t, the filters of one
// pass; rs_mapper makes m a multiple of pt): a step's psums (one output column, the pass's
// filters of every output row) are one run of addresses, and a 64-bit psum flit (4
// consecutive filters of one PE column) is one GLB word when aligned. A modelling choice: the references do not give the chip's psum layout.
uint64_t psum_offset(const RsMapping& M, int64_t i, int64_t kk, int64_t j, int64_t x) {
    const int64_t pt = M.p * M.t;
    return 2 * static_cast<uint64_t>((((i * M.F + x) * (M.m / pt) + kk / pt) * M.e + j) * pt + kk % pt);
}
void store_psum(uint8_t* lo, uint8_t* hi, uint64_t off, int32_t v) {
    const uint32_t u = static_cast<uint32_t>(v);
    const uint16_t l = static_cast<uint16_t>(u & 0xffff), h = static_cast<uint16_t>(u >> 16);
    std::memcpy(lo + off, &l, 2);
    std::memcpy(hi + off, &h, 2);
}
}  // namespace

PeArray::PeArray(const RsMapping& m, const EyerissParams& prm)
    : M_(m), P_(prm), filter_bus_(prm.filter_noc_values), ifmap_bus_(prm.ifmap_noc_values),
      psum_in_bus_(prm.psum_noc_values), psum_out_bus_(prm.psum_noc_values) {
    filt_.assign(static_cast<std::size_t>(m.p * m.t * m.q * m.r * m.set_h * m.S), 0);
    filtT_.assign(filt_.size(), 0);
    row_tmp_.assign(static_cast<std::size_t>(m.W), 0);
    chain_n_ = m.r * m.set_h;
    npe_ = static_cast<int>(m.t * m.e * chain_n_);
    for (auto* v : {&start_, &end_, &left1_, &left2_, &filters_in_}) v->assign(static_cast<std::size_t>(npe_), 0);
    arr_pos_.assign(static_cast<std::size_t>(npe_ * m.q * m.S), 0);
    freed_ = arr_pos_;
    // Physical placement, the X-bus (PE row) each logical PE sits on: physical set
    // si = ts * r + channel set; a set's filter row rr on its rows' rr-th. Sets of e <= 14
    // columns fill a band of set_h rows side by side (cols / e per band), bands stacked; a wide
    // set split into pieces (output rows j in piece j / 14) stacks its pieces' bands.
    xbus_.assign(static_cast<std::size_t>(npe_), 0);
    int nx = 1;
    for (int64_t ts = 0; ts < m.t; ++ts)
        for (int64_t j = 0; j < m.e; ++j)
            for (int64_t c = 0; c < chain_n_; ++c) {
                const int64_t si = ts * m.r + c / m.set_h, rr = c % m.set_h;
                const int64_t band = m.pieces > 1 ? si * m.pieces + j / prm.cols : si / std::max<int64_t>(1, prm.cols / m.e);
                const int x = static_cast<int>(band * m.set_h + rr);
                xbus_[static_cast<std::size_t>(pe_index(ts, j, c))] = x;
                nx = std::max(nx, x + 1);
            }
    filter_bus_ = GlobalBus(prm.filter_noc_values, nx);
    ifmap_bus_ = GlobalBus(prm.ifmap_noc_values, nx);
    psum_in_bus_ = GlobalBus(prm.psum_noc_values, nx);
    // Filter network IDs: a filter row goes to every PE of its set row (filter set, channel
    // set, filter row): row ID = that set row, column ID 0 (all columns match).
    for (int64_t ts = 0; ts < m.t; ++ts)
        for (int64_t j = 0; j < m.e; ++j)
            for (int64_t c = 0; c < chain_n_; ++c) {
                const int pe = pe_index(ts, j, c);
                filter_ids_.assign(pe, static_cast<int>(ts * chain_n_ + c), 0, xbus_[static_cast<std::size_t>(pe)]);
            }
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

int64_t PeArray::spare_filter_flits() const {
    // Flits of a set row that go into scratchpad entries the running pass does not use.
    const int64_t per_pe = M_.p * M_.q * M_.S, fv = filter_bus_.flit_values();
    return std::max<int64_t>(0, std::min(cdiv(per_pe, fv), (P_.spad_filter - per_pe) / fv));
}

void PeArray::arm_filter_prefetch(std::function<bool()> next_in_glb, GlobalBuffer* fil, uint64_t bytes) {
    next_in_glb_ = std::move(next_in_glb);
    pre_fil_ = fil;
    pre_bytes_ = bytes;
}

void PeArray::poll_filter_prefetch(const SimContext& ctx) {
    // Between steps: once the next pass's filters are in the filter GLB (their DMA is done), the
    // GLB starts reading the rows' first flits for the spare scratchpad entries; the flits go
    // over the filter network from now (computed when the next pass is loaded, load_filters).
    if (!next_in_glb_ || pre_armed_ || !next_in_glb_()) return;
    next_in_glb_ = nullptr;
    const int64_t early = spare_filter_flits();
    if (early == 0) return;
    const int64_t rows = M_.t * chain_n_, fv = filter_bus_.flit_values();
    pre_len_ = std::min<uint64_t>(pre_bytes_, static_cast<uint64_t>(rows * early * fv * P_.value_bytes));
    pre_acc_ = pre_fil_->issue_read(0, pre_len_);
    pre_t_ = ctx.now_cycles();
    pre_armed_ = true;
}

uint64_t PeArray::load_filters(GlobalBuffer& fil, const SimContext& ctx, uint64_t bytes) {
    // The filter GLB holds the pass's block (the controller waited for its DMA). It is read and
    // sent over the 64-bit filter network, one flit per cycle: each set row's p*q*S values,
    // multicast to the PEs of that row. A flit goes into scratchpad entries the running pass
    // does not use (spad_filter - p*q*S spare ones) at once, into the others only when every
    // destination PE has finished its last step (a PE that cannot accept stalls its X-bus).
    // The spare entries' flits were read from the filter GLB during the last pass once the
    // block had arrived (poll_filter_prefetch): they went from then.
    next_in_glb_ = nullptr;
    const uint64_t t = ctx.now_cycles();
    const int64_t early = pre_armed_ ? spare_filter_flits() : 0;
    const uint64_t early_len = pre_armed_ ? pre_len_ : 0;
    const uint64_t early_done = pre_armed_ ? fil.wait(pre_acc_) : 0, early_t = pre_t_;
    pre_armed_ = false;
    BufferAccess a = fil.issue_read(early_len, bytes - early_len);
    std::memcpy(filt_.data(), fil.data(0, filt_.size() * 2), filt_.size() * 2);
    // The same weights, filters innermost, for compute_step's loop (host layout only).
    {
        const std::size_t pt = static_cast<std::size_t>(M_.p * M_.t), per = filt_.size() / pt;
        for (std::size_t k = 0; k < pt; ++k)
            for (std::size_t v = 0; v < per; ++v) filtT_[v * pt + k] = filt_[k * per + v];
    }
    const uint64_t gdone = a.pending() ? fil.wait(a) : t;
    const int64_t per_pe = M_.p * M_.q * M_.S;
    const int64_t fv = filter_bus_.flit_values();
    uint64_t end = gdone;
    const int rows = static_cast<int>(M_.t * chain_n_);
    // The prefetched flits of every row crossed the network during the last pass, before any
    // flit of this load: per row, per X-bus group, when they were in (pre_in_, row after row).
    pre_in_.clear();
    for (int row = 0; row < rows && early > 0; ++row) {
        const Multicast& dst = filter_ids_.match(row, 0);
        const std::size_t o = pre_in_.size();
        pre_in_.resize(o + dst.xbus.size(), 0);
        for (int64_t f = 0; f < early; ++f) {  // spare entries: no wait
            const uint64_t y = filter_bus_.send_y(early_t, dst);
            for (std::size_t g = 0; g < dst.xbus.size(); ++g)
                pre_in_[o + g] = std::max(filter_bus_.send_x(dst.xbus[g], y, 0) + 1, early_done);
        }
    }
    std::size_t pre_row = 0;  // this row's first entry in pre_in_
    for (int row = 0; row < rows; ++row) {
        const Multicast& dst = filter_ids_.match(row, 0);
        busy_.assign(dst.xbus.size(), 0);  // per X-bus group: the destinations' last step ends
        for (std::size_t g = 0; g < dst.xbus.size(); ++g)
            for (int i = dst.begin(g); i < dst.group_end[g]; ++i)
                busy_[g] = std::max(busy_[g], end_[static_cast<std::size_t>(dst.pes[static_cast<std::size_t>(i)])]);
        in_.assign(dst.xbus.size(), 0);
        for (int64_t f = early; f < cdiv(per_pe, fv); ++f) {
            const uint64_t y = filter_bus_.send_y(t, dst);
            for (std::size_t g = 0; g < dst.xbus.size(); ++g)
                in_[g] = std::max(filter_bus_.send_x(dst.xbus[g], y, (f + 1) * fv <= P_.spad_filter - per_pe ? 0 : busy_[g]) + 1, gdone);
        }
        // A flit leaves as its filter GLB words come out: the row is in once its read is done.
        for (std::size_t g = 0; g < dst.xbus.size(); ++g) {
            const uint64_t in = std::max(in_[g], early > 0 ? pre_in_[pre_row + g] : 0);
            for (int i = dst.begin(g); i < dst.group_end[g]; ++i) filters_in_[static_cast<std::size_t>(dst.pes[static_cast<std::size_t>(i)])] = in;
            end = std::max(end, in);
        }
        if (early > 0) pre_row += dst.xbus.size();
    }
    // Each filter row is multicast to the PEs of its set row: every active PE receives p*q*S.
    c_.noc_values += static_cast<uint64_t>(per_pe) * static_cast<uint64_t>(M_.active_pes);
    c_.filter_spad += static_cast<uint64_t>(per_pe) * static_cast<uint64_t>(M_.active_pes);
    // Exposed: the cycles the array waits for its filters after its last step.
    c_.filter_load_cycles += end > pe_free_ ? end - std::max(t, pe_free_) : 0;
    return end;
}

void PeArray::compute_step(int64_t i, int64_t x, int64_t vk, int64_t e_real, int64_t kres0, bool first_acc,
                           const std::vector<const int16_t*>& rows, uint8_t* pmem_lo, uint8_t* pmem_hi) {
    const RsMapping& M = M_;
    const int64_t lo = x * M.stride - M.pad;
    // The window's columns inside the ifmap; the others are padding (zeros).
    const int64_t s0 = std::max<int64_t>(0, -lo), s1 = std::min<int64_t>(M.S, M.W - lo);
    const int64_t pt = M.p * M.t;
    acc_.assign(static_cast<std::size_t>(vk), 0);
    int32_t* acc = acc_.data();
    uint64_t executed = 0, gated = 0;
    for (int64_t j = 0; j < e_real; ++j) {
        const int64_t eo = s_ * M.e + j;
        std::fill(acc, acc + vk, 0);
        for (int64_t cc = 0; cc < vcc_; ++cc)
            for (int64_t rr = 0; rr < M.set_h; ++rr) {
                const int64_t fr = fold_ * M.set_h + rr;
                if (fr >= M.R) continue;
                const int64_t h = eo * M.stride + fr - M.pad;
                if (h < 0 || h >= M.H) {
                    gated += static_cast<uint64_t>(M.S * vk);
                    continue;
                }
                // The window's values inside the ifmap: columns lo + s0 .. lo + s1 of the row.
                const int16_t* row = rows[static_cast<std::size_t>((i * vcc_ + cc) * nrows_ + (h - row0_))] + (lo + s0);
                const int64_t len = std::max<int64_t>(0, s1 - s0);
                // Zero ifmap values (and padding) gate the filter read and the MAC for each of
                // the vk filters that meet them; the sum is the same either way. Each value
                // meets the vk filters' weights of its position (filtT_: filters innermost).
                const int32_t* ft = filtT_.data() + static_cast<std::size_t>(((cc * M.set_h + rr) * M.S + s0) * pt);
                int64_t nz = 0;
                for (int64_t s = 0; s < len; ++s, ft += pt) {
                    const int32_t v = row[s];
                    if (v == 0) continue;
                    ++nz;
                    for (int64_t kk = 0; kk < vk; ++kk) acc[kk] += v * ft[kk];
                }
                executed += static_cast<uint64_t>(nz * vk);
                gated += static_cast<uint64_t>((M.S - nz) * vk);
            }
        // Accumulate in the GLB's psum region (the first channel block starts it); the pass's
        // filters' psums of one output are adjacent there.
        const uint64_t po = psum_offset(M, i, kres0, j, x);
        for (int64_t kk = 0; kk < vk; ++kk) {
            const uint64_t o = po + 2 * static_cast<uint64_t>(kk);
            store_psum(pmem_lo, pmem_hi, o, first_acc ? acc[kk] : load_psum(pmem_lo, pmem_hi, o) + acc[kk]);
        }
    }
    c_.macs_executed += executed;
    c_.macs_gated += gated;
    c_.filter_spad += executed;
    c_.psum_spad += 2 * executed;
}

void PeArray::assign_ifmap_ids(int64_t e_real) {
    // Ifmap network IDs for the block: row ID = the PE's channel set, column ID = the ifmap row
    // (in the block) its 1-D convolution reads, so one flit of a row reaches every PE on that
    // row's diagonal in every filter set.
    const RsMapping& M = M_;
    ifmap_ids_.clear();
    for (int64_t ts = 0; ts < M.t; ++ts)
        for (int64_t j = 0; j < e_real; ++j)
            for (int64_t c = 0; c < chain_n_; ++c) {
                const int64_t h = (s_ * M.e + j) * M.stride + fold_ * M.set_h + c % M.set_h - M.pad - row0_;
                const int pe = pe_index(ts, j, c);
                if (h >= 0 && h < nrows_) ifmap_ids_.assign(pe, static_cast<int>(c / M.set_h), static_cast<int>(h), xbus_[static_cast<std::size_t>(pe)]);
            }
    // The block's rows some PE of the pass reads, per channel, per row: the GLB reads them and
    // the ifmap network carries them in this order.
    read_segs_.clear();
    for (int64_t cc = 0; cc < vcc_; ++cc)
        for (int64_t hr = 0; hr < nrows_; ++hr) {
            const Multicast& dst = ifmap_ids_.match(static_cast<int>(cc / M.q), static_cast<int>(hr));
            if (!dst.pes.empty()) read_segs_.push_back({cc, hr, &dst});
        }
}

void PeArray::issue_ifmap_reads(GlobalBuffer& glb, int64_t i, int64_t from, int64_t new_cols) {
    // Each (channel, row) of the block that a PE of the pass reads: its new values (columns
    // from .. from + new_cols, contiguous in the row) at their own address in the block's slot
    // or ring; in the ring, a segment that runs past its end wraps: two accesses.
    const uint64_t vb = static_cast<uint64_t>(P_.value_bytes);
    const uint64_t len = static_cast<uint64_t>(new_cols) * vb;
    const uint64_t end = ifm_ring_ ? ifm_base_ + ifm_ring_ : UINT64_MAX;
    if_reads_.clear();
    for (const ReadSeg& rs : read_segs_) {
        const uint64_t off = (static_cast<uint64_t>(((i * vcc_ + rs.cc) * nrows_ + rs.hr) * M_.W) + static_cast<uint64_t>(from)) * vb;
        const uint64_t addr = ifm_ring_ ? ifm_base_ + (ifm_ring_off_ + off) % ifm_ring_ : ifm_base_ + off;
        SegRead r;
        if (addr + len <= end) {
            r.a = glb.issue_read(addr, len);
        } else {
            r.a = glb.issue_read(addr, end - addr);
            r.a2 = glb.issue_read(ifm_base_, len - (end - addr));
        }
        if_reads_.push_back(r);
    }
}

void PeArray::count_step(int64_t new_cap, bool first_acc, uint64_t psum_cnt) {
    // Scratchpads: an ifmap read per (value, channel) of the window (shared by the p filters), a
    // filter read and a psum read+write per executed MAC (compute_step); incoming psums (from
    // the PE below, or the GLB at the bottom of a chain) added with p more. Networks: ifmap
    // values to each PE that holds them, psums between PEs and to/from the GLB.
    // In the first accumulation the bottom PE of each column has no incoming psums (nothing
    // from the GLB): it adds nothing (issue 15; it was counted as adding p).
    const RsMapping& M = M_;
    const uint64_t active = static_cast<uint64_t>(M.active_pes);
    const uint64_t adders = active - (first_acc ? active / static_cast<uint64_t>(chain_n_) : 0);
    c_.ifmap_spad += active * static_cast<uint64_t>(M.q * M.S + M.q * new_cap);
    c_.psum_spad += 2 * adders * static_cast<uint64_t>(M.p);
    c_.psum_adds += adders * static_cast<uint64_t>(M.p);
    c_.noc_values += active * static_cast<uint64_t>(M.q * new_cap) + active * static_cast<uint64_t>(M.p) + (first_acc ? 1 : 2) * psum_cnt;
}

void PeArray::run_pass(int64_t kb, bool first_acc, GlobalBuffer& glb, GlobalBuffer& psum_hi, uint64_t psum_base,
                       const SimContext& ctx) {
    const RsMapping& M = M_;
    const int64_t pt = M.p * M.t;
    const int64_t k0 = kb * pt;  // first filter of the pass (in the group)
    PassState ps;
    ps.first_acc = first_acc;
    ps.vk = std::min<int64_t>(pt, M.Kg - k0);
    ps.kres0 = k0 - fb_ * M.m;  // its slot in the residency's psums
    ps.e_real = std::min<int64_t>(M.e, M.E - s_ * M.e);
    ps.psum_cnt = static_cast<uint64_t>(ps.vk * ps.e_real);
    ps.qS = M.q * M.S;
    ps.new_cap = std::min(M.stride, M.S);
    ps.psum_base = psum_base;
    // Psum scratchpad: room for a second set of p psums lets a step start before the previous
    // step's psums have left (it then waits only for the ones before those).
    ps.psum_double = P_.spad_psum >= 2 * M.p;
    // Loop order inside a PE, a per-pass configuration choice of the controller: ifmap-major
    // (each window value meets its p filters in turn: entries free early, all p psums complete
    // at the step end) or filter-major (psums complete one by one, the window held whole).
    // The order whose exposed transfer is shorter by the networks' widths.
    const int64_t spare = P_.spad_ifmap - ps.qS;  // ifmap spad entries beyond the window
    ps.fm = (spare >= M.q * ps.new_cap ? 0 : cdiv(nrows_ * vcc_ * ps.new_cap, P_.ifmap_noc_values)) <
            (ps.psum_double ? 0 : cdiv(static_cast<int64_t>(ps.psum_cnt), P_.psum_noc_values) - (M.p - 1));
    c_.filter_major_passes += ps.fm;
    ++c_.passes;
    if (ctx.step_mode && !rec_) rec_ = std::make_unique<StepRecord>();
    // The block's rows and the residency's psum region in the GLB, located once per pass.
    rows_.resize(static_cast<std::size_t>(vimg_ * vcc_ * nrows_));
    for (std::size_t r = 0; r < rows_.size(); ++r) rows_[r] = ifmap_row(static_cast<int64_t>(r));
    ps.pmem_lo = glb.data(psum_base, 2 * static_cast<uint64_t>(vimg_ * M.m * M.e * M.F));
    ps.pmem_hi = psum_hi.data(psum_base, 2 * static_cast<uint64_t>(vimg_ * M.m * M.e * M.F));
    assign_ifmap_ids(ps.e_real);
    ps.sets_active = cdiv(ps.vk, M.p);
    ps.packets = static_cast<int>(cdiv(M.p, P_.psum_link_values));
    lefts_.resize(static_cast<std::size_t>(chain_n_));
    seg_ready_.assign(read_segs_.size(), 0);
    pin_ready_.assign(static_cast<std::size_t>(M.e), 0);
    for (int64_t i = 0; i < vimg_; ++i)
        for (int64_t x = 0; x < M.F; ++x) run_step(ps, i, x, glb, ctx);
    issue_drain(ps, glb, ctx);
    finish_drain(ps, glb);
}

void PeArray::issue_psum_rows(const PassState& ps, GlobalBuffer& glb, int64_t i, int64_t x, bool write,
                              std::vector<BufferAccess>& out) {
    // A step's psums at their own addresses (psum_offset): the pass's vk filters of every
    // output row, one run of e_real * pt values when the pass has all pt filters, else one run
    // of vk per output row (the filters a short last pass lacks are not accessed).
    const uint64_t vb = static_cast<uint64_t>(P_.value_bytes), pt = static_cast<uint64_t>(M_.p * M_.t);
    const uint64_t base = ps.psum_base + psum_offset(M_, i, ps.kres0, 0, x);
    out.clear();
    if (static_cast<uint64_t>(ps.vk) == pt) {
        out.push_back(glb.issue(base, static_cast<uint64_t>(ps.e_real) * pt * vb, write));
        return;
    }
    for (int64_t j = 0; j < ps.e_real; ++j)
        out.push_back(glb.issue(base + static_cast<uint64_t>(j) * pt * vb, static_cast<uint64_t>(ps.vk) * vb, write));
}

void PeArray::issue_drain(PassState& ps, GlobalBuffer& glb, const SimContext& ctx) {
    // The last step's psums from the psum-out network into the GLB, issued at its first grant;
    // the next drain's grants wait for these writes (finish_drain).
    if (!ps.pending) return;
    ps.pending = false;
    finish_drain(ps, glb);
    at(ctx, ps.out_first);
    issue_psum_rows(ps, glb, ps.p_i, ps.p_x, true, out_accs_);
}

void PeArray::finish_drain(PassState& ps, GlobalBuffer& glb) {
    if (out_accs_.empty()) return;
    uint64_t done = 0;
    for (BufferAccess& a : out_accs_) done = std::max(done, glb.wait(a));
    out_accs_.clear();
    pout_free_ = std::max(ps.out_floor, done);
}

void PeArray::run_step(PassState& ps, int64_t i, int64_t x, GlobalBuffer& glb, const SimContext& ctx) {
    const RsMapping& M = M_;
    poll_filter_prefetch(ctx);
    // New ifmap columns of this step's window [lo, lo + S).
    const int64_t lo = x * M.stride - M.pad, hi = lo + M.S;
    const int64_t plo = x == 0 ? lo : lo - M.stride + M.S;  // previous window end (none at x = 0)
    const int64_t from = std::max<int64_t>(std::max<int64_t>(lo, plo), 0), to = std::min<int64_t>(hi, M.W);
    const int64_t new_cols = std::max<int64_t>(0, to - from);
    const uint64_t min_start = *std::min_element(start_.begin(), start_.end());
    const uint64_t min_end = *std::min_element(end_.begin(), end_.end());
    // The step's GLB accesses in time order at their cycles, then waited for: the ifmap reads
    // (when the ifmap network is free and a PE can take its first value), the psum-in reads
    // (when the psum network is free and a PE may be near its step), the last step's drain.
    const uint64_t t_if = new_cols ? std::max(ifmap_bus_.free_at(), min_start) : UINT64_MAX;
    const uint64_t t_pin = ps.first_acc ? UINT64_MAX : std::max(psum_in_bus_.free_at(), min_end);
    std::array<std::pair<uint64_t, int>, 3> ev{{{t_if, 0}, {t_pin, 1}, {ps.pending ? ps.out_first : UINT64_MAX, 2}}};
    std::sort(ev.begin(), ev.end());
    bool pin = false;
    for (const auto& e : ev) {
        if (e.first == UINT64_MAX) continue;
        if (e.second == 2) {
            issue_drain(ps, glb, ctx);
            continue;
        }
        at(ctx, e.first);
        if (e.second == 1) {
            issue_psum_rows(ps, glb, i, x, false, pin_accs_);
            pin = true;
            continue;
        }
        issue_ifmap_reads(glb, i, from, new_cols);
    }
    // Each segment's data are ready when its own read is done.
    if (new_cols)
        for (std::size_t k = 0; k < if_reads_.size(); ++k) {
            SegRead& r = if_reads_[k];
            uint64_t t = glb.wait(r.a);
            if (r.a2.pending()) t = std::max(t, glb.wait(r.a2));
            seg_ready_[k] = t;
        }
    if (pin) {  // one run for all rows, or one per row
        for (std::size_t j = 0; j < pin_accs_.size(); ++j) pin_ready_[j] = glb.wait(pin_accs_[j]);
        if (pin_accs_.size() == 1) std::fill(pin_ready_.begin(), pin_ready_.end(), pin_ready_[0]);
    }
    deliver_ifmaps(lo, from, new_cols);
    step_pes(x, ps.fm, ps.psum_double);
    finish_drain(ps, glb);  // the drain issued above: the psum network writes into the GLB behind it
    drain_psums(ps.first_acc, ps.fm, ps.psum_double, ps.sets_active, ps.e_real, ps.packets, ps.qS);
    if (rec_) check_step(*rec_, ps.packets);
    ps.pending = true;
    ps.out_first = out_first_;
    ps.out_floor = out_last_ + 1;
    ps.p_i = i;
    ps.p_x = x;
    c_.compute_cycles += static_cast<uint64_t>(M.p * ps.qS);
    ++c_.steps;
    compute_step(i, x, ps.vk, ps.e_real, ps.kres0, ps.first_acc, rows_, ps.pmem_lo, ps.pmem_hi);
    count_step(ps.new_cap, ps.first_acc, ps.psum_cnt);
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
                                  uint64_t psum_base, int64_t K, int shift, const OutputRequant* rq,
                                  std::vector<int32_t>& outputs,
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
                    const uint64_t pa = psum_base + psum_offset(M, i, kk, j, x);
                    const int32_t v = load_psum(glb, psum_hi, pa);
                    outputs[static_cast<std::size_t>(((img * K + k) * M.E + eo) * M.F + x)] = v;
                    row[static_cast<std::size_t>(x)] = rq ? apply_output_requant(v, *rq, k) : requantize(v, shift);
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
