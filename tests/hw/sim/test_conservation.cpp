// hw/sim/conservation.h: the checks simulate() runs on every layer. That real runs of every
// dataflow satisfy them is covered end to end by tests/cli/determinism (sxsim exits 0).
#include <catch2/catch.hpp>

#include "hw/sim/conservation.h"
#include "sw/common/error.h"

using namespace sx;

namespace {

// A layer of 1000 MACs of which 600 ran and 400 were skipped; 4096 bytes read from DRAM in
// 64-byte bursts: 4000 requested bytes reached the buffers, 96 were alignment over-fetch.
LayerResult balanced_result() {
    LayerResult r;
    r.layer.name = "conv1";
    r.macs = 1000;
    r.macs_executed = 600;
    r.macs_skipped = 400;
    return r;
}
LayerConservation balanced_bytes() {
    LayerConservation c;
    c.dram_read_bytes = 4096;
    c.buffer_bytes_in = 4000;
    c.overfetch_bytes = 96;
    return c;
}

}  // namespace

TEST_CASE("balanced MAC and byte counts pass") {
    CHECK_NOTHROW(check_conservation(balanced_result(), balanced_bytes()));
    LayerResult dense = balanced_result();
    dense.macs_executed = 1000;
    dense.macs_skipped = 0;
    CHECK_NOTHROW(check_conservation(dense, LayerConservation{}));
}

TEST_CASE("a MAC lost or counted twice is a CheckError naming the layer") {
    LayerResult lost = balanced_result();
    lost.macs_skipped = 399;
    CHECK_THROWS_AS(check_conservation(lost, balanced_bytes()), CheckError);
    CHECK_THROWS_WITH(check_conservation(lost, balanced_bytes()),
                      Catch::Contains("conv1") && Catch::Contains("executed 600 + skipped 399 != 1000"));
    LayerResult twice = balanced_result();
    twice.macs_executed = 601;
    CHECK_THROWS_AS(check_conservation(twice, balanced_bytes()), CheckError);
}

TEST_CASE("DRAM bytes that no buffer received, or buffer bytes from nowhere, are a CheckError") {
    LayerConservation missing = balanced_bytes();
    missing.buffer_bytes_in = 3999;  // one byte read from DRAM went nowhere
    CHECK_THROWS_AS(check_conservation(balanced_result(), missing), CheckError);
    CHECK_THROWS_WITH(check_conservation(balanced_result(), missing),
                      Catch::Contains("conv1") && Catch::Contains("DRAM read 4096 bytes, buffers received 3999 + 96"));
    LayerConservation invented = balanced_bytes();
    invented.overfetch_bytes = 97;
    CHECK_THROWS_AS(check_conservation(balanced_result(), invented), CheckError);
}
