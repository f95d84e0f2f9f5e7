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
    : SeBlock(name, fab, "rebuild_engines") {
    SC_THREAD(run);
}

void SeRebuildEngines::run() {
    SimContext& ctx = f_.ctx;
    GlobalBuffer& wb = *f_.wb;
    forever([&] {
        SeChunk* ch = f_.dec_q.read();
        // Two register-file banks per line: rebuilding the next pass starts only once the
        // PE array has taken the previous one.
        while (f_.re_q.num_free() == 0) {
            waiting("the PE array to take the previous pass (both RF banks full)");
            sc_core::wait(f_.re_q.data_read_event());
        }
        waiting("");
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
                for (uint64_t n : line_rows) line_max = std::max(line_max, n * f_.prm.bypass_cycles_per_row);
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
                    last_block = static_cast<int>(b);
                }
                rebuild_row(blk, codes, &w[r * J]);
            }
            if (nnz > 0) reads.add(wb, wb.issue_read(slot + nib0 / 2, (nib1 + 1) / 2 - nib0 / 2));
            f_.cnt.rows_rebuilt += nnz;
            f_.cnt.rows_zero += rows - nnz;
            f_.cnt.rf_accesses += static_cast<uint64_t>(nnz) * J;  // weight register writes
            for (uint64_t n : line_rows) line_max = std::max(line_max, n * f_.prm.rebuild_cycles_per_row);
        }
        reads.wait(ctx);
        ctx.wait_until(t0 + line_max);
        f_.probe();
        f_.re_q.write(ch);
        ctx.monitor.progress();
    });
}

}  // namespace sx::se
