#include "hw/smartexchange/se_layer.h"

#include <algorithm>
#include <cstring>

#include "sw/common/error.h"
#include "sw/reference/conv_reference.h"

namespace sx::se {

namespace {

uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

uint64_t gcd(uint64_t a, uint64_t b) {
    while (b != 0) {
        const uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

}  // namespace

// Bytes of a channel slot holding `row_bytes` (rows x W) of input rows. Packed: no padding.
// Skewed: the smallest slot whose starting offsets c x pitch (mod the bank line, banks x port
// bytes) cover every bank evenly, i.e. gcd(pitch, line) divides the port width. A 1x1 step
// reads one segment of each of 192 channels; with a slot that is a multiple of 2^k port words
// they would queue on banks / 2^k banks. The slot stays a multiple of gcd(W, port), so rows
// start at the same granularity within a port word as in a packed slot and segments touch as
// many words (W = 56: whole-word slots with a word count coprime with the bank count, every
// 1x1 segment one word). The padding is at most a few bytes per channel, so the tiling rarely
// changes.
uint64_t input_channel_pitch(uint64_t row_bytes, uint64_t W, const BufferConfig& buf, bool skewed) {
    if (!skewed) return row_bytes;
    const uint64_t port = static_cast<uint64_t>(std::max(1, buf.port_width_bits / 8));
    const uint64_t line = port * static_cast<uint64_t>(std::max(1, buf.banks));
    const uint64_t step = gcd(W, port);
    uint64_t b = std::max<uint64_t>(step, (row_bytes + step - 1) / step * step);
    while (port % gcd(b, line) != 0) b += step;
    return b;
}

int64_t SeLayer::in_lo(int64_t pt) const { return std::max<int64_t>(0, pt_first(pt) * stride() - pad()); }
int64_t SeLayer::in_hi(int64_t pt) const {
    return std::min<int64_t>(H(), (pt_first(pt) + pt_rows(pt) - 1) * stride() - pad() + R());
}

SeLayer plan_se_layer(const Layer& layer, const ImageLayer& img, const ArchConfig& arch, const SeParams& prm,
                      uint64_t burst) {
    SeLayer L;
    L.layer = &layer;
    L.image = &img;
    L.decomposed = img.kind == ImageLayerKind::Decomposed;
    L.pointwise = L.decomposed && !(layer.R == 3 && layer.S == 3);
    if (L.decomposed) {
        L.rows_per_filter = img.rows_per_filter;
        L.row_len = 3;
    } else {
        L.rows_per_filter = static_cast<uint32_t>(L.Cg() * L.R());
        L.row_len = static_cast<uint32_t>(L.S());
    }
    if (img.K != static_cast<uint32_t>(L.K()) || img.C != static_cast<uint32_t>(L.C()))
        throw SimulationError("layer " + layer.name + ": weight image shape (K=" + std::to_string(img.K) +
                              ", C=" + std::to_string(img.C) + ") does not match the workload");
    L.dim_m = arch.pe.dim_m;
    L.dim_c = arch.pe.dim_c;
    L.dim_f = arch.pe.dim_f;
    L.n_kgroups = (L.K() + L.dim_m - 1) / L.dim_m;
    L.chunk_rows = static_cast<uint32_t>(L.dim_c * prm.rf_rows_per_line);

    const auto buffer = [&](const char* role) -> const BufferConfig& {
        for (const auto& b : arch.buffers)
            if (b.role == role) return b;
        throw SimulationError(std::string("smartexchange needs a buffer with role ") + role);
    };
    const auto cap = [&](const char* role) -> uint64_t { return buffer(role).capacity_bytes; };
    // A buffer too small for even one tile is a contradictory configuration, not a simulation
    // failure (exit code 2): name the capacity field of the buffer to grow.
    auto capacity_ptr = [&](const char* role) {
        for (const auto& b : arch.buffers)
            if (b.role == role) return "/buffers/" + b.name + "/capacity_kib";
        return "/buffers/" + std::string(role) + "/capacity_kib";
    };
    // Reported at the first buffer's capacity, or at whichever of the fields the requirement
    // depends on was set on the command line (ArchConfig::error_at).
    auto too_small = [&](const char* role, const char* other, const char* dim, const std::string& expected,
                         const std::string& found) {
        return arch.error_at({capacity_ptr(role), capacity_ptr(other), dim, "/pe_array/dim_m", "/dram/bus_width_bits"},
                             expected, found);
    };
    const uint64_t w_half = cap("weight") / 2, i_half = cap("index") / 2, in_half = cap("input") / 2,
                   out_cap = cap("output");
    const uint64_t M = static_cast<uint64_t>(L.dim_m);

    // Weight tiles: as many whole passes (chunk_rows) as fit the halves, in the worst case of a
    // dense Ce (every row non-zero), so the tiling does not depend on the data.
    const uint32_t rpf = L.rows_per_filter;
    auto blocks_touched = [&](uint32_t r0, uint32_t r1) -> uint32_t {
        if (!L.decomposed || r1 <= r0) return 0;
        uint32_t b0 = 0, b1 = 0;
        for (uint32_t b = 0; b < img.blocks_per_filter; ++b) {
            const BasisBlock& blk = img.blocks[b];
            if (blk.first_row <= r0) b0 = b;
            if (blk.first_row <= r1 - 1) b1 = b;
        }
        return b1 - b0 + 1;
    };
    auto slot_bytes = [&](uint32_t rows, uint32_t blocks, uint64_t& ce) -> uint64_t {
        if (!L.decomposed) {
            ce = 0;
            return static_cast<uint64_t>(rows) * L.row_len;
        }
        ce = round_up((3ull * rows + 1) / 2 + 1, 8);  // +1: a segment may start mid-byte
        return ce + 10ull * blocks;  // basis record: 9 elements + rebuild shift
    };
    uint32_t wt = std::max<uint32_t>(1, (rpf + L.chunk_rows - 1) / L.chunk_rows) * L.chunk_rows;
    for (;;) {
        const uint32_t rows = std::min(wt, rpf);
        uint32_t maxb = 0;
        for (uint32_t r0 = 0; r0 < rpf; r0 += rows) maxb = std::max(maxb, blocks_touched(r0, std::min(rpf, r0 + rows)));
        uint64_t ce = 0;
        const uint64_t slot = round_up(slot_bytes(rows, maxb, ce), 8);
        const uint64_t islot = L.decomposed ? round_up(rows / 8 + 2, 8) : 0;
        if (M * slot <= w_half && M * islot <= i_half) {
            L.wt_rows = rows;
            L.w_slot = slot;
            L.w_slot_ce = ce;
            L.idx_slot = islot;
            L.blocks_per_tile = maxb;
            break;
        }
        if (wt <= L.chunk_rows) {
            // Smaller than one pass: still correct (a pass just ends early), so keep halving.
            if (wt == 1)
                throw too_small("weight", "index", "/pe_array/dim_m",
                                "weight and index buffers whose halves hold one weight row of " + std::to_string(M) +
                                    " filters (/pe_array/dim_m; layer " + layer.name + ")",
                                std::to_string(w_half) + " weight bytes and " + std::to_string(i_half) +
                                    " index bytes per half");
            wt /= 2;
        } else {
            wt -= L.chunk_rows;
        }
    }
    L.n_wtiles = (rpf + L.wt_rows - 1) / L.wt_rows;
    L.w_tile_bytes = M * L.w_slot;
    L.idx_tile_bytes = M * L.idx_slot;
    L.weights_resident = static_cast<uint64_t>(L.n_kgroups) * L.n_wtiles * L.w_tile_bytes <= w_half &&
                         static_cast<uint64_t>(L.n_kgroups) * L.n_wtiles * L.idx_tile_bytes <= i_half;

    // Input tiles: the most output rows whose input rows (all channels, one slot each) fit half
    // the input buffer and whose outputs (int32 partial sums + two int8 halves) fit the output
    // buffer.
    const bool skewed = prm.input_layout == "skewed";
    const BufferConfig& in_buf = buffer("input");
    for (int64_t pt = L.P(); pt >= 1; --pt) {
        const uint64_t rows_in = static_cast<uint64_t>(std::min<int64_t>(L.H(), (pt - 1) * L.stride() + L.R()));
        const uint64_t pitch = input_channel_pitch(rows_in * static_cast<uint64_t>(L.W()), static_cast<uint64_t>(L.W()), in_buf, skewed);
        const uint64_t in_bytes = static_cast<uint64_t>(L.C()) * pitch;
        const uint64_t seg = round_up(static_cast<uint64_t>(pt * L.Q()), burst);
        const uint64_t psum = M * static_cast<uint64_t>(pt * ((L.Q() + L.dim_f - 1) / L.dim_f) * L.dim_f) * 4;
        if (in_bytes <= in_half && psum + 2 * M * seg <= out_cap) {
            L.Pt = pt;
            L.in_rows_max = rows_in;
            L.in_pitch = pitch;
            L.in_half = in_half;
            L.out_seg = seg;
            L.psum_bytes = psum;
            break;
        }
    }
    if (L.Pt == 0) {
        // One output row: its input rows in half the input buffer; its int32 partial sums
        // (dim_m x Q rounded up to dim_f lanes) and two DRAM-burst-aligned int8 segments
        // (burst: /dram/bus_width_bits x burst length) in the output buffer.
        const uint64_t seg1 = round_up(static_cast<uint64_t>(L.Q()), burst);
        const uint64_t out1 = M * static_cast<uint64_t>(((L.Q() + L.dim_f - 1) / L.dim_f) * L.dim_f) * 4 + 2 * M * seg1;
        throw too_small("input", "output", "/pe_array/dim_f",
                        "input/output buffers that hold one output row of layer " + layer.name + " (" +
                            std::to_string(static_cast<uint64_t>(L.C()) *
                                           input_channel_pitch(static_cast<uint64_t>(std::min<int64_t>(L.H(), L.R()) * L.W()),
                                                         static_cast<uint64_t>(L.W()), in_buf, skewed)) +
                            " input bytes per half, " + std::to_string(out1) +
                            " output bytes: partial sums of /pe_array/dim_m x /pe_array/dim_f lanes and two " +
                            std::to_string(burst) + "-byte DRAM bursts per filter, /dram/bus_width_bits)",
                        std::to_string(in_half) + " input bytes per half and " + std::to_string(out_cap) +
                            " output bytes");
    }
    L.n_ptiles = (L.P() + L.Pt - 1) / L.Pt;

    // DRAM layout, every region burst-aligned.
    uint64_t a = 0;
    L.dram_in = a;
    a = round_up(a + static_cast<uint64_t>(layer.input_elems()), burst);
    if (L.decomposed) {
        L.ce_off.resize(static_cast<std::size_t>(L.K()));
        L.nz_at.assign(static_cast<std::size_t>(L.K()) * (L.n_wtiles + 1), 0);
        L.dram_ce = a;
        uint64_t off = 0;
        for (uint32_t k = 0; k < L.K(); ++k) {
            L.ce_off[k] = L.dram_ce + off;
            uint32_t nz = 0, r = 0;
            for (uint32_t t = 0; t <= L.n_wtiles; ++t) {
                const uint32_t start = t < L.n_wtiles ? L.wt_first(t) : L.rows_per_filter;
                for (; r < start; ++r) nz += img.row_nonzero(k, r) ? 1 : 0;
                L.nz_at[k * (L.n_wtiles + 1) + t] = nz;
            }
            off += (3ull * nz + 1) / 2;
        }
        a = round_up(L.dram_ce + off, burst);
        L.dram_basis = a;
        a = round_up(a + img.blocks.size() * 10, burst);
        L.dram_bitmap = a;
        a = round_up(a + img.row_bitmap.size(), burst);
        for (uint32_t t = 0; t < L.n_wtiles; ++t) {
            uint32_t b0 = 0;
            for (uint32_t b = 0; b < img.blocks_per_filter; ++b)
                if (img.blocks[b].first_row <= L.wt_first(t)) b0 = b;
            L.block_first.push_back(b0);
        }
    } else {
        L.dram_raw = a;
        a = round_up(a + img.raw.size(), burst);
    }
    L.dram_out = a;
    a += static_cast<uint64_t>(L.N() * L.n_ptiles * L.K()) * L.out_seg;
    L.dram_end = round_up(a, burst);
    return L;
}

std::vector<uint8_t> se_dram_image(const SeLayer& L, const std::vector<int8_t>& act) {
    std::vector<uint8_t> m(L.dram_out, 0);
    std::memcpy(m.data() + L.dram_in, act.data(), act.size());
    const ImageLayer& img = *L.image;
    if (L.decomposed) {
        // Ce codes per filter, packed two per byte (low nibble first), each filter byte-aligned.
        uint64_t nz_global = 0;
        for (uint32_t k = 0; k < L.K(); ++k) {
            uint64_t nib = 0;
            for (uint32_t r = 0; r < L.rows_per_filter; ++r) {
                if (!img.row_nonzero(k, r)) continue;
                for (int t = 0; t < 3; ++t, ++nib) {
                    const uint8_t code = img.ce_code(nz_global, t);
                    uint8_t& byte = m[L.ce_off[k] + nib / 2];
                    byte = static_cast<uint8_t>((nib & 1) ? (byte & 0x0F) | (code << 4) : (byte & 0xF0) | code);
                }
                ++nz_global;
            }
        }
        for (std::size_t b = 0; b < img.blocks.size(); ++b)
            for (int t = 0; t < 3; ++t)
                for (int j = 0; j < 3; ++j)
                    m[L.dram_basis + b * 10 + t * 3 + j] = static_cast<uint8_t>(img.blocks[b].basis[t][j]);
        for (std::size_t b = 0; b < img.blocks.size(); ++b) m[L.dram_basis + b * 10 + 9] = img.blocks[b].rebuild_shift;
        std::memcpy(m.data() + L.dram_bitmap, img.row_bitmap.data(), img.row_bitmap.size());
    } else {
        std::memcpy(m.data() + L.dram_raw, img.raw.data(), img.raw.size());
    }
    return m;
}

}  // namespace sx::se
