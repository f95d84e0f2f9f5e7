#pragma once
// SCNN's compressed-sparse encoding (Parashar et al., ISCA 2017, Section IV): a stream of
// (value, zero-run) entries where the run counts the zeros before the value in a 4-bit field.
// A run longer than 15 is broken by a placeholder entry holding a zero value (run 15), so a
// stream of n values with long zero gaps has more entries than non-zeros. Weights are
// compressed per Kc x R x S block, activations per tile per input channel; both use this.
#include <cstdint>
#include <vector>

namespace sx::scnn {

constexpr int kRunBits = 4;
constexpr int kMaxRun = (1 << kRunBits) - 1;  // 15

struct SparseEntry {
    int32_t value = 0;     // 0 only for a placeholder
    uint8_t run = 0;       // zeros skipped before this entry (0..15)
};

struct SparseStream {
    std::vector<SparseEntry> entries;
    uint64_t dense_length = 0;     // number of positions encoded (zeros included)
    uint64_t placeholders() const;
    uint64_t nonzeros() const { return entries.size() - placeholders(); }
    // Storage size: each entry is value_bits + 4 run bits, packed; rounded up to whole bytes.
    uint64_t bytes(int value_bits) const { return (entries.size() * static_cast<uint64_t>(value_bits + kRunBits) + 7) / 8; }
};

// Encode `n` dense values read as v(i) for i in 0..n-1. Trailing zeros cost nothing: the
// decoder knows dense_length.
template <typename Get>
SparseStream encode_sparse(uint64_t n, Get v) {
    SparseStream s;
    s.dense_length = n;
    uint32_t run = 0;
    for (uint64_t i = 0; i < n; ++i) {
        const int32_t x = v(i);
        if (x == 0) {
            if (run == kMaxRun) {
                // The 16th zero in a row: store it as a placeholder (run 15) and restart.
                s.entries.push_back({0, static_cast<uint8_t>(kMaxRun)});
                run = 0;
            } else {
                ++run;
            }
            continue;
        }
        s.entries.push_back({x, static_cast<uint8_t>(run)});
        run = 0;
    }
    return s;
}
SparseStream encode_sparse(const std::vector<int32_t>& dense);

// Positions (indices into the dense vector) of the non-zero entries, placeholders skipped.
std::vector<uint64_t> sparse_positions(const SparseStream& s);
// Back to dense (used by tests and the functional path to check the round trip).
std::vector<int32_t> decode_sparse(const SparseStream& s);

// Byte packing as stored in DRAM / IARAM: per entry value_bits of two's-complement value
// then 4 run bits, LSB first, entries back to back. pack/unpack are exact inverses.
std::vector<uint8_t> pack_sparse(const SparseStream& s, int value_bits);
SparseStream unpack_sparse(const uint8_t* data, uint64_t entries, uint64_t dense_length, int value_bits);

// Uncompressed (dense) storage: value_bits of two's-complement per value, LSB first, back to
// back, (n x value_bits + 7) / 8 bytes. pack_raw/unpack_raw are exact inverses.
std::vector<uint8_t> pack_raw(const std::vector<int32_t>& dense, int value_bits);
std::vector<int32_t> unpack_raw(const uint8_t* data, uint64_t n, int value_bits);

// The stream a design stores for `dense`: compressed-sparse (pack_sparse) or raw (pack_raw).
// `entries` receives what the reader needs besides the dense length: the number of stored
// entries (placeholders included) or, raw, the number of values.
std::vector<uint8_t> pack_values(const std::vector<int32_t>& dense, bool compressed, int value_bits, uint64_t& entries);
// Inverse of pack_values: the `n` dense values.
std::vector<int32_t> unpack_values(const uint8_t* data, uint64_t entries, uint64_t n, bool compressed, int value_bits);

}  // namespace sx::scnn
