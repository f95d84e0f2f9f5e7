// The launch-order heuristic (sw/workflow/point_cost.h): costs from workload MACs x a
// per-dataflow factor, longest-first order, and the LPT slices of the Slurm backend. Expected
// values derived by hand in the comments.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sw/workflow/point_cost.h"
#include "sw/workflow/point_runner.h"

using namespace sx;

namespace {

using Slices = std::vector<std::vector<std::size_t>>;

SimPoint point(const std::string& design, const std::string& model) {
    SimPoint p;
    p.arch = std::string(SX_SOURCE_DIR) + "/configs/" + design + ".json";
    p.model = std::string(SX_SOURCE_DIR) + "/models/" + model;
    return p;
}

}  // namespace

TEST_CASE("point cost: longest first is a stable sort by decreasing cost") {
    CHECK(longest_first({1, 5, 3, 5, 0}) == std::vector<std::size_t>{1, 3, 2, 0, 4});
    CHECK(longest_first({}).empty());
}

TEST_CASE("point cost: LPT slices by hand") {
    // One point per task: one slice per point, longest first.
    CHECK(lpt_slices({2, 4, 1, 3}, 1) == Slices{{1}, {3}, {0}, {2}});
    // 2 per task, costs 2 4 1 3 -> 2 slices. By decreasing cost: 4 (index 1) -> slice A;
    // 3 (index 3) -> B (load 0 < 4); 2 (index 0) -> B (3 < 4); 1 (index 2) -> A (room only there:
    // B is full). A = {1, 2} total 5, B = {3, 0} total 5: equal, A first (stable).
    CHECK(lpt_slices({2, 4, 1, 3}, 2) == Slices{{1, 2}, {3, 0}});
    // 2 per task, costs 10 1 1 1 1 -> 3 slices: 10 -> A, 1 -> B, 1 -> C, 1 -> B (1 < 10, B before
    // C on a tie), 1 -> C. Totals A 10, B 2, C 2.
    CHECK(lpt_slices({10, 1, 1, 1, 1}, 2) == Slices{{0}, {1, 3}, {2, 4}});
    // 3 per task on 9 8 7 1 1 1: consecutive slices would cost 24 and 3. LPT: 9 -> A, 8 -> B,
    // 7 -> B (8 < 9: 15), 1 -> A (10), 1 -> A (11, now full), 1 -> B (16): B = 16 first, A = 11.
    CHECK(lpt_slices({9, 8, 7, 1, 1, 1}, 3) == Slices{{1, 2, 5}, {0, 3, 4}});
    CHECK(lpt_slices({}, 3).empty());
}

TEST_CASE("point cost: the bundled networks and designs, MACs x the dataflow factor") {
    // VGG-16 has more MACs than ResNet-50 (15.5 G vs 4.1 G); per MAC SCNN is the slowest to
    // simulate, then Eyeriss, then SmartExchange (ResNet-50 dense MACs / CPU-s, --check: 309 M,
    // 523 M, 619 M).
    const std::vector<SimPoint> pts = {point("smartexchange", "resnet50.json"), point("eyeriss", "resnet50.json"),
                                       point("scnn", "resnet50.json"), point("scnn", "vgg16.json"),
                                       point("scnn", "no-such-model.json")};
    std::vector<const SimPoint*> ptr;
    for (const auto& p : pts) ptr.push_back(&p);
    const std::vector<double> c = estimate_point_costs(ptr);
    REQUIRE(c.size() == 5);
    CHECK(c[0] > 0);
    CHECK(c[1] > c[0]);
    CHECK(c[2] > c[1]);
    CHECK(c[3] > c[2]);
    CHECK(c[4] == 0);  // unreadable: launched last, the child reports the error
    // SCNN / SmartExchange on the same workload: 619 / 309.
    CHECK(c[2] / c[0] == Approx(619.0 / 309.0));
    CHECK(dataflow_cost_factor("no-such-dataflow") == 2.0);
}
