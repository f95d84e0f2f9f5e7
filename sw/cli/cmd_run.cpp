#include "sw/cli/cmd_run.h"

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hw/sim/simulate.h"
#include "sw/cli/console.h"
#include "sw/cli/model_input.h"
#include "sw/common/error.h"
#include "sw/config/arch_config.h"
#include "sw/trace/trace_writer.h"

namespace sx {

namespace {

struct RunArgs {
    std::string arch;
    std::string model;
    std::string out;
    std::string weights;
    std::string activations;
    std::string vcd;
    std::string vcd_layer;
    std::string layer;
    std::vector<std::string> sets;  // --set /json/pointer=value (sweeps, compare normalization)
    int64_t batch = 0;
    std::string input_shape;
    uint64_t seed = 1;
    bool check = false;
    bool quiet = false;
};

void print_summary(const RunResult& run, const std::string& out_dir) {
    TextTable table({"layer", "type", "MACs", "cycles", "latency us", "PE util %", "DRAM KiB", "energy uJ"});
    uint64_t macs = 0;
    double dram = 0;
    for (const auto& l : run.layers) {
        if (!l.simulated) continue;
        const double dram_kib = (l.dram_read_bytes + l.dram_write_bytes) / 1024.0;
        table.add_row({l.layer.name, to_string(l.layer.type), format_count(static_cast<double>(l.macs)),
                       std::to_string(l.cycles), format_fixed(l.latency_us, 1),
                       format_fixed(100.0 * l.pe_utilization, 1), format_fixed(dram_kib, 1),
                       format_fixed(l.energy_total_pj() * 1e-6, 2)});
        macs += l.macs;
        dram += dram_kib;
    }
    table.add_separator();
    const double total_us = run.clock_mhz > 0 ? run.total_cycles() / run.clock_mhz : 0;
    table.add_row({"total", "", format_count(static_cast<double>(macs)), std::to_string(run.total_cycles()),
                   format_fixed(total_us, 1), "", format_fixed(dram, 1),
                   format_fixed(run.total_energy_pj() * 1e-6, 2)});
    std::printf("%s on %s (%s, %.0f MHz, batch %lld, weights: %s)\n", run.workload_name.c_str(),
                run.arch_name.c_str(), run.dataflow.c_str(), run.clock_mhz, static_cast<long long>(run.batch),
                run.weights.c_str());
    std::printf("%s", table.render().c_str());
    if (run.check_enabled) std::printf("functional check: %s\n", run.check_passed ? "passed (bit-exact)" : "FAILED");
    std::printf("traces: %s/layers.csv, %s/run.json\n", out_dir.c_str(), out_dir.c_str());
}

void run_command(const RunArgs& a) {
    // --set POINTER=VALUE: VALUE is JSON when it parses (8, 0.5, true, "x"), a string otherwise.
    std::map<std::string, json> overrides;
    for (const auto& s : a.sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0 || s[0] != '/')
            throw InputError(a.arch, "--set", "/json/pointer=value, e.g. /pe_array/dim_m=16", "'" + s + "'");
        const std::string text = s.substr(eq + 1);
        try {
            overrides[s.substr(0, eq)] = json::parse(text);
        } catch (const json::exception&) {
            overrides[s.substr(0, eq)] = text;
        }
    }
    require_file(a.arch, "configuration", "--arch");
    require_file(a.model, "workload", "--model");
    if (!a.weights.empty()) require_file(a.weights, "weight image", "--weights");
    ArchConfig arch = load_arch_config(a.arch, overrides);
    Workload workload = load_model_input(a.model, ModelShapeArgs{a.batch, a.input_shape});
    if (!a.layer.empty() && !workload.find(a.layer))
        throw InputError(a.model, "--layer", "the name of a layer of " + workload.name, "'" + a.layer + "'");
    if (!a.vcd_layer.empty() && !workload.find(a.vcd_layer))
        throw InputError(a.model, "--vcd-layer", "the name of a layer of " + workload.name, "'" + a.vcd_layer + "'");

    std::unique_ptr<WeightImage> image;
    RunOptions opt;
    if (!a.weights.empty()) {
        image = std::make_unique<WeightImage>(load_weights_for(a.weights, workload));
        opt.weights = image.get();
        opt.weights_label = a.weights;
    }  // without --weights, simulate() builds synthetic weights and labels them itself
    opt.activations_dir = a.activations;
    opt.check = a.check;
    opt.seed = a.seed;
    opt.vcd_file = a.vcd;
    opt.vcd_layer = a.vcd_layer;
    opt.only_layer = a.layer;

    ensure_output_dir(a.out);
    Progress progress("simulating " + workload.name, workload.layers.size(), !a.quiet);
    opt.on_layer = [&](std::size_t index, std::size_t count, const LayerResult& r) {
        std::string detail = r.layer.name;
        if (r.simulated) detail += " " + std::to_string(r.cycles) + " cycles";
        progress.update(index + 1, detail);
    };
    RunResult run = simulate(arch, workload, opt);
    progress.finish();
    write_traces(run, a.out);
    if (!a.quiet) print_summary(run, a.out);
    if (run.check_enabled && !run.check_passed) throw CheckError("functional check failed");
}

}  // namespace

void add_run_command(CLI::App& app) {
    auto args = std::make_shared<RunArgs>();
    CLI::App* run = app.add_subcommand("run", "Simulate a workload on an accelerator configuration, cycle by cycle, "
                                              "and write per-layer traces (layers.csv, run.json)");
    run->add_option("--arch", args->arch, "Hardware configuration (configs/*.json)")->required();
    run->add_option("--model", args->model, "Workload: models/*.json or an ONNX file")->required();
    run->add_option("--out", args->out, "Output directory for the traces (created if missing)")->required();
    run->add_option("--weights", args->weights,
                    "SmartExchange weight image (.sxw) from `sxsim compress`; default: synthetic weights "
                    "following the workload's densities");
    run->add_option("--activations", args->activations, "Folder of per-layer int8 input activations <layer>.npy; "
                                                        "default: synthetic, seeded");
    run->add_option("--batch", args->batch, "Override the workload's batch size (images)")->check(CLI::PositiveNumber);
    add_input_shape_option(run, args->input_shape);
    run->add_option("--seed", args->seed, "Seed of synthetic weights and activations")->capture_default_str();
    run->add_flag("--check", args->check, "Compare every layer's outputs bit-exactly with the reference convolution");
    run->add_option("--set", args->sets, "Override a configuration field before validation (repeatable): "
                                         "/json/pointer=value, e.g. --set /pe_array/dim_m=32 --set /clock_mhz=800");
    run->add_option("--layer", args->layer, "Simulate only this layer (others are listed and skipped)");
    run->add_option("--vcd", args->vcd, "Write a VCD waveform (GTKWave) of one layer to this file");
    run->add_option("--vcd-layer", args->vcd_layer, "Layer to trace with --vcd (default: the first compute layer)");
    run->add_flag("-q,--quiet", args->quiet, "No progress and no summary table");
    run->footer("Units: cycles of the accelerator core clock (clock_mhz in the configuration), latency in us, "
                "energy in pJ in the traces (uJ in the summary), bytes for traffic.");
    run->callback([args]() { run_command(*args); });
}

}  // namespace sx
