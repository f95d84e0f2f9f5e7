// Row-stationary mapper: the chip's AlexNet mappings (Chen et al., JSSC 2017) follow from the
// rules, and the scratchpad / GLB limits hold for every bundled network.
#include <catch2/catch.hpp>

#include <iostream>

#include "hw/eyeriss/rs_mapper.h"
#include "sw/workload/workload.h"

using namespace sx;
using namespace sx::eyeriss;

namespace {
// 64-bit link at 60 MHz (single data rate, 480 MB/s) seen from the 200 MHz core.
constexpr double kLink = 8.0 * 60.0 / 200.0;

Workload alexnet4() {
    Workload w = load_workload(std::string(SX_SOURCE_DIR) + "/models/alexnet.json");
    w.set_batch(4);
    return w;
}
}  // namespace

TEST_CASE("AlexNet CONV1-5 mappings reproduce the chip's set shapes and active PEs") {
    const Workload w = alexnet4();
    const EyerissParams prm;
    const RsMapping c1 = map_layer(*w.find("conv1"), prm, kLink);
    const RsMapping c2 = map_layer(*w.find("conv2"), prm, kLink);
    const RsMapping c3 = map_layer(*w.find("conv3"), prm, kLink);
    const RsMapping c4 = map_layer(*w.find("conv4"), prm, kLink);
    const RsMapping c5 = map_layer(*w.find("conv5"), prm, kLink);
    for (const RsMapping* m : {&c1, &c2, &c3, &c4, &c5}) std::cout << m->describe() << "\n";
    // CONV1 11x55 strip-mined to 11x7; two sets side by side: 2 x 11 x 7 = 154 PEs.
    CHECK(c1.set_h == 11);
    CHECK(c1.e == 7);
    CHECK(c1.strips == 8);
    CHECK(c1.active_pes == 154);
    // CONV2 5x27 split into 5x14 + 5x13 stacked: 5 x 27 = 135 PEs.
    CHECK(c2.set_h == 5);
    CHECK(c2.e == 27);
    CHECK(c2.pieces == 2);
    CHECK(c2.active_pes == 135);
    // CONV3-5: 3x13 sets, four of them (12 rows / 3, 14 cols / 13): 4 x 39 = 156 PEs.
    for (const RsMapping* m : {&c3, &c4, &c5}) {
        CHECK(m->set_h == 3);
        CHECK(m->e == 13);
        CHECK(m->r * m->t == 4);
        CHECK(m->active_pes == 156);
    }
}

TEST_CASE("every mapping respects the scratchpads, the GLB banks and the filter GLB") {
    const EyerissParams prm;
    for (const char* net : {"alexnet", "vgg16", "resnet18", "resnet50", "mobilenetv2", "vgg11_cifar10"}) {
        Workload w = load_workload(std::string(SX_SOURCE_DIR) + "/models/" + net + ".json");
        w.set_batch(2);
        for (const Layer& l : w.layers) {
            if (!l.is_compute()) continue;
            const RsMapping m = map_layer(l, prm, kLink);
            INFO(net << " " << l.name << ": " << m.describe());
            CHECK(m.p * m.q * m.S <= prm.spad_filter);
            CHECK(m.q * m.S <= prm.spad_ifmap);
            CHECK(m.p <= prm.spad_psum);
            CHECK(m.ifmap_banks * m.ifmap_slots + m.psum_banks <= prm.glb_banks);
            CHECK((m.ifmap_slots == 1 || m.ifmap_slots == 2 || m.ifmap_slots == m.acc_blocks()));
            CHECK(m.filter_pass_bytes <= prm.filter_glb_bytes);
            CHECK(m.r * m.t <= m.sets);
            CHECK(m.active_pes <= prm.rows * prm.cols);
            CHECK(m.active_pes >= 1);
            CHECK(static_cast<int64_t>(m.strips) * m.e >= m.E);
            CHECK(m.m % (m.p * m.t) == 0);
        }
    }
}

TEST_CASE("a filter wider than the ifmap scratchpad has no mapping") {
    Layer l;
    l.name = "wide";
    l.C = 1;
    l.K = 1;
    l.H = l.W = 20;
    l.R = l.S = 13;
    CHECK_THROWS(map_layer(l, EyerissParams{}, kLink));
}
