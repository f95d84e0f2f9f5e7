#include "sw/image/weight_image.h"

#include <algorithm>
#include <stdexcept>

namespace sx {

bool ce_code_valid(uint8_t code) { return code <= 15 && code != 8; }

int ce_code_sign(uint8_t code) {
    if (code == 0) return 0;
    if (code >= 1 && code <= 7) return +1;
    if (code >= 9 && code <= 15) return -1;
    throw std::invalid_argument("invalid Ce code " + std::to_string(code));
}

int ce_code_exponent(uint8_t code) {
    if (code >= 1 && code <= 7) return code - 1;
    if (code >= 9 && code <= 15) return code - 9;
    if (code == 0) return 0;
    throw std::invalid_argument("invalid Ce code " + std::to_string(code));
}

uint8_t ce_code_make(int sign, int exponent) {
    if (sign == 0) return 0;
    if (exponent < 0 || exponent > 6)
        throw std::invalid_argument("Ce exponent " + std::to_string(exponent) + " outside 0..6");
    return static_cast<uint8_t>(sign > 0 ? 1 + exponent : 9 + exponent);
}

namespace {

// sign * 2^exponent of each 4-bit Ce code (ce_code_sign x 2^ce_code_exponent); code 8 is
// invalid and marked 0 here, rebuild_row checks validity first.
struct CeFactors {
    int32_t v[16];
    CeFactors() {
        for (int c = 0; c < 16; ++c) v[c] = c == 0 ? 0 : c < 8 ? (1 << (c - 1)) : c == 8 ? 0 : -(1 << (c - 9));
    }
};
const CeFactors kCeFactors;

}  // namespace

void rebuild_row(const BasisBlock& block, const uint8_t codes[3], int8_t out[3]) {
    // The SmartExchange model rebuilds every weight row through here (and decode_int8 every
    // row of a layer): factors from a table and the rounding shift without a division, instead
    // of two out-of-line code decodes per term and a 64-bit division per weight (a tenth of a
    // SmartExchange ResNet-50 run). Same values: acc is the same integer sum, and the shift is
    // the same floor division (see below).
    int32_t f[3];
    for (int t = 0; t < 3; ++t) {
        if (codes[t] > 15 || codes[t] == 8) ce_code_sign(codes[t]);   // throws, as it always did
        f[t] = kCeFactors.v[codes[t]];
    }
    const int s = block.rebuild_shift;
    for (int j = 0; j < 3; ++j) {
        // Multiplication by the factor rather than `<<`: left-shifting a negative int is
        // undefined before C++20; the value is the same as the hardware's shift.
        int32_t acc = 0;
        for (int t = 0; t < 3; ++t) acc += f[t] * static_cast<int32_t>(block.basis[t][j]);
        int32_t v = acc;
        if (s > 0 && s <= 32) {
            // floor((acc + 2^(s-1)) / 2^s) without shifting a negative value: offset by 2^40
            // (a multiple of 2^s; |acc| < 2^31) so the shifted value is non-negative, then take
            // the offset's quotient 2^(40-s) back off.
            const uint64_t num = static_cast<uint64_t>(static_cast<int64_t>(acc) + (int64_t{1} << (s - 1)) + (int64_t{1} << 40));
            v = static_cast<int32_t>(static_cast<int64_t>(num >> s) - (int64_t{1} << (40 - s)));
        } else if (s > 32) {
            // Not reachable from an image file (the reader bounds the shift): the plain floor
            // division, as before.
            const int64_t num = static_cast<int64_t>(acc) + (int64_t{1} << (s - 1));
            const int64_t den = int64_t{1} << s;
            int64_t q = num / den;
            if ((num % den) != 0 && num < 0) --q;
            v = static_cast<int32_t>(q);
        }
        out[j] = static_cast<int8_t>(std::clamp<int32_t>(v, -128, 127));
    }
}

uint64_t ImageLayer::nonzero_rows() const {
    const uint64_t total = total_rows();
    uint64_t n = 0;
    const uint64_t full = total / 8;
    for (uint64_t i = 0; i < full && i < row_bitmap.size(); ++i) n += __builtin_popcount(row_bitmap[i]);
    for (uint64_t bit = full * 8; bit < total; ++bit)
        if ((bit >> 3) < row_bitmap.size() && ((row_bitmap[bit >> 3] >> (bit & 7)) & 1u)) ++n;
    return n;
}

uint8_t ImageLayer::ce_code(uint64_t nonzero_row_index, int t) const {
    const uint64_t nibble = nonzero_row_index * 3 + static_cast<uint64_t>(t);
    const uint8_t byte = ce_codes.at(nibble >> 1);
    return (nibble & 1) ? static_cast<uint8_t>(byte >> 4) : static_cast<uint8_t>(byte & 0x0F);
}

const BasisBlock& ImageLayer::block_of(uint32_t k, uint32_t row) const {
    const std::size_t first = static_cast<std::size_t>(k) * blocks_per_filter;
    if (blocks_per_filter == 0 || first + blocks_per_filter > blocks.size())
        throw std::out_of_range("block_of: filter " + std::to_string(k) + " has no blocks in layer " + name);
    // Blocks of a filter are consecutive and sorted by first_row: binary search.
    auto begin = blocks.begin() + static_cast<std::ptrdiff_t>(first);
    auto end = begin + blocks_per_filter;
    auto it = std::upper_bound(begin, end, row, [](uint32_t r, const BasisBlock& b) { return r < b.first_row; });
    if (it == begin) throw std::out_of_range("block_of: row before first block in layer " + name);
    --it;
    if (row >= it->first_row + it->rows)
        throw std::out_of_range("block_of: row " + std::to_string(row) + " not covered in layer " + name);
    return *it;
}

const ImageLayer* WeightImage::find(const std::string& name) const {
    for (const auto& l : layers)
        if (l.name == name) return &l;
    return nullptr;
}

namespace {

uint64_t filter_size(const ImageLayer& layer) {
    const uint32_t g = layer.groups ? layer.groups : 1;
    return static_cast<uint64_t>(layer.C / g) * layer.R * layer.S;
}

// Visits every rebuilt weight row of a decomposed layer: f(k, row, block, int8 values).
// Row i of filter k covers the filter's flat elements 3i..3i+2 (C/groups x R x S order): for
// 3x3 kernels that is kernel row (c, r); for 1x1/FC the zero padding falls past the end.
template <typename F>
void for_each_rebuilt_row(const ImageLayer& layer, F&& f) {
    uint64_t nz = 0;
    for (uint32_t k = 0; k < layer.K; ++k) {
        for (uint32_t b = 0; b < layer.blocks_per_filter; ++b) {
            const BasisBlock& blk = layer.blocks.at(static_cast<std::size_t>(k) * layer.blocks_per_filter + b);
            for (uint32_t i = blk.first_row; i < blk.first_row + blk.rows; ++i) {
                int8_t out[3] = {0, 0, 0};
                if (layer.row_nonzero(k, i)) {
                    uint8_t codes[3];
                    for (int t = 0; t < 3; ++t) codes[t] = layer.ce_code(nz, t);
                    ++nz;
                    rebuild_row(blk, codes, out);
                }
                f(k, i, blk, out);
            }
        }
    }
}

}  // namespace

std::vector<int8_t> decode_int8(const ImageLayer& layer) {
    const uint64_t fs = filter_size(layer);
    if (layer.kind == ImageLayerKind::Raw) {
        if (layer.raw.size() != fs * layer.K)
            throw std::length_error("decode_int8: raw layer " + layer.name + " has wrong size");
        return layer.raw;
    }
    std::vector<int8_t> w(fs * layer.K, 0);
    for_each_rebuilt_row(layer, [&](uint32_t k, uint32_t i, const BasisBlock&, const int8_t* v) {
        for (int j = 0; j < 3; ++j) {
            const uint64_t e = 3ull * i + j;
            if (e < fs) w[k * fs + e] = v[j];
        }
    });
    return w;
}

std::vector<float> decode_float(const ImageLayer& layer) {
    const uint64_t fs = filter_size(layer);
    if (layer.kind == ImageLayerKind::Raw) {
        std::vector<float> w(layer.raw.size());
        for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(layer.raw[i]) * layer.raw_scale;
        return w;
    }
    std::vector<float> w(fs * layer.K, 0.0f);
    for_each_rebuilt_row(layer, [&](uint32_t k, uint32_t i, const BasisBlock& blk, const int8_t* v) {
        for (int j = 0; j < 3; ++j) {
            const uint64_t e = 3ull * i + j;
            if (e < fs) w[k * fs + e] = static_cast<float>(v[j]) * blk.scale;
        }
    });
    return w;
}

}  // namespace sx
