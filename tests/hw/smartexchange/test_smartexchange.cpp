// Cycle-accuracy micro-tests of the SmartExchange model. Memory: fixed latency 20 cycles,
// 16 B/cycle; PE array 16 x 8 x 8 (configs/smartexchange.json); bit-parallel unless stated.
// Common arithmetic (docs/architecture.md, "Timing"):
//   - a pass holds dim_c x rf_rows = 8 x 8 = 64 filter rows; row i runs on line i % 8;
//   - a step = one output row x 8 output columns; a line's step time = sum over its non-zero
//     rows of the row's beats (row_len weights), a beat = 1 cycle bit-parallel, or
//     max(1, max over lanes of non-zero Booth digits) bit-serial; the step = slowest line;
//   - the next step's activation segments are read from the input buffer during the current
//     step (8 banks x 8 B); the step's 16 x 8 int32 partial sums (512 B) go to the output
//     buffer after it (16 banks x 8 B = 128 B/cycle -> 4 cycles).
#include <catch2/catch.hpp>

#include "tests/hw/smartexchange/se_test_util.h"
#include "sw/common/error.h"

using namespace sx;
using namespace sx::test;

namespace {

RunResult run(const ArchConfig& arch, const Layer& l, const ImageLayer& img, const std::vector<int8_t>& acts,
              const std::string& tag) {
    WeightImage wi;
    wi.layers = {img};
    const Workload wl = one_layer(l);
    RunOptions o;
    o.weights = &wi;
    o.weights_label = "hand-made";
    o.check = true;
    o.activations_dir = write_npy(temp_dir(tag), l.name, acts);
    RunResult r = simulate(arch, wl, o);
    std::filesystem::remove_all(o.activations_dir);
    REQUIRE(r.check_passed);
    REQUIRE(r.layers.size() == 1);
    return r;
}

const std::map<std::string, json> kWideOutput = {{"/buffers/output/banks", 16}};

}  // namespace

// 3x3 conv C=8 K=16 8x8 pad 1 -> P = Q = 8; 24 rows per filter, one pass; lines 0..7 hold rows
// {c, c+8, c+16}: 3 rows x 3 beats = 9 cycles per step, 8 steps (8 rows x 1 column chunk):
// compute = 72. Fetch of a step: rows (c, h) are 8-byte words at (c*8 + h)*8 -> bank h; three
// input rows -> 3 banks x 8 words = 8 cycles < 9, hidden except before the first step (8).
// Partial sums: 4 cycles < 9, never stall.
TEST_CASE("compute-bound 3x3 layer that fits on chip") {
    const Layer l = conv_layer("c3", 8, 16, 8, 8, 3, 3, 1, 1);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t) { return true; });
    const RunResult r = run(micro_arch(kWideOutput), l, img, std::vector<int8_t>(8 * 8 * 8, 1), "compute");
    const LayerResult& x = r.layers[0];
    CHECK(extra(x, "steps") == 8);
    CHECK(extra(x, "compute_cycles") == 72);
    CHECK(extra(x, "stall_input_fetch_cycles") == 8);
    CHECK(extra(x, "stall_psum_write_cycles") == 0);
    CHECK(extra(x, "tiles_input") == 1);
    CHECK(x.macs_executed == x.macs);
    // Latency also covers loading the tile and storing 16 x 64 outputs: strictly more than
    // the compute, and the PE array is the bottleneck once data is on chip.
    CHECK(x.cycles > 72 + 8 + 4);
}

// Same layer bit-serial. Activations are 1 (one Booth digit) except input (c=0, h=3, x=3) = 85
// = 0b01010101, four non-zero digits. Rows of channel 0 are rows 0..2 (lines 0..2), row r reads
// input row h = p - 1 + r, so the 85 is read at steps p = 4, 3, 2 (r = 0, 1, 2); in each of
// those rows every beat s has a lane (q = 4 - s) holding it: the row takes 3 x 4 = 12 cycles
// instead of 3, its line 12 + 3 + 3 = 18. Compute = 5 x 9 + 3 x 18 = 99.
TEST_CASE("Booth digit stall: one 4-digit activation holds its line") {
    const Layer l = conv_layer("booth", 8, 16, 8, 8, 3, 3, 1, 1);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t) { return true; });
    std::vector<int8_t> acts(8 * 8 * 8, 1);
    acts[(0 * 8 + 3) * 8 + 3] = 85;
    auto o = kWideOutput;
    o["/smartexchange/bit_serial"] = true;
    const RunResult r = run(micro_arch(o), l, img, acts, "booth");
    CHECK(extra(r.layers[0], "compute_cycles") == 99);
    CHECK(extra(r.layers[0], "stall_input_fetch_cycles") == 8);
}

// Every Ce row zero: the index decoder hands out nothing, the pass is skipped, no activation
// is read from the input buffer and no MAC runs; the outputs are all 0 (check passes).
TEST_CASE("all-zero Ce rows are skipped without reading activations") {
    const Layer l = conv_layer("zero", 8, 16, 8, 8, 3, 3, 1, 1);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t) { return false; });
    const RunResult r = run(micro_arch(kWideOutput), l, img, std::vector<int8_t>(8 * 8 * 8, 7), "zero");
    const LayerResult& x = r.layers[0];
    CHECK(extra(x, "passes_skipped") == 1);
    CHECK(extra(x, "act_rows_read") == 0);
    CHECK(x.buffer(BufferRole::Input).reads == 0);
    CHECK(x.macs_executed == 0);
    CHECK(x.macs_skipped == x.macs);
    CHECK(extra(x, "compute_cycles") == 0);
}

// Rows of channel 0 (rows 0..2) zero in every filter: per step the 3 segments of channel 0 are
// never fetched: 3 rows x 8 steps = 24 skipped row fetches; lines 0..2 then run 2 rows, the
// others 3, so the step is still 9 cycles.
TEST_CASE("zero rows of one channel skip its activation fetch") {
    const Layer l = conv_layer("zrow", 8, 16, 8, 8, 3, 3, 1, 1);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t row) { return row >= 3; });
    const RunResult r = run(micro_arch(kWideOutput), l, img, std::vector<int8_t>(8 * 8 * 8, 2), "zrow");
    CHECK(extra(r.layers[0], "act_rows_skipped") == 24);
    CHECK(extra(r.layers[0], "compute_cycles") == 72);
    CHECK(r.layers[0].macs_skipped == 16ull * 3 * 3 * 64);
}

// 1x1 conv C=576 K=16 on a 1x1 input (FC-like): 192 rows per filter = 3 passes of 64 rows, 8
// rows per line. Rebuild at 32 cycles per row: 8 x 32 = 256 cycles per pass, and the rebuild
// engines rebuild one pass at a time (the other RF bank is being computed on). The PE array
// needs 8 rows x 3 beats = 24 cycles per pass (one step, Q = 1): compute = 72. Passes 2 and 3
// each wait for their rebuild: at least 256 - 24 (compute) - 24 (fetch: 192 one-byte
// activation reads over 8 banks) - partial sums: 4 cycles after pass 1 (write only: 16 x 4 B
// at 32-byte spacing -> 4 banks x 4 words), 8 after pass 2 (read-modify-write) -> 204 + 200 =
// 404 cycles of waiting; the layer takes at least the three rebuilds, 768 cycles.
TEST_CASE("rebuild-bound 1x1 layer") {
    const Layer l = conv_layer("pw", 576, 16, 1, 1, 1, 1, 1, 0);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t) { return true; });
    auto o = kWideOutput;
    o["/smartexchange/rebuild_cycles_per_row"] = 32;
    const RunResult r = run(micro_arch(o), l, img, std::vector<int8_t>(576, 3), "pw");
    const LayerResult& x = r.layers[0];
    CHECK(extra(x, "passes") == 3);
    CHECK(extra(x, "compute_cycles") == 72);
    CHECK(extra(x, "rows_rebuilt") == 16 * 192);
    CHECK(extra(x, "stall_waiting_weights_cycles") == 404);
    CHECK(x.cycles >= 768);
}

// 1x1 conv C=64 K=16 16x16, memory at 1 B/cycle. Compute: 22 rows per filter (ceil(64/3)),
// lines 0..5 hold 3 rows -> 9 cycles per step, 16 rows x 2 column chunks = 32 steps = 288
// cycles. The input alone is 16384 bytes, so DRAM reads take >= 16384 cycles: the layer is
// bandwidth-bound and its latency at least the bytes read from DRAM.
TEST_CASE("bandwidth-bound layer") {
    const Layer l = conv_layer("bw", 64, 16, 16, 16, 1, 1, 1, 0);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t) { return true; });
    auto o = kWideOutput;
    o["/smartexchange/fixed_bytes_per_cycle"] = 1;
    const RunResult r = run(micro_arch(o), l, img, std::vector<int8_t>(64 * 256, 5), "bw");
    const LayerResult& x = r.layers[0];
    CHECK(extra(x, "compute_cycles") == 288);
    CHECK(x.dram_read_bytes >= 16384);
    CHECK(x.cycles >= x.dram_read_bytes + x.dram_write_bytes);
}

// Input buffer of 768 bytes (384 per half): C x rows x W = 8 x rows x 8 <= 384 -> 6 input
// rows -> Pt = 4 output rows (4 - 1 + 3 = 6): two input tiles. The steps and their cycles are
// the same as on chip (72), the outputs still bit-exact.
TEST_CASE("a too-small input buffer forces a second tile") {
    const Layer l = conv_layer("tile", 8, 16, 8, 8, 3, 3, 1, 1);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t) { return true; });
    auto o = kWideOutput;
    o["/buffers/input/capacity_kib"] = 0.75;
    const RunResult r = run(micro_arch(o), l, img, std::vector<int8_t>(8 * 8 * 8, 1), "tile");
    CHECK(extra(r.layers[0], "tiles_input") == 2);
    CHECK(extra(r.layers[0], "compute_cycles") == 72);
}

// The watchdog: a memory that answers after 10^7 cycles with a watchdog of 5000 cycles stops
// the run with a diagnostic naming who waits for what.
TEST_CASE("watchdog stops a stuck run with a diagnostic") {
    const Layer l = conv_layer("stuck", 8, 16, 8, 8, 3, 3, 1, 1);
    const auto img = decomposed_image(l, [](uint32_t, uint32_t) { return true; });
    const ArchConfig arch = micro_arch({{"/smartexchange/fixed_latency_cycles", 10000000}, {"/simulation/watchdog_cycles", 5000}});
    WeightImage wi;
    wi.layers = {img};
    const Workload wl = one_layer(l);
    RunOptions opt;
    opt.weights = &wi;
    try {
        simulate(arch, wl, opt);
        FAIL("no watchdog");
    } catch (const SimulationError& e) {
        const std::string m = e.what();
        CHECK(m.find("watchdog") != std::string::npos);
        INFO(m);
        CHECK(m.find("controller waits for DMA loads") != std::string::npos);
    }
}

// Depthwise 3x3 (raw weights through the bypass), grouped conv and a 7x7 stride-2 raw layer
// run bit-exactly on the default (DRAM) configuration.
TEST_CASE("raw, depthwise and grouped layers are bit-exact") {
    Workload wl;
    wl.name = "mixed";
    wl.in_C = 16;
    wl.in_H = 12;
    wl.in_W = 12;
    wl.layers = {conv_layer("dw", 16, 16, 12, 12, 3, 3, 1, 1, 16), conv_layer("g2", 16, 32, 12, 12, 3, 3, 2, 1, 2),
                 conv_layer("k7", 32, 16, 6, 6, 7, 7, 2, 3)};
    wl.layers[1].inputs = {"dw"};
    wl.layers[2].inputs = {"g2"};
    RunOptions o;
    o.check = true;
    const RunResult r = simulate(load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json"), wl, o);
    CHECK(r.check_passed);
    for (const auto& x : r.layers) CHECK(x.macs_executed + x.macs_skipped == x.macs);
}
