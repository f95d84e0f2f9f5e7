// The three-objective Pareto set of sweep tables (sw/workflow/pareto.h), on hand-made tables.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sw/workflow/pareto.h"

using namespace sx;

TEST_CASE("Pareto set: dominated points out, trade-offs and ties in") {
    // (latency, energy, area)
    const std::vector<std::vector<double>> p = {
        {1, 9, 5},  // 0: fastest
        {9, 1, 5},  // 1: least energy
        {5, 5, 1},  // 2: smallest
        {5, 5, 5},  // 3: dominated by 2 (same latency, energy; larger)
        {9, 9, 9},  // 4: dominated by everything
        {5, 5, 1},  // 5: equal to 2: neither dominates the other, both stay
        {1, 9, 6},  // 6: dominated by 0 on area alone
    };
    CHECK(pareto_set(p) == std::vector<bool>{true, true, true, false, false, true, false});
    CHECK(pareto_set({}).empty());
    CHECK(pareto_set({{3, 3, 3}}) == std::vector<bool>{true});
    // Two objectives would drop point 2 if area were ignored: with area it is on the front.
    CHECK(pareto_set({{1, 1, 9}, {2, 2, 1}}) == std::vector<bool>{true, true});
}

TEST_CASE("mark_pareto: per workload, failed and incomplete rows left empty") {
    RecordTable t;
    auto row = [&](const char* id, const char* model, const char* status, const char* lat, const char* e,
                   const char* area) {
        t.add({{"point_id", id}, {"model", model}, {"status", status}, {"latency_us", lat}, {"energy_total_pj", e},
               {"area_mm2", area}});
    };
    row("a", "alexnet", "ok", "10", "100", "2");    // front: fast
    row("b", "alexnet", "ok", "20", "50", "2");     // front: low energy
    row("c", "alexnet", "ok", "20", "100", "2");    // dominated by a and b
    row("d", "alexnet", "ok", "30", "100", "1");    // front: smallest
    row("e", "alexnet", "failed", "", "", "");      // not compared
    row("f", "resnet", "ok", "40", "400", "2");     // its own workload: front there although slower
    row("g", "alexnet", "ok", "5", "1", "");        // no area (old trace): not compared
    row("h", "alexnet", "timeout", "1", "1", "1");  // not ok: would dominate everything if compared
    mark_pareto(t, sweep_objectives(), "model");
    CHECK(t.columns().back() == "pareto");
    CHECK(t.get(0, "pareto") == "true");
    CHECK(t.get(1, "pareto") == "true");
    CHECK(t.get(2, "pareto") == "false");
    CHECK(t.get(3, "pareto") == "true");
    CHECK(t.get(4, "pareto") == "");
    CHECK(t.get(5, "pareto") == "true");
    CHECK(t.get(6, "pareto") == "");
    CHECK(t.get(7, "pareto") == "");
    // Recomputed, not appended: a new faster, cheaper, smaller point takes the front alone.
    row("i", "alexnet", "ok", "1", "1", "0.5");
    mark_pareto(t, sweep_objectives(), "model");
    CHECK(t.get(0, "pareto") == "false");
    CHECK(t.get(8, "pareto") == "true");
    CHECK(t.get(5, "pareto") == "true");
    CHECK(std::count(t.columns().begin(), t.columns().end(), "pareto") == 1);
}
