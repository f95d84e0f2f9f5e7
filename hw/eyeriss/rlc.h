#pragma once
// Run-length coding of feature maps in DRAM, as on the Eyeriss chip: each pair is a 5-bit run
// of zeros followed by a 16-bit level, three pairs per 64-bit word (the top bit unused). Rows
// are coded independently and padded to a whole word, so a decoder can start at any row.
// A run longer than 31 is cut by a pair whose level is 0; padding pairs (0, 0) past the row
// end are dropped by the decoder, which knows the row length.
#include <cstdint>
#include <vector>

namespace sx {

// Appends the words of one row to `out` (little-endian 64-bit words).
void rlc_encode_row(const int16_t* values, int64_t count, std::vector<uint8_t>& out, int run_bits = 5);

// Streaming decoder of consecutive rows of `row_len` values.
class RlcDecoder {
public:
    RlcDecoder(int64_t row_len, int run_bits = 5) : row_len_(row_len), run_bits_(run_bits) {}
    // Decodes whole 64-bit words; values go to `out` (appended). Returns values produced.
    int64_t feed(const uint8_t* bytes, std::size_t n, std::vector<int16_t>& out);

private:
    int64_t row_len_;
    int run_bits_;
    int64_t pos_ = 0;  // values of the current row produced so far
};

}  // namespace sx
