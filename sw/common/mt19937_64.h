#pragma once
// MT19937-64 (Matsumoto & Nishimura; the parameters of std::mt19937_64, C++11 [rand.predef]):
// the same output sequence as std::mt19937_64 for the same seed, generated a block at a time.
//
// Why not std::mt19937_64: the synthetic weight and activation generators draw tens of millions
// of numbers per ResNet-50 run, and libstdc++ regenerates its state in a scalar loop and tempers
// each number on its own call. Here a refill regenerates the 312-word state with branch-free
// loops the compiler vectorises and tempers the whole block into `out_`, so a draw is a load.
// The sequence is the standard one (tests/sw/common/test_mt19937_64.cpp compares it with
// std::mt19937_64), so every synthetic value, trace and weight image is unchanged.
#include <cstddef>
#include <cstdint>

namespace sx {

class Mt19937_64 {
public:
    using result_type = uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return ~result_type{0}; }

    explicit Mt19937_64(uint64_t seed = 5489u) {
        mt_[0] = seed;
        for (std::size_t i = 1; i < kN; ++i)
            mt_[i] = 6364136223846793005ull * (mt_[i - 1] ^ (mt_[i - 1] >> 62)) + i;
        next_ = kN;   // the first draw regenerates the state, as std::mt19937_64 does
    }

    result_type operator()() {
        if (next_ == kN) refill();
        return out_[next_++];
    }

private:
    static constexpr std::size_t kN = 312, kM = 156;
    static constexpr uint64_t kMatrixA = 0xB5026F5AA96619E9ull;
    static constexpr uint64_t kUpper = ~uint64_t{0} << 31, kLower = ~kUpper;

    static uint64_t twist(uint64_t cur, uint64_t nxt, uint64_t far) {
        const uint64_t y = (cur & kUpper) | (nxt & kLower);
        return far ^ (y >> 1) ^ ((0 - (y & 1)) & kMatrixA);
    }

    void refill() {
        // The three loops of the reference generator; within each, every read is of a word not
        // yet rewritten in this pass (i + 1) or rewritten in an earlier loop (i + kM - kN), so
        // they vectorise.
        for (std::size_t i = 0; i < kN - kM; ++i) mt_[i] = twist(mt_[i], mt_[i + 1], mt_[i + kM]);
        for (std::size_t i = kN - kM; i < kN - 1; ++i) mt_[i] = twist(mt_[i], mt_[i + 1], mt_[i + kM - kN]);
        mt_[kN - 1] = twist(mt_[kN - 1], mt_[0], mt_[kM - 1]);
        for (std::size_t i = 0; i < kN; ++i) {
            uint64_t z = mt_[i];
            z ^= (z >> 29) & 0x5555555555555555ull;
            z ^= (z << 17) & 0x71D67FFFEDA60000ull;
            z ^= (z << 37) & 0xFFF7EEE000000000ull;
            z ^= z >> 43;
            out_[i] = z;
        }
        next_ = 0;
    }

    uint64_t mt_[kN];
    uint64_t out_[kN];
    std::size_t next_;
};

}  // namespace sx
