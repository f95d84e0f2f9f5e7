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
#include "hw/sim/timing_limits.h"
#include "hw/system/dram_fit.h"
#include "sw/common/error.h"
#include "sw/data/activations.h"
#include "sw/image/synthetic_image.h"
#include "sw/reference/conv_reference.h"

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

class Runner : public sc_module {
public:
    SC_HAS_PROCESS(Runner);
    Runner(sc_module_name n, const ArchConfig& arch, const Workload& wl, const RunOptions& opt, const WeightImage& img,
           AcceleratorModel& model, SimContext& ctx, RunResult& run)
        : sc_module(n), arch_(arch), wl_(wl), opt_(opt), img_(img), model_(model), ctx_(ctx), run_(run) {
        SC_THREAD(main);
    }

private:
    void main() {
        guarded(ctx_, [&] {
            run_.check_passed = opt_.check;
            const bool select = !opt_.only_layers.empty() || opt_.first_layers > 0;
            int64_t compute_index = 0;
            for (std::size_t i = 0; i < wl_.layers.size(); ++i) {
                const Layer& layer = wl_.layers[i];
                LayerResult r;
                r.layer = layer;
                bool selected = layer.is_compute();
                if (selected && select) {
                    selected = compute_index < opt_.first_layers ||
                               std::find(opt_.only_layers.begin(), opt_.only_layers.end(), layer.name) !=
                                   opt_.only_layers.end();
                }
                if (layer.is_compute()) ++compute_index;
                if (!selected) {
                    run_.layers.push_back(r);
                    if (opt_.on_layer) opt_.on_layer(i, wl_.layers.size(), run_.layers.back());
                    continue;
                }
                run_one(layer, r);
                run_.layers.push_back(r);
                if (opt_.on_layer) opt_.on_layer(i, wl_.layers.size(), run_.layers.back());
            }
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
        // --vcd without --vcd-layer traces the first layer that is simulated (as --help says).
        job.trace = !opt_.vcd_file.empty() && (opt_.vcd_layer.empty() ? !vcd_traced_ : opt_.vcd_layer == layer.name);
        vcd_traced_ = vcd_traced_ || job.trace;
        OutputRequant rq;
        std::vector<int8_t> stored;
        if (opt_.layer_requant) {
            rq = opt_.layer_requant(layer);
            rq.validate(layer.K);
            job.requant = &rq;
        }
        if (opt_.layer_outputs) job.stored_outputs = &stored;
        std::vector<int32_t> out;
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
        if (opt_.check) {
            std::vector<int32_t> ref = reference_conv(layer, acts, w);
            if (reference_fault()) reference_fault()(layer, ref);
            compare_outputs(out, ref, r);
            if (job.requant && opt_.host_requant) compare_stored(stored, opt_.host_requant(layer, ref), r);
            if (r.check == CheckStatus::Failed) run_.check_passed = false;
        }
        if (opt_.layer_outputs) {
            if (stored.size() != out.size())
                throw SimulationError("layer " + layer.name + ": the design read back " + std::to_string(stored.size()) +
                                      " stored outputs for " + std::to_string(out.size()) + " accumulators");
            opt_.layer_outputs(layer, out, stored);
        }
    }

    const ArchConfig& arch_;
    const Workload& wl_;
    const RunOptions& opt_;
    bool vcd_traced_ = false;  // a layer has been traced to the VCD file
    const WeightImage& img_;
    AcceleratorModel& model_;
    SimContext& ctx_;
    RunResult& run_;
};

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
    SimContext ctx;
    ctx.clk = sc_time(arch.cycle_ns(), SC_NS);
    ctx.watchdog_cycles = arch.sim.watchdog_cycles;
    ctx.step_mode = options.step_cycles;
    std::unique_ptr<AcceleratorModel> model;
    try {
        model = (*factory)(arch, ctx);
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
    // Synthetic weights in the form the design is measured with (accelerator_model.h).
    WeightImage synthetic;
    const WeightImage* img = options.weights;
    RunOptions opt = options;
    if (!img) {
        const bool raw = model->synthetic_weight_form() == SyntheticWeightForm::Unstructured;
        synthetic = raw ? make_unstructured_image(workload, options.seed, SyntheticDensities{})
                        : make_synthetic_image(workload, options.seed, SyntheticDensities{});
        img = &synthetic;
        if (opt.weights_label.empty())
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

    Watchdog watchdog("watchdog", ctx);
    Runner runner("runner", arch, workload, opt, *img, *model, ctx, run);
    sc_trace_file* tf = nullptr;
    // Before the trace file exists: SystemC reports the VCD timescale as an info message.
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
    if (!opt.vcd_file.empty()) {
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
        throw SimulationError("simulation ran out of events before the last layer finished: " + ctx.monitor.report());
    return run;
}

}  // namespace sx
