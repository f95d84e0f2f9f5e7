// The typed design configuration (hw/sim/design_config.h, issue 12): each design's section is
// read once by its registered parser, a field nothing reads is an error at its JSON pointer,
// removed knobs are refused as "not supported", and each design checks /bits against the
// widths its storage holds.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "hw/eyeriss/eyeriss_params.h"
#include "hw/scnn/scnn_params.h"
#include "hw/sim/design_config.h"
#include "hw/smartexchange/se_params.h"
#include "sw/common/error.h"
#include "sw/config/arch_config.h"
#include "tests/test_scratch.h"

using namespace sx;

namespace {

ArchConfig configured(const std::string& name, const std::map<std::string, json>& overrides = {}) {
    ArchConfig a = load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/" + name, overrides);
    configure_design(a);
    return a;
}

// configure_design() on `name` with `overrides` must fail at `pointer`, named against the
// override that wrote it, with `words` in the message.
void expect_refused(const std::string& name, const std::map<std::string, json>& overrides, const std::string& pointer,
                    const std::string& words) {
    try {
        configured(name, overrides);
        FAIL("accepted: " << pointer);
    } catch (const InputError& e) {
        INFO(e.what());
        CHECK(e.file() == "--set");
        CHECK(e.field() == pointer);
        CHECK(std::string(e.what()).find(words) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("design config: every bundled configuration is read into its design's typed parameters") {
    CHECK(configured("smartexchange.json").design_params<se::SeParams>().bit_serial);
    CHECK(configured("eyeriss.json").design_params<eyeriss::EyerissParams>().rlc_pairs_per_word == 3);
    const ArchConfig sc = configured("scnn.json");
    CHECK(sc.design_params<scnn::ScnnParams>().accumulator_banks == 32);
    CHECK(sc.design_params<scnn::ScnnParams>().accumulator_bank_mapping == "interleaved");
    CHECK(configured("dcnn-opt.json").design_params<scnn::ScnnParams>().zero_gating);
    CHECK_FALSE(configured("dcnn.json").design_params<scnn::ScnnParams>().compressed_dram);
    // Asking for another design's type is a programming error, not bad input.
    CHECK_THROWS_AS(sc.design_params<se::SeParams>(), std::logic_error);
    // Read once: a configured ArchConfig is left as it is.
    ArchConfig again = sc;
    configure_design(again);
    CHECK(again.design_params<scnn::ScnnParams>().F == 4);
}

TEST_CASE("design config: removed knobs are refused as not supported") {
    expect_refused("smartexchange.json", {{"/smartexchange/rebuild_engines_per_line", 2}},
                   "/smartexchange/rebuild_engines_per_line", "not supported");
    expect_refused("eyeriss.json", {{"/bits/weight", 16}}, "/bits/weight", "not supported");
    expect_refused("smartexchange.json", {{"/bits/ce_code", 4}}, "/bits/ce_code", "not supported");
    expect_refused("scnn.json", {{"/bits/basis", 8}}, "/bits/basis", "not supported");
}

TEST_CASE("design config: a field that would have no effect is an error at its pointer") {
    // The fixed-latency stub's figures with the DRAM as memory.
    expect_refused("smartexchange.json", {{"/smartexchange/fixed_latency_cycles", 20}},
                   "/smartexchange/fixed_latency_cycles", "nothing reads");
    CHECK_NOTHROW(configured("smartexchange.json", {{"/smartexchange/memory", "fixed"},
                                                    {"/smartexchange/fixed_latency_cycles", 20}}));
    // SCNN-only and DCNN-only fields on the other design.
    expect_refused("dcnn.json", {{"/dense/accumulator_banks", 32}}, "/dense/accumulator_banks", "known fields");
    expect_refused("dcnn.json", {{"/dense/accumulator_bank_mapping", "skewed"}}, "/dense/accumulator_bank_mapping",
                   "known fields");
    expect_refused("dcnn.json", {{"/dense/crossbar_queue_entries", 2}}, "/dense/crossbar_queue_entries",
                   "known fields");
    expect_refused("scnn.json", {{"/scnn/zero_gating", true}}, "/scnn/zero_gating", "known fields");
    expect_refused("scnn.json", {{"/scnn/compressed_dram", true}}, "/scnn/compressed_dram", "known fields");
}

TEST_CASE("design config: each design checks the bit widths its storage holds") {
    expect_refused("smartexchange.json", {{"/bits/activation", 16}}, "/bits/activation", "int8 activations");
    expect_refused("smartexchange.json", {{"/bits/accumulator", 24}}, "/bits/accumulator", "int32 partial sums");
    expect_refused("eyeriss.json", {{"/bits/accumulator", 24}}, "/bits/accumulator", "16-bit");
    expect_refused("eyeriss.json", {{"/bits/activation", 8}}, "/bits/activation", "[9, 16]");
    CHECK_NOTHROW(configured("scnn.json", {{"/bits/activation", 8}, {"/bits/accumulator", 32}}));
}

TEST_CASE("design config: RLC pairs must fit a 64-bit word") {
    // 3 x (16 + 16) = 96 bits: used to shift by 64 in the encoder (undefined); now refused at
    // the field the override set. 2 x (16 + 16) = 64 fits.
    expect_refused("eyeriss.json", {{"/eyeriss/rlc_run_bits", 16}}, "/eyeriss/rlc_run_bits", "<= 64");
    const ArchConfig a = configured("eyeriss.json", {{"/eyeriss/rlc_run_bits", 16}, {"/eyeriss/rlc_pairs_per_word", 2}});
    CHECK(a.design_params<eyeriss::EyerissParams>().rlc_pairs_per_word == 2);
}

TEST_CASE("design config: the SCNN accumulator bank mapping is chosen by name") {
    CHECK(configured("scnn.json", {{"/scnn/accumulator_bank_mapping", "skewed"}})
              .design_params<scnn::ScnnParams>()
              .accumulator_bank_mapping == "skewed");
    expect_refused("scnn.json", {{"/scnn/accumulator_bank_mapping", "hashed"}}, "/scnn/accumulator_bank_mapping",
                   "interleaved");
}

TEST_CASE("design config: SCNN crossbar bank queues default to none (the unbuffered crossbar), at most 64") {
    CHECK(configured("scnn.json", {}).design_params<scnn::ScnnParams>().crossbar_queue_entries == 0);
    CHECK(configured("scnn.json", {{"/scnn/crossbar_queue_entries", 2}})
              .design_params<scnn::ScnnParams>()
              .crossbar_queue_entries == 2);
    expect_refused("scnn.json", {{"/scnn/crossbar_queue_entries", 65}}, "/scnn/crossbar_queue_entries", "64");
    expect_refused("scnn.json", {{"/scnn/crossbar_queue_entries", -1}}, "/scnn/crossbar_queue_entries", "0");
}

// A sweep over /smartexchange/memory = [fixed, dram] on a base file with memory "fixed" and
// its fixed_* figures: the dram points did not read them and failed. A field the file's own
// values read but this run's overrides make irrelevant is ignored with a note; a field the file
// alone leaves unread, or one an override wrote, is still an error.
TEST_CASE("design config: a file's field that the overrides make irrelevant is ignored with a note") {
    json doc = json::parse(std::ifstream(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json"));
    doc["technology"] = std::string(SX_SOURCE_DIR) + "/configs/tech/horowitz45.json";
    doc["dram"]["preset"] = std::string(SX_SOURCE_DIR) + "/configs/dram/lpddr4-3200.json";
    doc["smartexchange"]["memory"] = "fixed";
    doc["smartexchange"]["fixed_latency_cycles"] = 30;
    doc["smartexchange"]["fixed_bytes_per_cycle"] = 8;
    const std::string file = (std::filesystem::temp_directory_path() /
                              ("sx-design-config-" + std::to_string(::getpid()) + ".json")).string();
    sx::test::remove_after_test(file);
    std::ofstream(file) << doc.dump(2);
    auto load = [&](const std::map<std::string, json>& o) {
        ArchConfig a = load_arch_config(file, o);
        configure_design(a);
        return a;
    };

    const ArchConfig fixed = load({});
    CHECK(fixed.design_params<se::SeParams>().fixed_latency_cycles == 30);
    CHECK(fixed.notes.empty());

    const ArchConfig dram = load({{"/smartexchange/memory", "dram"}});
    CHECK(dram.design_params<se::SeParams>().memory == "dram");
    REQUIRE(dram.notes.size() == 2);
    CHECK(dram.notes[0] == file + ": /smartexchange/fixed_bytes_per_cycle is ignored: the smartexchange design reads "
                              "it with the file's own values, not with this run's --set or sweep values");
    CHECK(dram.notes[1].find("/smartexchange/fixed_latency_cycles is ignored") != std::string::npos);

    // An override that writes a fixed_* figure with the DRAM is still refused, at the override.
    try {
        load({{"/smartexchange/memory", "dram"}, {"/smartexchange/fixed_latency_cycles", 40}});
        FAIL("accepted an override nothing reads");
    } catch (const InputError& e) {
        CHECK(e.file() == "--set");
        CHECK(e.field() == "/smartexchange/fixed_latency_cycles");
    }
    // A file that sets them with the DRAM is refused whatever else is overridden.
    doc["smartexchange"]["memory"] = "dram";
    std::ofstream(file) << doc.dump(2);
    try {
        load({{"/clock_mhz", 500}});
        FAIL("accepted a field of the file that nothing reads");
    } catch (const InputError& e) {
        CHECK(e.file() == file);
        CHECK(e.field() == "/smartexchange/fixed_bytes_per_cycle");
    }
    std::filesystem::remove(file);
}
