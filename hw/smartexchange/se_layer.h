#pragma once
// What the SmartExchange compiler hands the accelerator for one layer: how the filter is cut
// into weight rows, the tiling that fits the global buffers, and where everything lives in
// DRAM and in the buffers. Built on the host before the layer runs; the hardware blocks only
// read it (it plays the role of the per-layer instructions).
#include <cstdint>
#include <vector>

#include "hw/smartexchange/se_params.h"
#include "sw/config/arch_config.h"
#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx::se {

struct SeLayer {
    const Layer* layer = nullptr;
    const ImageLayer* image = nullptr;

    // Geometry. A filter (C/groups x R x S weights) is a sequence of weight rows of row_len
    // weights. Decomposed 3x3 and raw layers: row i = kernel row (c = i / R, r = i % R), its
    // weights are s = 0..S-1. Decomposed 1x1/FC ("pointwise"): row i holds channels 3i..3i+2.
    bool decomposed = false, pointwise = false;
    uint32_t rows_per_filter = 0, row_len = 0;
    // The layer's shape, read through `layer` (never copied, so it cannot go stale).
    int64_t N() const { return layer->N; }
    int64_t C() const { return layer->C; }
    int64_t K() const { return layer->K; }
    int64_t H() const { return layer->H; }
    int64_t W() const { return layer->W; }
    int64_t R() const { return layer->R; }
    int64_t S() const { return layer->S; }
    int64_t P() const { return layer->P(); }
    int64_t Q() const { return layer->Q(); }
    int64_t stride() const { return layer->stride; }
    int64_t pad() const { return layer->padding; }
    int64_t Cg() const { return layer->C / layer->groups; }  // input channels per group
    int64_t Kg() const { return layer->K / layer->groups; }  // filters per group

    // Tiling (docs/architecture.md, "Loop order and tiling").
    int dim_m = 0, dim_c = 0, dim_f = 0;
    int64_t Pt = 0, n_ptiles = 0;      // output rows per input tile
    int64_t n_kgroups = 0;             // ceil(K / dim_m)
    uint32_t chunk_rows = 0;           // dim_c * rf_rows_per_line: rows of one pass
    uint32_t wt_rows = 0, n_wtiles = 0;  // filter rows per weight tile
    bool weights_resident = false;     // all weight tiles loaded once for the whole layer
    uint64_t in_rows_max = 0;          // input rows per channel slot
    uint64_t in_pitch = 0;             // bytes per channel slot (params.input_layout)
    uint64_t in_half = 0;              // input buffer bytes per half
    uint64_t w_slot = 0, w_slot_ce = 0;  // weight buffer bytes per filter per weight tile (Ce part)
    uint64_t idx_slot = 0;             // index buffer bytes per filter per weight tile
    uint64_t w_tile_bytes = 0, idx_tile_bytes = 0;  // dim_m slots
    uint64_t out_seg = 0;              // output bytes per channel per tile, padded to the burst
    uint64_t psum_bytes = 0;           // Pt * ceil(Q/dim_f) steps x dim_m x dim_f x 4
    // Partial sums are laid out step-major ([p][q chunk][m][lane]) so one step's dim_m x dim_f
    // results are contiguous and spread over all output banks.
    uint64_t psum_addr(int64_t p_local, int64_t q0, int m) const {
        const int64_t nq = (Q() + dim_f - 1) / dim_f;
        return static_cast<uint64_t>(((p_local * nq + q0 / dim_f) * dim_m + m) * dim_f) * 4;
    }

    // DRAM layout (bytes).
    uint64_t dram_in = 0, dram_ce = 0, dram_basis = 0, dram_bitmap = 0, dram_raw = 0, dram_out = 0, dram_end = 0;
    std::vector<uint64_t> ce_off;      // per filter: first byte of its Ce codes
    std::vector<uint32_t> nz_at;       // per filter, per weight-tile boundary: non-zero rows before it
    std::vector<uint32_t> block_first; // per weight tile: first basis block touched
    uint32_t blocks_per_tile = 0;      // most blocks a weight tile touches

    // Helpers.
    uint32_t wt_first(uint32_t wt) const { return wt * wt_rows; }
    uint32_t wt_end(uint32_t wt) const { return std::min<uint32_t>(rows_per_filter, (wt + 1) * wt_rows); }
    int64_t pt_first(int64_t pt) const { return pt * Pt; }
    int64_t pt_rows(int64_t pt) const { return std::min<int64_t>(Pt, P() - pt * Pt); }
    int64_t in_lo(int64_t pt) const;   // first input row a tile needs (clamped)
    int64_t in_hi(int64_t pt) const;   // one past the last
    uint64_t out_addr(int64_t n, int64_t pt, int64_t k) const {
        return dram_out + static_cast<uint64_t>((n * n_ptiles + pt) * K() + k) * out_seg;
    }
    // Input buffer offset (from the tile's half) of row h_local of channel c of the tile:
    // channel slots of in_pitch bytes, rows of W bytes inside a slot.
    uint64_t in_row_addr(int64_t c, int64_t h_local) const {
        return static_cast<uint64_t>(c) * in_pitch + static_cast<uint64_t>(h_local * W());
    }
    // Activation coordinates of weight j of row i: channel within the group and kernel (r, s).
    // Returns false for the zero padding of the last pointwise row.
    bool act_coord(uint32_t i, uint32_t j, int64_t& c, int64_t& r, int64_t& s) const {
        if (pointwise) {
            c = 3 * static_cast<int64_t>(i) + j;
            r = 0;
            s = 0;
            return c < Cg();
        }
        c = i / R();
        r = i % R();
        s = j;
        return true;
    }
};

// Bytes of an input-buffer channel slot that holds `row_bytes` (rows x W) of input rows:
// `row_bytes` itself (packed), or padded so that consecutive channels start in different banks
// of `buf` (skewed; se_layer.cpp explains the rule). SeParams::input_layout chooses.
uint64_t input_channel_pitch(uint64_t row_bytes, uint64_t W, const BufferConfig& buf, bool skewed);

// Plans the layer for the configured buffers; SimulationError naming the buffer if even the
// smallest tile does not fit.
SeLayer plan_se_layer(const Layer& layer, const ImageLayer& image, const ArchConfig& arch, const SeParams& params,
                      uint64_t burst_bytes);

// The DRAM image of the layer as the host lays it out (inputs, Ce codes, bases, bitmap, raw).
std::vector<uint8_t> se_dram_image(const SeLayer& L, const std::vector<int8_t>& activations);

}  // namespace sx::se
