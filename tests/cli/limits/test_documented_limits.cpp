// Every documented limit runs or is refused at its field (issue 11: "every documented limit
// must run; where a limit must exist, exit 2 at the field"). For every bundled design and every
// numeric field of the hardware configuration table of docs/formats.md, the one-layer workload
// (fixtures/one_conv.json, a copy of shared/cases/huge-buffer-capacity/one_conv.json) runs with
// `--set` at the documented minimum and at the documented maximum, and must either
//   - exit 0 with the functional check passing, or
//   - exit 2 with "sxsim: error: --set: <pointer>" naming one of the values the row set
//     (the field under test, or a dimension set alongside it);
// never a signal, a timeout, exit 1 (no check can fail here), or a peak RSS (wait4) beyond the
// design's default run plus a fixed slack: host memory must follow the work, not the modelled
// hardware (2^20 PEs, 1 TiB buffers, 2^20 banks).
//
// Found by this matrix and fixed with it: Eyeriss SIGFPE at 2^20 GLB banks, heap corruption at
// 1-bit activations; SCNN/DCNN 3 GiB of host memory at 2^20 PEs, 0-byte banks reported against
// the technology table; core clocks beyond the 1 ps time resolution running into the watchdog;
// watchdogs shorter than one DRAM access stopping the run with exit 1.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kOneConv = std::string(SX_LIMITS_FIXTURES) + "/one_conv.json";
// The default one_conv run peaks at ~14 MiB (plain build); the largest limit run at ~33 MiB
// (SmartExchange with 2^20 lines). Storage sized by a modelled memory or by the PE count would
// add hundreds of MiB to GiB (SCNN at 2^20 PEs took 3 GiB). The slack absorbs the allocator
// noise; under ASan, its quarantine keeps up to 256 MiB of freed blocks (a 2^20-line
// SmartExchange run peaked at 365 MiB against a 74 MiB default run), still far below a
// capacity-sized allocation.
constexpr long kRssSlackKiB = (SX_TEST_UNDER_ASAN ? 384 : 64) * 1024;
constexpr int kTimeoutS = 120;  // per run; the slowest limit run takes ~5 s in the plain build

// One documented range: the field as docs/formats.md names it, the range text its row states,
// and the values tried (the documented minimum and maximum).
struct Limit {
    std::string doc_field;
    std::string doc_range;
    std::vector<std::string> values;
};

const std::string kOneByteKiB = "0.0009765625";  // 1/1024 KiB: the documented least capacity

const std::vector<Limit>& limits() {
    static const std::vector<Limit> table = {
        {"clock_mhz", "number in [1, 100000]", {"1", "100000"}},
        {"bits.activation", "integer in [1, 64]", {"1", "64"}},
        {"dram.channels", "power of two in [1, 1024]", {"1", "1024"}},
        {"dram.bus_width_bits", "power of two in [8, 1024]", {"8", "1024"}},
        {"dram.clock_mhz", "number in [1, 100000]", {"1", "100000"}},
        {"dram.sync_cycles", "integer in [0, 64]", {"0", "64"}},
        {"buffers.<name>.capacity_kib", "number in (0, 1073741824]", {kOneByteKiB, "1073741824"}},
        {"buffers.<name>.banks", "integer in [1, 1048576]", {"1", "1048576"}},
        {"buffers.<name>.port_width_bits", "multiple of 8 in [8, 65536]", {"8", "65536"}},
        {"buffers.<name>.ports", "integer in [0, 1048576]", {"0", "1048576"}},
        {"pe_array.dim_m", "integers in [1, 1048576]", {"1", "1048576"}},
        {"pe_array.rows", "integers in [1, 1048576]", {"1", "1048576"}},
        {"pe_array.multipliers_per_pe", "integer in [1, 1048576]", {"1", "1048576"}},
        // No documented maximum: 2^62 stands for "any".
        {"simulation.watchdog_cycles", "integer >= 1", {"1", "4611686018427387904"}},
    };
    return table;
}

const Limit& limit(const std::string& doc_field) {
    for (const auto& l : limits())
        if (l.doc_field == doc_field) return l;
    FAIL("no limit " << doc_field);
    throw;
}

// The configuration table of docs/formats.md: field name (first backticked name of a row) ->
// the row.
std::vector<std::pair<std::string, std::string>> config_table_rows() {
    std::istringstream doc(read_file(kSource + "/docs/formats.md"));
    std::vector<std::pair<std::string, std::string>> rows;
    std::string line;
    bool in = false;
    while (std::getline(doc, line)) {
        if (line.rfind("## ", 0) == 0) in = line == "## Hardware configuration (`configs/*.json`)";
        if (!in || line.rfind("| `", 0) != 0) continue;
        const auto a = line.find('`') + 1;
        rows.emplace_back(line.substr(a, line.find('`', a) - a), line);
    }
    return rows;
}

// One run: `sets[0]` is the value under test, the others set alongside it (other array
// dimensions at 1, so that the 2^24-MAC cap is not what refuses a dimension's maximum).
struct Case {
    std::vector<std::string> sets;
};

std::vector<Case> cases_for(const std::string& config) {
    std::ifstream in(kSource + "/configs/" + config);
    const nlohmann::json doc = nlohmann::json::parse(in);
    std::vector<Case> out;
    const auto add = [&](const std::string& doc_field, const std::string& pointer,
                         const std::vector<std::string>& with = {}) {
        for (const auto& v : limit(doc_field).values) {
            Case c{{pointer + "=" + v}};
            c.sets.insert(c.sets.end(), with.begin(), with.end());
            out.push_back(c);
        }
    };
    add("clock_mhz", "/clock_mhz");
    for (const char* b : {"activation", "accumulator"}) add("bits.activation", std::string("/bits/") + b);
    add("dram.channels", "/dram/channels");
    add("dram.bus_width_bits", "/dram/bus_width_bits");
    add("dram.clock_mhz", "/dram/clock_mhz");
    add("dram.sync_cycles", "/dram/sync_cycles");
    for (const auto& [name, b] : doc.at("buffers").items()) {
        add("buffers.<name>.capacity_kib", "/buffers/" + name + "/capacity_kib");
        add("buffers.<name>.banks", "/buffers/" + name + "/banks");
        add("buffers.<name>.port_width_bits", "/buffers/" + name + "/port_width_bits");
        add("buffers.<name>.ports", "/buffers/" + name + "/ports");
    }
    const auto dims = doc.at("pe_array").contains("dim_m") ? std::vector<std::string>{"dim_m", "dim_c", "dim_f"}
                                                           : std::vector<std::string>{"rows", "cols"};
    const std::string dim_field = dims[0] == "dim_m" ? "pe_array.dim_m" : "pe_array.rows";
    for (const auto& d : dims) {
        add(dim_field, "/pe_array/" + d);  // the other dimensions as configured
        std::vector<std::string> ones;
        for (const auto& o : dims)
            if (o != d) ones.push_back("/pe_array/" + o + "=1");
        out.push_back({{"/pe_array/" + d + "=" + limit(dim_field).values.back()}});
        out.back().sets.insert(out.back().sets.end(), ones.begin(), ones.end());
    }
    if (dims[0] == "rows") {
        add("pe_array.multipliers_per_pe", "/pe_array/multipliers_per_pe");
        add("pe_array.multipliers_per_pe", "/pe_array/multipliers_per_pe", {"/pe_array/rows=1", "/pe_array/cols=1"});
    }
    add("simulation.watchdog_cycles", "/simulation/watchdog_cycles");
    return out;
}

std::vector<std::string> run_args(const std::string& config, const std::string& out, const std::vector<std::string>& sets) {
    std::vector<std::string> args = {"run", "--arch", kSource + "/configs/" + config, "--model", kOneConv,
                                     "--out", out, "--check", "--quiet"};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    return args;
}

void check_design(const std::string& config) {
    Scratch s("sx-limits");
    const auto base_args = run_args(config, s.path("default"), {});
    const ProcessResult base = run_process(s, SXSIM_PATH, base_args, kTimeoutS);
    INFO(command_line(base_args) << "\n--- output ---\n" << base.output);
    REQUIRE(base.exit_code == 0);
    REQUIRE(base.max_rss_kib > 0);
    int ran = 0, refused = 0;
    long peak = 0;
    for (const Case& c : cases_for(config)) {
        const std::string out = s.path("out");
        std::filesystem::remove_all(out);
        const auto args = run_args(config, out, c.sets);
        const auto t0 = std::chrono::steady_clock::now();
        const ProcessResult r = run_process(s, SXSIM_PATH, args, kTimeoutS);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        INFO(command_line(args) << "\n(" << secs << " s, peak RSS " << r.max_rss_kib << " KiB, default run "
                                << base.max_rss_kib << " KiB)\n--- output ---\n" << r.output);
        CHECK_FALSE(r.timed_out);
        CHECK(r.signal == 0);
        CHECK(r.max_rss_kib <= base.max_rss_kib + kRssSlackKiB);
        peak = std::max(peak, r.max_rss_kib);
        if (r.exit_code == 0) {
            ++ran;
            CHECK(read_file(out + "/run.json").find("\"passed\": true") != std::string::npos);
        } else {
            ++refused;
            CHECK(r.exit_code == 2);
            // Refused at a field this run set, named against the option that wrote it.
            bool named = false;
            for (const auto& set : c.sets)
                named = named || r.output.find("sxsim: error: --set: " + set.substr(0, set.find('=')) + ":") !=
                                     std::string::npos;
            CHECK(named);
        }
    }
    // Both outcomes occur on every design (a table that only ever refuses would test nothing).
    CHECK(ran > 0);
    CHECK(refused > 0);
    WARN(config << ": " << ran << " limit runs ran, " << refused << " were refused at their field; peak RSS "
                << peak << " KiB (default run " << base.max_rss_kib << " KiB)");
}

}  // namespace

TEST_CASE("documented limits: the table covers every numeric field of the configuration table") {
    std::set<std::string> tested;
    for (const auto& l : limits()) tested.insert(l.doc_field);
    int numeric = 0;
    for (const auto& [field, row] : config_table_rows()) {
        // The type column of a numeric field states a range ("[a, b]", "(a, b]", ">= a").
        const auto type = row.substr(row.find('|', 2));
        if (type.find(']') == std::string::npos && type.find(">=") == std::string::npos &&
            type.find("> 0") == std::string::npos)
            continue;
        ++numeric;
        INFO("docs/formats.md: " << row);
        REQUIRE(tested.count(field) == 1);
        // The values tried are the ones the row documents.
        CHECK(row.find(limit(field).doc_range) != std::string::npos);
    }
    CHECK(numeric == static_cast<int>(limits().size()));
}

TEST_CASE("documented limits: smartexchange runs or refuses each limit at its field") { check_design("smartexchange.json"); }
TEST_CASE("documented limits: eyeriss runs or refuses each limit at its field") { check_design("eyeriss.json"); }
TEST_CASE("documented limits: scnn runs or refuses each limit at its field") { check_design("scnn.json"); }
TEST_CASE("documented limits: dcnn runs or refuses each limit at its field") { check_design("dcnn.json"); }
TEST_CASE("documented limits: dcnn-opt runs or refuses each limit at its field") { check_design("dcnn-opt.json"); }
