// Host memory follows the data, not the modelled capacity (issue 11; user case
// shared/cases/huge-buffer-capacity, its workload copied to fixtures/one_conv.json).
//
// Every buffer of every bundled design is set to the documented maximum, 1 TiB
// (docs/formats.md, capacity_kib <= 1073741824), and the one-layer workload must run with the
// functional check passing, the same per-layer results as the default capacities (only the
// capacity-dependent buffer energies may change: SRAM energy per access is interpolated in
// log2(capacity), docs/formats.md) and a peak RSS close to the default run's. Peak RSS is the
// child's own, from wait4().
//
// Why also 1 GiB: a 1 TiB host array fails at once with bad_alloc (the old symptom, exit 1),
// but 1 GiB zero-filled arrays would be allocated and touched, so the RSS bound is what catches
// storage that is sized from the capacity there (4 buffers x 1 GiB = 4 GiB over the bound).
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;

namespace {

const std::string kSource = SX_SOURCE_DIR;
const std::string kOneConv = std::string(SX_HOST_MEMORY_FIXTURES) + "/one_conv.json";
constexpr const char* kOneTiBKiB = "1073741824";  // documented maximum (docs/formats.md)
constexpr const char* kOneGiBKiB = "1048576";

// Generous but failing-able: the default one_conv run peaks at ~14 MiB (plain build) and a
// run whose storage followed the capacity would add at least 1 GiB here. The slack absorbs
// allocator and sanitizer noise (ASan keeps freed memory in quarantine).
constexpr long kRssSlackKiB = 48 * 1024;

using Child = ProcessResult;

// fork + exec of sxsim with an optional address-space limit; wait4() gives the child's peak
// RSS (sxsim_process.h uses posix_spawn, which can set neither).
Child run_sxsim(const Scratch& s, const std::vector<std::string>& args, rlim_t address_space_limit = 0,
                int timeout_s = 300) {
    const std::string log = s.path("child-output.txt");
    std::vector<std::string> argv_s = {SXSIM_PATH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) ::_exit(126);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        if (address_space_limit) {
            const rlimit rl{address_space_limit, address_space_limit};
            if (::setrlimit(RLIMIT_AS, &rl) != 0) ::_exit(125);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return wait_process(pid, log, timeout_s);
}

std::vector<std::string> buffer_names(const std::string& config) {
    std::ifstream in(kSource + "/configs/" + config);
    const nlohmann::json doc = nlohmann::json::parse(in);
    std::vector<std::string> names;
    for (const auto& [name, b] : doc.at("buffers").items()) names.push_back(name);
    return names;
}

// layers.csv as column -> value of its one data row.
std::map<std::string, std::string> layer_row(const std::string& dir) {
    std::istringstream csv(read_file(dir + "/layers.csv"));
    std::string header, row;
    std::getline(csv, header);
    std::getline(csv, row);
    const auto split = [](const std::string& line) {
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string x;
        while (std::getline(ss, x, ',')) f.push_back(x);
        return f;
    };
    const auto h = split(header), v = split(row);
    REQUIRE(h.size() == v.size());
    std::map<std::string, std::string> m;
    for (std::size_t i = 0; i < h.size(); ++i) m[h[i]] = v[i];
    return m;
}

Child run_ok(const Scratch& s, const std::string& config, const std::string& out,
             const std::vector<std::string>& sets) {
    std::vector<std::string> args = {"run",   "--arch", kSource + "/configs/" + config, "--model", kOneConv,
                                     "--out", out,      "--check",                      "--quiet"};
    for (const auto& set : sets) args.insert(args.end(), {"--set", set});
    const Child c = run_sxsim(s, args);
    INFO(command_line(args) << "\n--- output ---\n" << c.output);
    REQUIRE_FALSE(c.timed_out);
    REQUIRE(c.signal == 0);
    REQUIRE(c.exit_code == 0);
    CHECK(read_file(out + "/run.json").find("\"passed\": true") != std::string::npos);
    return c;
}

// The default run, then every buffer at `capacity_kib` (all at once: the largest total).
void check_design(const std::string& config, const std::string& capacity_kib) {
    Scratch s("sx-host-memory");
    const Child base = run_ok(s, config, s.path("default"), {});
    std::vector<std::string> sets;
    for (const auto& b : buffer_names(config)) sets.push_back("/buffers/" + b + "/capacity_kib=" + capacity_kib);
    const Child big = run_ok(s, config, s.path("big"), sets);

    const auto a = layer_row(s.path("default")), b = layer_row(s.path("big"));
    for (const auto& [col, value] : a) {
        // The configuration's area and static power grow with its buffers too (the SRAM area
        // model), and with them the leakage energy.
        const bool capacity_energy = (col.rfind("energy_", 0) == 0 &&
                                      (col.find("_buffer_pj") != std::string::npos || col == "energy_total_pj" ||
                                       col == "energy_leakage_pj")) ||
                                     col == "area_mm2" || col == "static_power_mw" ||
                                     // SCNN's PE pitch includes its IARAM/OARAM banks (they sit
                                     // in the PE): bigger buffers, longer wires (issue 15).
                                     col == "energy_noc_pj";
        // Eyeriss places its GLB regions at multiples of capacity / banks (its banks are
        // address ranges), while the shared buffer interleaves words over banks: another
        // capacity maps the regions onto other interleaved banks, so under round robin (issue
        // 13) the conflict cycles differ (one_conv: 97 -> 103) while the cycles stay the same.
        const bool eyeriss_conflicts = config == "eyeriss.json" && col.find("_conflict_cycles") != std::string::npos;
        if (capacity_energy || eyeriss_conflicts) continue;
        INFO(config << ": column " << col << " with every buffer at " << capacity_kib << " KiB");
        CHECK(b.at(col) == value);
    }
    INFO(config << ": peak RSS default " << base.max_rss_kib << " KiB, every buffer at " << capacity_kib << " KiB "
                << big.max_rss_kib << " KiB");
    CHECK(base.max_rss_kib > 0);
    CHECK(big.max_rss_kib <= base.max_rss_kib + kRssSlackKiB);
}

}  // namespace

TEST_CASE("host memory: a 64 GiB weight buffer runs one_conv as the default does (case huge-buffer-capacity)") {
    // The case as reported: configs/smartexchange.json with --set /buffers/weight/capacity_kib=67108864
    // was "sxsim: out of memory", exit 1.
    Scratch s("sx-host-memory");
    const Child base = run_ok(s, "smartexchange.json", s.path("default"), {});
    const Child big = run_ok(s, "smartexchange.json", s.path("big"), {"/buffers/weight/capacity_kib=67108864"});
    auto a = layer_row(s.path("default")), b = layer_row(s.path("big"));
    // Same cycles, traffic and MACs; only the weight buffer's energy per access (and the total)
    // grows with its capacity, and the chip's area and static power (with the leakage energy).
    CHECK(a.at("cycles") == b.at("cycles"));
    CHECK(a.at("energy_weight_buffer_pj") != b.at("energy_weight_buffer_pj"));
    CHECK(a.at("energy_leakage_pj") != b.at("energy_leakage_pj"));
    CHECK(std::stod(a.at("area_mm2")) < std::stod(b.at("area_mm2")));
    for (auto* m : {&a, &b}) {
        for (const char* c : {"energy_weight_buffer_pj", "energy_total_pj", "energy_leakage_pj", "area_mm2",
                              "static_power_mw"})
            m->erase(c);
    }
    CHECK(a == b);
    INFO("peak RSS default " << base.max_rss_kib << " KiB, 64 GiB weight buffer " << big.max_rss_kib << " KiB");
    CHECK(big.max_rss_kib <= base.max_rss_kib + kRssSlackKiB);
}

TEST_CASE("host memory: smartexchange, every buffer at 1 TiB") { check_design("smartexchange.json", kOneTiBKiB); }
TEST_CASE("host memory: eyeriss, every buffer at 1 TiB") { check_design("eyeriss.json", kOneTiBKiB); }
TEST_CASE("host memory: scnn, every buffer at 1 TiB") { check_design("scnn.json", kOneTiBKiB); }
TEST_CASE("host memory: dcnn, every buffer at 1 TiB") { check_design("dcnn.json", kOneTiBKiB); }
TEST_CASE("host memory: dcnn-opt, every buffer at 1 TiB") { check_design("dcnn-opt.json", kOneTiBKiB); }

TEST_CASE("host memory: every buffer at 1 GiB stays near the default RSS (a host array would not)") {
    for (const char* config : {"smartexchange.json", "eyeriss.json", "scnn.json"}) check_design(config, kOneGiBKiB);
}

TEST_CASE("host memory: an address-space reservation the host refuses is exit 2 at the capacity field") {
#if SX_TEST_UNDER_ASAN
    // ASan reserves terabytes of shadow address space at start-up: under an address-space
    // limit sxsim could not even start, so this case only runs in the plain build.
    WARN("skipped under AddressSanitizer");
#else
    Scratch s("sx-host-memory");
    // 4 GiB of address space: enough for a default run, not for a 64 GiB buffer's range.
    const rlim_t limit = rlim_t{4} << 30;
    const std::vector<std::string> base = {"run", "--arch", kSource + "/configs/smartexchange.json", "--model",
                                           kOneConv, "--out", s.path("x"), "--quiet"};
    const Child ok = run_sxsim(s, base, limit);
    INFO(ok.output);
    REQUIRE(ok.exit_code == 0);  // the limit alone does not break a run

    std::vector<std::string> args = base;
    args.insert(args.end(), {"--set", "/buffers/weight/capacity_kib=67108864"});
    const Child c = run_sxsim(s, args, limit);
    INFO(command_line(args) << "\n--- output ---\n" << c.output);
    CHECK(c.exit_code == 2);
    // Named where the value was written: the --set option, not the configuration file.
    CHECK(c.output.find("--set: /buffers/weight/capacity_kib") != std::string::npos);
    CHECK(c.output.find("configs/smartexchange.json") == std::string::npos);
    CHECK(c.output.find("67108864 KiB") != std::string::npos);
#endif
}
