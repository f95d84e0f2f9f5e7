#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "sw/workflow/compare.h"
#include "sw/workflow/csv_table.h"
#include "sw/workflow/report.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {
// Two designs, two compute layers and a pooling layer (not simulated).
//   A: L1 100 us, 1000 pJ (dram 600, pe 400), 300 B; L2 50 us, 500 pJ (200, 300), 100 B
//   B: L1  50 us, 1500 pJ (900, 600),         600 B; L2 50 us, 250 pJ (50, 200),  100 B
CompareResult sample() {
    RecordTable layers;
    auto row = [&](const char* id, const char* layer, const char* sim, double lat, double e_dram, double e_pe,
                   double rd, double wr) {
        layers.add({{"point_id", id}, {"layer", layer}, {"type", "conv"}, {"simulated", sim},
                    {"cycles", std::to_string(lat * 1000)}, {"latency_us", std::to_string(lat)},
                    {"dram_read_bytes", std::to_string(rd)}, {"dram_write_bytes", std::to_string(wr)},
                    {"energy_dram_pj", std::to_string(e_dram)}, {"energy_pe_array_pj", std::to_string(e_pe)},
                    {"energy_total_pj", std::to_string(e_dram + e_pe)},
                    // The chip: A 4 mm^2 and 2 mW, B 5 mm^2 and 1 mW, on every row.
                    {"area_mm2", id[1] == 'a' ? "4" : "5"}, {"static_power_mw", id[1] == 'a' ? "2" : "1"}});
    };
    row("pa", "L1", "1", 100, 600, 400, 200, 100);
    row("pa", "pool", "0", 0, 0, 0, 0, 0);
    row("pa", "L2", "1", 50, 200, 300, 50, 50);
    row("pb", "L1", "1", 50, 900, 600, 500, 100);
    row("pb", "L2", "1", 50, 50, 200, 50, 50);
    CompareResult r;
    r.model = "net";
    r.reference = "A";
    r.normalization = "none";
    r.designs.resize(2);
    r.designs[0].name = "A", r.designs[0].point_id = "pa";
    r.designs[1].name = "B", r.designs[1].point_id = "pb";
    fill_compare_figures(r, layers);
    return r;
}
}  // namespace

TEST_CASE("compare totals, EDP and ratios against the reference") {
    const CompareResult r = sample();
    CHECK(r.components == std::vector<std::string>{"dram", "pe_array"});
    CHECK(r.layer_order == std::vector<std::string>{"L1", "L2"});  // pooling skipped
    const CompareDesign& a = r.designs[0];
    const CompareDesign& b = r.designs[1];
    CHECK(a.total.latency_us == 150);
    CHECK(a.total.energy_pj == 1500);
    CHECK(a.total.edp_pj_us() == 225000);  // 1500 pJ x 150 us
    CHECK(a.total.dram_bytes == 400);
    CHECK(a.total.energy_by_component == std::vector<double>{800, 700});
    CHECK(b.total.latency_us == 100);
    CHECK(b.total.energy_pj == 1750);
    CHECK(*r.ratio(b.total.latency_us, a.total.latency_us) == Approx(100.0 / 150));
    CHECK(*r.ratio(b.total.edp_pj_us(), a.total.edp_pj_us()) == Approx(175000.0 / 225000));
    CHECK_FALSE(r.ratio(1, 0).has_value());

    const CsvData csv = parse_csv(compare_csv(r));
    REQUIRE(csv.rows.size() == 6);  // 2 designs x (2 layers + total)
    // Row 4 = B L1: latency ratio 50/100, energy ratio 1500/1000, DRAM 600/300.
    auto col = [&](const std::string& c) {
        return static_cast<std::size_t>(std::find(csv.header.begin(), csv.header.end(), c) - csv.header.begin());
    };
    CHECK(csv.rows[3][col("layer")] == "L1");
    CHECK(csv.rows[3][col("latency_ratio")] == "0.5");
    CHECK(csv.rows[3][col("energy_ratio")] == "1.5");
    CHECK(csv.rows[3][col("dram_ratio")] == "2");
    CHECK(csv.rows[5][col("layer")] == "total");
    CHECK(csv.rows[5][col("energy_total_pj")] == "1750");

    // Area and static power: the chip's, not summed over layers; ratios like the others.
    CHECK(a.total.area_mm2 == 4);
    CHECK(b.total.static_power_mw == 1);
    CHECK(csv.rows[3][col("area_mm2")] == "5");
    CHECK(csv.rows[5][col("area_mm2")] == "5");
    CHECK(csv.rows[5][col("static_power_mw")] == "1");
    CHECK(csv.rows[5][col("area_ratio")] == "1.25");
    CHECK(csv.rows[5][col("static_power_ratio")] == "0.5");

    const json j = compare_json(r);
    CHECK(j["designs"][1]["total_ratios"]["energy"].get<double>() == Approx(1750.0 / 1500));
    CHECK(j["designs"][1]["total"]["area_mm2"] == 5.0);
    CHECK(j["designs"][1]["total_ratios"]["area"].get<double>() == Approx(1.25));
    CHECK(j["designs"][1]["total_ratios"]["static_power"].get<double>() == Approx(0.5));
    CHECK_FALSE(j["designs"][1].contains("iso_area"));  // only with --iso-area
    CHECK(j["designs"][0]["layers"].size() == 2);
}

TEST_CASE("a failed design is listed with its error, the others still compare") {
    CompareResult r = sample();
    r.designs[1].status = "failed";
    r.designs[1].error = "sxsim: error: not implemented";
    const Table t = totals_table(r);
    REQUIRE(t.size() == 3);
    CHECK(t[2][4] == "failed");  // in the latency column
    const CsvData csv = parse_csv(compare_csv(r));
    CHECK(csv.rows.back()[4] == "failed");
}

TEST_CASE("base64 and the self-contained report") {
    CHECK(base64_encode("Man") == "TWFu");
    CHECK(base64_encode("Ma") == "TWE=");
    CHECK(base64_encode("M") == "TQ==");
    CHECK(base64_encode("") == "");
    const fs::path dir = fs::temp_directory_path() / ("sx_report_" + std::to_string(getpid()));
    fs::create_directories(dir / "plots");
    sx::test::remove_after_test(dir);
    write_file_atomic((dir / "plots" / "x.png").string(), "Man");
    write_compare_report(sample(), dir.string(), {"plots/x.png"});
    const std::string md = read_text_file((dir / "report.md").string());
    const std::string html = read_text_file((dir / "report.html").string());
    CHECK(md.find("| B | 0 | 5.000 | 1.00 | 100.0 | 0.00 |") != std::string::npos);  // area, static power first
    CHECK(md.find("![x](plots/x.png)") != std::string::npos);
    CHECK(html.find("data:image/png;base64,TWFu") != std::string::npos);
    CHECK(html.find("<td>L1</td>") != std::string::npos);
    fs::remove_all(dir);
}
