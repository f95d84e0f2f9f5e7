#include "sw/cli/cmd_compress.h"

#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sw/cli/model_input.h"
#include "sw/cli/option_checks.h"
#include "sw/common/error.h"
#include "sw/compress/compress_report.h"
#include "sw/compress/compressor.h"
#include "sw/image/image_writer.h"
#include "sw/image/synthetic_image.h"
#include "sw/io/npy.h"
#include "sw/io/onnx_model.h"

namespace sx {

namespace {

struct CompressArgs {
    std::string onnx;        // positional model.onnx
    std::string model;       // --model models/x.json (or .onnx)
    std::string weights;     // --weights w.npz
    std::string out;
    std::string config;
    std::string report;
    std::string input_shape;  // ONNX: shape of the graph input (symbolic dimensions)
    bool synthetic = false;
    uint64_t seed = 1;
    std::optional<double> row_density, element_density, raw_density;
    // knob overrides
    std::optional<double> theta, tolerance;
    std::optional<int> iterations, exponent_levels, max_exponent, ce_bits, basis_bits, raw_bits, threads;
    std::optional<uint32_t> block_channels;
    bool structural = false;
};

Workload load_model(const std::string& path, const std::string& input_shape) {
    return load_model_input(path, ModelShapeArgs{0, input_shape});
}

void run(const CompressArgs& a) {
    if (a.out.empty()) throw InputError("", "-o", "an output .sxw path");
    CompressKnobs knobs;
    if (!a.onnx.empty()) require_file(a.onnx, "ONNX model", "the model.onnx argument");
    if (!a.model.empty()) require_file(a.model, "workload", "--model");
    if (!a.weights.empty()) require_file(a.weights, "weight array (.npz or .npy)", "--weights");
    if (!a.config.empty()) require_file(a.config, "compressor configuration", "--config");
    if (!a.config.empty()) knobs = load_knobs(a.config);
    if (a.theta) knobs.theta = *a.theta;
    if (a.tolerance) knobs.tolerance = *a.tolerance;
    if (a.iterations) knobs.iterations = *a.iterations;
    if (a.exponent_levels) knobs.exponent_levels = *a.exponent_levels;
    if (a.max_exponent) knobs.max_exponent = *a.max_exponent;
    if (a.ce_bits) knobs.ce_bits = *a.ce_bits;
    if (a.basis_bits) knobs.basis_bits = *a.basis_bits;
    if (a.raw_bits) knobs.raw_bits = *a.raw_bits;
    if (a.threads) knobs.threads = *a.threads;
    if (a.block_channels) knobs.block_channels = *a.block_channels;
    if (a.structural) knobs.structural = true;
    knobs.validate(a.config.empty() ? "command line" : a.config + " / command line");

    const int sources = int(!a.onnx.empty()) + int(!a.weights.empty()) + int(a.synthetic);
    if (sources != 1)
        throw InputError("", "arguments", "exactly one weight source: model.onnx, --weights w.npz --model m.json, "
                         "or --synthetic --model m.json");
    CompressReport report;
    WeightImage image;
    if (a.synthetic) {
        if (a.model.empty()) throw InputError("", "--model", "a workload (models/*.json or .onnx) for --synthetic");
        const Workload w = load_model(a.model, a.input_shape);
        SyntheticDensities d;
        d.row_density = a.row_density;
        d.element_density = a.element_density;
        d.raw_density = a.raw_density;
        d.block_channels = knobs.block_channels;
        image = make_synthetic_image(w, a.seed, d);
        report = report_image(image);
    } else {
        Workload w;
        std::map<std::string, std::vector<float>> weights;
        std::string origin;
        if (!a.onnx.empty()) {
            OnnxImportOptions opt;
            if (!a.input_shape.empty()) opt.input_shape = parse_input_shape(a.input_shape, "--input-shape");
            OnnxModel m = load_onnx(a.onnx, opt);
            for (const auto& warning : m.warnings) std::fprintf(stderr, "warning: %s: %s\n", a.onnx.c_str(), warning.c_str());
            for (const auto& note : m.workload.notes) std::fprintf(stderr, "note: %s: %s\n", a.onnx.c_str(), note.c_str());
            w = std::move(m.workload);
            weights = std::move(m.weights);
            origin = a.onnx;
        } else {
            if (a.model.empty()) throw InputError(a.weights, "--model", "a workload (models/*.json) naming the layers of --weights");
            w = load_model(a.model, a.input_shape);
            weights = load_weight_arrays(a.weights, w);
            origin = a.weights;
        }
        CompressResult r = compress_weights(w, weights, knobs, origin);
        image = std::move(r.image);
        report = std::move(r.report);
    }
    write_image(image, a.out);
    std::printf("%s", report_table(report).c_str());
    const std::string note = report.synthetic ? ", synthetic weights, seed " + std::to_string(a.seed) : "";
    std::printf("image: %s (%llu bytes%s)\n", a.out.c_str(), static_cast<unsigned long long>(report.total.image_bytes),
                note.c_str());
    if (!a.report.empty()) {
        write_report_csv(report, a.report);
        std::printf("report: %s\n", a.report.c_str());
    }
}

}  // namespace

void add_compress_command(CLI::App& app) {
    auto args = std::make_shared<CompressArgs>();
    CLI::App* c = app.add_subcommand("compress", "Compress weights into a SmartExchange weight image (.sxw)");
    c->add_option("onnx", args->onnx, "ONNX model whose Conv/Gemm/MatMul weights are compressed");
    c->add_option("--model", args->model, "workload (models/*.json or .onnx) for --weights / --synthetic");
    c->add_option("--weights", args->weights, ".npz (one array per layer, named as in the workload) or .npy");
    c->add_option("-o,--out", args->out, "output weight image (.sxw)")->required();
    c->add_option("--config", args->config, "JSON file of compressor knobs (docs/compressor.md)");
    c->add_option("--report", args->report, "write the per-layer report as CSV");
    add_input_shape_option(c, args->input_shape);
    c->add_flag("--synthetic", args->synthetic, "generate weights with target densities (no trained model)");
    c->add_option("--seed", args->seed, "seed of --synthetic (default 1)");
    c->add_option("--row-density", args->row_density, "--synthetic: fraction of non-zero Ce rows")->check(finite_range(0.0, 1.0));
    c->add_option("--element-density", args->element_density, "--synthetic: fraction of non-zero codes in a non-zero row")
        ->check(finite_range(1.0 / 3.0, 1.0));
    c->add_option("--raw-density", args->raw_density, "--synthetic: fraction of non-zero raw weights")->check(finite_range(0.0, 1.0));
    c->add_option("--theta", args->theta, "sparsity threshold relative to the layer's max |w| (default 0.02; docs/compressor.md)");
    c->add_option("--iterations", args->iterations, "maximum alternating iterations per block (default 30)");
    c->add_option("--tolerance", args->tolerance, "relative change of Q that stops the loop (default 1e-6)");
    c->add_option("--block-channels", args->block_channels, "input channels per 3x3 block (default 64)");
    c->add_flag("--structural", args->structural, "share zero Ce rows across groups of 32 filters");
    c->add_option("--exponent-levels", args->exponent_levels, "powers of two per block (1..7, default 7)");
    c->add_option("--max-exponent", args->max_exponent, "largest Ce exponent relative to the weight RMS (default 5)");
    c->add_option("--ce-bits", args->ce_bits, "Ce code bits 2..4 (default 4)");
    c->add_option("--basis-bits", args->basis_bits, "basis bits 2..8 (default 8)");
    c->add_option("--raw-bits", args->raw_bits, "raw weight bits 2..8 (default 8)");
    c->add_option("--threads", args->threads, "worker threads (default 2); the output does not depend on it");
    c->callback([args] { run(*args); });
}

}  // namespace sx
