// tools/cluster_estimate.py: the wall-time estimate of a sweep/compare on N nodes x C cores from
// measured per-point times. Inputs are hand-made output folders (points/<id>/point.json with a
// status and wall_s, or a <prefix>times.csv timing record; runs_networks.csv giving the point
// order), so every expected value below
// is derived by hand in the comments.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli/sxsim_process.h"

using namespace sx::cli_test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kTool = std::string(SX_SOURCE_DIR) + "/tools/cluster_estimate.py";

ProcessResult run_tool(const Scratch& s, std::vector<std::string> args) {
    args.insert(args.begin(), kTool);
    return run_process(s, kPython, args, 60);
}

void add_point(const std::string& out, const std::string& id, const std::string& status, double wall_s) {
    fs::create_directories(out + "/points/" + id);
    const json p = {{"point_id", id}, {"arch", "/x/configs/" + id + ".json"}, {"status", status}, {"wall_s", wall_s}};
    write_file(out + "/points/" + id + "/point.json", p.dump(2) + "\n");
}

// A compare output: points p1..p4 of 4, 3, 2 and 1 s, listed in the order p3, p1, p4, p2
// (2, 4, 1, 3 s), and p5 that failed (9 s, not counted).
std::string make_compare(const Scratch& s) {
    const std::string out = s.path("cmp");
    add_point(out, "p1", "ok", 4);
    add_point(out, "p2", "ok", 3);
    add_point(out, "p3", "ok", 2);
    add_point(out, "p4", "ok", 1);
    add_point(out, "p5", "failed", 9);
    write_file(out + "/runs_networks.csv", "point_id,model,design\np3,m,c\np1,m,a\np4,m,d\np2,m,b\np5,m,e\n");
    return out;
}

json estimate(const Scratch& s, std::vector<std::string> args) {
    args.push_back("--json");
    const ProcessResult r = run_tool(s, args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.output);
}

}  // namespace

TEST_CASE("cluster estimate: list scheduling in array order, LPT and the lower bound, by hand") {
    Scratch s("sx-cluster-estimate");
    const std::string cmp = make_compare(s);

    // No overhead, no ticks, 1 node x 2 cores. In order (2, 4, 1, 3): slot A runs 2 then 1
    // (ends 3) then 3 (ends 6), slot B runs 4: 6 s. LPT (4, 3, 2, 1): A 4 then 1 = 5, B 3 then
    // 2 = 5: 5 s. Bound max(4, 10 / 2) = 5.
    json j = estimate(s, {cmp, "--nodes", "1", "--cores", "2", "--overhead", "0", "--tick", "0"});
    CHECK(j["points"] == 4);
    CHECK(j["skipped"].size() == 1);
    CHECK(j["work_s"].get<double>() == Approx(10));
    CHECK(j["max_point_s"].get<double>() == Approx(4));
    REQUIRE(j["estimates"].size() == 1);
    const json& e = j["estimates"][0];
    CHECK(e["slots"] == 2);
    CHECK(e["tasks"] == 4);
    CHECK(e["in_order_s"].get<double>() == Approx(6));
    CHECK(e["lpt_s"].get<double>() == Approx(5));
    CHECK(e["lower_bound_s"].get<double>() == Approx(5));

    // 0.5 s per task, starts on 3 s ticks: tasks 2.5, 4.5, 1.5, 3.5 in order. A: 0-2.5, then the
    // tick at 3: 3-4.5, B: 0-4.5, then the tick at 6: 6-9.5 -> 9.5 s. LPT 4.5, 3.5, 2.5, 1.5:
    // 0-4.5 | 0-3.5, then 6-8.5 | 6-7.5 -> 8.5 s. Bound max(4.5, 12 / 2) = 6 (no ticks).
    j = estimate(s, {cmp, "--nodes", "1", "--cores", "2", "--overhead", "0.5", "--tick", "3"});
    CHECK(j["estimates"][0]["in_order_s"].get<double>() == Approx(9.5));
    CHECK(j["estimates"][0]["lpt_s"].get<double>() == Approx(8.5));
    CHECK(j["estimates"][0]["lower_bound_s"].get<double>() == Approx(6));

    // 2 points per task in list order: tasks 2 + 4 = 6 and 1 + 3 = 4 on 2 slots: 6 s, bound
    // max(6, 10 / 2) = 6.
    j = estimate(s, {cmp, "--nodes", "1", "--cores", "2", "--overhead", "0", "--tick", "0", "--points-per-task", "2"});
    CHECK(j["estimates"][0]["tasks"] == 2);
    CHECK(j["estimates"][0]["in_order_s"].get<double>() == Approx(6));
    CHECK(j["estimates"][0]["lower_bound_s"].get<double>() == Approx(6));

    // Nodes x cores give the slots, at most one per task; an array limit caps them; --fixed is
    // added once; --speed divides the point times. 4 x 1 and 3 x 2 (6 slots, 4 tasks): every
    // task at once: 4 s. Array limit 1: one after another, 10 s, + 10 s fixed = 20 s.
    // Speed 2 with 2 slots: half of 6 s = 3 s.
    j = estimate(s, {cmp, "--nodes", "4,3", "--cores", "1,2", "--overhead", "0", "--tick", "0"});
    REQUIRE(j["estimates"].size() == 4);
    for (const auto& x : j["estimates"]) {
        if (x["nodes"].get<int>() * x["cores"].get<int>() < 4) continue;
        CHECK(x["slots"] == 4);
        CHECK(x["in_order_s"].get<double>() == Approx(4));
    }
    j = estimate(s, {cmp, "--nodes", "8", "--cores", "8", "--overhead", "0", "--tick", "0", "--array-limit", "1",
                     "--fixed", "10"});
    CHECK(j["estimates"][0]["slots"] == 1);
    CHECK(j["estimates"][0]["in_order_s"].get<double>() == Approx(20));
    j = estimate(s, {cmp, "--nodes", "1", "--cores", "2", "--overhead", "0", "--tick", "0", "--speed", "2"});
    CHECK(j["estimates"][0]["in_order_s"].get<double>() == Approx(3));

    // Several folders (and a folder holding output folders, like three_way.py's): their points
    // together. A second compare with one 5 s point under a parent folder: 5 points, 15 s.
    add_point(s.path("parent/net2"), "q1", "ok", 5);
    j = estimate(s, {cmp, s.path("parent"), "--nodes", "1", "--cores", "1", "--overhead", "0", "--tick", "0"});
    CHECK(j["points"] == 5);
    CHECK(j["work_s"].get<double>() == Approx(15));
    CHECK(j["estimates"][0]["in_order_s"].get<double>() == Approx(15));

    // The timing record OUT/<prefix>times.csv (what sxsim writes: the tables carry no wall
    // time) gives the times; point.json's wall_s only for folders without it. A sweep whose
    // point.json files say 100 s but whose sweep_times.csv says 1 s and 2 s (r2 failed there,
    // so it is skipped): 1 point, 1 s.
    add_point(s.path("sw"), "r1", "ok", 100);
    add_point(s.path("sw"), "r2", "ok", 100);
    write_file(s.path("sw") + "/sweep_times.csv", "point_id,backend,wall_s,status\nr1,slurm,1,ok\nr2,local,2,failed\n");
    j = estimate(s, {s.path("sw"), "--nodes", "1", "--cores", "1", "--overhead", "0", "--tick", "0"});
    CHECK(j["points"] == 1);
    CHECK(j["skipped"].size() == 1);
    CHECK(j["work_s"].get<double>() == Approx(1));

    // The plain-text table says it is an estimate.
    const ProcessResult r = run_tool(s, {cmp});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("ESTIMATE") != std::string::npos);
}

TEST_CASE("cluster estimate: bad arguments exit 2 with a message naming the option or folder") {
    Scratch s("sx-cluster-estimate-bad");
    const std::string cmp = make_compare(s);
    fs::create_directories(s.path("empty"));
    struct Bad {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Bad> cases = {
        {{cmp, "--nodes", "0"}, "--nodes"},
        {{cmp, "--nodes", "two"}, "--nodes"},
        {{cmp, "--cores", "1,-2"}, "--cores"},
        {{cmp, "--overhead", "-1"}, "--overhead"},
        {{cmp, "--tick", "-3"}, "--tick"},
        {{cmp, "--fixed", "-1"}, "--fixed"},
        {{cmp, "--points-per-task", "0"}, "--points-per-task"},
        {{cmp, "--array-limit", "-1"}, "--array-limit"},
        {{cmp, "--speed", "0"}, "--speed"},
        {{s.path("none")}, s.path("none") + ": is not a folder"},
        {{s.path("empty")}, s.path("empty") + ": holds no points"},
        {{cmp, "--bogus"}, "unrecognized arguments: --bogus"},
    };
    for (const auto& c : cases) {
        const ProcessResult r = run_tool(s, c.args);
        INFO(command_line(c.args) << "\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find(c.says) != std::string::npos);
        CHECK(r.output.find("Traceback") == std::string::npos);
    }
}

TEST_CASE("cluster estimate: a sweep folder's points in the order of its sweep_networks.csv") {
    // A sweep lists its points in sweep_networks.csv (a compare in runs_networks.csv); before
    // the fix only the latter was read and a sweep's points went in id order. Points a..d of
    // 10, 10, 1 and 1 s, listed b, c, a, d (10, 1, 10, 1). 2 points per task, no overhead, no
    // ticks, 2 slots: in listing order the tasks are (b, c) 11 s and (a, d) 11 s: 11 s; in id
    // order (a, b) 20 s and (c, d) 2 s would give 20 s.
    Scratch s("sx-cluster-estimate-sweep");
    const std::string out = s.path("sweep");
    add_point(out, "a", "ok", 10);
    add_point(out, "b", "ok", 10);
    add_point(out, "c", "ok", 1);
    add_point(out, "d", "ok", 1);
    write_file(out + "/sweep_networks.csv", "point_id,model,status\nb,m,ok\nc,m,ok\na,m,ok\nd,m,ok\n");
    json j = estimate(s, {out, "--nodes", "1", "--cores", "2", "--overhead", "0", "--tick", "0", "--points-per-task", "2"});
    REQUIRE(j["estimates"].size() == 1);
    CHECK(j["estimates"][0]["tasks"] == 2);
    CHECK(j["estimates"][0]["in_order_s"].get<double>() == Approx(11));
}
