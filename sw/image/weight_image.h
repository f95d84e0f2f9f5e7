#pragma once
// In-memory SmartExchange weight image: what the compressor writes and the accelerator model
// reads. The binary container (.sxw) is documented in docs/weight-image.md; this header is
// the contract between sw/ (compressor, image writer/reader) and hw/ (the SystemC model).
//
// Decomposed layers. A layer's weights are viewed per output filter k as a matrix of
// `rows_per_filter` rows x 3 columns:
//   - 3x3 conv: row (c, r) = kernel row W[k][c][r][0..2]; rows_per_filter = (C/groups) * 3.
//   - 1x1 conv and FC: the filter's L = C/groups weights zero-padded to a multiple of 3,
//     row i = W[k][3i..3i+2]; rows_per_filter = ceil(L / 3).
// Those rows are cut into `blocks_per_filter` consecutive blocks (at most 192 rows each, as
// even as possible); each block has a 3x3 int8 basis B. The weight row i of block b is
// rebuilt by shift-and-add from its Ce row (three 4-bit codes):
//   acc[j]   = sum_t  sign(code_t) * (B[t][j] << exp(code_t))          (integer, exact)
//   w[j]     = saturate_int8( round_shift_right(acc[j], block.rebuild_shift) )
// and the real-valued weight is w[j] * block.scale, where every block of a filter carries the
// filter's one scale (the PE array sums a filter's rebuilt int8 weights unscaled and the scale
// is applied per output channel; the reader rejects differing scales).  Ce code mapping (4 bits):
//   0 -> 0;  1..7 -> +2^(code-1);  9..15 -> -2^(code-9);  8 -> invalid.
// A Ce row whose three codes are all zero is a zero row: its bitmap bit is 0 and its codes
// are not stored. round_shift_right(x, s) = (x + (1 << (s-1))) >> s for s > 0 (arithmetic
// shift, ties toward +inf); x for s = 0.
//
// Raw layers (7x7, 11x11, depthwise, anything else): int8 weights in K x C/groups x R x S
// order with one scale per layer; they bypass the rebuild engines.
#include <cstdint>
#include <string>
#include <vector>

namespace sx {

enum class ImageLayerKind : uint8_t { Decomposed = 1, Raw = 2 };

struct BasisBlock {
    int8_t basis[3][3] = {};    // B[t][j]
    uint32_t first_row = 0;     // first Ce row of this block within its filter
    uint32_t rows = 0;          // number of Ce rows in the block
    uint8_t rebuild_shift = 0;  // the per-block exponent offset (see above)
    float scale = 1.0f;         // the filter's scale, the same in all its blocks: real weight = rebuilt int8 * scale
};

struct ImageLayer {
    std::string name;
    ImageLayerKind kind = ImageLayerKind::Raw;
    uint32_t K = 0, C = 0, R = 1, S = 1, groups = 1;  // C is the layer's input channels

    // Decomposed layers.
    uint32_t rows_per_filter = 0;
    uint32_t blocks_per_filter = 0;
    std::vector<BasisBlock> blocks;     // K * blocks_per_filter, filter-major
    std::vector<uint8_t> row_bitmap;    // bit (k * rows_per_filter + i), LSB first in each byte
    std::vector<uint8_t> ce_codes;      // 3 codes per non-zero row, in (k, i) order; two codes
                                        // per byte, low nibble first (a row may span bytes)
    // Raw layers.
    std::vector<int8_t> raw;            // K * C/groups * R * S
    float raw_scale = 1.0f;

    // Provenance for reports.
    bool synthetic = false;

    bool row_nonzero(uint32_t k, uint32_t row) const {
        const uint64_t bit = static_cast<uint64_t>(k) * rows_per_filter + row;
        return (row_bitmap[bit >> 3] >> (bit & 7)) & 1u;
    }
    uint64_t total_rows() const { return static_cast<uint64_t>(K) * rows_per_filter; }
    uint64_t nonzero_rows() const;
    uint8_t ce_code(uint64_t nonzero_row_index, int t) const;  // t in 0..2
    const BasisBlock& block_of(uint32_t k, uint32_t row) const;
};

struct WeightImage {
    uint32_t version = 1;
    std::string network;
    std::vector<ImageLayer> layers;
    const ImageLayer* find(const std::string& name) const;
};

// Ce code helpers (the mapping above).
bool ce_code_valid(uint8_t code);
int ce_code_sign(uint8_t code);       // -1, 0, +1
int ce_code_exponent(uint8_t code);   // 0..6 for non-zero codes
uint8_t ce_code_make(int sign, int exponent);

// Shift-and-add rebuild of one weight row, exactly as the rebuild engine does it.
void rebuild_row(const BasisBlock& block, const uint8_t codes[3], int8_t out[3]);

// Dense int8 weights of a layer in K x C/groups x R x S order (what the reference convolution
// uses), and the matching real-valued weights (int8 times the block or layer scale).
std::vector<int8_t> decode_int8(const ImageLayer& layer);
std::vector<float> decode_float(const ImageLayer& layer);

}  // namespace sx
