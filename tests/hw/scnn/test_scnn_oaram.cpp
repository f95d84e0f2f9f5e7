// SCNN's OARAM writes are timed once, by the PEs' post-processing units (ppu.h), and the DMA
// reads a group's bytes out of OARAM only after the slowest PPU has written its last word
// (hw/scnn/scnn_image.cpp, issue_store; docs/scnn.md "Post-processing unit and OARAM").
// Process level (sxsim as a child, as a sweep runs it): the comparison needs several runs,
// and the SystemC kernel allows one elaboration per process.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;

namespace {

const std::string kSource = SX_SOURCE_DIR;

nlohmann::json run_layer(const Scratch& s, int ppu_rate) {
    const std::string out = s.path("r" + std::to_string(ppu_rate));
    const std::vector<std::string> args = {
        "run", "--arch", kSource + "/configs/scnn.json", "--model", s.path("micro.json"), "--out", out, "--check",
        "--quiet", "--seed", "3", "--set", "/scnn/ppu_values_per_cycle=" + std::to_string(ppu_rate),
        // The DRAM on the core clock: no synchronizer rounding, so a store issued d cycles later
        // completes exactly d cycles later.
        "--set", "/dram/clock_mhz=1000"};
    const ProcessResult r = run_process(s, SXSIM_PATH, args);
    INFO(command_line(args) << "\n--- output ---\n" << r.output);
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.exit_code == 0);
    std::ifstream in(out + "/run.json");
    const nlohmann::json doc = nlohmann::json::parse(in);
    const nlohmann::json& l = doc.at("layers").at(0);
    REQUIRE(l.at("check") == "passed");
    return l;
}

}  // namespace

TEST_CASE("SCNN OARAM: the DMA store reads a group's bytes only after the PPU wrote its last word, timed once") {
    // C=1, K=8, 8x8 map, 1x1 filter: 64 PEs with a 1x1 tile each, Kc = 8, one group, no halo.
    // Each PE's PPU takes its 8 outputs (one per output channel, each its own stream: 20 bits
    // + 4 bits of byte padding for a non-zero, nothing for a zero) into a 64-bit word register:
    // - 1 value per cycle: cycles 0-7 take the values (at most 24 bits per cycle: never more
    //   than one full word waiting, so no port stall), the last word is written in cycle 8:
    //   9 cycles, whatever the data.
    // - 2 values per cycle: cycles 0-3 (at most 48 bits per cycle, no stall), last word in
    //   cycle 4: 5 cycles.
    // The store is issued when the slowest PPU's last word is in OARAM, so everything after it
    // (the DMA reading OARAM, the DRAM write) is the same in both runs: the layer ends exactly
    // 9 - 5 = 4 cycles later with the slower PPU.
    Scratch s("sx-scnn-oaram");
    write_file(s.path("micro.json"),
               R"({"name": "micro", "source": "test", "batch": 1, "input": {"C": 1, "H": 8, "W": 8},
                   "layers": [{"name": "c", "type": "conv", "C": 1, "K": 8, "H": 8, "W": 8, "R": 1, "S": 1,
                               "stride": 1, "padding": 0, "groups": 1}]})");
    const nlohmann::json a = run_layer(s, 1), b = run_layer(s, 2);
    CHECK(a.at("extra").at("output_channel_groups") == 1);
    CHECK(a.at("extra").at("halo_cycles") == 0);
    CHECK(a.at("extra").at("ppu_cycles") == 9);
    CHECK(b.at("extra").at("ppu_cycles") == 5);
    CHECK(a.at("extra").at("ppu_oaram_port_stall_cycles") == 0);
    CHECK(b.at("extra").at("ppu_oaram_port_stall_cycles") == 0);
    CHECK(a.at("cycles").get<uint64_t>() == b.at("cycles").get<uint64_t>() + 4);
    for (const nlohmann::json* l : {&a, &b}) {
        // OARAM writes = the words the PPUs' ports wrote: here one per PE with a non-zero
        // output (seed 3: at most 2 of a PE's 8 outputs are non-zero, 48 bits, one word),
        // holding exactly the bytes packed (at least one byte per word). The store reads them
        // as whole 64-byte bursts (8 words each). The writes are not posted to the buffer model
        // a second time, so the DMA's reads find no write in the banks: no conflict. (Before:
        // the store posted the group's bytes as a write and read them at once under round
        // robin: 1 conflict cycle, the layer 1 cycle longer.)
        const auto writes = (*l).at("output_buffer_writes").get<uint64_t>();
        const auto wbytes = (*l).at("output_buffer_write_bytes").get<uint64_t>();
        CHECK(writes >= 1);
        CHECK(writes <= 64);
        CHECK(wbytes >= writes);
        CHECK(wbytes <= writes * 8);
        CHECK((*l).at("output_buffer_read_bytes") == (wbytes + 63) / 64 * 64);
        CHECK((*l).at("output_buffer_reads") == (wbytes + 63) / 64 * 8);
        CHECK((*l).at("output_buffer_conflict_cycles") == 0);
    }
}
