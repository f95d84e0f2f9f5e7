#include "hw/eyeriss/rlc.h"

#include "hw/common/sx_assert.h"
#include "sw/common/error.h"

namespace sx::eyeriss {

namespace {
constexpr int kLevelBits = 16;
}  // namespace

void RlcEncoder::put(uint64_t run, uint16_t level) {
    const int pair_bits = run_bits_ + kLevelBits;
    // The word holds pairs_per_word pairs (parse_eyeriss_params checks the configuration).
    SX_ASSERT(pair_bits * pairs_per_word_ <= 64 && in_word_ < pairs_per_word_,
              "RLC: " + std::to_string(pairs_per_word_) + " pairs of " + std::to_string(pair_bits) +
                  " bits do not fit a 64-bit word");
    word_ |= (run | (uint64_t{level} << run_bits_)) << (pair_bits * in_word_);
    ++pairs_;
    if (++in_word_ == pairs_per_word_) {
        for (int b = 0; b < 8; ++b) out_.push_back(static_cast<uint8_t>(word_ >> (8 * b)));
        word_ = 0;
        in_word_ = 0;
    }
}

RlcPosition RlcEncoder::append(const int16_t* v, int64_t count) {
    const RlcPosition first{pairs_, run_};
    const int64_t max_run = (int64_t{1} << run_bits_) - 1;
    for (int64_t i = 0; i < count; ++i) {
        if (v[i] == 0 && run_ < max_run) {
            ++run_;
            continue;
        }
        put(static_cast<uint64_t>(run_), static_cast<uint16_t>(v[i]));  // a level (0 if the run is full)
        run_ = 0;
    }
    return first;
}

void RlcEncoder::flush() {
    if (run_ > 0) {  // trailing zeros: the last one becomes the level
        put(static_cast<uint64_t>(run_ - 1), 0);
        run_ = 0;
    }
    const int64_t pairs = pairs_;
    while (in_word_ != 0) put(0, 0);
    pairs_ = pairs;  // padding is not a pair of the stream
}

void rlc_encode_row(const int16_t* v, int64_t count, std::vector<uint8_t>& out, int run_bits, int pairs_per_word) {
    RlcEncoder e(out, run_bits, pairs_per_word);
    e.append(v, count);
    e.flush();
}

int64_t RlcDecoder::feed(const uint8_t* bytes, std::size_t n, std::vector<int16_t>& out) {
    if (n % 8) throw SimulationError("RLC decoder fed a partial 64-bit word");
    const int pair_bits = run_bits_ + kLevelBits;
    const uint64_t run_mask = (uint64_t{1} << run_bits_) - 1;
    int64_t produced = 0;
    for (std::size_t w = 0; w < n && left_ > 0; w += 8) {
        uint64_t word = 0;
        for (int b = 0; b < 8; ++b) word |= uint64_t{bytes[w + static_cast<std::size_t>(b)]} << (8 * b);
        for (int k = 0; k < pairs_per_word_ && left_ > 0; ++k) {
            if (skip_pairs_ > 0) {
                --skip_pairs_;
                continue;
            }
            const uint64_t pair = word >> (pair_bits * k);
            const int64_t run = static_cast<int64_t>(pair & run_mask);
            const auto level = static_cast<int16_t>((pair >> run_bits_) & 0xffff);
            for (int64_t z = 0; z <= run && left_ > 0; ++z) {
                if (skip_values_ > 0) {
                    --skip_values_;
                    continue;
                }
                out.push_back(z < run ? int16_t{0} : level);
                ++produced;
                --left_;
            }
        }
    }
    return produced;
}

}  // namespace sx::eyeriss
