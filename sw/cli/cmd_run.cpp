#include "sw/cli/cmd_run.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hw/sim/design_config.h"
#include "hw/sim/simulate.h"
#include "sw/cli/console.h"
#include "sw/cli/model_input.h"
#include "sw/cli/real_data_run.h"
#include "sw/common/error.h"
#include "sw/common/json_reader.h"
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
    std::vector<std::string> layers;  // --layer (repeatable)
    std::optional<int64_t> first_layers;  // --first-layers N
    std::vector<std::string> sets;  // --set /json/pointer=value (sweeps, compare normalization)
    // --set-origin /json/pointer={"file": F, "pointer": P} (hidden, from sweep and compare):
    // where the value of that --set was written, so that its errors name that place.
    std::vector<std::string> set_origins;
    int64_t batch = 0;
    std::string input_shape;
    uint64_t seed = 1;
    int64_t jobs = 0;  // -j: layers simulated at once (0: all cores)
    bool check = false;
    bool quiet = false;
    RealDataArgs real;  // --inputs and its options
    // Options the user gave (CLI11 count > 0), whatever their value: "given" is not "differs
    // from the default" (--calibration max without --inputs is still an error) and an explicit
    // empty value is not "not given" (--inputs "" must not fall back to a synthetic run).
    std::set<std::string> given;
};

// "conv1: output 17 is 5, reference 7 (3 of 4096 outputs differ; N x K x P x Q order)"
std::string mismatch_text(const LayerResult& l) {
    const CheckMismatch& m = l.mismatch;
    std::string s = l.layer.name + ": " + (m.what.empty() ? std::string("output ") : m.what + ": ") + std::to_string(m.index) + " is " + std::to_string(m.value) +
                    ", reference " + std::to_string(m.reference) + " (" + std::to_string(m.count) + " of " +
                    std::to_string(m.reference_outputs) + " outputs differ";
    if (m.outputs != m.reference_outputs) s += "; the design wrote " + std::to_string(m.outputs);
    return s + "; N x K x P x Q order)";
}

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
    // A modified design must not read like the shipped one.
    if (!run.arch_overrides.empty()) {
        std::string list;
        for (const auto& o : run.arch_overrides)
            list += (list.empty() ? "" : ", ") + o["pointer"].get<std::string>() + "=" + o["value"].dump();
        std::printf("overrides (--set): %s\n", list.c_str());
    }
    std::printf("%s", table.render().c_str());
    // Leakage is part of the energy above (static power x each layer's latency).
    const double leak_uj = [&] {
        double pj = 0;
        for (const auto& l : run.layers) pj += l.energy(EnergyComponent::Leakage);
        return pj * 1e-6;
    }();
    std::printf("area: %.3f mm^2 (%s, %d nm), static power %.3f mW, leakage energy %.2f uJ of the total\n",
                run.area.total_mm2(), run.area.tech.c_str(), run.area.node_nm, run.area.static_power_mw(), leak_uj);
    std::size_t compute = 0, skipped = 0;
    for (const auto& l : run.layers)
        if (l.layer.is_compute()) {
            ++compute;
            if (!l.simulated) ++skipped;
        }
    if (skipped)
        std::printf("not simulated: %zu of %zu compute layers (--layer / --first-layers); totals cover the rest\n",
                    skipped, compute);
    const bool failed = std::any_of(run.layers.begin(), run.layers.end(),
                                    [](const LayerResult& l) { return l.check == CheckStatus::Failed; });
    if (run.check_enabled || failed) {  // failed without --check: real data vs the functional pass
        std::printf("functional check: %s\n", run.check_passed ? "passed (bit-exact)" : "FAILED");
        for (const auto& l : run.layers)
            if (l.check == CheckStatus::Failed) std::printf("  %s\n", mismatch_text(l).c_str());
    }
    if (run.real_data.is_null())
        std::printf("note: activations are %s\n", run.activations.c_str());
    std::printf("traces: %s/layers.csv, %s/area.csv, %s/run.json\n", out_dir.c_str(), out_dir.c_str(), out_dir.c_str());
}

void run_command(const RunArgs& a) {
    // --set POINTER=VALUE: VALUE is JSON when it parses (8, 0.5, true, "x"), a string otherwise.
    // A pointer given twice is refused: the later value would silently replace the earlier one.
    std::map<std::string, json> overrides;
    json recorded = json::array();  // the overrides in the order given, for the traces
    for (const auto& s : a.sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0 || s[0] != '/')
            throw InputError("--set", "", "/json/pointer=value, e.g. /pe_array/dim_m=16", "'" + s + "'");
        const std::string ptr = s.substr(0, eq), text = s.substr(eq + 1);
        const json value = parse_json_or_string(text, "--set " + ptr);
        if (const auto it = overrides.find(ptr); it != overrides.end())
            throw InputError("--set", ptr, "each pointer at most once (one value per field)",
                             "two values: " + it->second.dump() + " and " + value.dump());
        overrides[ptr] = value;
        recorded.push_back({{"pointer", ptr}, {"value", value}});
    }
    // Without an entry here, an override's errors name "--set" and its pointer.
    std::map<std::string, ValueOrigin> origins;
    for (const auto& s : a.set_origins) {
        const auto eq = s.find('=');
        json o;
        if (eq != std::string::npos)
            if (auto v = try_parse_json_text(s.substr(eq + 1), "--set-origin")) o = std::move(*v);
        if (!o.is_object() || !o.contains("file") || !o["file"].is_string() || !o.contains("pointer") ||
            !o["pointer"].is_string())
            throw InputError("--set-origin", "", "/json/pointer={\"file\": ..., \"pointer\": ...}", "'" + s + "'");
        origins[s.substr(0, eq)] = ValueOrigin{o["file"].get<std::string>(), o["pointer"].get<std::string>()};
    }
    // A path option given with an empty value (--inputs "") is a mistake, not "not given".
    const std::pair<const char*, const std::string*> paths[] = {
        {"--arch", &a.arch},           {"--model", &a.model},         {"--out", &a.out},
        {"--weights", &a.weights},     {"--activations", &a.activations}, {"--vcd", &a.vcd},
        {"--inputs", &a.real.inputs},  {"--labels", &a.real.labels},  {"--reference", &a.real.reference}};
    for (const auto& [opt, value] : paths)
        if (a.given.count(opt) && value->empty()) throw InputError(opt, "", "a non-empty path", "an empty value");
    require_file(a.arch, "configuration", "--arch");
    require_file(a.model, "workload", "--model");
    if (!a.weights.empty()) require_file(a.weights, "weight image", "--weights");
    if (!a.activations.empty()) require_dir(a.activations, "folder of per-layer <layer>.npy activations", "--activations");
    const bool real = a.given.count("--inputs") > 0;
    if (!real) {
        for (const char* opt : {"--labels", "--reference", "--calibration", "--normalize"})
            if (a.given.count(opt)) throw InputError(opt, "", "--inputs DIR (the option applies to real-data runs only)");
    } else {
        if (!a.real.labels.empty()) require_file(a.real.labels, "labels JSON", "--labels");
        if (!a.real.reference.empty()) require_dir(a.real.reference, "folder of <stem>.npy reference outputs", "--reference");
        const std::pair<const char*, bool> conflicts[] = {{"--activations", !a.activations.empty()},
                                                          {"--layer", !a.layers.empty()},
                                                          {"--first-layers", a.first_layers.has_value()},
                                                          {"--batch", a.batch > 0},
                                                          {"--input-shape", !a.input_shape.empty()}};
        for (const auto& [opt, given] : conflicts)
            if (given)
                throw InputError(opt, "", "no " + std::string(opt) + " with --inputs (a real-data run chains every "
                                 "layer of the graph, one batch of all inputs, shapes from the model)");
    }
    ArchConfig arch = load_arch_config(a.arch, overrides, origins);
    std::unique_ptr<RealDataRun> real_run;
    if (real) real_run = std::make_unique<RealDataRun>(a.real, a.model, a.weights);
    Workload workload = real ? real_run->workload() : load_model_input(a.model, ModelShapeArgs{a.batch, a.input_shape});
    for (const auto& name : a.layers) {
        const Layer* l = workload.find(name);
        if (!l) throw InputError(a.model, "--layer", "the name of a layer of " + workload.name, "'" + name + "'");
        if (!l->is_compute())
            throw InputError(a.model, "--layer", "a compute layer (conv or fc)",
                             "'" + name + "' (" + to_string(l->type) + ")");
    }
    if (a.jobs < 0)
        throw InputError("--jobs", "", "a number of processes >= 1, or 0 for one per core", std::to_string(a.jobs));
    if (a.first_layers && *a.first_layers < 1)
        throw InputError("--first-layers", "", "a positive number of compute layers", std::to_string(*a.first_layers));
    if (!a.vcd_layer.empty() && !workload.find(a.vcd_layer))
        throw InputError(a.model, "--vcd-layer", "the name of a layer of " + workload.name, "'" + a.vcd_layer + "'");
    // A --vcd-layer that --layer / --first-layers leave out would silently write no waveform.
    if (!a.vcd_layer.empty() && (!a.layers.empty() || a.first_layers)) {
        bool selected = std::find(a.layers.begin(), a.layers.end(), a.vcd_layer) != a.layers.end();
        int64_t compute_index = 0;
        for (const Layer& l : workload.layers) {
            if (!l.is_compute()) continue;
            if (l.name == a.vcd_layer && a.first_layers && compute_index < *a.first_layers) selected = true;
            ++compute_index;
        }
        if (!selected)
            throw InputError("--vcd-layer", "", "a layer this run simulates (named by --layer or among the first " +
                             std::string("--first-layers compute layers)"), "'" + a.vcd_layer + "', not selected");
    }

    std::unique_ptr<WeightImage> image;
    RunOptions opt;
    if (!a.weights.empty() && !real) {
        image = std::make_unique<WeightImage>(load_weights_for(a.weights, workload));
        opt.weights = image.get();
        opt.weights_label = a.weights;
    }  // without --weights, simulate() builds synthetic weights and labels them itself
    opt.activations_dir = a.activations;
    opt.check = a.check;
    opt.seed = a.seed;
    opt.vcd_file = a.vcd;
    opt.vcd_layer = a.vcd_layer;
    opt.only_layers = a.layers;
    opt.first_layers = a.first_layers.value_or(0);
    opt.jobs = static_cast<int>(std::min<int64_t>(a.jobs, 4096));
    if (real) {
        if (!a.weights.empty()) opt.weights_label = a.weights;
        real_run->configure(opt);
    }

    // Read the design's section now, to print what the user should know about it.
    configure_design(arch);
    for (const auto& n : arch.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
    ensure_output_dir(a.out);
    Progress progress("simulating " + workload.name, workload.layers.size(), !a.quiet);
    std::size_t done = 0;  // layers finish in any order (-j): count them
    opt.on_layer = [&](std::size_t, std::size_t, const LayerResult& r) {
        std::string detail = r.layer.name;
        if (r.simulated) detail += " " + std::to_string(r.cycles) + " cycles";
        progress.update(++done, detail);
    };
    RunResult run = simulate(arch, workload, opt);
    run.arch_overrides = recorded;
    progress.finish();
    if (real) real_run->finish(run, a.out);
    write_traces(run, a.out);
    if (!a.quiet) {
        print_summary(run, a.out);
        if (real) real_run->print_summary();
    }
    // After the traces are written: they record which layers failed and where (run.json). A
    // real-data run fails a layer whose outputs differ from the functional pass even without
    // --check (its successors ran on the functional pass's values).
    const bool failed_layer = std::any_of(run.layers.begin(), run.layers.end(),
                                          [](const LayerResult& l) { return l.check == CheckStatus::Failed; });
    if ((run.check_enabled && !run.check_passed) || failed_layer) {
        std::string failed;
        std::size_t n = 0;
        for (const auto& l : run.layers)
            if (l.check == CheckStatus::Failed) failed += (n++ ? "; " : "") + mismatch_text(l);
        throw CheckError("functional check failed on " + std::to_string(n) + " layer(s): " + failed +
                         "; traces in " + a.out);
    }
}

}  // namespace

void add_run_command(CLI::App& app) {
    auto args = std::make_shared<RunArgs>();
    CLI::App* run = app.add_subcommand("run", "Simulate a workload on an accelerator configuration, cycle by cycle, "
                                              "and write per-layer traces (layers.csv, run.json)");
    run->add_option("--arch", args->arch, "Hardware configuration (configs/*.json)")->required();
    run->add_option("--model", args->model, "Workload: models/*.json or an ONNX file")->required();
    run->add_option("--out", args->out, "Output directory for the traces, OUT/layers.csv, OUT/area.csv and OUT/run.json (created if missing)")->required();
    run->add_option("--weights", args->weights,
                    "SmartExchange weight image (.sxw) from `sxsim compress`; default: synthetic weights "
                    "following the workload's densities");
    run->add_option("--activations", args->activations, "Folder of per-layer int8 input activations <layer>.npy; "
                                                        "default: synthetic, seeded");
    run->add_option("--batch", args->batch, "Override the workload's batch size (images)")->check(CLI::PositiveNumber);
    add_input_shape_option(run, args->input_shape);
    run->add_option("--seed", args->seed, "Seed of synthetic weights and activations")->capture_default_str();
    run->add_option("-j,--jobs", args->jobs,
                    "Layers simulated at once, each in its own process (0: one per core). Every layer starts from "
                    "a reset design, so the results are identical for any -j")
        ->check(CLI::Validator([](std::string& v) { return v.empty() ? std::string("an empty value is not a number of processes") : std::string(); },
                               "", "non-empty"))
        ->capture_default_str();
    run->add_flag("--check", args->check, "Compare every layer's outputs bit-exactly with the reference convolution");
    run->add_option("--set", args->sets, "Override a configuration field before validation (repeatable): "
                                         "/json/pointer=value, e.g. --set /pe_array/dim_m=32 --set /clock_mhz=800");
    // Not for users: sweep and compare pass where each --set value was written (hidden).
    run->add_option("--set-origin", args->set_origins, "Where the value of a --set was written (for its errors)")
        ->group("");
    run->add_option("--layer", args->layers,
                    "Simulate only this compute layer (repeatable: --layer a --layer b); the others are listed in "
                    "the traces with simulated = false");
    run->add_option("--first-layers", args->first_layers,
                    "Simulate only the first N compute layers in workload order (with --layer: those and the "
                    "named ones); the rest are listed with simulated = false. A cheap partial run: each layer "
                    "runs on its own inputs, as in a full run");
    run->add_option("--vcd", args->vcd,
                    "Write a VCD waveform (GTKWave, 1 ps units) of one layer to this file (smartexchange only: "
                    "the other dataflows register no signals and refuse the option)");
    run->add_option("--vcd-layer", args->vcd_layer, "Layer to trace with --vcd (default: the first compute layer)");
    run->add_option("--inputs", args->real.inputs,
                    "Real data (ONNX models): a folder of inputs (*.npy float tensors, *.png / *.jpg images), run "
                    "through the whole graph, every Conv/Gemm/MatMul on the simulated accelerator in int8, the other "
                    "operators on the host; writes OUT/outputs/<stem>.npy and run.json real_data (docs/real-data.md)");
    run->add_option("--labels", args->real.labels, "With --inputs: LABELS.json {\"<stem>\": class} for accuracy");
    run->add_option("--reference", args->real.reference,
                    "With --inputs: folder of <stem>.npy reference outputs (e.g. PyTorch's) to compare with; "
                    "default: sxsim's host float reference");
    run->add_option("--calibration", args->real.calibration,
                    "With --inputs: activation scales from max |x| (max) or its 99.99th percentile (percentile)")
        ->capture_default_str();
    run->add_option("--normalize", args->real.normalize,
                    "With --inputs: image normalisation after scaling to [0,1]: none or imagenet (torchvision mean/std)")
        ->capture_default_str();
    run->add_flag("-q,--quiet", args->quiet, "No progress and no summary table");
    run->footer("Units: cycles of the accelerator core clock (clock_mhz in the configuration), latency in us, "
                "energy in pJ in the traces (uJ in the summary), bytes for traffic, area in mm^2 and static (leakage) "
                "power in mW (the design's area model at its technology table: run.json area, area.csv).");
    run->callback([args, run]() {
        for (const CLI::Option* o : run->get_options())
            if (o->count() > 0) args->given.insert(o->get_name());
        run_command(*args);
    });
}

}  // namespace sx
