#include "hw/smartexchange/rebuild_engines.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "sw/common/error.h"

namespace sx::se {

BufferAccess load_basis(GlobalBuffer& wb, uint64_t addr, BasisBlock& blk) {
    const BufferAccess a = wb.issue_read(addr, kBasisRecordBytes);
    const uint8_t* bb = wb.data(addr, kBasisRecordBytes);
    for (int u = 0; u < 3; ++u)
        for (int j = 0; j < 3; ++j) blk.basis[u][j] = static_cast<int8_t>(bb[u * 3 + j]);
    blk.rebuild_shift = bb[9];
    return a;
}

SeRebuildEngines::SeRebuildEngines(sc_core::sc_module_name name, SeFabric& fab)
    : SeBlock(name, fab, "rebuild_engines"),
      shift_mon_(fab.ctx.monitor.add("rebuild_shift_add")),
      slots_(fab.prm.ce_stage_slots),
      staged_(fab.prm.ce_stage_slots) {
    SC_THREAD(run);
    SC_THREAD(shift_add);
}

void SeRebuildEngines::run() {
    SimContext& ctx = f_.ctx;
    GlobalBuffer& wb = *f_.wb;
    forever([&] {
        // A staging slot for the pass's Ce codes and bases (freed when the pass is rebuilt),
        // taken before the pass leaves the decoder FIFO: holding a pass while waiting for a
        // slot would be one more pass of buffering than the FIFO and the slots have.
        waiting("a free Ce/basis staging slot (shift-add behind)");
        slots_.wait();
        waiting("");
        SeChunk* ch = f_.dec_q.read();
        const SeLayer& L = f_.L;
        const SeTask& t = ch->task;
        const int M = L.dim_m;
        const int mvalid = static_cast<int>(std::min<int64_t>(M, L.K() - t.kg * M));
        const uint32_t rows = ch->rows(), J = L.row_len, r0 = L.wt_first(t.wt);
        ch->w.assign(static_cast<std::size_t>(M) * rows * J, 0);
        const uint64_t t0 = ctx.now_cycles();
        uint64_t line_max = 0;
        BufferAccessGroup reads;
        std::vector<uint64_t> line_rows(static_cast<std::size_t>(L.dim_c));
        Staged* st = new Staged{ch, 0, std::vector<uint64_t>(static_cast<std::size_t>(mvalid) * L.dim_c, 0)};
        for (int m = 0; m < mvalid; ++m) {
            const int64_t k = t.kg * M + m;
            const uint64_t slot = t.w_base + static_cast<uint64_t>(m) * L.w_slot;
            const uint8_t* nz = &ch->nz[static_cast<std::size_t>(m) * rows];
            int8_t* w = &ch->w[static_cast<std::size_t>(m) * rows * J];
            std::fill(line_rows.begin(), line_rows.end(), 0);
            if (!L.decomposed) {
                const uint64_t a = slot + static_cast<uint64_t>(ch->i0 - r0) * J;
                reads.add(wb, wb.issue_read(a, static_cast<uint64_t>(rows) * J));
                std::memcpy(w, wb.data(a, static_cast<uint64_t>(rows) * J), static_cast<std::size_t>(rows) * J);
                for (uint32_t r = 0; r < rows; ++r) ++line_rows[r % L.dim_c];
                f_.cnt.rows_bypassed += rows;
                // Raw weights are written into the line registers like rebuilt ones (not counted
                // before issue 15), after passing through the staging slot.
                f_.cnt.rf_accesses += static_cast<uint64_t>(rows) * J;
                f_.cnt.rf_writes += static_cast<uint64_t>(rows) * J;
                f_.cnt.stage_bytes += static_cast<uint64_t>(rows) * J;
                for (std::size_t c = 0; c < line_rows.size(); ++c)
                    st->line_cycles[static_cast<std::size_t>(m) * L.dim_c + c] = line_rows[c] * f_.prm.bypass_cycles_per_row;
                continue;
            }
            uint32_t nib0 = UINT32_MAX, nib1 = 0, nnz = 0;
            int last_block = -1;
            BasisBlock blk;
            const ImageLayer& img = *L.image;
            const uint8_t* ce = wb.data(slot, L.w_slot_ce);
            for (uint32_t r = 0; r < rows; ++r) {
                if (!nz[r]) continue;
                ++nnz;
                ++line_rows[r % L.dim_c];
                const uint32_t nib = ch->ce_nibble[static_cast<std::size_t>(m) * rows + r];
                nib0 = std::min(nib0, nib);
                nib1 = nib + 3;
                uint8_t codes[3];
                for (int q = 0; q < 3; ++q) {
                    const uint32_t x = nib + q;
                    codes[q] = (x & 1) ? static_cast<uint8_t>(ce[x >> 1] >> 4) : static_cast<uint8_t>(ce[x >> 1] & 0x0F);
                    if (!ce_code_valid(codes[q]))
                        throw SimulationError("rebuild engine: invalid Ce code " + std::to_string(codes[q]) +
                                              " in layer " + L.layer->name + ", filter " + std::to_string(k));
                }
                // The block (basis) of this row: same partition for every filter.
                const uint32_t i = ch->i0 + r;
                uint32_t b = L.block_first[t.wt];
                while (b + 1 < img.blocks_per_filter && img.blocks[b + 1].first_row <= i) ++b;
                if (static_cast<int>(b) != last_block) {
                    // Loaded into the idle engine of the ping-pong pair while the other rebuilds.
                    const uint64_t ba = slot + L.w_slot_ce + (b - L.block_first[t.wt]) * kBasisRecordBytes;
                    reads.add(wb, load_basis(wb, ba, blk));
                    ++f_.cnt.basis_loads;
                    f_.cnt.stage_bytes += kBasisRecordBytes;
                    last_block = static_cast<int>(b);
                }
                rebuild_row(blk, codes, &w[r * J]);
            }
            if (nnz > 0) {
                reads.add(wb, wb.issue_read(slot + nib0 / 2, (nib1 + 1) / 2 - nib0 / 2));
                f_.cnt.stage_bytes += (nib1 + 1) / 2 - nib0 / 2;
            }
            f_.cnt.rows_rebuilt += nnz;
            f_.cnt.rows_zero += rows - nnz;
            f_.cnt.rf_accesses += static_cast<uint64_t>(nnz) * J;  // weight register writes
            f_.cnt.rf_writes += static_cast<uint64_t>(nnz) * J;
            for (std::size_t c = 0; c < line_rows.size(); ++c)
                st->line_cycles[static_cast<std::size_t>(m) * L.dim_c + c] = line_rows[c] * f_.prm.rebuild_cycles_per_row;
        }
        for (uint64_t n : st->line_cycles) line_max = std::max(line_max, n);
        st->line_max = line_max;
        // Stage 1 ends when the pass's Ce codes and bases are in the staging slot (buffer
        // accesses: their completion is the arbiter's, exact in both modes).
        waiting("Ce codes and bases from the weight buffer");
        reads.wait(ctx);
        ctx.settle(t0, kOrderRebuildRead);
        waiting("");
        staged_.write(st);  // never blocks: slots_ bounds it
        ctx.monitor.progress();
    });
}

void SeRebuildEngines::shift_add() {
    SimContext& ctx = f_.ctx;
    auto wait_for = [&](const char* what) { ctx.monitor.waiting(shift_mon_, what); };
    guarded(ctx, [&] {
        for (;;) {
            Staged* st = staged_.read();
            // Two register-file banks per line: rebuilding the next pass starts only once the
            // PE array has taken the previous one.
            while (f_.re_q.num_free() == 0) {
                wait_for("the PE array to take the previous pass (both RF banks full)");
                sc_core::wait(f_.re_q.data_read_event());
            }
            wait_for("");
            // Stage 2: every line shifts and adds its rows, line_cycles each; the pass takes
            // as long as its busiest line.
            std::vector<uint64_t> left;  // step mode: each line's cycles left
            if (ctx.step_mode) left = st->line_cycles;
            ctx.advance(ctx.now_cycles() + st->line_max, kOrderShiftAdd, "rebuild engines: shift-add", [&](uint64_t) {
                bool busy = false;
                for (uint64_t& n : left)
                    if (n > 0) {
                        --n;
                        busy = true;
                    }
                return !busy;
            });
            slots_.post();
            f_.probe();
            f_.re_q.write(st->ch);
            delete st;
            ctx.monitor.progress();
        }
    });
}

}  // namespace sx::se
