// SCNN accumulator bank mappings (hw/scnn/bank_mapping.h): the registry, each mapping's banks,
// their effect on scatter-crossbar conflicts, and a whole SCNN layer on the "skewed" mapping
// (bit-exact against the reference).
#include <catch2/catch.hpp>

#include <set>

#include "hw/scnn/bank_mapping.h"
#include "hw/scnn/scatter_crossbar.h"
#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/workload/workload.h"

using namespace sx;
using namespace sx::scnn;

TEST_CASE("bank mapping registry: names and unknown names") {
    CHECK(bank_mapping_names() == std::vector<std::string>{"interleaved", "skewed"});
    CHECK_THROWS_AS(make_bank_mapping("hashed", 32), std::invalid_argument);
    CHECK_THROWS_AS(make_bank_mapping("interleaved", 0), std::invalid_argument);
}

TEST_CASE("bank mappings: interleaved is addr mod banks, skewed rotates each line by one bank") {
    for (int banks : {1, 5, 32}) {
        INFO(banks);
        const auto il = make_bank_mapping("interleaved", banks);
        const auto sk = make_bank_mapping("skewed", banks);
        const auto B = static_cast<uint32_t>(banks);
        for (uint32_t line = 0; line < 40; ++line) {
            std::set<uint32_t> seen;
            for (uint32_t j = 0; j < B; ++j) {
                const uint32_t a = line * B + j;
                CHECK(il->bank(a) == a % B);
                // (a + a / B) mod B = (j + line) mod B: a permutation of the banks per line.
                CHECK(sk->bank(a) == (j + line) % B);
                seen.insert(sk->bank(a));
            }
            CHECK(seen.size() == B);
        }
    }
}

TEST_CASE("scatter crossbar: the skewed mapping spreads products a multiple of the bank count apart") {
    // 16 products at addresses 0, 32, ..., 480 on 32 banks: interleaved puts all in bank 0
    // (16 cycles); skewed puts address 32a in bank (32a + a) mod 32 = a: 16 banks, 1 cycle.
    ScatterCrossbar il(32, "interleaved"), sk(32, "skewed");
    il.begin();
    sk.begin();
    for (uint32_t a = 0; a < 16; ++a) {
        il.route(a * 32);
        sk.route(a * 32);
    }
    CHECK(il.end() == 16);
    CHECK(sk.end() == 1);
    // Consecutive addresses of one line: no conflict either way.
    il.begin();
    sk.begin();
    for (uint32_t a = 64; a < 96; ++a) {
        il.route(a);
        sk.route(a);
    }
    CHECK(il.end() == 1);
    CHECK(sk.end() == 1);
}

TEST_CASE("SCNN layer on the skewed bank mapping is bit-exact") {
    json layer = {{"name", "c"}, {"type", "conv"}, {"C", 4}, {"K", 16}, {"H", 16}, {"W", 16},
                  {"R", 3}, {"S", 3}, {"stride", 1}, {"padding", 1}, {"groups", 1}};
    json doc = {{"name", "micro"}, {"source", "test"}, {"batch", 1},
                {"input", {{"C", 4}, {"H", 16}, {"W", 16}}}, {"layers", json::array({layer})}};
    const Workload wl = parse_workload(doc, "micro.json");
    const ArchConfig arch = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/scnn.json",
                                             {{"/scnn/accumulator_bank_mapping", "skewed"}});
    RunOptions opt;
    opt.check = true;
    opt.seed = 5;
    const RunResult r = simulate(arch, wl, opt);
    REQUIRE(r.check_passed);
    CHECK(r.layers.at(0).macs_executed + r.layers.at(0).macs_skipped == r.layers.at(0).macs);
}
