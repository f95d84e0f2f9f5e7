// The sweep runner with a stand-in for sxsim: a /bin/sh script that writes the two trace files
// a real `sxsim run` writes (layers.csv, run.json) from the swept value m = /pe_array/dim_m,
// so resumption, failures and aggregation are tested in milliseconds without the model.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <fstream>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "sw/workflow/point_runner.h"
#include "sw/workflow/process_pool.h"
#include "tests/test_scratch.h"

using namespace sx;
namespace fs = std::filesystem;

namespace {

// Layers: conv1 (1000/m cycles, 100 MACs, 10+5 DRAM bytes, energy 3 + 2 = 5 pJ), a pooling
// layer (not simulated, zeros), conv2 (2000/m cycles, 200 MACs, 20+5 bytes, 6 + 4 = 10 pJ).
// m = 16 fails like a bad combination (exit 2 and an error line), m = 999 hangs.
const char* kFakeSxsim = R"(dir=$1; m=$2; log=$3; delay=$4
echo "$m" >> "$log"
sleep "$delay"
if [ "$m" = 16 ]; then echo "simulating..." >&2; echo "sxsim: error: /pe_array/dim_m: 16 does not divide the array" >&2; exit 2; fi
if [ "$m" = 999 ]; then sleep 30; fi
c1=$((1000 / m)); c2=$((2000 / m))
{ echo "layer,type,simulated,macs,cycles,clock_mhz,latency_us,dram_read_bytes,dram_write_bytes,energy_dram_pj,energy_pe_array_pj,energy_total_pj"
  echo "conv1,conv,1,100,$c1,1000,$c1,10,5,3,2,5"
  echo "pool1,maxpool,0,0,0,1000,0,0,0,0,0,0"
  echo "conv2,conv,1,200,$c2,1000,$c2,20,5,6,4,10"; } > "$dir/layers.csv.tmp"
mv "$dir/layers.csv.tmp" "$dir/layers.csv"
echo '{"totals": {}}' > "$dir/run.json"
)";

struct Fixture {
    fs::path root;
    std::string arch, model, log;
    double delay = 0;

    explicit Fixture(const std::string& name) {
        root = fs::temp_directory_path() / ("sx_runner_" + name + "_" + std::to_string(getpid()));
        fs::remove_all(root);
        fs::create_directories(root);
        sx::test::remove_after_test(root);
        arch = (root / "arch.json").string();
        model = (root / "tiny.json").string();
        log = (root / "invocations.log").string();
        std::ofstream(arch) << R"({"name": "a", "pe_array": {"dim_m": 8, "dim_c": 2, "dim_f": 2},
            "buffers": {"in": {"capacity_kib": 4, "banks": 1, "port_width_bits": 64, "role": "input"}}})";
        std::ofstream(model) << R"({"name": "tiny"})";
    }

    // Stand-in digests of what the points read; a test edits one to model a changed file.
    std::map<std::string, std::string> digests = {{"config", "c0"}, {"dram_preset", "d0"}, {"workload", "w0"},
                                                  {"run", "r0"}, {"simulator", "s0"}};

    std::vector<SimPoint> points(const std::vector<int>& ms) const {
        std::vector<SimPoint> out;
        for (int m : ms) {
            SimPoint p;
            p.arch = arch;
            p.model = model;
            p.overrides = {{"/pe_array/dim_m", m}};
            for (const auto& [role, d] : digests) {
                const std::string label = role == "dram_preset" ? "dram/preset.json" : role == "simulator" ? "the simulator" : role;
                p.inputs.push_back({role, label, d});
            }
            p.inputs.push_back({"overrides", "the swept values", std::to_string(m)});
            p.id = point_id(p.inputs);
            p.columns = {{"/pe_array/dim_m", std::to_string(m)}};
            out.push_back(p);
        }
        return out;
    }
    PointRunnerOptions options(double timeout_s = 0) const {
        PointRunnerOptions o;
        o.out_dir = (root / "out").string();
        o.jobs = 2;
        o.timeout_s = timeout_s;
        o.progress = false;
        const std::string lg = log;
        const double d = delay;
        o.command = [lg, d](const SimPoint& p, const std::string& dir) {
            return std::vector<std::string>{"/bin/sh", "-c", kFakeSxsim, "sh", dir,
                                            value_text(p.overrides.at("/pe_array/dim_m")), lg, std::to_string(d)};
        };
        return o;
    }
    int invocations() const {
        std::ifstream in(log);
        int n = 0;
        for (std::string l; std::getline(in, l);) ++n;
        return n;
    }
    CsvData networks() const { return read_csv_file((root / "out" / "sweep_networks.csv").string()); }
    CsvData layers() const { return read_csv_file((root / "out" / "sweep_layers.csv").string()); }
};

std::string cell(const CsvData& d, std::size_t row, const std::string& col) {
    for (std::size_t i = 0; i < d.header.size(); ++i)
        if (d.header[i] == col) return d.rows[row][i];
    return "<no column " + col + ">";
}

std::size_t row_of(const CsvData& d, const std::string& col, const std::string& value) {
    for (std::size_t r = 0; r < d.rows.size(); ++r)
        if (cell(d, r, col) == value) return r;
    FAIL("no row with " << col << " = " << value);
    return 0;
}

}  // namespace

TEST_CASE("a sweep aggregates every point: rerunning it runs no point again") {
    Fixture f("resume");
    const auto pts = f.points({1, 2, 4, 8});
    const PointRunSummary s = run_points(pts, f.options());
    CHECK(s.ran == 4);
    CHECK(s.ok == 4);
    CHECK(s.failed == 0);
    CHECK(f.invocations() == 4);

    const CsvData net = f.networks();
    REQUIRE(net.rows.size() == 4);
    CHECK(net.header[0] == "point_id");
    CHECK(net.header[1] == "model");
    CHECK(net.header[2] == "/pe_array/dim_m");  // swept values right after the id columns
    const std::size_t r8 = row_of(net, "/pe_array/dim_m", "8");
    CHECK(cell(net, r8, "status") == "ok");
    CHECK(cell(net, r8, "model") == "tiny");
    CHECK(cell(net, r8, "cycles") == "375");          // 1000/8 + 0 + 2000/8 = 125 + 250
    CHECK(cell(net, r8, "macs") == "300");            // 100 + 200
    CHECK(cell(net, r8, "energy_total_pj") == "15");  // 5 + 10
    CHECK(cell(net, r8, "energy_dram_pj") == "9");    // 3 + 6
    CHECK(cell(net, r8, "dram_bytes") == "40");       // 10 + 5 + 20 + 5
    CHECK(cell(net, r8, "edp_pj_us") == "5625");      // 15 pJ x 375 us
    CHECK(cell(net, r8, "mac_units") == "32");        // 8 x 2 x 2 with the override applied
    CHECK(cell(net, r8, "layers_simulated") == "2");
    const CsvData lay = f.layers();
    CHECK(lay.rows.size() == 12);  // 4 points x 3 layers
    CHECK(lay.header[2] == "/pe_array/dim_m");
    CHECK(fs::exists(fs::path(point_dir(f.options().out_dir, pts[0])) / "point.json"));

    const PointRunSummary again = run_points(pts, f.options());
    CHECK(again.ran == 0);
    CHECK(again.skipped == 4);
    CHECK(again.ok == 4);
    CHECK(f.invocations() == 4);
    CHECK(f.layers().rows.size() == 12);

    // Extending the sweep runs only the new points; the old rows stay.
    const PointRunSummary more = run_points(f.points({1, 2, 4, 8, 10}), f.options());
    CHECK(more.ran == 1);
    CHECK(f.invocations() == 5);
    CHECK(f.networks().rows.size() == 5);
}

TEST_CASE("a failing point is recorded with its error while the others complete") {
    Fixture f("failing");
    const auto pts = f.points({4, 16, 8});
    const PointRunSummary s = run_points(pts, f.options());
    CHECK(s.ok == 2);
    CHECK(s.failed == 1);
    const CsvData net = f.networks();
    REQUIRE(net.rows.size() == 3);
    const std::size_t bad = row_of(net, "/pe_array/dim_m", "16");
    CHECK(cell(net, bad, "status") == "failed");
    CHECK(cell(net, bad, "exit_code") == "2");
    CHECK(cell(net, bad, "error") == "sxsim: error: /pe_array/dim_m: 16 does not divide the array");
    CHECK(cell(net, bad, "cycles") == "");
    CHECK(cell(net, row_of(net, "/pe_array/dim_m", "4"), "status") == "ok");
    CHECK(f.layers().rows.size() == 6);  // no layer rows for the failed point

    // A failure is a result: rerunning does not repeat it, unless asked to.
    CHECK(run_points(pts, f.options()).ran == 0);
    CHECK(f.invocations() == 3);
    PointRunnerOptions retry = f.options();
    retry.retry_failed = true;
    const PointRunSummary r = run_points(pts, retry);
    CHECK(r.ran == 1);
    CHECK(r.failed == 1);
    CHECK(f.invocations() == 4);
    CHECK(f.networks().rows.size() == 3);  // replaced, not duplicated
}

TEST_CASE("a point over its timeout is recorded as such") {
    Fixture f("timeout");
    const PointRunSummary s = run_points(f.points({999, 2}), f.options(0.5));
    CHECK(s.failed == 1);
    CHECK(s.ok == 1);
    const CsvData net = f.networks();
    const std::size_t r = row_of(net, "/pe_array/dim_m", "999");
    CHECK(cell(net, r, "status") == "timeout");
    CHECK(cell(net, r, "error").find("timeout") != std::string::npos);
}

TEST_CASE("traces on disk missing from the tables are recovered: partial outputs run again") {
    Fixture f("recover");
    const auto pts = f.points({1, 2, 4});
    run_points(pts, f.options());
    CHECK(f.invocations() == 3);
    const std::string out = f.options().out_dir;

    // Killed after the children finished but before the tables were written: nothing reruns.
    fs::remove(fs::path(out) / "sweep_networks.csv");
    const PointRunSummary s = run_points(pts, f.options());
    CHECK(s.recovered == 3);
    CHECK(s.ran == 0);
    CHECK(f.invocations() == 3);
    CHECK(f.networks().rows.size() == 3);
    CHECK(f.layers().rows.size() == 9);  // leftover layer rows were replaced, not duplicated

    // A child killed mid-write left layers.csv but no run.json, and its row in the table is
    // torn (cut short, as by a foreign writer): that point runs again, the others stay.
    const fs::path p4 = point_dir(out, pts[2]);
    fs::remove(p4 / "run.json");
    const std::string text = read_text_file((fs::path(out) / "sweep_networks.csv").string());
    std::string kept, torn;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end - start + 1);
        if (line.rfind(pts[2].id, 0) == 0) torn = line.substr(0, line.size() / 2);
        else kept += line;
        start = end + 1;
    }
    REQUIRE_FALSE(torn.empty());
    std::ofstream(fs::path(out) / "sweep_networks.csv", std::ios::trunc) << kept + torn;
    const PointRunSummary t = run_points(pts, f.options());
    CHECK(t.ran == 1);
    CHECK(t.skipped == 2);
    CHECK(t.recovered == 0);
    CHECK(f.networks().rows.size() == 3);
    CHECK(f.layers().rows.size() == 9);
    CHECK(f.invocations() == 4);
}

TEST_CASE("a sweep killed with SIGKILL resumes: finished points are kept, the rest run") {
    Fixture f("killed");
    f.delay = 0.25;
    const auto pts = f.points({1, 2, 3, 4, 5, 6, 7, 8});
    const pid_t sweep = fork();
    REQUIRE(sweep >= 0);
    if (sweep == 0) {
        run_points(pts, f.options());
        _exit(0);
    }
    // Kill the sweep once three points are recorded (children die with it: PDEATHSIG).
    for (int i = 0; i < 400 && f.networks().rows.size() < 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(sweep, SIGKILL);
    waitpid(sweep, nullptr, 0);
    const std::size_t recorded = f.networks().rows.size();
    REQUIRE(recorded >= 3);
    REQUIRE(recorded < 8);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // orphans would log by now
    const int before = f.invocations();

    const PointRunSummary s = run_points(pts, f.options());
    CHECK(s.skipped == recorded);
    CHECK(s.ran + s.recovered == 8 - recorded);
    CHECK(f.invocations() == before + static_cast<int>(s.ran));
    CHECK(s.ok == 8);
    const CsvData net = f.networks();
    CHECK(net.rows.size() == 8);
    std::set<std::string> ids;
    for (std::size_t r = 0; r < net.rows.size(); ++r) ids.insert(cell(net, r, "point_id"));
    CHECK(ids.size() == 8);
    CHECK(f.layers().rows.size() == 24);
}

TEST_CASE("a stored point whose inputs changed runs again: its old rows are replaced and the change is named") {
    Fixture f("stale");
    run_points(f.points({1, 2, 4}), f.options());
    REQUIRE(f.invocations() == 3);
    const std::string old_id = cell(f.networks(), row_of(f.networks(), "/pe_array/dim_m", "2"), "point_id");

    // Nothing changed: everything is reused.
    PointRunSummary same = run_points(f.points({1, 2, 4}), f.options());
    CHECK(same.skipped == 3);
    CHECK(same.replaced.empty());
    CHECK(f.invocations() == 3);

    // The DRAM preset changed (for every point): all three rerun, the tables keep one row per
    // point (the new ones), and the command can say what changed.
    f.digests["dram_preset"] = "d1";
    const auto pts = f.points({1, 2, 4});
    PointRunSummary s = run_points(pts, f.options());
    CHECK(s.ran == 3);
    CHECK(s.skipped == 0);
    CHECK(f.invocations() == 6);
    REQUIRE(s.replaced.size() == 3);
    for (const auto& r : s.replaced) CHECK(r.changed == std::vector<std::string>{"dram/preset.json changed"});
    const CsvData net = f.networks();
    CHECK(net.rows.size() == 3);
    CHECK(f.layers().rows.size() == 9);
    for (std::size_t r = 0; r < net.rows.size(); ++r) CHECK(cell(net, r, "point_id") != old_id);
    const auto lines = describe_replaced(s, pts);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("3 points rerun: dram/preset.json changed (", 0) == 0);
    CHECK(lines[0].find(pts[1].id + " tiny dim_m=2") != std::string::npos);

    // Back to the old preset: the first run's traces are still on disk under the old ids, so the
    // points are recovered, not simulated.
    f.digests["dram_preset"] = "d0";
    PointRunSummary back = run_points(f.points({1, 2, 4}), f.options());
    CHECK(back.ran == 0);
    CHECK(back.recovered == 3);
    CHECK(back.replaced.size() == 3);
    CHECK(f.invocations() == 6);
    CHECK(cell(f.networks(), row_of(f.networks(), "/pe_array/dim_m", "2"), "point_id") == old_id);
}

TEST_CASE("another simulator version reruns every point and says so") {
    Fixture f("simulator");
    run_points(f.points({1, 2}), f.options());
    f.digests["simulator"] = "s1";  // the injectable simulator digest (sxsim passes simulator_digest())
    f.digests["run"] = "r1";
    const auto pts = f.points({1, 2});
    const PointRunSummary s = run_points(pts, f.options());
    CHECK(s.ran == 2);
    REQUIRE(s.replaced.size() == 2);
    CHECK(s.replaced[0].changed == std::vector<std::string>{"run changed", "the simulator changed"});
    CHECK(describe_replaced(s, pts) ==
          std::vector<std::string>{"2 points rerun: run changed, the simulator changed (" + pts[0].id +
                                   " tiny dim_m=1; " + pts[1].id + " tiny dim_m=2)"});
    CHECK(f.networks().rows.size() == 2);
}

TEST_CASE("after an input changed, a sweep killed with SIGKILL resumes and keeps the points already rerun") {
    Fixture f("stale_killed");
    const std::vector<int> ms = {1, 2, 3, 4, 5, 6};
    run_points(f.points(ms), f.options());
    REQUIRE(f.invocations() == 6);
    f.digests["workload"] = "w1";
    f.delay = 0.25;
    const auto pts = f.points(ms);
    const pid_t sweep = fork();
    REQUIRE(sweep >= 0);
    if (sweep == 0) {
        run_points(pts, f.options());
        _exit(0);
    }
    // Kill it once two new points are recorded (stale rows are dropped at the start).
    auto new_rows = [&] {
        const CsvData net = f.networks();
        std::size_t n = 0;
        for (std::size_t r = 0; r < net.rows.size(); ++r)
            for (const auto& p : pts) n += cell(net, r, "point_id") == p.id;
        return n;
    };
    for (int i = 0; i < 400 && new_rows() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(sweep, SIGKILL);
    waitpid(sweep, nullptr, 0);
    const std::size_t done = new_rows();
    REQUIRE(done >= 2);
    REQUIRE(done < 6);
    CHECK(f.networks().rows.size() == done);  // no out-of-date row left beside the new ones
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const int before = f.invocations();

    const PointRunSummary s = run_points(pts, f.options());
    CHECK(s.skipped == done);
    CHECK(s.ran + s.recovered == 6 - done);
    CHECK(f.invocations() == before + static_cast<int>(s.ran));
    CHECK(f.networks().rows.size() == 6);
    CHECK(new_rows() == 6);
    CHECK(f.layers().rows.size() == 18);
}

TEST_CASE("a stored point from before inputs were recorded is replaced by slot") {
    Fixture f("legacy");
    const auto pts = f.points({1, 2});
    run_points(pts, f.options());
    // Strip what older versions did not write.
    for (const auto& p : pts) {
        const std::string file = (f.root / "out" / "points" / p.id / "point.json").string();
        json info = json::parse(read_text_file(file));
        info.erase("slot");
        info.erase("inputs");
        write_file_atomic(file, info.dump());
    }
    f.digests["config"] = "c1";
    const PointRunSummary s = run_points(f.points({1, 2}), f.options());
    CHECK(s.ran == 2);
    REQUIRE(s.replaced.size() == 2);
    CHECK(s.replaced[0].changed == std::vector<std::string>{"inputs not recorded (stored by an earlier sxsim)"});
    CHECK(f.networks().rows.size() == 2);
}

TEST_CASE("the tables carry no wall time: two runs at other speeds write them byte for byte, times.csv has the times") {
    // The same 4 points run twice into two folders, the second with each child 0.2 s slower and
    // one process at a time: every cell of both tables is a result, so the files are equal.
    Fixture a("times_a"), b("times_b");
    b.delay = 0.2;
    b.model = a.model;  // the same workload file name, hence the same `model` column
    b.arch = a.arch;
    PointRunnerOptions ob = b.options();
    ob.jobs = 1;
    const PointRunSummary sa = run_points(a.points({1, 2, 4, 8}), a.options());
    const PointRunSummary sb = run_points(b.points({1, 2, 4, 8}), ob);
    REQUIRE(sa.ok == 4);
    REQUIRE(sb.ok == 4);
    const auto text = [](const Fixture& f, const std::string& name) {
        return read_text_file((f.root / "out" / name).string());
    };
    CHECK(text(a, "sweep_networks.csv") == text(b, "sweep_networks.csv"));
    CHECK(text(a, "sweep_layers.csv") == text(b, "sweep_layers.csv"));
    CHECK(text(a, "sweep_networks.csv").find("wall_s") == std::string::npos);

    // The timing record: one row per point, run by the local backend, >= the 0.2 s sleep.
    const CsvData t = read_csv_file((b.root / "out" / "sweep_times.csv").string());
    REQUIRE(t.header == std::vector<std::string>{"point_id", "backend", "wall_s", "status"});
    REQUIRE(t.rows.size() == 4);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        CHECK(cell(t, r, "backend") == "local");
        CHECK(cell(t, r, "status") == "ok");
        CHECK(std::stod(cell(t, r, "wall_s")) >= 0.2);
    }
    // point.json records the same time and backend.
    const std::string id = cell(t, 0, "point_id");
    const std::string pj = read_text_file((b.root / "out" / "points" / id / "point.json").string());
    CHECK(pj.find("\"backend\": \"local\"") != std::string::npos);
}

TEST_CASE("points launch longest expected first, the tables still list them in plan order") {
    // Three workloads of 1, 3 and 2 convolutions of 64 x 64 x 3 x 3 on 8 x 8 (2.36 M MACs
    // each, so 2.36, 7.08 and 4.72 M MACs) on the same configuration (no "dataflow": one
    // factor): planned m = 1 (1 conv), 2 (3 convs), 4 (2 convs). With one process at a time the
    // fake sxsim logs its m in launch order: 2, 4, 1. The tables: 1, 2, 4 (plan order).
    Fixture f("lpt");
    const auto workload = [&](int convs) {
        std::string layers;
        for (int i = 0; i < convs; ++i)
            layers += std::string(i ? ", " : "") + R"({"name": "c)" + std::to_string(i) +
                      R"(", "type": "conv", "C": 64, "K": 64, "H": 8, "W": 8, "R": 3, "S": 3, "padding": 1})";
        const std::string path = (f.root / ("w" + std::to_string(convs) + ".json")).string();
        std::ofstream(path) << R"({"name": "w", "source": "test", "batch": 1, "input": {"C": 64, "H": 8, "W": 8},
            "layers": [)" + layers + "]}";
        return path;
    };
    auto pts = f.points({1, 2, 4});
    pts[0].model = workload(1);
    pts[1].model = workload(3);
    pts[2].model = workload(2);
    PointRunnerOptions o = f.options();
    o.jobs = 1;
    const PointRunSummary s = run_points(pts, o);
    REQUIRE(s.ok == 3);
    std::ifstream in(f.log);
    std::vector<std::string> launched;
    for (std::string l; std::getline(in, l);) launched.push_back(l);
    CHECK(launched == std::vector<std::string>{"2", "4", "1"});
    const CsvData net = f.networks();
    REQUIRE(net.rows.size() == 3);
    CHECK(cell(net, 0, "/pe_array/dim_m") == "1");
    CHECK(cell(net, 1, "/pe_array/dim_m") == "2");
    CHECK(cell(net, 2, "/pe_array/dim_m") == "4");
}
