// Synthetic images: reproducible, densities as requested, shapes as the layer plan says.
#include <catch2/catch.hpp>

#include <cmath>

#include "sw/image/image_writer.h"
#include "sw/image/layer_plan.h"
#include "sw/image/synthetic_image.h"
#include "tests/sw/image/image_test_workloads.h"

using namespace sx;

static Workload small_workload() {
    return test::image_test_workload("synthetic-test", "", 14,
                                     {{"conv1", LayerType::Conv, 3, 32, 7, 1},             // raw
                                      {"conv3x3", LayerType::Conv, 160, 128, 3, 1},        // 4 blocks of 40 channels
                                      {"dw", LayerType::Conv, 128, 128, 3, 128},           // raw (depthwise)
                                      {"pool", LayerType::MaxPool, 128, 128, 2, 1},        // not a compute layer
                                      {"fc", LayerType::FullyConnected, 1000, 100, 1, 1}});  // 334 rows, 2 blocks
}

static bool same(const ImageLayer& a, const ImageLayer& b) {
    if (a.blocks.size() != b.blocks.size()) return false;
    for (std::size_t i = 0; i < a.blocks.size(); ++i) {
        const auto &x = a.blocks[i], &y = b.blocks[i];
        if (std::memcmp(x.basis, y.basis, 9) || x.first_row != y.first_row || x.rows != y.rows ||
            x.rebuild_shift != y.rebuild_shift || x.scale != y.scale)
            return false;
    }
    return a.row_bitmap == b.row_bitmap && a.ce_codes == b.ce_codes && a.raw == b.raw &&
           a.raw_scale == b.raw_scale;
}

TEST_CASE("synthetic images are reproducible from the seed", "[image][synthetic]") {
    const Workload w = small_workload();
    const WeightImage a = make_synthetic_image(w, 7, {});
    const WeightImage b = make_synthetic_image(w, 7, {});
    const WeightImage c = make_synthetic_image(w, 8, {});
    REQUIRE(a.layers.size() == 4);
    bool any_diff = false;
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
        CHECK(same(a.layers[i], b.layers[i]));
        any_diff = any_diff || !same(a.layers[i], c.layers[i]);
        CHECK(a.layers[i].synthetic);
    }
    CHECK(any_diff);
}

TEST_CASE("synthetic image shapes follow the layer plan", "[image][synthetic]") {
    const WeightImage img = make_synthetic_image(small_workload(), 1, {});
    CHECK(img.find("pool") == nullptr);
    CHECK(img.find("conv1")->kind == ImageLayerKind::Raw);
    CHECK(img.find("conv1")->raw.size() == 32u * 3 * 49);
    CHECK(img.find("dw")->kind == ImageLayerKind::Raw);
    CHECK(img.find("dw")->raw.size() == 128u * 9);
    const ImageLayer* c = img.find("conv3x3");
    REQUIRE(c->kind == ImageLayerKind::Decomposed);
    CHECK(c->rows_per_filter == 480);
    CHECK(c->blocks_per_filter == 4);
    CHECK(c->blocks.size() == 128u * 4);
    CHECK(c->blocks[3].first_row == 360);
    CHECK(c->ce_codes.size() == (c->nonzero_rows() * 3 + 1) / 2);
    CHECK(decode_int8(*c).size() == 128u * 160 * 9);
    const ImageLayer* fc = img.find("fc");
    CHECK(fc->rows_per_filter == 334);
    CHECK(fc->blocks_per_filter == 2);
}

static void check_densities(const ImageLayer& l, double row, double elem) {
    const double rd = double(l.nonzero_rows()) / double(l.total_rows());
    uint64_t nz = 0;
    for (uint64_t r = 0; r < l.nonzero_rows(); ++r)
        for (int t = 0; t < 3; ++t) nz += l.ce_code(r, t) != 0;
    const double ed = double(nz) / double(3 * l.nonzero_rows());
    // 61440 rows: binomial standard deviation of the row density < 0.002; 0.02 is > 10 sigma.
    CHECK(std::abs(rd - row) < 0.02);
    CHECK(std::abs(ed - elem) < 0.02);
}

TEST_CASE("synthetic densities follow defaults, workload stats and overrides", "[image][synthetic]") {
    Workload w = small_workload();
    {
        const WeightImage img = make_synthetic_image(w, 3, {});
        check_densities(*img.find("conv3x3"), kSyntheticRowDensity, kSyntheticElementDensity);
        // raw default dense: every raw weight non-zero
        for (int8_t v : img.find("conv1")->raw) REQUIRE(v != 0);
    }
    {
        SyntheticDensities d;
        d.row_density = 0.4;
        d.element_density = 0.5;
        const WeightImage img = make_synthetic_image(w, 3, d);
        check_densities(*img.find("conv3x3"), 0.4, 0.5);
    }
    {
        // stats.weight_density 0.35 with the default element density 0.7 -> row density 0.5
        w.layers[1].stats.weight_density = 0.35;
        w.layers[0].stats.weight_density = 0.5;
        const WeightImage img = make_synthetic_image(w, 3, {});
        check_densities(*img.find("conv3x3"), 0.5, 0.7);
        const auto& raw = img.find("conv1")->raw;
        double nz = 0;
        for (int8_t v : raw) nz += v != 0;
        CHECK(std::abs(nz / raw.size() - 0.5) < 0.05);  // 4704 weights: sigma 0.007
    }
}

TEST_CASE("synthetic rebuild shifts avoid saturation", "[image][synthetic]") {
    // The generator picks the smallest shift with no saturated weight, so at most a few
    // rebuilt values reach the int8 limits, and a shift one smaller would saturate.
    const WeightImage img = make_synthetic_image(small_workload(), 11, {});
    const ImageLayer& l = *img.find("conv3x3");
    const auto w = decode_int8(l);
    uint64_t at_limit = 0;
    for (int8_t v : w) at_limit += (v == 127 || v == -128);
    CHECK(double(at_limit) / w.size() < 0.001);
    int max_abs = 0;
    for (int8_t v : w) max_abs = std::max(max_abs, std::abs(int(v)));
    CHECK(max_abs >= 64);  // weights use the int8 range (otherwise the shift is too large)
}

// `sxsim run --layer` builds only the selected layers' synthetic weights: each layer's bytes
// must be those of the whole-network image (its generator is seeded from the seed and its index
// in the whole workload, and reads no other layer), for both generators and any selection.
TEST_CASE("a layer's synthetic weights are byte-identical whether or not the other layers are built",
          "[image][synthetic]") {
    const Workload w = small_workload();
    using Make = WeightImage (*)(const Workload&, uint64_t, const SyntheticDensities&, const std::vector<bool>*);
    for (Make make : {Make{make_synthetic_image}, Make{make_unstructured_image}}) {
        const WeightImage full = make(w, 11, {}, nullptr);
        REQUIRE(full.layers.size() == 4);
        const auto bytes_of = [&](const ImageLayer& l) {
            WeightImage one;
            one.network = full.network;
            one.layers.push_back(l);
            return serialize_image(one);
        };
        // Each compute layer alone, then conv3x3 + fc together (indices 1 and 4; pool is 3).
        const std::vector<std::vector<std::size_t>> selections = {{0}, {1}, {2}, {4}, {1, 4}};
        for (const auto& sel : selections) {
            std::vector<bool> mask(w.layers.size(), false);
            for (std::size_t i : sel) mask[i] = true;
            const WeightImage part = make(w, 11, {}, &mask);
            REQUIRE(part.layers.size() == sel.size());
            for (std::size_t k = 0; k < sel.size(); ++k) {
                const std::string& name = w.layers[sel[k]].name;
                INFO(name);
                REQUIRE(part.layers[k].name == name);
                const ImageLayer* whole = full.find(name);
                REQUIRE(whole != nullptr);
                CHECK(bytes_of(part.layers[k]) == bytes_of(*whole));
            }
        }
        // A mask selecting only the pooling layer builds nothing (not a compute layer).
        std::vector<bool> pool_only(w.layers.size(), false);
        pool_only[3] = true;
        CHECK(make(w, 11, {}, &pool_only).layers.empty());
    }
}
