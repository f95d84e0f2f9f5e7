#include "hw/sim/simulate.h"

#include <algorithm>
#include <filesystem>
#include <memory>

#include <systemc>

#include "hw/common/booth.h"
#include "hw/common/on_demand_bytes.h"
#include "hw/common/sanitizer_stack.h"
#include "hw/common/sim_context.h"
#include "hw/sim/accelerator_model.h"
#include "hw/sim/conservation.h"
#include "hw/sim/design_area.h"
#include "hw/sim/design_config.h"
#include "hw/sim/layer_parallel.h"
#include "hw/sim/timing_limits.h"
#include "hw/system/dram_fit.h"
#include "sw/common/error.h"
#include "sw/data/activations.h"
#include "sw/image/synthetic_image.h"
#include "sw/reference/conv_reference.h"
#include "sw/trace/layer_result_json.h"

namespace sx {

using namespace sc_core;

namespace {

// Statistics of the int8 activations a layer runs on: density, radix-4 Booth digits per value
// (hw/common/booth.h), and on SmartExchange the zero Ce rows of its weight image (rows whose
// MACs the design skips).
ActivationStats measure_activations(const std::vector<int8_t>& acts, const ImageLayer& image, bool smartexchange) {
    ActivationStats s;
    uint64_t nonzero = 0;
    for (int8_t a : acts) {
        nonzero += a != 0;
        ++s.booth_digits[booth_digits(a)];
    }
    s.density = acts.empty() ? 0 : static_cast<double>(nonzero) / static_cast<double>(acts.size());
    if (smartexchange)
        s.ce_rows_skipped = image.kind == ImageLayerKind::Decomposed
                                ? static_cast<int64_t>(image.total_rows() - image.nonzero_rows()) : 0;
    return s;
}

ReferenceFault& reference_fault() {
    static ReferenceFault fault;
    return fault;
}

// Compares a layer's outputs with the reference; the first difference and the count go to
// the trace so a failure can be located without rerunning.
void compare_outputs(const std::vector<int32_t>& out, const std::vector<int32_t>& ref, LayerResult& r) {
    CheckMismatch m;
    m.outputs = out.size();
    m.reference_outputs = ref.size();
    const std::size_t common = std::min(out.size(), ref.size());
    bool first = true;
    for (std::size_t i = 0; i < common; ++i) {
        if (out[i] == ref[i]) continue;
        if (first) m.index = i, m.value = out[i], m.reference = ref[i], first = false;
        ++m.count;
    }
    if (out.size() != ref.size()) {
        if (first) {
            m.index = common;
            m.value = common < out.size() ? out[common] : 0;
            m.reference = common < ref.size() ? ref[common] : 0;
        }
        m.count += std::max(out.size(), ref.size()) - common;
    }
    r.check = m.count == 0 ? CheckStatus::Passed : CheckStatus::Failed;
    r.mismatch = m.count == 0 ? CheckMismatch{} : m;
}

// The stored int8 outputs against the host's requantisation of the reference accumulators;
// a layer whose accumulators already differ keeps that (first) mismatch.
void compare_stored(const std::vector<int8_t>& stored, const std::vector<int8_t>& ref, LayerResult& r) {
    if (r.check == CheckStatus::Failed) return;
    const std::vector<int32_t> a(stored.begin(), stored.end()), b(ref.begin(), ref.end());
    compare_outputs(a, b, r);
    if (r.check == CheckStatus::Failed) r.mismatch.what = "stored int8 outputs";
}

// Runs one compute layer in this process's SystemC kernel (a child of simulate()).
class Runner : public sc_module {
public:
    SC_HAS_PROCESS(Runner);
    Runner(sc_module_name n, const ArchConfig& arch, const Layer& layer, const RunOptions& opt, const WeightImage& img,
           AcceleratorModel& model, SimContext& ctx, bool trace, LayerResult& r)
        : sc_module(n), arch_(arch), layer_(layer), opt_(opt), img_(img), model_(model), ctx_(ctx), trace_(trace), r_(r) {
        SC_THREAD(main);
    }

    std::vector<int32_t> out;     // the layer's int32 accumulators
    std::vector<int8_t> stored;   // its int8 outputs read back from DRAM (with layer_requant)

private:
    void main() {
        guarded(ctx_, [&] {
            r_.layer = layer_;
            run_one(layer_, r_);
            ctx_.finished = true;
            sc_stop();
        });
    }

    void run_one(const Layer& layer, LayerResult& r) {
        const ImageLayer* image = img_.find(layer.name);
        if (!image)
            throw InputError(opt_.weights_label, "/layers/" + layer.name, "a weight image layer for every compute layer");
        std::vector<int8_t> acts;
        const std::string npy = opt_.activations_dir.empty() ? "" : opt_.activations_dir + "/" + layer.name + ".npy";
        if (opt_.layer_inputs)
            acts = opt_.layer_inputs(layer);
        else if (!npy.empty() && std::filesystem::exists(npy))
            acts = load_activations_npy(npy, layer);
        else
            acts = make_activations(layer, opt_.seed, activation_density_of(layer));
        r.activations = measure_activations(acts, *image, arch_.dataflow == Dataflow::SmartExchange);
        const std::vector<int8_t> w = decode_int8(*image);
        LayerJob job;
        job.layer = &layer;
        job.image = image;
        job.weights = &w;
        job.inputs = &acts;
        job.trace = trace_;
        OutputRequant rq;
        if (opt_.layer_requant) {
            rq = opt_.layer_requant(layer);
            rq.validate(layer.K);
            job.requant = &rq;
        }
        const bool want_stored = opt_.layer_outputs || (opt_.expected_outputs && opt_.layer_requant);
        if (want_stored) job.stored_outputs = &stored;
        LayerConservation cons;
        const ActivationStats stats = r.activations;
        model_.run_layer(job, r, out, cons);
        r.activations = stats;  // models fill the other fields
        r.layer = layer;
        r.simulated = true;
        r.macs = static_cast<uint64_t>(layer.macs());
        r.latency_us = static_cast<double>(r.cycles) / arch_.clock_mhz;
        const double units = static_cast<double>(arch_.pe.total_macs());
        r.pe_utilization = r.cycles && units > 0 ? static_cast<double>(r.macs_executed) / (static_cast<double>(r.cycles) * units) : 0;
        check_conservation(r, cons);  // every run, check on or off
        if (want_stored && stored.size() != out.size())
            throw SimulationError("layer " + layer.name + ": the design read back " + std::to_string(stored.size()) +
                                  " stored outputs for " + std::to_string(out.size()) + " accumulators");
        // Real data: the functional pass already computed this layer's reference accumulators
        // (reference_conv of the same inputs and weights) and their host requantisation.
        const RunOptions::Expected e = opt_.expected_outputs ? opt_.expected_outputs(layer) : RunOptions::Expected{};
        if (opt_.check) {
            std::vector<int32_t> ref = e.acc ? *e.acc : reference_conv(layer, acts, w);
            if (reference_fault()) reference_fault()(layer, ref);
            compare_outputs(out, ref, r);
            if (job.requant && opt_.host_requant) {
                const bool pass_ref = e.acc && e.stored && ref == *e.acc;  // no test fault applied
                compare_stored(stored, pass_ref ? *e.stored : opt_.host_requant(layer, ref), r);
            }
        } else if (opt_.expected_outputs) {
            // Real data without --check: the functional pass's values, which the next layers'
            // inputs were computed from, must be what this design produced.
            LayerResult c;
            if (e.acc) compare_outputs(out, *e.acc, c);
            if (c.check != CheckStatus::Failed && e.stored && job.requant) compare_stored(stored, *e.stored, c);
            if (c.check == CheckStatus::Failed) {
                r.check = CheckStatus::Failed;
                r.mismatch = c.mismatch;
                r.mismatch.what = (c.mismatch.what.empty() ? "int32 accumulators" : c.mismatch.what) +
                                  std::string(" vs the functional host pass");
            }
        }
    }

    const ArchConfig& arch_;
    const Layer& layer_;
    const RunOptions& opt_;
    const WeightImage& img_;
    AcceleratorModel& model_;
    SimContext& ctx_;
    bool trace_;  // this layer goes to the VCD file
    LayerResult& r_;
};

// In a layer's child process: elaborates the design, simulates `layer` from time 0 and returns
// its result (and, for RunOptions::layer_outputs, its outputs) as the message for the parent.
json simulate_layer(const ArchConfig& arch, const ModelFactory& factory, const Layer& layer, const RunOptions& opt,
                    const WeightImage& img, bool trace) {
    SimContext ctx;
    ctx.clk = sc_time(arch.cycle_ns(), SC_NS);
    ctx.watchdog_cycles = arch.sim.watchdog_cycles;
    ctx.step_mode = opt.step_cycles;
    std::unique_ptr<AcceleratorModel> model;
    try {
        model = factory(arch, ctx);
    } catch (const HostReservationError& e) {
        // Buffers take host pages only when touched (hw/common/on_demand_bytes.h), but their
        // address space is reserved up front; if the host refuses (an address-space limit),
        // the field that asked for it is the one to change.
        for (const auto& b : arch.buffers)
            if (b.name == e.owner())
                throw arch.error_at("/buffers/" + b.name + "/capacity_kib",
                                    "a capacity whose address range this host can reserve (pages are taken on first "
                                    "touch, the range up front; an address-space limit such as ulimit -v refused it: " +
                                        e.reason() + ")",
                                    std::to_string(e.bytes() / 1024) + " KiB");
        throw SimulationError(e.what());
    }
    if (!opt.weights && model->synthetic_weight_form() != synthetic_weight_form_of(arch.dataflow))
        throw SimulationError("the registry's synthetic weight form of dataflow " + std::string(to_string(arch.dataflow)) +
                              " differs from its model's (hw/sim/registry.cpp)");
    Watchdog watchdog("watchdog", ctx);
    LayerResult r;
    Runner runner("runner", arch, layer, opt, img, *model, ctx, trace, r);
    sc_trace_file* tf = nullptr;
    // Before the trace file exists: SystemC reports the VCD timescale as an info message.
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
    if (trace) {
        if (!model->traces_vcd())
            throw InputError("--vcd", "", "a dataflow with waveform tracing (smartexchange)",
                             "dataflow " + std::string(to_string(arch.dataflow)) + " (" + arch.file +
                                 "), whose model registers no signals");
        std::string base = opt.vcd_file;
        if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
        tf = sc_create_vcd_trace_file(base.c_str());
        // The kernel resolution (1 ps): DRAM clocks such as 1600 MHz (625 ps) are not whole ns,
        // and a coarser VCD unit makes SystemC warn (W713) at every such edge.
        tf->set_time_unit(1, SC_PS);
        model->trace(tf);
    }
    // sc_stop() is how a run ends; SystemC's "Simulation stopped by user" info is noise on stdout
    // (silenced above).
    sc_start();
    sanitizer_resume_main_stack();  // before the rethrow below: hw/common/sanitizer_stack.h
    if (tf) sc_close_vcd_trace_file(tf);
    if (ctx.error) std::rethrow_exception(ctx.error);
    if (!ctx.finished)
        throw SimulationError("simulation of layer " + layer.name + " ran out of events before it finished: " +
                              ctx.monitor.report());
    json msg = {{"result", layer_result_to_json(r)}};
    if (opt.layer_outputs) msg["acc"] = runner.out, msg["stored"] = runner.stored;
    return msg;
}

}  // namespace

void set_reference_fault_for_testing(ReferenceFault fault) { reference_fault() = std::move(fault); }

RunResult simulate(const ArchConfig& given, const Workload& workload, const RunOptions& options) {
    // The design's section is parsed once, here, unless the caller has (configure_design):
    // it also rejects unused fields and checks the timing limits.
    ArchConfig configured;
    if (!given.design.has_value()) {
        configured = given;
        configure_design(configured);
    }
    const ArchConfig& arch = given.design.has_value() ? given : configured;
    const ModelFactory* factory = find_model_factory(arch.dataflow);
    if (!factory)
        throw InputError(arch.file, "/dataflow", "a dataflow with a registered model", to_string(arch.dataflow));
    // Before any layer's data is made: a batch too large for the DRAM is bad input (dram_fit.h).
    check_batch_fits_dram(arch, workload, options.only_layers, options.first_layers);
    RunResult run;
    run.arch_name = arch.name;
    run.arch_file = arch.file;
    run.workload_name = workload.name;
    run.workload_file = workload.file;
    run.workload_source = workload.source;
    run.workload_warnings = workload.warnings;
    run.workload_notes = workload.notes;
    run.dataflow = to_string(arch.dataflow);
    run.clock_mhz = arch.clock_mhz;
    run.batch = workload.batch;
    run.check_enabled = options.check;
    run.seed = options.seed;
    // Before any layer runs: a table without the area keys is bad input, not a late failure.
    run.area = design_area(arch);
    RunOptions opt = options;
    if (!options.weights && opt.weights_label.empty()) {
        const bool raw = synthetic_weight_form_of(arch.dataflow) == SyntheticWeightForm::Unstructured;
        opt.weights_label = std::string(raw ? "synthetic unstructured" : "synthetic") + " (seed " +
                            std::to_string(options.seed) + ")";
    }
    run.weights = opt.weights_label;
    if (!opt.activations_label.empty())
        run.activations = opt.activations_label;
    else if (!opt.activations_dir.empty())
        run.activations = "per-layer int8 files from " + opt.activations_dir +
                          " (--activations; layers without a file: synthetic, seed " + std::to_string(options.seed) + ")";
    else
        run.activations = "synthetic (seed " + std::to_string(options.seed) +
                          "): Booth-digit statistics are assumed, not measured on real inputs";

    // Which layers run: selected compute layers; the others are listed, not simulated.
    const bool select = !opt.only_layers.empty() || opt.first_layers > 0;
    std::vector<std::size_t> todo;
    run.layers.resize(workload.layers.size());
    int64_t compute_index = 0;
    for (std::size_t i = 0; i < workload.layers.size(); ++i) {
        const Layer& layer = workload.layers[i];
        run.layers[i].layer = layer;
        bool selected = layer.is_compute();
        if (selected && select)
            selected = compute_index < opt.first_layers ||
                       std::find(opt.only_layers.begin(), opt.only_layers.end(), layer.name) != opt.only_layers.end();
        if (layer.is_compute()) ++compute_index;
        if (selected) todo.push_back(i);
    }
    for (std::size_t i = 0; i < workload.layers.size(); ++i)
        if (std::find(todo.begin(), todo.end(), i) == todo.end() && opt.on_layer)
            opt.on_layer(i, workload.layers.size(), run.layers[i]);
    // Synthetic weights in the form the design is measured with (accelerator_model.h), of the
    // layers that run only: a layer's synthetic weights do not depend on which others are built
    // (synthetic_image.h), so a selected layer has the figures it has in a full run.
    WeightImage synthetic;
    const WeightImage* img = options.weights;
    if (!img) {
        const bool raw = synthetic_weight_form_of(arch.dataflow) == SyntheticWeightForm::Unstructured;
        std::vector<bool> mask(workload.layers.size(), false);
        for (std::size_t i : todo) mask[i] = true;
        const std::vector<bool>* only = select ? &mask : nullptr;
        synthetic = raw ? make_unstructured_image(workload, options.seed, SyntheticDensities{}, only)
                        : make_synthetic_image(workload, options.seed, SyntheticDensities{}, only);
        img = &synthetic;
    }
    // --vcd without --vcd-layer traces the first layer that is simulated (as --help says).
    std::string traced;
    if (!opt.vcd_file.empty())
        traced = opt.vcd_layer.empty() ? (todo.empty() ? "" : workload.layers[todo.front()].name) : opt.vcd_layer;
    // Largest layers first: with N jobs the last layer to start is a short one, so the slots
    // empty together (the order cannot change any figure: every layer starts from reset).
    std::vector<std::size_t> order = todo;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return workload.layers[a].macs() > workload.layers[b].macs();
    });
    run_forked(
        order, opt.jobs, [&](std::size_t i) { return workload.layers[i].name; },
        [&](std::size_t i) {
            const Layer& layer = workload.layers[i];
            return simulate_layer(arch, *factory, layer, opt, *img, !traced.empty() && traced == layer.name);
        },
        [&](std::size_t i, json& msg) {
            LayerResult r = layer_result_from_json(msg.at("result"));
            // The parent's Layer (identical; the round trip is tested) keeps run.layers exactly
            // what the workload says.
            r.layer = workload.layers[i];
            run.layers[i] = std::move(r);
            if (opt.layer_outputs)
                opt.layer_outputs(workload.layers[i], msg.at("acc").get<std::vector<int32_t>>(),
                                  msg.at("stored").get<std::vector<int8_t>>());
            if (opt.on_layer) opt.on_layer(i, workload.layers.size(), run.layers[i]);
        });
    run.check_passed = opt.check;
    for (const auto& l : run.layers)
        if (l.check == CheckStatus::Failed) run.check_passed = false;
    return run;
}

}  // namespace sx
