// The SCNN family's per-layer DRAM layout (hw/scnn/dram_layout.h). User-found case (issue 17
// fixes): `sxsim run --arch configs/scnn.json --model models/alexnet.json --batch 128
// --first-layers 1` stopped with "scnn.dram: bad transaction: address range 0x8001a540+192
// beyond capacity 2147483648" (exit 1): outputs of image n were placed 16 MiB x (n + 1) above
// its inputs, so image 127's passed 2 GiB whatever the layer's size. Right: the batch runs.
#include <catch2/catch.hpp>

#include <algorithm>

#include "hw/scnn/dram_layout.h"
#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"

using namespace sx;
using namespace sx::scnn;

TEST_CASE("SCNN DRAM layout: AlexNet conv1 at batch 128 fits 2 GiB, rows and row offsets as before") {
    // AlexNet conv1 on configs/scnn.json: worst-case 386469 input and 732784 output bytes per
    // image (what the model computes for it); LPDDR4-3200, 1 channel: 64-byte bursts, a row of
    // 4 KiB x 8 banks = 32 KiB, 2 GiB. Weights: 100000 bytes (any size).
    DramLayoutSizes s;
    s.weight_bytes = 100000;
    s.in_bound = 386469;
    s.out_bound = 732784;
    s.images = 128;
    s.burst = 64;
    s.row_period = 32768;
    const ScnnDramLayout l(s);
    // act_base = 100000 rounded up to 64 = 100032. out_base = 100032 + 128 x 386469 + 64 =
    // 49568128 rounded up to 32768 = 1513 x 32768 = 49577984. end = out_base + 128 x 732784 +
    // 2 x 32768 x 127 + 32768 = 151730176 (145 MiB; the old layout needed > 128 x 16 MiB).
    CHECK(l.act_base() == 100032);
    CHECK(l.out_base() == 49577984);
    CHECK(l.end() == 151730176);
    CHECK(l.end() <= (uint64_t(2) << 30));

    // Every image at its worst case: inputs back to back from act_base, stores of out_bound.
    const uint64_t P = s.row_period, old_gap = 0x1000000;
    uint64_t act_end = l.act_base(), stored = 0, prev_last = 0;
    for (uint64_t n = 0; n < s.images; ++n) {
        act_end += s.in_bound;
        const uint64_t A = (act_end + 63) / 64 * 64;
        const uint64_t start = l.out_start(n, A, stored), last = start + s.out_bound - 1;
        INFO("image " << n);
        CHECK(start >= l.out_base());                  // above every input ...
        CHECK(l.out_base() >= act_end);
        CHECK(last < l.end());                         // ... and inside the planned end
        if (n > 0) CHECK(start / P > prev_last / P);   // rows of its own
        // Same offset within a row (bank, column) as the old A(n) + 16 MiB (n + 1) + stored.
        CHECK(start % P == (A + old_gap * (n + 1) + stored) % P);
        prev_last = last;
        stored += s.out_bound;
    }
}

TEST_CASE("SCNN DRAM layout: saturates instead of wrapping for an absurd batch") {
    DramLayoutSizes s;
    s.in_bound = s.out_bound = uint64_t(1) << 40;
    s.images = uint64_t(1) << 40;
    s.burst = 64;
    s.row_period = 32768;
    CHECK(ScnnDramLayout(s).end() >= (uint64_t(1) << 61));
}

// A small conv at batch 128: the old layout failed at image 127 however small the layer.
// (One simulate() per process: SystemC elaborates once.)
static void run_batch_128(const char* cfg) {
    json doc = {{"name", "micro"}, {"source", "test"}, {"batch", 128}, {"input", {{"C", 2}, {"H", 8}, {"W", 8}}},
                {"layers", json::array({{{"name", "c"}, {"type", "conv"}, {"C", 2}, {"K", 4}, {"H", 8}, {"W", 8},
                                         {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1}}})}};
    const Workload wl = parse_workload(doc, "micro.json");
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/" + cfg);
    RunOptions opt;
    opt.check = true;
    opt.seed = 3;
    const RunResult r = simulate(arch, wl, opt);
    CHECK(r.check_passed);
    CHECK(r.layers.at(0).cycles > 0);
}

TEST_CASE("SCNN runs a batch of 128 images bit-exactly (was: DRAM address beyond 2 GiB)") { run_batch_128("scnn.json"); }
TEST_CASE("DCNN runs a batch of 128 images bit-exactly (was: DRAM address beyond 2 GiB)") { run_batch_128("dcnn.json"); }
