// Writes the seed weight images of the fuzz_image corpus: synthetic images of the tiny
// workload (tests/fuzz/data/tiny_workload.json) and of single-layer cuts of it, so the seeds
// are small (libFuzzer mutates small inputs far faster) yet cover decomposed 3x3, 1x1/FC and
// raw layers. Usage: make_seed_images <output dir>
#include <cstdio>
#include <string>

#include "sw/image/image_writer.h"
#include "sw/image/synthetic_image.h"
#include "sw/workload/workload.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <output dir>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const sx::Workload full = sx::load_workload(SX_SOURCE_DIR "/tests/fuzz/data/tiny_workload.json");
    sx::write_image(sx::make_synthetic_image(full, 1, {}), dir + "/tiny-all-layers.sxw");
    for (const sx::Layer& l : full.layers) {
        if (!l.is_compute()) continue;
        sx::Workload one = full;
        one.layers = {l};
        sx::write_image(sx::make_synthetic_image(one, 7, {}), dir + "/tiny-" + l.name + ".sxw");
    }
    return 0;
}
