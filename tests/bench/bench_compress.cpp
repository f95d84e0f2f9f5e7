// Compressor benchmark (not a ctest): ResNet-50-sized weights (shapes from models/resnet50.json,
// about 25.5 M parameters), Gaussian with He-initialisation scale sqrt(2 / fan_in), compressed
// with the default knobs. Prints the wall time, CPU time per layer type, peak RSS and the
// compression summary. Usage: bench_compress [threads] [workload.json]
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include "sw/compress/compress_report.h"
#include "sw/compress/compressor.h"
#include "sw/image/layer_plan.h"
#include "sw/workload/workload.h"

using namespace sx;

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const std::string path = argc > 2 ? argv[2] : std::string(SX_SOURCE_DIR) + "/models/resnet50.json";
    const Workload w = load_workload(path);

    const auto g0 = std::chrono::steady_clock::now();
    WeightMap weights;
    std::mt19937_64 g(1);
    uint64_t params = 0;
    for (const Layer& l : w.layers) {
        if (!l.is_compute()) continue;
        const double fan_in = double(l.C / l.groups) * l.R * l.S;
        std::normal_distribution<float> n(0.0f, static_cast<float>(std::sqrt(2.0 / fan_in)));
        std::vector<float> v(static_cast<std::size_t>(l.weights()));
        for (float& x : v) x = n(g);
        params += v.size();
        weights[l.name] = std::move(v);
    }
    const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();

    CompressKnobs knobs;
    knobs.threads = threads;
    const CompressResult r = compress_weights(w, weights, knobs, path);

    std::map<std::string, std::pair<double, uint64_t>> by_type;  // cpu seconds, params
    for (std::size_t i = 0; i < r.report.layers.size(); ++i) {
        const LayerReport& lr = r.report.layers[i];
        const Layer* l = w.find(lr.name);
        std::string type = lr.kind == "raw" ? "raw (7x7/depthwise)"
                           : l->type == LayerType::FullyConnected ? "fc"
                           : l->R == 3 ? "conv 3x3" : "conv 1x1";
        by_type[type].first += lr.seconds;
        by_type[type].second += lr.params;
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);

    std::printf("bench_compress: %s, %.2f M parameters, %d thread(s)\n", w.name.c_str(), params / 1e6, threads);
    std::printf("  weight generation  %.2f s (not counted)\n", gen_s);
    std::printf("  compression wall   %.2f s\n", r.report.wall_seconds);
    for (const auto& [type, v] : by_type)
        std::printf("  cpu %-20s %7.2f s  (%.2f M params)\n", type.c_str(), v.first, v.second / 1e6);
    std::printf("  peak RSS           %.1f MiB\n", ru.ru_maxrss / 1024.0);
    const LayerReport& t = r.report.total;
    std::printf("  image %.2f MiB, compression %.2fx vs fp32, %.2f bits/weight, rel. error %.4f (float %.4f)\n",
                t.image_bytes / 1048576.0, t.compression, t.bits_per_weight, t.rel_error, t.rel_error_float);
    std::printf("  Ce row sparsity %.4f, element sparsity %.4f, mean iterations %.1f, blocks %llu\n", t.row_sparsity,
                t.element_sparsity, t.iterations_mean, static_cast<unsigned long long>(t.blocks));
    return 0;
}
