#include "hw/smartexchange/index_decoder.h"

#include <algorithm>

namespace sx::se {

SeIndexDecoder::SeIndexDecoder(sc_core::sc_module_name name, SeFabric& fab)
    : SeBlock(name, fab, "index_decoder") {
    SC_THREAD(run);
}

void SeIndexDecoder::run() {
    SimContext& ctx = f_.ctx;
    forever([&] {
        SeTask* t = f_.task_q.read();
        const SeLayer& L = f_.L;
        const int M = L.dim_m;
        const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K() - t->kg * M));
        const uint32_t r0 = L.wt_first(t->wt), r1 = L.wt_end(t->wt);
        std::vector<uint32_t> seen(static_cast<std::size_t>(M), 0);  // non-zero rows so far per slice
        for (uint32_t i0 = r0; i0 < r1; i0 += L.chunk_rows) {
            SeChunk* ch = new SeChunk;
            ch->task = *t;
            ch->i0 = i0;
            ch->i1 = std::min(r1, i0 + L.chunk_rows);
            ch->first_of_task = i0 == r0;
            ch->last_of_task = ch->i1 == r1;
            const uint32_t rows = ch->rows();
            ch->nz.assign(static_cast<std::size_t>(M) * rows, 0);
            ch->ce_nibble.assign(static_cast<std::size_t>(M) * rows, 0);
            reads_.assign(static_cast<std::size_t>(mvalid), BufferAccess{});
            for (int m = 0; m < mvalid; ++m) {
                const int64_t k = t->kg * M + m;
                uint8_t* nz = &ch->nz[static_cast<std::size_t>(m) * rows];
                if (!L.decomposed) {
                    std::fill(nz, nz + rows, 1);
                    continue;
                }
                // The slot holds the bitmap bytes covering the tile's bits from byte bit0/8 on.
                const uint64_t bit0 = static_cast<uint64_t>(k) * L.rows_per_filter + r0;
                const uint64_t rel0 = bit0 % 8 + (i0 - r0), rel1 = rel0 + rows - 1;
                const uint64_t slot = t->idx_base + static_cast<uint64_t>(m) * L.idx_slot;
                reads_[static_cast<std::size_t>(m)] = f_.idx->issue_read(slot + rel0 / 8, rel1 / 8 - rel0 / 8 + 1);
                const uint8_t* bm = f_.idx->data(slot, rel1 / 8 + 1);
                const uint32_t nz0 = L.nz_at[static_cast<std::size_t>(k) * (L.n_wtiles + 1) + t->wt];
                for (uint32_t r = 0; r < rows; ++r) {
                    const uint64_t b = rel0 + r;
                    if ((bm[b >> 3] >> (b & 7)) & 1u) {
                        nz[r] = 1;
                        ch->ce_nibble[static_cast<std::size_t>(m) * rows + r] = 3 * seen[m] + ((3 * nz0) & 1u);
                        ++seen[m];
                    }
                }
                f_.cnt.bitmap_bits += rows;
            }
            if (L.decomposed) decode(rows);  // raw layers: no bitmap, nothing issued

            waiting("room in the decoder->rebuild FIFO");
            f_.probe();
            f_.dec_q.write(ch);
            waiting("");
            ctx.monitor.progress();
        }
        delete t;
    });
}

void SeIndexDecoder::decode(uint32_t rows) {
    // A decoder starts on a slice's bitmap once its bytes are read (it holds one slice's bits,
    // no more: no overlap of a slice's read with its own decoding) and consumes
    // index_bits_per_cycle bits per cycle. Shared: the slices one after the other, in slice
    // order; per slice: all at once, each as soon as its bits are there.
    SimContext& ctx = f_.ctx;
    const uint64_t bpc = static_cast<uint64_t>(f_.prm.index_bits_per_cycle);
    const uint64_t per_slice = (rows + bpc - 1) / bpc;
    const bool shared = f_.prm.index_decoders == "shared";
    const uint64_t start = ctx.now_cycles();
    if (ctx.step_mode) {
        // Cycle by cycle: a slice's bits are decoded only in cycles its bitmap read is done by.
        std::vector<uint64_t> left(reads_.size(), rows);
        std::size_t cur = 0;  // shared: the slice being decoded
        for (;;) {
            while (cur < left.size() && left[cur] == 0) ++cur;
            if (cur == left.size()) break;
            for (std::size_t m = shared ? cur : 0; m < (shared ? cur + 1 : left.size()); ++m)
                if (left[m] > 0 && f_.idx->done(reads_[m])) left[m] -= std::min<uint64_t>(left[m], bpc);
            sc_core::wait(ctx.clk);
        }
    }
    // The bitmap reads' completion cycles (already past in step mode), then the decode end
    // they imply: the decoder's busy time is exact once its inputs' arrival times are known,
    // and every read ends before the decoding of its slice, so waiting for them first is exact.
    read_done_.resize(reads_.size());
    for (std::size_t m = 0; m < reads_.size(); ++m) read_done_[m] = f_.idx->wait(reads_[m]);
    uint64_t end = start;
    for (uint64_t r : read_done_) end = shared ? std::max(end, r) + per_slice : std::max(end, r + per_slice);
    if (!ctx.step_mode) ctx.wait_until(end);
    else if (ctx.now_cycles() != end) ctx.step_mismatch("index decoder", end);
    ctx.settle(start, kOrderDecoder);
}

}  // namespace sx::se
