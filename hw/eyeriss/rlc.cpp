#include "hw/eyeriss/rlc.h"

#include "sw/common/error.h"

namespace sx {

namespace {
constexpr int kLevelBits = 16;
constexpr int kPairs = 3;
}  // namespace

void rlc_encode_row(const int16_t* v, int64_t count, std::vector<uint8_t>& out, int run_bits) {
    const int64_t max_run = (int64_t{1} << run_bits) - 1;
    const int pair_bits = run_bits + kLevelBits;
    uint64_t word = 0;
    int in_word = 0;
    auto put = [&](uint64_t run, uint16_t level) {
        word |= (run | (uint64_t{level} << run_bits)) << (pair_bits * in_word);
        if (++in_word == kPairs) {
            for (int b = 0; b < 8; ++b) out.push_back(static_cast<uint8_t>(word >> (8 * b)));
            word = 0;
            in_word = 0;
        }
    };
    int64_t i = 0;
    while (i < count) {
        int64_t run = 0;
        while (i + run < count && v[i + run] == 0 && run < max_run) ++run;
        if (i + run == count) {  // trailing zeros: the last one becomes the level
            put(static_cast<uint64_t>(run - 1), 0);
            i += run;
        } else {
            put(static_cast<uint64_t>(run), static_cast<uint16_t>(v[i + run]));
            i += run + 1;
        }
    }
    while (in_word != 0) put(0, 0);  // pad the row to a whole word
}

int64_t RlcDecoder::feed(const uint8_t* bytes, std::size_t n, std::vector<int16_t>& out) {
    if (n % 8) throw SimulationError("RLC decoder fed a partial 64-bit word");
    const int pair_bits = run_bits_ + kLevelBits;
    const uint64_t run_mask = (uint64_t{1} << run_bits_) - 1;
    int64_t produced = 0;
    for (std::size_t w = 0; w < n; w += 8) {
        uint64_t word = 0;
        for (int b = 0; b < 8; ++b) word |= uint64_t{bytes[w + static_cast<std::size_t>(b)]} << (8 * b);
        bool row_done = false;
        for (int k = 0; k < kPairs && !row_done; ++k) {
            const uint64_t pair = word >> (pair_bits * k);
            const int64_t run = static_cast<int64_t>(pair & run_mask);
            const auto level = static_cast<int16_t>((pair >> run_bits_) & 0xffff);
            for (int64_t z = 0; z < run && pos_ < row_len_; ++z, ++pos_, ++produced) out.push_back(0);
            if (pos_ < row_len_) {
                out.push_back(level);
                ++pos_;
                ++produced;
            }
            if (pos_ == row_len_) row_done = true;  // rest of the word is padding
        }
        if (row_done) pos_ = 0;
    }
    return produced;
}

}  // namespace sx
