#include "hw/smartexchange/pe_array_driver.h"

#include <memory>

#include <algorithm>
#include <cstring>

#include "sw/reference/conv_reference.h"

namespace sx::se {

SePeArrayDriver::SePeArrayDriver(sc_core::sc_module_name name, SeFabric& fab, int dim_m, int dim_c, int dim_f)
    : SeBlock(name, fab, "pe_array"), timing_(make_pe_timing(fab.prm.pe_timing)), pe_(dim_m, dim_c, dim_f, *timing_) {
    if (fab.ctx.step_mode) pe_.record_beats(&beats_next_);
    SC_THREAD(run);
}

void SePeArrayDriver::run() {
    SimContext& ctx = f_.ctx;
    forever([&] {
        const uint64_t t0 = ctx.now_cycles();
        if (f_.re_q.num_available() == 0) waiting("rebuilt weights from the rebuild engines");
        SeChunk* ch = f_.re_q.read();
        waiting("");
        const SeLayer& L = f_.L;
        const SeTask& t = ch->task;
        const int M = L.dim_m;
        if (t.first_of_group && ch->first_of_task) {
            waiting("a free output buffer half (store unit behind)");
            f_.out_sem.wait();
            waiting("");
            out_half_ ^= 1;
            psum_valid_ = false;
            // Accumulator clear: valid bits reset, no data traffic. The previous group's
            // requantisation read may still be in flight; its values were taken when it was
            // issued, and this group's first partial-sum write waits for it (compute_pass), so
            // clearing the valid bits now is what hardware with per-word valid bits would do.
            std::memset(f_.out->data(0, L.psum_bytes), 0, L.psum_bytes);
            f_.out->occupancy += L.psum_bytes + static_cast<uint64_t>(M) * L.out_seg;
        } else {
            f_.cnt.stall_weights += ctx.now_cycles() - t0;
        }
        ++f_.cnt.chunks;
        const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K() - t.kg * M));
        const uint32_t rows = ch->rows();
        bool any = false;
        for (int m = 0; m < mvalid && !any; ++m)
            for (uint32_t r = 0; r < rows; ++r)
                if (ch->nz[static_cast<std::size_t>(m) * rows + r]) {
                    any = true;
                    break;
                }
        if (any) compute_pass(*ch);
        else skip_pass(*ch);
        if (t.last_of_group && ch->last_of_task) requantise_group(t);
        if (ch->last_of_task) {
            if (t.release_weights) {
                f_.wb->occupancy -= L.w_tile_bytes;
                f_.w_sem.post();
            }
            if (t.release_input) {
                f_.in->occupancy -= static_cast<uint64_t>(L.C() * (L.in_hi(t.pt) - L.in_lo(t.pt)) * L.W());
                f_.in_sem.post();
            }
        }
        f_.probe();
        delete ch;
        ctx.monitor.progress();
    });
}

void SePeArrayDriver::skip_pass(const SeChunk& ch) {
    // No step, no activation read: only the counters learn what was skipped.
    const SeLayer& L = f_.L;
    const int M = L.dim_m, F = L.dim_f;
    const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K() - ch.task.kg * M));
    const int64_t prows = L.pt_rows(ch.task.pt), Q = L.Q();
    const uint32_t rows = ch.rows();
    ++f_.cnt.chunks_skipped;
    uint64_t vj = 0;
    for (uint32_t r = 0; r < rows; ++r)
        for (uint32_t j = 0; j < L.row_len; ++j) {
            int64_t c, kr, ks;
            vj += L.act_coord(ch.i0 + r, j, c, kr, ks) ? 1 : 0;
        }
    f_.cnt.macs_skipped += vj * static_cast<uint64_t>(mvalid) * static_cast<uint64_t>(prows * Q);
    f_.cnt.act_rows_skipped +=
        static_cast<uint64_t>(rows) * static_cast<uint64_t>(prows) * static_cast<uint64_t>((Q + F - 1) / F);
}

void SePeArrayDriver::compute_pass(const SeChunk& ch) {
    SimContext& ctx = f_.ctx;
    const SeLayer& L = f_.L;
    const int M = L.dim_m, F = L.dim_f;
    const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K() - ch.task.kg * M));
    const int64_t prows = L.pt_rows(ch.task.pt), p0 = L.pt_first(ch.task.pt), Q = L.Q();
    steps_.clear();
    for (int64_t p = p0; p < p0 + prows; ++p)
        for (int64_t q0 = 0; q0 < Q; q0 += F) steps_.push_back({p, q0});
    // The activations of a step are read from the input buffer while the previous one computes.
    BufferAccessGroup fetch, psum;
    auto issue_fetch = [&]() {
        for (const auto& fe : fetches_) fetch.add(*f_.in, f_.in->issue_read(fe.addr, fe.bytes));
        fetches_.clear();
    };
    pe_.begin_pass(L, ch);
    uint64_t d_next = pe_.step(L, ch, steps_[0], *f_.in, fetches_, f_.cnt);
    acc_next_ = pe_.acc();
    issue_fetch();
    for (std::size_t s = 0; s < steps_.size(); ++s) {
        const uint64_t before = ctx.now_cycles();
        if (!fetch.empty()) {
            waiting("activations from the input buffer");
            f_.cnt.stall_input += fetch.wait(ctx) - before;
            ctx.settle(before, kOrderPe);
        }
        const uint64_t start = ctx.now_cycles(), d = d_next;
        acc_cur_.swap(acc_next_);
        beats_cur_.line_first.swap(beats_next_.line_first);
        beats_cur_.acts.swap(beats_next_.acts);
        if (s + 1 < steps_.size()) {
            d_next = pe_.step(L, ch, steps_[s + 1], *f_.in, fetches_, f_.cnt);
            acc_next_ = pe_.acc();
            issue_fetch();
        }
        f_.cnt.compute_cycles += d;
        if (f_.tracing) f_.probe(true);
        waiting("");
        if (ctx.step_mode) step_lines(start + d);
        else ctx.advance(start + d, kOrderPe, "PE array: step", [](uint64_t) { return true; });
        // The step cannot end before the previous step's partial sums are written.
        if (!psum.empty()) {
            waiting("partial sums into the output buffer");
            const uint64_t t = ctx.now_cycles();
            f_.cnt.stall_output += psum.wait(ctx) - t;
            ctx.settle(t, kOrderPe);
            waiting("");
        }
        // Nor overwrite the previous group's partial sums before requantisation has read them.
        if (requant_read_) {
            waiting("the previous group's requantisation reads");
            const uint64_t t = ctx.now_cycles();
            // Its completion may be in the past (the store unit may have waited first): count
            // only the cycles this wait took, not completion - now.
            requant_read_->wait(ctx);
            f_.cnt.stall_output += ctx.now_cycles() - t;
            requant_read_.reset();
            ctx.settle(t, kOrderPe);
            waiting("");
        }
        // Partial sums of the step to the output buffer (read-modify-write after the first
        // pass of the group).
        const PeStep& st = steps_[s];
        const int lanes = static_cast<int>(std::min<int64_t>(F, Q - st.q0));
        for (int m = 0; m < mvalid; ++m) {
            const uint64_t a = L.psum_addr(st.p - p0, st.q0, m);
            if (psum_valid_) {
                psum.add(*f_.out, f_.out->issue_read(a, lanes * 4ull));
                f_.cnt.psum_rmw_adds += static_cast<uint64_t>(lanes);  // the add at the buffer
            }
            psum.add(*f_.out, f_.out->issue_write(a, lanes * 4ull));
            f_.cnt.psums_out += static_cast<uint64_t>(lanes);
            int32_t* ps = reinterpret_cast<int32_t*>(f_.out->data(a, lanes * 4ull));
            for (int fl = 0; fl < lanes; ++fl) ps[fl] += acc_cur_[static_cast<std::size_t>(m) * F + fl];
        }
        ++f_.cnt.steps;
        ctx.monitor.progress();
    }
    psum_valid_ = true;
    {
        const uint64_t t = ctx.now_cycles();
        psum.wait(ctx);
        ctx.settle(t, kOrderPe);
    }
    if (f_.tracing) f_.probe(false);
}

void SePeArrayDriver::step_lines(uint64_t end) {
    // Exactness test mode: every line of every slice runs its beats cycle by cycle; a beat ends
    // in the first cycle after which no lane has Booth digits (lane cycles) left, at least one
    // cycle; the step ends when every line is done (the previous step's partial sums are then
    // waited for as buffer accesses, exact in both modes).
    const PeArray::StepBeats& b = beats_cur_;
    const std::size_t lines = b.line_first.size() - 1;
    const int F = pe_.lanes();
    std::vector<uint32_t> beat(lines), elapsed(lines, 0);
    for (std::size_t l = 0; l < lines; ++l) beat[l] = b.line_first[l];
    f_.ctx.advance(end, kOrderPe, "PE array: step", [&](uint64_t now) {
        bool busy = false;
        for (std::size_t l = 0; l < lines; ++l) busy = busy || beat[l] < b.line_first[l + 1];
        if (!busy) return true;
        for (std::size_t l = 0; l < lines; ++l) {
            if (beat[l] >= b.line_first[l + 1]) continue;
            ++elapsed[l];
            bool lane_left = false;
            for (int f = 0; f < F; ++f)
                lane_left = lane_left || pe_.lane_cycles(b.acts[static_cast<std::size_t>(beat[l]) * F + f]) >
                                             static_cast<int>(elapsed[l]);
            if (!lane_left) {
                ++beat[l];
                elapsed[l] = 0;
            }
        }
        return false;
    });
}

void SePeArrayDriver::requantise_group(const SeTask& t) {
    // The group's int32 partial sums -> int8 outputs in its output half, then to the store unit.
    const SeLayer& L = f_.L;
    const int M = L.dim_m, F = L.dim_f;
    const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K() - t.kg * M));
    const int64_t prows = L.pt_rows(t.pt), p0 = L.pt_first(t.pt), Q = L.Q(), K = L.K(), P = L.P();
    const int shift = requant_shift(*L.layer);
    const uint64_t cnt = static_cast<uint64_t>(prows * Q);
    const uint64_t half = L.psum_bytes + static_cast<uint64_t>(out_half_) * M * L.out_seg;
    // Issued, not waited for: the PE array goes on with the next group, whose first partial-sum
    // writes wait for this read (same region); the store unit waits for the read and the writes.
    auto read = std::make_shared<SharedBufferAccess>(*f_.out, f_.out->issue_read(0, L.psum_addr(prows, 0, 0)));
    requant_read_ = read;
    BufferAccessGroup writes;
    for (int m = 0; m < mvalid; ++m) {
        writes.add(*f_.out, f_.out->issue_write(half + static_cast<uint64_t>(m) * L.out_seg, L.out_seg));
        int8_t* o = reinterpret_cast<int8_t*>(f_.out->data(half + static_cast<uint64_t>(m) * L.out_seg, L.out_seg));
        const int64_t k = t.kg * M + m;
        for (uint64_t i = 0; i < cnt; ++i) {
            const int64_t pl = static_cast<int64_t>(i) / Q, q = static_cast<int64_t>(i) % Q;
            int32_t v;
            std::memcpy(&v, f_.out->data(L.psum_addr(pl, q, m) + static_cast<uint64_t>(q % F) * 4, 4), 4);
            (*f_.outputs)[static_cast<std::size_t>(((t.n * K + k) * P + p0) * Q + static_cast<int64_t>(i))] = v;
            o[i] = f_.requant ? apply_output_requant(v, *f_.requant, k) : requantize(v, shift);
        }
    }
    waiting("room in the store FIFO");
    f_.store_q.write(new SeStore{t.n, t.pt, t.kg, out_half_, std::move(read), std::move(writes)});
    waiting("");
}

}  // namespace sx::se
