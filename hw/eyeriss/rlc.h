#pragma once
// Run-length coding of feature maps in DRAM, as on the Eyeriss chip: each pair is a 5-bit run
// of zeros followed by a 16-bit level, three pairs per 64-bit word (the top bit unused). The
// run width and the pairs per word are configurable (eyeriss.rlc_run_bits, rlc_pairs_per_word;
// pairs_per_word x (run_bits + 16) <= 64, checked by parse_eyeriss_params); pairs fill a word
// from its least significant bits, the rest of the word is unused.
// A plane (the rows of one channel of one image that are written together) is one stream of
// pairs over its values in row order (runs continue across row ends); only the stream's end is
// padded to a whole word. A row is located by the pair holding its first value and the number
// of that pair's values before it; a row range is read from the word holding that pair, and
// the decoder skips what precedes the range and stops after the values it expects (the rest
// of the last word belongs to the next rows or is padding). A run longer than 31 is cut by a
// pair whose level is 0.
#include <cstdint>
#include <vector>

namespace sx::eyeriss {

struct RlcPosition {
    int64_t pair = 0;    // stream pair holding the value
    int64_t offset = 0;  // values of that pair before it
};

// Codes values into one stream appended to `out` (little-endian 64-bit words; `out` must end
// on a word boundary when the stream starts).
class RlcEncoder {
public:
    RlcEncoder(std::vector<uint8_t>& out, int run_bits = 5, int pairs_per_word = 3)
        : out_(out), run_bits_(run_bits), pairs_per_word_(pairs_per_word) {}
    // Codes `count` values; returns the position of the first one.
    RlcPosition append(const int16_t* values, int64_t count);
    // Pairs up to and including the one holding the last value appended so far.
    int64_t end_pair() const { return pairs_ + (run_ > 0 ? 1 : 0); }
    void flush();  // close the trailing run and pad to a whole word

private:
    void put(uint64_t run, uint16_t level);
    std::vector<uint8_t>& out_;
    int run_bits_;
    int pairs_per_word_;
    uint64_t word_ = 0;
    int in_word_ = 0;
    int64_t pairs_ = 0;  // pairs emitted
    int64_t run_ = 0;    // zeros pending in the pair being built
};

// One row coded as its own stream.
void rlc_encode_row(const int16_t* values, int64_t count, std::vector<uint8_t>& out, int run_bits = 5,
                    int pairs_per_word = 3);

// Streaming decoder: skips `skip_pairs` pairs and then `skip_values` values, produces `values`
// values and ignores everything after them.
class RlcDecoder {
public:
    explicit RlcDecoder(int run_bits = 5, int64_t skip_pairs = 0, int64_t skip_values = 0, int64_t values = INT64_MAX,
                        int pairs_per_word = 3)
        : run_bits_(run_bits), pairs_per_word_(pairs_per_word), skip_pairs_(skip_pairs), skip_values_(skip_values),
          left_(values) {}
    // Decodes whole 64-bit words; values go to `out` (appended). Returns values produced.
    int64_t feed(const uint8_t* bytes, std::size_t n, std::vector<int16_t>& out);
    int64_t remaining() const { return left_; }

private:
    int run_bits_;
    int pairs_per_word_;
    int64_t skip_pairs_, skip_values_;
    int64_t left_;
};

}  // namespace sx::eyeriss
