// Trace writer: stable CSV column set (golden list), deterministic CSV/JSON, atomic writes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "sw/common/error.h"
#include "sw/trace/trace_writer.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {
RunResult sample_run() {
    RunResult run;
    run.arch_name = "smartexchange";
    run.arch_file = "configs/smartexchange.json";
    run.workload_name = "tiny";
    run.workload_file = "models/tiny.json";
    run.dataflow = "smartexchange";
    run.clock_mhz = 1000;
    run.weights = "synthetic (seed 7)";
    run.seed = 7;
    run.workload_source = "unspecified (no source field in models/tiny.json)";
    run.workload_warnings = {"models/tiny.json: /source: no source for the shapes; recorded as unspecified"};
    run.check_enabled = true;
    run.check_passed = false;
    LayerResult conv;
    conv.layer.name = "conv,1";  // a comma forces CSV quoting
    conv.layer.C = 3;
    conv.layer.K = 4;
    conv.layer.H = conv.layer.W = 8;
    conv.layer.R = conv.layer.S = 3;
    conv.layer.padding = 1;
    conv.simulated = true;
    conv.macs = 6912;  // 4*8*8*3*9
    conv.macs_executed = 6000;
    conv.macs_skipped = 912;
    conv.cycles = 300;
    conv.latency_us = 0.3;
    conv.pe_utilization = 1.0 / 3.0;
    conv.buffer(BufferRole::Input).reads = 5;
    conv.energy(EnergyComponent::Dram) = 100.5;
    conv.energy(EnergyComponent::PeArray) = 1.0 / 7.0;
    conv.extra["rebuilds"] = 12;
    conv.check = CheckStatus::Failed;
    conv.mismatch = {17, 5, 7, 3, 256, 256};  // 4x8x8 = 256 outputs
    LayerResult pool;
    pool.layer.name = "pool";
    pool.layer.type = LayerType::MaxPool;
    pool.layer.C = pool.layer.K = 4;
    pool.layer.H = pool.layer.W = 8;
    pool.layer.R = pool.layer.S = 2;
    pool.layer.stride = 2;
    run.layers = {conv, pool};
    // Two blocks, hand-chosen: total 0.25 + 0.125 = 0.375 mm^2, 1.5 + 0.5 = 2 mW.
    run.area.design = "smartexchange";
    run.area.tech = "round";
    run.area.node_nm = 28;
    run.area.pe_pitch_mm = 0.05;
    run.area.blocks = {{"pe_array/multipliers", AreaClass::Arithmetic, 1024, 0.25, 1.5, "1024 x mult_8b"},
                       {"glb/input", AreaClass::Sram, 1, 0.125, 0.5, "sram 64 KiB, 4 banks, \"quoted\""}};
    return run;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("CSV column set is stable") {
    // Golden list: changing it breaks every notebook that reads traces; update docs/formats.md too.
    const std::vector<std::string> golden = {
        "layer", "type", "simulated", "check", "N", "C", "K", "H", "W", "R", "S", "stride", "padding", "groups", "P", "Q",
        "macs", "macs_executed", "macs_skipped", "cycles", "clock_mhz", "area_mm2", "static_power_mw", "latency_us", "pe_utilization", "active_pes",
        "dram_read_bytes", "dram_write_bytes", "dram_row_hits", "dram_row_misses",
        "input_buffer_reads", "input_buffer_writes", "input_buffer_read_bytes", "input_buffer_write_bytes", "input_buffer_conflict_cycles",
        "output_buffer_reads", "output_buffer_writes", "output_buffer_read_bytes", "output_buffer_write_bytes", "output_buffer_conflict_cycles",
        "weight_buffer_reads", "weight_buffer_writes", "weight_buffer_read_bytes", "weight_buffer_write_bytes", "weight_buffer_conflict_cycles",
        "index_buffer_reads", "index_buffer_writes", "index_buffer_read_bytes", "index_buffer_write_bytes", "index_buffer_conflict_cycles",
        "rf_accesses",
        "activation_density", "booth_digits_0", "booth_digits_1", "booth_digits_2", "booth_digits_3",
        "booth_digits_4", "ce_rows_skipped",
        "energy_dram_pj", "energy_input_buffer_pj", "energy_output_buffer_pj", "energy_weight_buffer_pj",
        "energy_index_buffer_pj", "energy_register_file_pj", "energy_fifo_pj", "energy_noc_pj", "energy_rebuild_pj",
        "energy_index_decoder_pj", "energy_pe_array_pj", "energy_leakage_pj", "energy_total_pj"};
    CHECK(csv_columns() == golden);
    CHECK(csv_header().rfind("layer,type,simulated,check,N,", 0) == 0);
}

TEST_CASE("CSV rows: one per layer, fixed formatting, quoting") {
    const RunResult run = sample_run();
    const std::string csv = to_csv(run);
    std::istringstream in(csv);
    std::string header, row1, row2, more;
    std::getline(in, header);
    std::getline(in, row1);
    std::getline(in, row2);
    CHECK_FALSE(std::getline(in, more));  // no TOTAL row
    CHECK(row1.rfind("\"conv,1\",conv,true,failed,1,3,4,8,8,3,3,1,1,1,8,8,6912,6000,912,300,1000,0.375,2,0.3,0.333333333,0,", 0) == 0);
    CHECK(row2.rfind("pool,maxpool,false,off,1,4,4,8,8,2,2,2,0,1,4,4,0,", 0) == 0);
    // The configuration's area and static power on every row, simulated or not.
    CHECK(row2.find(",1000,0.375,2,") != std::string::npos);
    // energy_total = 100.5 + 1/7, printed with 9 significant digits.
    const std::string tail = ",100.642857";
    REQUIRE(row1.size() > tail.size());
    CHECK(row1.substr(row1.size() - tail.size()) == tail);
}

TEST_CASE("JSON trace: provenance, every CSV field, extras and totals") {
    const RunResult run = sample_run();
    const json j = to_json(run);
    CHECK(j["format_version"] == 4);
    CHECK(j["arch"]["dataflow"] == "smartexchange");
    CHECK(j["workload"]["batch"] == 1);
    CHECK(j["weights"] == "synthetic (seed 7)");
    CHECK(j["workload"]["source"] == "unspecified (no source field in models/tiny.json)");
    CHECK(j["workload"]["warnings"] == json::array({"models/tiny.json: /source: no source for the shapes; recorded as unspecified"}));
    // A failed check: the status, the failed layer and its first mismatch are all recorded.
    CHECK(j["check"]["enabled"] == true);
    CHECK(j["check"]["passed"] == false);
    CHECK(j["check"]["failed_layers"] == json::array({"conv,1"}));
    CHECK(j["layers"][0]["check"] == "failed");
    CHECK(j["layers"][0]["check_mismatch"] ==
          json({{"first_index", 17}, {"value", 5}, {"reference", 7}, {"count", 3}, {"outputs", 256}, {"reference_outputs", 256}}));
    CHECK(j["layers"][1]["check"] == "off");
    CHECK_FALSE(j["layers"][1].contains("check_mismatch"));
    REQUIRE(j["layers"].size() == 2);
    for (const auto& c : csv_columns()) CHECK(j["layers"][0].contains(c));
    CHECK(j["layers"][0]["extra"]["rebuilds"] == 12.0);
    CHECK(j["layers"][0]["pe_utilization"].get<double>() == 0.333333333);
    CHECK(j["totals"]["cycles"] == 300);
    CHECK(j["totals"]["macs"] == 6912);
    CHECK(j["totals"]["energy_dram_pj"] == 100.5);
    CHECK(j["totals"]["energy_total_pj"].get<double>() == 100.642857);
}

TEST_CASE("JSON trace: the area object sums its blocks") {
    const json a = to_json(sample_run())["area"];
    CHECK(a["design"] == "smartexchange");
    CHECK(a["tech"] == "round");
    CHECK(a["node_nm"] == 28);
    CHECK(a["total_mm2"].get<double>() == 0.375);
    CHECK(a["static_power_mw"].get<double>() == 2.0);
    CHECK(a["pe_pitch_mm"].get<double>() == 0.05);
    // Every class present (zeros included) so readers need no key checks.
    CHECK(a["class_mm2"].size() == static_cast<std::size_t>(AreaClass::kCount));
    CHECK(a["class_mm2"]["arithmetic"].get<double>() == 0.25);
    CHECK(a["class_mm2"]["sram"].get<double>() == 0.125);
    CHECK(a["class_mm2"]["control"].get<double>() == 0.0);
    REQUIRE(a["blocks"].size() == 2);
    CHECK(a["blocks"][0] == json({{"block", "pe_array/multipliers"}, {"class", "arithmetic"}, {"count", 1024},
                                  {"area_mm2", 0.25}, {"leakage_mw", 1.5}, {"basis", "1024 x mult_8b"}}));
    CHECK(to_json(sample_run())["units"]["area"] == "mm^2 (fields ending in _mm2)");
}

TEST_CASE("area.csv: one row per block, units in the header") {
    CHECK(area_csv_columns() == std::vector<std::string>{"block", "class", "count", "area_mm2", "leakage_mw", "basis"});
    CHECK(area_csv(sample_run()) ==
          "block,class,count,area_mm2,leakage_mw,basis\n"
          "pe_array/multipliers,arithmetic,1024,0.25,1.5,1024 x mult_8b\n"
          "glb/input,sram,1,0.125,0.5,\"sram 64 KiB, 4 banks, \"\"quoted\"\"\"\n");
    RunResult empty;
    CHECK(area_csv(empty) == "block,class,count,area_mm2,leakage_mw,basis\n");
}

TEST_CASE("Traces are written atomically and byte-identically") {
    const fs::path dir = fs::temp_directory_path() / ("sx_test_trace_" + std::to_string(::getpid())) / "a" / "b";
    sx::test::remove_after_test(dir.parent_path().parent_path());
    const RunResult run = sample_run();
    write_traces(run, dir.string());
    const std::string csv1 = slurp(dir / "layers.csv"), json1 = slurp(dir / "run.json");
    const std::string area1 = slurp(dir / "area.csv");
    write_traces(run, dir.string());
    CHECK(slurp(dir / "layers.csv") == csv1);
    CHECK(slurp(dir / "run.json") == json1);
    CHECK(slurp(dir / "area.csv") == area1);
    CHECK(csv1 == to_csv(run));
    CHECK(area1 == area_csv(run));
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir)) { (void)e; ++files; }
    CHECK(files == 3);  // layers.csv, area.csv, run.json: no temporaries left behind
    fs::remove_all(dir.parent_path().parent_path());
}

TEST_CASE("An unwritable trace directory is an InputError") {
    // A regular file where the directory should be.
    const fs::path file = fs::temp_directory_path() / ("sx_test_trace_file_" + std::to_string(::getpid()));
    sx::test::remove_after_test(file);
    std::ofstream(file) << "x";
    CHECK_THROWS_AS(write_traces(sample_run(), (file / "sub").string()), InputError);
    CHECK_THROWS_AS(write_file_atomically((file / "x.csv").string(), "a"), InputError);
    fs::remove(file);
}

TEST_CASE("Roles and components round-trip their names") {
    for (int i = 0; i < static_cast<int>(BufferRole::kCount); ++i)
        CHECK(buffer_role_from_string(to_string(static_cast<BufferRole>(i))) == static_cast<BufferRole>(i));
    CHECK_THROWS_AS(buffer_role_from_string("psum"), std::invalid_argument);
}
