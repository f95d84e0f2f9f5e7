// sx::Mt19937_64 must give std::mt19937_64's sequence: every synthetic weight and activation
// (and so every trace of a synthetic run) is drawn from it.
#include <catch2/catch.hpp>

#include <random>

#include "sw/common/mt19937_64.h"

using namespace sx;

TEST_CASE("Mt19937_64 gives std::mt19937_64's sequence for the same seed", "[mt19937_64]") {
    // Seeds: the default, 0, all ones, and splitmix-like values as the generators use; 10 000
    // draws cross 32 state refills (312 words each), including the first.
    const uint64_t seeds[] = {5489u, 0u, ~uint64_t{0}, 1u, 0x9E3779B97F4A7C15ull, 0x756E737472756374ull};
    for (const uint64_t seed : seeds) {
        std::mt19937_64 ref(seed);
        Mt19937_64 g(seed);
        for (int i = 0; i < 10000; ++i) {
            const uint64_t a = ref(), b = g();
            if (a != b) FAIL("seed " << seed << ", draw " << i << ": " << b << " != " << a);
        }
    }
}

TEST_CASE("Mt19937_64 default seed: the 10000th draw is the standard's", "[mt19937_64]") {
    // C++11 [rand.predef]: the 10000th consecutive invocation of a default-constructed
    // mt19937_64 produces 9981545732273789042.
    Mt19937_64 g;
    uint64_t v = 0;
    for (int i = 0; i < 10000; ++i) v = g();
    CHECK(v == 9981545732273789042ull);
}
