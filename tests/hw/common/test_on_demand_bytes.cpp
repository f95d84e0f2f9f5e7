// OnDemandBytes (hw/common/on_demand_bytes.h): zero-filled, contiguous, host pages on first
// touch; refusals are HostReservationError naming the owner.
#include <sys/resource.h>

#include <catch2/catch.hpp>

#include <utility>

#include "hw/common/on_demand_bytes.h"

using namespace sx;

TEST_CASE("on-demand bytes: a terabyte reservation holds what is written and costs only touched pages") {
    const uint64_t n = uint64_t{1} << 40;
    OnDemandBytes m(n, "big");
    REQUIRE(m.size() == n);
    REQUIRE(m.data() != nullptr);
    CHECK(m.resident_bytes() == 0);
    for (uint64_t i = 0; i < 16; ++i) m.data()[i * (n / 16)] = static_cast<uint8_t>(i + 1);
    for (uint64_t i = 0; i < 16; ++i) CHECK(m.data()[i * (n / 16)] == i + 1);
    CHECK(m.data()[n - 1] == 0);  // never written: zero (the read maps at most one page)
    CHECK(m.resident_bytes() <= 17 * 4096);
}

TEST_CASE("on-demand bytes: empty, move and release") {
    OnDemandBytes e;
    CHECK(e.size() == 0);
    CHECK(e.data() == nullptr);
    CHECK(e.resident_bytes() == 0);
    OnDemandBytes z(0, "zero");
    CHECK(z.data() == nullptr);

    OnDemandBytes a(10000, "a");
    a.data()[9999] = 42;
    uint8_t* p = a.data();
    OnDemandBytes b(std::move(a));
    CHECK(a.data() == nullptr);
    CHECK(a.size() == 0);
    CHECK(b.data() == p);
    CHECK(b.data()[9999] == 42);
    OnDemandBytes c(5, "c");
    c = std::move(b);
    CHECK(c.size() == 10000);
    CHECK(c.data()[9999] == 42);
}

TEST_CASE("on-demand bytes: a reservation the host refuses names its owner") {
    // Larger than any x86-64 / AArch64 user address space (2^47..2^52 bytes).
    const uint64_t n = uint64_t{1} << 60;
    try {
        OnDemandBytes m(n, "buffer weight");
        FAIL("a 2^60-byte reservation succeeded");
    } catch (const HostReservationError& e) {
        CHECK(e.owner() == "buffer weight");
        CHECK(e.bytes() == n);
        CHECK_FALSE(e.reason().empty());
        CHECK(std::string(e.what()).find("buffer weight") != std::string::npos);
    }
}
