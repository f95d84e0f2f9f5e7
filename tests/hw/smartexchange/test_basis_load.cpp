// Basis-load timing: a basis record travels DRAM -> DMA -> weight buffer -> the register file
// of a rebuild engine, through the model's own pieces (the controller's basis_load command,
// hw/dram with the LPDDR4-3200 preset, hw/dma, the weight buffer of configs/smartexchange.json,
// the rebuild engines' load_basis). One TEST_CASE per elaboration.
//
// Hand derivation. LPDDR4-3200 at tCK = 0.625 ns (tests/hw/dram/test_dram.cpp): tRCD =
// ceil(18 / 0.625) = 29, RL = tCL = 17.5 / 0.625 = 28, tBURST = BL16 / 2 = 8, tCCD = 8 tCK;
// 64-byte bursts; mapping row:bank:column:channel, so consecutive bursts are consecutive
// columns of one row of one bank. Core clock 1 ns. DMA (smartexchange section): 64-byte
// transactions aligned to the burst, 8 outstanding; the DRAM answers END_REQ at once, so
// the DMA sends the bursts of a command back to back at cycle 0. Weight buffer: 4 banks of
// one 8-byte word per cycle.
//
// The layer (3x3, C = 8, K = 16, 8 x 8) lays out DRAM as: input 512 B at 0, Ce codes 16 x 36
// = 576 B at 512, bases at 1088 (= 17 x 64, burst-aligned), 10 bytes per filter. Its weight
// slot keeps the Ce codes in its first w_slot_ce = round_up(36 + 1, 8) = 40 bytes, so filter
// 0's basis lands at buffer bytes 40..49 = port words 5, 6 (banks 1 and 2).
#include <catch2/catch.hpp>

#include <cstring>

#include "hw/dma/dma.h"
#include "hw/dram/dram.h"
#include "hw/smartexchange/rebuild_engines.h"
#include "hw/smartexchange/se_controller.h"
#include "hw/smartexchange/se_layer.h"
#include "tests/hw/smartexchange/se_test_util.h"

using namespace sx;
using namespace sx::se;
using namespace sx::test;

namespace {

const BufferConfig& weight_buffer(const ArchConfig& arch) {
    for (const auto& b : arch.buffers)
        if (b.role == "weight") return b;
    FAIL("no weight buffer");
    throw;
}

// Submits the basis load of filter k at cycle 0, waits for the DMA, then loads the record
// into a rebuild engine.
struct BasisLoadBench : sc_core::sc_module {
    SC_HAS_PROCESS(BasisLoadBench);
    SimContext ctx;
    Dram dram;
    Dma dma;
    GlobalBuffer wb;
    DmaCommand cmd;
    uint64_t dma_done = 0, in_engine = 0;
    BasisBlock blk;

    BasisLoadBench(const ArchConfig& arch, const SeParams& prm, const SeLayer& L, int64_t k)
        : sc_module("bench"), dram("dram", load_dram_config(arch.dram.preset_path)),
          dma("dma", ctx, prm.dma_max_outstanding, static_cast<uint32_t>(prm.dma_transfer_bytes),
              dram.bytes_per_burst(), prm.fifo_depth * 8),
          wb(weight_buffer(arch), ctx) {
        dma.socket.bind(dram.socket);
        cmd = basis_load(L, k, 0, &wb, 0);
        SC_THREAD(run);
    }
    void run() {
        const uint64_t t = dma.submit(cmd);
        dma.wait_done(t);
        dma_done = ctx.now_cycles();
        BufferAccess a = load_basis(wb, cmd.buffer_addr, blk);
        in_engine = wb.wait(a);
    }
};

struct Expected {
    uint64_t dma_done, in_engine, dram_bytes, overfetch;
};

// Loads filter k's basis and checks its timing, its traffic and that the engine holds it.
void check_basis_load(int64_t k, const Expected& want) {
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json");
    const SeParams prm = parse_se_params(arch);
    const Layer l = conv_layer("basis", 8, 16, 8, 8, 3, 3, 1, 1);
    const ImageLayer img = decomposed_image(l, [](uint32_t, uint32_t) { return true; });
    const SeLayer L = plan_se_layer(l, img, arch, prm, 64);
    REQUIRE(L.dram_basis == 1088);
    REQUIRE(L.w_slot_ce == 40);
    BasisLoadBench b(arch, prm, L, k);
    REQUIRE(b.cmd.dram_addr == 1088 + 10 * static_cast<uint64_t>(k));
    REQUIRE(b.cmd.bytes == 10);
    REQUIRE(b.cmd.buffer_addr == 40);
    const std::vector<uint8_t> image = se_dram_image(L, std::vector<int8_t>(8 * 8 * 8, 1));
    b.dram.write_backdoor(0, image.data(), image.size());
    sc_core::sc_start();
    if (b.ctx.error) std::rethrow_exception(b.ctx.error);
    CHECK(b.dma_done == want.dma_done);
    CHECK(b.in_engine == want.in_engine);
    CHECK(b.dma.stats.read_bytes == want.dram_bytes);
    CHECK(b.dma.stats.overfetch_bytes == want.overfetch);
    const BasisBlock& blk = img.blocks[static_cast<std::size_t>(k) * img.blocks_per_filter];
    CHECK(std::memcmp(b.blk.basis, blk.basis, 9) == 0);
    CHECK(b.blk.rebuild_shift == blk.rebuild_shift);
}

}  // namespace

// Filter 0: bytes 1088..1097, inside the burst at 1088 (column 17 of row 0, bank 0, closed).
// ACT at DRAM cycle 0, RD at tRCD = 29, data ends 29 + 28 + 8 = 65 tCK = 40.625 ns: the DMA
// writes the 10 useful bytes into the buffer in core cycle 40 (two words on banks 1 and 2,
// one cycle) -> in the buffer at 41; the engine reads the same two words in one cycle -> in
// its register file at 42. One 64-byte burst read, 54 bytes dropped.
TEST_CASE("basis load: DRAM -> DMA -> weight buffer -> rebuild engine in 42 cycles") {
    check_basis_load(0, {41, 42, 64, 54});
}

// Filter 6: bytes 1148..1157 straddle the bursts at 1088 (4 bytes) and 1152 (6 bytes), one
// row: both requests go out at cycle 0, ACT at 0, RD at 29 and, tCCD later, at 37; data ends
// at 65 tCK (40.625 ns) and 37 + 28 + 8 = 73 tCK (45.625 ns). The second part is written in
// core cycle 45 (words 5, 6) -> in the buffer at 46, in the engine at 47: a record that
// straddles a burst costs tCCD = 8 tCK = 5 ns more.
TEST_CASE("basis load: a record straddling two bursts costs one tCCD more") {
    check_basis_load(6, {46, 47, 128, 118});
}
