#include "hw/scnn/layer_engine.h"

#include <algorithm>

#include "hw/scnn/sparse_encoding.h"
#include "sw/common/error.h"
#include "sw/reference/conv_reference.h"

namespace sx::scnn {

LayerEngine::LayerEngine(const Layer& L, const ScnnParams& prm, int pe_rows, int pe_cols, bool sparse, bool compressed,
                         const std::vector<int8_t>& weights, const std::vector<int8_t>& inputs, int value_bits)
    : L_(L), prm_(prm), sparse_(sparse), compressed_(compressed), weights_(weights), inputs_(inputs),
      value_bits_(value_bits) {
    cg_ = L.C / L.groups;
    kg_ = L.K / L.groups;
    map_ = plan_planar(L, prm, pe_rows, pe_cols, sparse);
    outputs.assign(static_cast<std::size_t>(L.output_elems()), 0);
    find_active_pes();
    build_blocks();
    const int64_t words = map_.channel_split ? map_.Kc : map_.Kc * map_.channel_pitch;
    acc_.assign(active_.size(), std::vector<int32_t>(static_cast<std::size_t>(words), 0));
}

uint64_t LayerEngine::end_group(int64_t g, std::vector<std::vector<HaloRun>>* runs) {
    if (runs) runs->assign(active_.size(), {});
    const int64_t k0 = g * map_.Kc, kc = std::min(map_.Kc, L_.K - k0);
    uint64_t moved = 0;
    auto out_at = [&](int64_t k, int64_t p, int64_t q) -> int32_t& {
        return outputs[static_cast<std::size_t>(((n_ * L_.K + k) * map_.P + p) * map_.Q + q)];
    };
    if (map_.channel_split) {
        // Reduction over the links (halo_links.h, reduction_tree): every slot adds its children's
        // partial sums into its own accumulators and sends the result to its parent. A parent
        // has a lower PE number than its children, so a sweep from the last slot down adds
        // every subtree before its root sends. The totals end at PE 0.
        const std::vector<int> par = reduction_parents();
        for (std::size_t s = acc_.size(); s-- > 1;) {
            const auto d = static_cast<std::size_t>(par[s]);
            for (int64_t kk = 0; kk < kc; ++kk) {
                const auto x = static_cast<std::size_t>(kk);
                acc_[d][x] = static_cast<int32_t>(static_cast<uint32_t>(acc_[d][x]) + static_cast<uint32_t>(acc_[s][x]));
            }
            moved += static_cast<uint64_t>(kc);
        }
        for (int64_t kk = 0; kk < kc && !acc_.empty(); ++kk) out_at(k0 + kk, 0, 0) = acc_[0][static_cast<std::size_t>(kk)];
    } else {
        // Halo exchange: a PE's region entries outside its own tile go to their owner.
        for (std::size_t s = 0; s < active_.size(); ++s) {
            const int pe = active_[s];
            // A PE without a tile and without input formed no products (all zeros): it sends nothing.
            if (map_.tile_outputs(pe) == 0 && !map_.holds_input(pe)) continue;
            const int i = pe / map_.pe_cols, j = pe % map_.pe_cols;
            const int64_t p0 = std::max<int64_t>(0, map_.region_p0(i)), q0 = std::max<int64_t>(0, map_.region_q0(j));
            const int64_t p1 = map_.tile_p1(i), q1 = map_.tile_q1(j);
            for (int64_t p = p0; p < p1; ++p)
                for (int64_t q = q0; q < q1; ++q) {
                    if (p >= map_.tile_p0(i) && q >= map_.tile_q0(j) && map_.tile_outputs(pe) > 0) continue;
                    const int owner = static_cast<int>((p / map_.Pt) * map_.pe_cols + q / map_.Qt);
                    const int64_t os = slot_of(owner);
                    if (os < 0) throw SimulationError("scnn: layer " + L_.name + ": halo of PE " + std::to_string(pe) +
                                                      " belongs to idle PE " + std::to_string(owner));
                    for (int64_t kk = 0; kk < kc; ++kk) {
                        acc_[static_cast<std::size_t>(os)][map_.acc_addr(owner, kk, p, q)] +=
                            acc_[s][map_.acc_addr(pe, kk, p, q)];
                        ++moved;
                    }
                    if (runs && kc > 0) {  // the link transfers (halo_links.h): kc partial sums to `owner`
                        auto& rs = (*runs)[s];
                        if (rs.empty() || rs.back().dst != static_cast<int>(os)) rs.push_back({static_cast<int>(os), 0});
                        rs.back().values += static_cast<uint64_t>(kc);
                    }
                }
        }
        for (std::size_t s = 0; s < active_.size(); ++s) {
            const int pe = active_[s];
            const int i = pe / map_.pe_cols, j = pe % map_.pe_cols;
            for (int64_t kk = 0; kk < kc; ++kk)
                for (int64_t p = map_.tile_p0(i); p < map_.tile_p1(i); ++p)
                    for (int64_t q = map_.tile_q0(j); q < map_.tile_q1(j); ++q)
                        out_at(k0 + kk, p, q) = acc_[s][map_.acc_addr(pe, kk, p, q)];
        }
    }
    for (auto& a : acc_) std::fill(a.begin(), a.end(), 0);
    return moved;
}

std::vector<int> LayerEngine::reduction_parents() const {
    // Channel split: the active PEs are 0..n-1 in row-major order. Each row reduces leftwards
    // (left link), column 0 upwards (above link): the links the halo exchange uses.
    std::vector<int> par(active_.size(), -1);
    for (std::size_t s = 1; s < active_.size(); ++s) {
        const int pe = active_[s];
        const int to = pe % map_.pe_cols > 0 ? pe - 1 : pe - map_.pe_cols;
        par[s] = static_cast<int>(slot_of(to));
    }
    return par;
}

void LayerEngine::find_active_pes() {
    active_.clear();
    active_rows_.clear();
    active_cols_.clear();
    if (map_.channel_split) {
        // Input channel c lives on PE c % pes; the group's partial sums are reduced into PE 0.
        const int64_t n = std::min<int64_t>(map_.pes(), std::max(L_.C, L_.K));
        for (int pe = 0; pe < n; ++pe) active_.push_back(pe);
        return;
    }
    // A PE row is active if it has output rows (rows below ceil(P / Pt)) or owns input rows:
    // owner_row() is monotone and steps by at most one, so the owners of input rows 0..H-1 are
    // a contiguous range. A superset is harmless (an active PE without data does no work).
    const auto lines = [](int64_t tiles, int own0, int own1, int count, std::vector<int>& out) {
        const int a = static_cast<int>(std::min<int64_t>(count, tiles));
        for (int i = 0; i < a; ++i) out.push_back(i);
        for (int i = std::max(a, own0); i <= own1; ++i) out.push_back(i);
    };
    lines((map_.P + map_.Pt - 1) / map_.Pt, map_.owner_row(0), map_.owner_row(L_.H - 1), map_.pe_rows, active_rows_);
    lines((map_.Q + map_.Qt - 1) / map_.Qt, map_.owner_col(0), map_.owner_col(L_.W - 1), map_.pe_cols, active_cols_);
    for (int i : active_rows_)
        for (int j : active_cols_) active_.push_back(i * map_.pe_cols + j);
}

int64_t LayerEngine::slot_of(int pe) const {
    if (map_.channel_split) return pe < static_cast<int>(active_.size()) ? pe : -1;
    const auto rank = [](const std::vector<int>& v, int x) -> int64_t {
        const auto it = std::lower_bound(v.begin(), v.end(), x);
        return it != v.end() && *it == x ? it - v.begin() : -1;
    };
    const int64_t r = rank(active_rows_, pe / map_.pe_cols), c = rank(active_cols_, pe % map_.pe_cols);
    return r < 0 || c < 0 ? -1 : r * static_cast<int64_t>(active_cols_.size()) + c;
}

const std::vector<ActEntry>& LayerEngine::acts(int pe, int64_t c) const {
    static const std::vector<ActEntry> none;
    const int64_t s = slot_of(pe);
    return s < 0 ? none : acts_[idx(s, c)];
}

const std::vector<uint32_t>& LayerEngine::act_offs(int pe, int64_t c) const {
    static const std::vector<uint32_t> none;
    const int64_t s = slot_of(pe);
    return s < 0 ? none : act_offs_[idx(s, c)];
}

uint64_t LayerEngine::act_bytes(int pe, int64_t c) const {
    const int64_t s = slot_of(pe);
    return s < 0 ? 0 : act_bytes_[idx(s, c)];
}

uint32_t LayerEngine::value_entry_bits() const { return static_cast<uint32_t>(value_bits_ + kRunBits); }

std::vector<uint64_t> LayerEngine::phase_starts(int64_t kb) const {
    const int64_t st = L_.stride;
    std::vector<uint64_t> ps(static_cast<std::size_t>(phases()) + 1, 0);
    for (int p = 0; p < phases(); ++p) {
        const int64_t nr = (L_.R - p / st + st - 1) / st, ns = (L_.S - p % st + st - 1) / st;
        ps[static_cast<std::size_t>(p) + 1] = ps[static_cast<std::size_t>(p)] + static_cast<uint64_t>(std::max<int64_t>(0, nr) * std::max<int64_t>(0, ns) * kb);
    }
    return ps;
}

WeightBlock LayerEngine::decode_piece(const WeightBlock& b, const uint8_t* bytes) const {
    WeightBlock d = b;
    auto bad = [&] {
        return SimulationError("scnn: layer " + L_.name + ": weight piece of channel " + std::to_string(b.c) +
                               " (group " + std::to_string(b.group) + ") did not decode to its shape");
    };
    if (!sparse_) {
        uint64_t n = 0;
        const int64_t taps = L_.R * L_.S, F = prm_.F;
        for (int64_t v = b.v0; v < b.v1; ++v) {
            const int64_t ka = b.k0 + (v / taps) * F;
            n += static_cast<uint64_t>(std::min(b.k1, ka + F) - ka);
        }
        d.dv = unpack_values(bytes, b.stream_entries, n, compressed_, value_bits_);
        return d;
    }
    const int64_t kb = b.k1 - b.k0, st = L_.stride;
    const std::vector<uint64_t> ps = phase_starts(kb);
    const SparseStream ss = unpack_sparse(bytes, b.stream_entries, b.d1 - b.d0, value_bits_);
    const int ph = phases();
    d.w.clear();
    d.offs.clear();
    uint64_t at = b.d0;
    int p = 0;
    for (const SparseEntry& e : ss.entries) {
        at += e.run;
        if (at >= b.d1) throw bad();
        const uint64_t pos = at++;
        if (!e.value) continue;  // placeholder
        while (pos >= ps[static_cast<std::size_t>(p) + 1]) ++p;
        while (d.offs.size() <= static_cast<std::size_t>(p)) d.offs.push_back(static_cast<uint32_t>(d.w.size()));
        const uint64_t local = pos - ps[static_cast<std::size_t>(p)];
        const int64_t ns = (L_.S - p % st + st - 1) / st;
        const int64_t tap = static_cast<int64_t>(local / static_cast<uint64_t>(kb));
        d.w.push_back({static_cast<int32_t>(b.k0 + static_cast<int64_t>(local % static_cast<uint64_t>(kb))),
                       static_cast<int16_t>(p / st + (tap / ns) * st), static_cast<int16_t>(p % st + (tap % ns) * st),
                       e.value});
    }
    while (d.offs.size() <= static_cast<std::size_t>(ph)) d.offs.push_back(static_cast<uint32_t>(d.w.size()));
    if (d.w.size() != b.nonzeros) throw bad();
    return d;
}

void LayerEngine::build_blocks() {
    blocks.clear();
    group_begin.clear();
    weight_bytes = 0;
    weight_image.clear();
    const int64_t st = L_.stride, R = L_.R, S = L_.S, Kc = map_.Kc, F = prm_.F;
    const int ph = phases();
    const int pes = map_.pes();
    // Half the FIFO per piece: the FIFO is filled with the next piece while the PE replays the
    // current one (at least one weight vector).
    const uint32_t piece_cap = static_cast<uint32_t>(std::max(1, prm_.weight_fifo_entries / 2));
    for (int64_t g = 0; g * Kc < L_.K; ++g) {
        group_begin.push_back(blocks.size());
        const int64_t k0 = g * Kc, k1 = std::min(L_.K, k0 + Kc);
        for (int64_t cgi = k0 / kg_; cgi <= (k1 - 1) / kg_; ++cgi) {
            const int64_t bk0 = std::max(k0, cgi * kg_), bk1 = std::min(k1, (cgi + 1) * kg_);
            for (int64_t cl = 0; cl < cg_; ++cl) {
                WeightBlock proto;
                proto.group = g;
                proto.c = cgi * cg_ + cl;
                proto.k0 = bk0;
                proto.k1 = bk1;
                proto.target = map_.channel_split ? static_cast<int>(proto.c % pes) : -1;
                const std::size_t first = blocks.size();
                if (sparse_) {
                    // The block in broadcast order: by stride phase, then tap-major with the
                    // output channel fastest, so that the F weights of a vector are mostly F
                    // output channels of one tap, whose products with I activations land on
                    // F x I distinct outputs (taps of one channel would collide: (h, w) x (r, s)
                    // and (h, w+1) x (r, s+1) hit one output). The DRAM stream is compressed in
                    // this order, so each piece is a contiguous part of it that the PE decodes.
                    const int64_t kb = bk1 - bk0;
                    const std::vector<uint64_t> ps = phase_starts(kb);
                    std::vector<int32_t> seq;
                    seq.reserve(static_cast<std::size_t>(kb * R * S));
                    for (int p = 0; p < ph; ++p)
                        for (int64_t r = p / st; r < R; r += st)
                            for (int64_t s = p % st; s < S; s += st)
                                for (int64_t k = bk0; k < bk1; ++k) seq.push_back(weight(k, cl, r, s));
                    // Vectors of F non-zeros within a phase; pieces of at most piece_cap vectors,
                    // each covering the sequence from the end of the previous piece to its last
                    // non-zero (the last piece: to the end of the block).
                    WeightBlock cur = proto;
                    uint64_t nz_end = 0;
                    auto close = [&](uint64_t end) {
                        cur.d1 = end;
                        blocks.push_back(cur);
                        cur = proto;
                        cur.d0 = end;
                    };
                    std::vector<uint64_t> list;
                    for (int p = 0; p < ph; ++p) {
                        list.clear();
                        for (uint64_t i = ps[static_cast<std::size_t>(p)]; i < ps[static_cast<std::size_t>(p) + 1]; ++i)
                            if (seq[i]) list.push_back(i);
                        for (std::size_t i = 0; i < list.size(); i += static_cast<std::size_t>(F)) {
                            if (cur.fifo_entries == piece_cap) close(nz_end);
                            const std::size_t e = std::min(list.size(), i + static_cast<std::size_t>(F));
                            cur.nonzeros += e - i;
                            nz_end = list[e - 1] + 1;
                            ++cur.fifo_entries;
                        }
                    }
                    close(seq.size());  // an all-zero block is one empty piece (its placeholders)
                    for (std::size_t i = first; i < blocks.size(); ++i) {
                        WeightBlock& pc = blocks[i];
                        const std::vector<int32_t> part(seq.begin() + static_cast<std::ptrdiff_t>(pc.d0),
                                                        seq.begin() + static_cast<std::ptrdiff_t>(pc.d1));
                        const std::vector<uint8_t> bytes = pack_values(part, true, value_bits_, pc.stream_entries);
                        pc.dram_bytes = bytes.size();
                        weight_image.insert(weight_image.end(), bytes.begin(), bytes.end());
                    }
                } else {
                    // Dense: vector v = F output channels at one tap, (k vector, r, s) order.
                    const int64_t vk = (bk1 - bk0 + F - 1) / F, taps = R * S, nv = vk * taps;
                    for (int64_t v0 = 0; v0 < nv; v0 += piece_cap) {
                        WeightBlock b = proto;
                        b.v0 = v0;
                        b.v1 = std::min<int64_t>(nv, v0 + piece_cap);
                        b.fifo_entries = static_cast<uint32_t>(b.v1 - b.v0);
                        std::vector<int32_t> vals;
                        for (int64_t v = b.v0; v < b.v1; ++v) {
                            const int64_t kv = v / taps, r = (v % taps) / S, s = v % S;
                            for (int64_t k = bk0 + kv * F; k < std::min(bk1, bk0 + kv * F + F); ++k) vals.push_back(weight(k, cl, r, s));
                        }
                        for (int32_t x : vals) b.nonzeros += x != 0;
                        const std::vector<uint8_t> bytes = pack_values(vals, compressed_, value_bits_, b.stream_entries);
                        b.dram_bytes = bytes.size();
                        weight_image.insert(weight_image.end(), bytes.begin(), bytes.end());
                        blocks.push_back(std::move(b));
                    }
                }
                for (std::size_t i = first; i < blocks.size(); ++i) {
                    blocks[i].dram_addr = weight_bytes;
                    weight_bytes += blocks[i].dram_bytes;
                }
            }
        }
    }
    group_begin.push_back(blocks.size());
}

const int8_t* LayerEngine::input_plane(int64_t c) const {
    return inputs_.data() + static_cast<std::size_t>((n_ * L_.C + c) * L_.H * L_.W);
}

void LayerEngine::load_image(int64_t n) {
    n_ = n;
    const int pes = map_.pes();
    const auto slots = active_.size() * static_cast<std::size_t>(L_.C);
    acts_.assign(slots, {});
    act_offs_.assign(slots, {});
    act_bytes_.assign(slots, 0);
    image_act_bytes_ = image_act_bound_ = 0;
    // Input region of each active PE row / column: SCNN owns the rows that line up with its
    // output tile; the dense design reads its tile's whole receptive field (input halo).
    const std::size_t nr = active_rows_.size(), nc = active_cols_.size();
    std::vector<int64_t> h0(nr), h1(nr), w0(nc), w1(nc);
    const auto rank = [](const std::vector<int>& v, int x) {
        return static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), x) - v.begin());
    };
    if (sparse_) {
        std::fill(h0.begin(), h0.end(), L_.H);
        std::fill(h1.begin(), h1.end(), 0);
        std::fill(w0.begin(), w0.end(), L_.W);
        std::fill(w1.begin(), w1.end(), 0);
        if (!map_.channel_split) {
            for (int64_t h = 0; h < L_.H; ++h) {
                const std::size_t r = rank(active_rows_, map_.owner_row(h));
                h0[r] = std::min(h0[r], h);
                h1[r] = h + 1;
            }
            for (int64_t w = 0; w < L_.W; ++w) {
                const std::size_t r = rank(active_cols_, map_.owner_col(w));
                w0[r] = std::min(w0[r], w);
                w1[r] = w + 1;
            }
        }
    } else {
        for (std::size_t r = 0; r < nr; ++r) {
            const int i = active_rows_[r];
            const int64_t p0 = map_.tile_p0(i), p1 = map_.tile_p1(i);
            h0[r] = std::max<int64_t>(0, p0 * L_.stride - L_.padding);
            h1[r] = p1 > p0 ? std::min<int64_t>(L_.H, (p1 - 1) * L_.stride - L_.padding + L_.R) : h0[r];
        }
        for (std::size_t r = 0; r < nc; ++r) {
            const int j = active_cols_[r];
            const int64_t q0 = map_.tile_q0(j), q1 = map_.tile_q1(j);
            w0[r] = std::max<int64_t>(0, q0 * L_.stride - L_.padding);
            w1[r] = q1 > q0 ? std::min<int64_t>(L_.W, (q1 - 1) * L_.stride - L_.padding + L_.S) : w0[r];
        }
    }
    for (std::size_t r = 0; r < nr; ++r) h1[r] = std::max(h1[r], h0[r]);
    for (std::size_t r = 0; r < nc; ++r) w1[r] = std::max(w1[r], w0[r]);
    std::vector<int32_t> dense;
    act_off_.assign(slots, 0);
    act_entries_.assign(slots, 0);
    region_.assign(slots, Region{});
    tiles_.assign(sparse_ ? 0 : slots, {});
    act_image.clear();
    for (int64_t c = 0; c < L_.C; ++c) {
        const int8_t* plane = input_plane(c);
        const uint64_t chan0 = act_image.size();
        for (std::size_t slot = 0; slot < active_.size(); ++slot) {
            const int pe = active_[slot];
            const std::size_t x = idx(static_cast<int64_t>(slot), c);
            act_off_[x] = act_image.size() - chan0;
            // Channel split (a 1 x 1 output plane): the PE holding channel c holds the receptive
            // field of the single output pixel in its channel, rows [0, R - pad) and columns
            // [0, S - pad) of the plane (all of it for a 7x7 conv on a 7x7 map, not just its
            // first value); the other PEs hold nothing of c.
            if (map_.channel_split && c % pes != pe) continue;
            const std::size_t ri = map_.channel_split ? 0 : slot / nc, ci = map_.channel_split ? 0 : slot % nc;
            Region& g = region_[x];
            g.h0 = static_cast<int32_t>(map_.channel_split ? 0 : h0[ri]);
            g.h1 = static_cast<int32_t>(map_.channel_split ? std::min(L_.H, L_.R - L_.padding) : h1[ri]);
            g.w0 = static_cast<int32_t>(map_.channel_split ? 0 : w0[ci]);
            g.w1 = static_cast<int32_t>(map_.channel_split ? std::min(L_.W, L_.S - L_.padding) : w1[ci]);
            g.h1 = std::max(g.h1, g.h0);
            g.w1 = std::max(g.w1, g.w0);
            dense.clear();
            for (int64_t h = g.h0; h < g.h1; ++h)
                for (int64_t w = g.w0; w < g.w1; ++w) dense.push_back(plane[h * L_.W + w]);
            const std::vector<uint8_t> bytes = pack_values(dense, compressed_, value_bits_, act_entries_[x]);
            act_bytes_[x] = bytes.size();
            image_act_bytes_ += act_bytes_[x];
            // Compressed: at most one entry (value + run) per position; raw: exactly this.
            image_act_bound_ += (dense.size() * static_cast<uint64_t>(value_bits_ + (compressed_ ? kRunBits : 0)) + 7) / 8;
            act_image.insert(act_image.end(), bytes.begin(), bytes.end());
        }
    }
}

uint64_t LayerEngine::act_offset(int pe, int64_t c) const {
    const int64_t s = slot_of(pe);
    return s < 0 ? 0 : act_off_[idx(s, c)];
}

void LayerEngine::decode_acts(int pe, int64_t c, const uint8_t* bytes) {
    const int64_t slot = slot_of(pe);
    if (slot < 0) return;
    const std::size_t x = idx(slot, c);
    const Region& g = region_[x];
    const int64_t rw = g.w1 - g.w0;
    const uint64_t n = static_cast<uint64_t>((g.h1 - g.h0) * rw);
    std::vector<int32_t> vals = unpack_values(bytes, act_entries_[x], n, compressed_, value_bits_);
    if (!sparse_) {
        tiles_[x] = std::move(vals);
        return;
    }
    const int ph = phases();
    auto& list = acts_[x];
    auto& offs = act_offs_[x];
    list.clear();
    offs.assign(static_cast<std::size_t>(ph) + 1, 0);
    for (int p = 0; p < ph; ++p) {
        offs[static_cast<std::size_t>(p)] = static_cast<uint32_t>(list.size());
        const int64_t hs = p / L_.stride, ws = p % L_.stride;
        for (int64_t h = g.h0; h < g.h1; ++h) {
            if ((h + L_.padding) % L_.stride != hs) continue;
            for (int64_t w = g.w0; w < g.w1; ++w) {
                if ((w + L_.padding) % L_.stride != ws) continue;
                const int32_t v = vals[static_cast<std::size_t>((h - g.h0) * rw + (w - g.w0))];
                if (v) list.push_back({static_cast<int32_t>(h), static_cast<int32_t>(w), v});
            }
        }
    }
    offs[static_cast<std::size_t>(ph)] = static_cast<uint32_t>(list.size());
}

LayerEngine::TileView LayerEngine::tile(int pe, int64_t c) const {
    TileView t;
    const int64_t slot = slot_of(pe);
    if (slot < 0 || sparse_) return t;
    const std::size_t x = idx(slot, c);
    if (tiles_[x].empty()) return t;
    const Region& g = region_[x];
    t.v = tiles_[x].data();
    t.h0 = g.h0, t.h1 = g.h1, t.w0 = g.w0, t.w1 = g.w1;
    return t;
}

std::vector<int32_t> LayerEngine::ppu_values(int64_t n, int pe, int64_t k) const {
    const int shift = requant_shift(L_);
    std::vector<int32_t> dense;
    auto at = [&](int64_t p, int64_t q) {
        return outputs[static_cast<std::size_t>(((n * L_.K + k) * map_.P + p) * map_.Q + q)];
    };
    auto rq = [&](int32_t v) -> int32_t { return requant ? apply_output_requant(v, *requant, k) : requantize(v, shift); };
    if (map_.channel_split) {
        if (pe == 0) dense.push_back(rq(at(0, 0)));  // the reduction's root holds the totals
        return dense;
    }
    const int i = pe / map_.pe_cols, j = pe % map_.pe_cols;
    for (int64_t p = map_.tile_p0(i); p < map_.tile_p1(i); ++p)
        for (int64_t q = map_.tile_q0(j); q < map_.tile_q1(j); ++q) dense.push_back(rq(at(p, q)));
    return dense;
}

std::size_t LayerEngine::place_stream(const OutStream& s, const uint8_t* bytes, std::vector<int8_t>& stored) const {
    const std::vector<int32_t> v = unpack_values(bytes, s.entries, s.values, compressed_, value_bits_);
    std::size_t vi = 0;
    auto put = [&](int64_t p, int64_t q) {
        if (vi < v.size())
            stored[static_cast<std::size_t>(((s.n * L_.K + s.k) * map_.P + p) * map_.Q + q)] = static_cast<int8_t>(v[vi++]);
    };
    if (map_.channel_split) {
        put(0, 0);
        return vi;
    }
    const int i = s.pe / map_.pe_cols, j = s.pe % map_.pe_cols;
    for (int64_t p = map_.tile_p0(i); p < map_.tile_p1(i); ++p)
        for (int64_t q = map_.tile_q0(j); q < map_.tile_q1(j); ++q) put(p, q);
    return vi;
}

std::vector<uint8_t> LayerEngine::pack_outputs(int pe, int64_t g, std::vector<OutStream>& streams, uint64_t& count,
                                               std::vector<uint32_t>* bits) const {
    const int64_t k0 = g * map_.Kc, k1 = std::min(L_.K, k0 + map_.Kc);
    std::vector<uint8_t> out;
    count = 0;
    for (int64_t k = k0; k < k1; ++k) {
        const std::vector<int32_t> dense = ppu_values(n_, pe, k);
        count += dense.size();
        if (dense.empty()) continue;
        OutStream st;
        st.n = n_;
        st.pe = pe;
        st.k = k;
        st.offset = out.size();
        st.values = dense.size();
        const std::vector<uint8_t> bytes = pack_values(dense, compressed_, value_bits_, st.entries);
        st.bytes = bytes.size();
        if (bits) {
            // What the encoder emits per value (encode_sparse's rule: a non-zero, or the 16th zero
            // of a run as a placeholder; trailing zeros nothing), then the byte padding.
            const auto eb = static_cast<uint32_t>(value_bits_ + (compressed_ ? kRunBits : 0));
            uint64_t sum = 0;
            uint32_t run = 0;
            for (const int32_t x : dense) {
                uint32_t b = eb;
                if (compressed_ && x == 0) {
                    b = run == kMaxRun ? eb : 0;
                    run = run == kMaxRun ? 0 : run + 1;
                } else {
                    run = 0;
                }
                bits->push_back(b);
                sum += b;
            }
            bits->back() += static_cast<uint32_t>(bytes.size() * 8 - sum);
        }
        out.insert(out.end(), bytes.begin(), bytes.end());
        streams.push_back(st);
    }
    return out;
}

bool LayerEngine::output_stream_matches(const OutStream& s, const uint8_t* bytes) const {
    return unpack_values(bytes, s.entries, s.values, compressed_, value_bits_) == ppu_values(s.n, s.pe, s.k);
}

}  // namespace sx::scnn
