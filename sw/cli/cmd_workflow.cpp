#include "sw/cli/cmd_workflow.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "hw/sim/design_area.h"
#include "hw/sim/design_config.h"
#include "sw/cli/console.h"
#include "sw/cli/model_input.h"
#include "sw/cli/option_checks.h"
#include "sw/common/error.h"
#include "sw/config/arch_config.h"
#include "sw/config/tech_table.h"
#include "sw/workflow/compare.h"
#include "sw/workflow/csv_table.h"
#include "sw/workflow/normalization.h"
#include "sw/workflow/plots.h"
#include "sw/workflow/point_backend.h"
#include "sw/workflow/point_runner.h"
#include "sw/workflow/process_pool.h"
#include "sw/workflow/report.h"
#include "sw/workflow/sweep_spec.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

constexpr int kExitInterrupted = 130;

struct CommonArgs {
    std::string out;
    std::string weights;      // weight image given to every point
    std::string activations;  // folder of <layer>.npy inputs given to every point
    int jobs = 0;
    double timeout_s = 0;
    int64_t batch = 0;
    std::string input_shape;  // ONNX models: passed to every `sxsim run`
    uint64_t seed = 1;
    bool check = false;
    bool plots = false;
    bool quiet = false;
    // Where the points run (sw/workflow/point_backend.h).
    std::string backend = "local";
    std::string slurm_partition, slurm_time, slurm_mem;
    int64_t slurm_array_limit = 0, slurm_points_per_task = 0;
    std::vector<std::string> slurm_sbatch_args;
    double slurm_poll_s = 0;  // 0: not given (2 s)
    bool submit_only = false;
    bool collect = false;
};

struct SweepArgs : CommonArgs {
    std::string spec;
    std::string arch;
    std::vector<std::string> models;
    std::vector<std::string> params;
    bool zip = false;
    bool retry_failed = false;
    bool dry_run = false;
};

struct CompareArgs : CommonArgs {
    std::string model;
    std::vector<std::string> archs;
    std::string reference;
    std::string same_tech;
    double same_clock = 0;
    std::string same_dram;
    int64_t iso_macs = 0;
    double iso_sram = 0;
    double iso_area = 0;
    bool iso_area_scale_buffers = false;
};

void add_common(CLI::App* cmd, CommonArgs& a) {
    cmd->add_option("--out", a.out, "Output directory (created if missing); rerunning into it resumes")->required();
    cmd->add_option("-j,--jobs", a.jobs, "Simulations in parallel, one process each (default: all cores)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--timeout", a.timeout_s, "Per-point watchdog in seconds of wall time; a point over it is "
                                              "killed and recorded as 'timeout' (default: none)")
        ->check(finite_number(true, "seconds"));
    cmd->add_option("--batch", a.batch, "Override the workloads' batch size (images)")->check(CLI::PositiveNumber);
    add_input_shape_option(cmd, a.input_shape);
    cmd->add_option("--seed", a.seed, "Seed of synthetic weights and activations")->capture_default_str();
    cmd->add_flag("--check", a.check, "Bit-exact functional check of every layer in every point (slower)");
    cmd->add_option("--weights", a.weights, "Weight image (.sxw) for every point (one workload only; default: synthetic)");
    cmd->add_option("--activations", a.activations, "Folder of per-layer int8 inputs <layer>.npy for every point");
    cmd->add_flag("--plots", a.plots, "Draw the plots (PNG and SVG, sw/plots/*.py, needs /usr/bin/python3 + matplotlib)");
    cmd->add_flag("-q,--quiet", a.quiet, "No progress line and no tables");
    cmd->add_option("--backend", a.backend, "Where the points run: local (child processes here) or slurm (one job "
                                            "array on a Slurm cluster, docs/cluster.md)")
        ->check(CLI::IsMember({"local", "slurm"}))->capture_default_str();
    cmd->add_option("--slurm-partition", a.slurm_partition, "slurm: partition (sbatch --partition)");
    cmd->add_option("--slurm-time", a.slurm_time, "slurm: time limit of each array task (sbatch --time, e.g. 1:00:00)");
    cmd->add_option("--slurm-mem", a.slurm_mem, "slurm: memory of each array task (sbatch --mem, e.g. 2G)");
    cmd->add_option("--slurm-array-limit", a.slurm_array_limit, "slurm: array tasks running at once (--array=...%N)")
        ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
    cmd->add_option("--slurm-points-per-task", a.slurm_points_per_task,
                    "slurm: points each array task runs one after another (default 1)")
        ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
    cmd->add_option("--slurm-sbatch-arg", a.slurm_sbatch_args,
                    "slurm: an extra sbatch argument (repeatable; write --slurm-sbatch-arg=--qos=long)");
    cmd->add_option("--slurm-poll", a.slurm_poll_s, "slurm: seconds between two squeue polls (default 2)")
        ->check(finite_number(false, "seconds"));
    cmd->add_flag("--submit-only", a.submit_only, "slurm: submit the job array, print its id and return "
                                                  "(OUT/slurm/job.json); a later --collect records the results");
    cmd->add_flag("--collect", a.collect, "slurm: submit nothing; follow the job of an earlier --submit-only into "
                                          "--out until it ends, then write the tables");
}

// The backend the options select; the spec's "slurm" settings, if any, under the command
// line's. Slurm-only options without --backend slurm are refused (they would do nothing).
std::shared_ptr<PointBackend> make_backend(const CommonArgs& a, const std::optional<SlurmOptions>& from_spec) {
    if (a.backend != "slurm") {
        for (const auto& [given, name] : std::vector<std::pair<bool, const char*>>{
                 {a.submit_only, "--submit-only"}, {a.collect, "--collect"}, {!a.slurm_partition.empty(), "--slurm-partition"},
                 {!a.slurm_time.empty(), "--slurm-time"}, {!a.slurm_mem.empty(), "--slurm-mem"},
                 {a.slurm_array_limit > 0, "--slurm-array-limit"}, {a.slurm_points_per_task > 0, "--slurm-points-per-task"},
                 {!a.slurm_sbatch_args.empty(), "--slurm-sbatch-arg"}, {a.slurm_poll_s > 0, "--slurm-poll"}})
            if (given) throw InputError(name, "", "--backend slurm with it");
        return nullptr;  // the local backend
    }
    if (a.submit_only && a.collect) throw InputError("--collect", "", "either --submit-only or --collect, not both");
    SlurmBackendOptions o;
    if (from_spec) o.slurm = *from_spec;
    if (!a.slurm_partition.empty()) check_slurm_partition(o.slurm.partition = a.slurm_partition, "--slurm-partition", "");
    if (!a.slurm_time.empty()) check_slurm_time(o.slurm.time_limit = a.slurm_time, "--slurm-time", "");
    if (!a.slurm_mem.empty()) check_slurm_mem(o.slurm.mem = a.slurm_mem, "--slurm-mem", "");
    if (a.slurm_array_limit > 0) o.slurm.array_limit = a.slurm_array_limit;
    if (a.slurm_points_per_task > 0) o.slurm.points_per_task = a.slurm_points_per_task;
    for (const auto& arg : a.slurm_sbatch_args) {
        // The same rules as the spec's "sbatch_args" (slurm_options.cpp).
        json doc = {{"sbatch_args", {arg}}};
        (void)parse_slurm_options(JsonNode(doc, "--slurm-sbatch-arg"));
        o.slurm.sbatch_args.push_back(arg);
    }
    o.submit_only = a.submit_only;
    o.collect = a.collect;
    if (a.slurm_poll_s > 0) o.poll_s = a.slurm_poll_s;
    return make_slurm_backend(o);
}

// The total area of a candidate configuration: the design's own area model on the file with
// the candidate's overrides, exactly what `sxsim run` will report for it. A candidate the
// configuration refuses in a field the search sets (a PE array or buffer over a design's
// limits) is not a candidate (nullopt); any other error (a technology table without area
// keys ...) is the configuration's and is reported as it is.
AreaFunction area_function(const std::string& arch) {
    return [arch](const Overrides& o) -> std::optional<double> {
        try {
            ArchConfig c = load_arch_config(arch, o);
            configure_design(c);
            return design_area(c).total_mm2();
        } catch (const InputError& e) {
            const bool searched = e.field().rfind("/pe_array", 0) == 0 || e.field().rfind("/buffers", 0) == 0;
            if (searched && !o.empty()) return std::nullopt;
            throw;
        }
    };
}

// The children exec /proc/self/exe, which the forked child resolves to the executable it
// shares with this process: exactly the binary simulator_digest() hashed for the point ids,
// even if a rebuild replaced build/sxsim while the sweep runs.
std::string self_exe() {
    std::error_code ec;
    if (!fs::exists("/proc/self/exe", ec))
        throw SimulationError("cannot locate the sxsim executable (/proc/self/exe): " + ec.message());
    return "/proc/self/exe";
}

json run_options(const CommonArgs& a) {
    json o = {{"batch", a.batch}, {"seed", a.seed}, {"check", a.check}};
    if (!a.input_shape.empty()) o["input_shape"] = a.input_shape;  // absent when unused: point ids unchanged
    return o;
}

PointSources point_sources(const CommonArgs& a, const std::string& arch, const std::string& model, const Overrides& o) {
    return {arch, model, a.weights, a.activations, o, run_options(a), simulator_digest()};
}

// A weight image matches one workload; the activations folder must exist (a missing folder
// would silently mean synthetic inputs).
void check_point_files(const CommonArgs& a, std::size_t models, const std::string& origin) {
    if (!a.weights.empty()) {
        require_file(a.weights, "weight image", "--weights");
        if (models != 1) throw InputError(origin, "--weights", "exactly one workload with a weight image", std::to_string(models) + " workloads");
    }
    std::error_code ec;
    if (!a.activations.empty() && !fs::is_directory(a.activations, ec))
        throw InputError(a.activations, "--activations", "an existing folder of <layer>.npy files", "no such folder");
}

std::function<std::vector<std::string>(const SimPoint&, const std::string&)> sxsim_command(const CommonArgs& a) {
    const std::string exe = self_exe();
    return [exe, a](const SimPoint& p, const std::string& dir) {
        std::vector<std::string> argv = {exe, "run", "--arch", p.arch, "--model", p.model, "--out", dir, "--quiet",
                                         "--seed", std::to_string(a.seed), "-j", "1"};  // the pool fills the cores
        if (a.batch > 0) argv.insert(argv.end(), {"--batch", std::to_string(a.batch)});
        if (!a.input_shape.empty()) argv.insert(argv.end(), {"--input-shape", a.input_shape});
        if (a.check) argv.push_back("--check");
        if (!a.weights.empty()) argv.insert(argv.end(), {"--weights", a.weights});
        if (!a.activations.empty()) argv.insert(argv.end(), {"--activations", a.activations});
        for (const auto& [ptr, v] : p.overrides) argv.insert(argv.end(), {"--set", ptr + "=" + v.dump()});
        for (const auto& [ptr, o] : p.origins)
            argv.insert(argv.end(), {"--set-origin", ptr + "=" + json{{"file", o.file}, {"pointer", o.pointer}}.dump()});
        return argv;
    };
}

// Where the value `v` of `ptr` in a point was written: the parameter axis that sets it (axes
// override explicit points), else the first explicit point with that value.
ValueOrigin origin_of(const std::string& ptr, const json& v, const std::vector<ParamAxis>& axes, const SweepSpec& spec) {
    for (const auto& a : axes)
        if (a.pointer == ptr)
            for (std::size_t i = 0; i < a.values.size() && i < a.origins.size(); ++i)
                if (a.values[i] == v) return a.origins[i];
    for (std::size_t j = 0; j < spec.points.size() && j < spec.point_origins.size(); ++j) {
        const auto it = spec.points[j].find(ptr);
        if (it != spec.points[j].end() && it->second == v) return spec.point_origins[j].at(ptr);
    }
    return ValueOrigin{"--set", ptr};
}

// A swept field must sit in an object that exists in the base configuration: catches typos
// before hundreds of points fail on them.
void check_pointer_in_base(const json& base, const std::string& ptr, const std::string& arch, const std::string& origin) {
    const json::json_pointer p(ptr);
    const json::json_pointer parent = p.parent_pointer();
    if (!base.contains(parent) || !base.at(parent).is_object())
        throw InputError(origin, ptr, "a field of an object present in the base configuration " + arch);
    if (!base.contains(p) && base.at(parent).is_object())
        std::fprintf(stderr, "note: %s is not set in %s; the sweep adds it\n", ptr.c_str(), arch.c_str());
}

// Every point's configuration is validated as its `sxsim run` will (shared fields and the
// design's section) before any point runs, also with --dry-run: a bad base configuration (a
// field of the file, or of the DRAM preset or technology table it names) or a bad swept value
// is bad input of the sweep, exit 2 naming where it was written (the file, the spec's field or
// --param, with the point's value), instead of the good points running first and the sweep
// then exiting 1. A value written by the sweep also names the point's other values.
void check_point_configs(const std::string& arch, const std::vector<Overrides>& combos,
                         const std::vector<ParamAxis>& axes, const SweepSpec& spec) {
    for (std::size_t i = 0; i < combos.size(); ++i) {
        const Overrides& o = combos[i];
        std::map<std::string, ValueOrigin> origins;
        std::set<std::string> origin_files = {"--set"};
        for (const auto& [k, v] : o) {
            origins[k] = origin_of(k, v, axes, spec);
            origin_files.insert(origins[k].file);
        }
        try {
            ArchConfig c = load_arch_config(arch, o, origins);
            configure_design(c);
        } catch (const InputError& e) {
            if (!origin_files.count(e.file())) throw;  // the base configuration's own field
            std::string values;
            for (const auto& [k, v] : o) values += (values.empty() ? "" : ", ") + k + "=" + v.dump();
            throw InputError(e.file(), e.field(), e.expected(),
                             (e.found().empty() ? std::string() : e.found() + " ") + "in point " +
                                 std::to_string(i + 1) + " of " + std::to_string(combos.size()) + " (" + values + ")");
        }
    }
}

void run_plots(const std::string& script, const std::vector<std::string>& args, const std::string& out,
               std::vector<std::string>* pngs, bool quiet) {
    const PlotOutcome o = run_plot_script(script, args, (fs::path(out) / "plots").string());
    if (!o.ok) {
        std::fprintf(stderr, "sxsim: warning: %s\n", o.warning.c_str());
        return;
    }
    for (const auto& f : o.files) {
        if (!quiet) std::printf("plot: %s\n", f.c_str());
        if (pngs && fs::path(f).extension() == ".png") pngs->push_back(fs::relative(f, out).string());
    }
}

void sweep_command(const SweepArgs& a) {
    SweepSpec spec;
    if (!a.spec.empty()) spec = load_sweep_spec(require_file(a.spec, "sweep specification", "--spec"));
    const std::string arch = !a.arch.empty() ? a.arch : spec.arch;
    if (arch.empty()) throw InputError(a.spec.empty() ? "sxsim sweep" : a.spec, "--arch", "a base configuration (--arch or \"arch\" in the spec)");
    require_file(arch, "configuration", "--arch");
    const std::vector<std::string> models = !a.models.empty() ? a.models : spec.models;
    if (models.empty()) throw InputError(a.spec.empty() ? "sxsim sweep" : a.spec, "--model", "at least one workload (--model or \"models\" in the spec)");
    for (const auto& m : models) require_file(m, "workload", "--model");

    // Command-line parameters replace the spec's parameter of the same pointer.
    // Two --param of one pointer are refused: the later would silently replace the earlier.
    std::vector<ParamAxis> axes = spec.params;
    std::set<std::string> given;
    for (const auto& text : a.params) {
        ParamAxis axis = parse_param_arg(text);
        if (!given.insert(axis.pointer).second)
            throw InputError("--param", axis.pointer, "each pointer at most once (one list of values per field)",
                             "two --param for it");
        bool replaced = false;
        for (auto& x : axes)
            if (x.pointer == axis.pointer) x = axis, replaced = true;
        if (!replaced) axes.push_back(std::move(axis));
    }
    const CombineMode mode = a.zip ? CombineMode::Zip : spec.mode;
    const std::vector<Overrides> combos = expand_points(spec.points, axes, mode, a.spec.empty() ? "--param" : a.spec);

    CommonArgs run = a;
    if (run.weights.empty()) run.weights = spec.weights;
    if (run.activations.empty()) run.activations = spec.activations;
    check_point_files(run, models.size(), a.spec.empty() ? "sxsim sweep" : a.spec);
    if (run.batch == 0 && spec.batch) run.batch = *spec.batch;
    if (spec.seed && a.seed == 1) run.seed = *spec.seed;
    if (run.timeout_s == 0 && spec.timeout_s) run.timeout_s = *spec.timeout_s;

    const std::string arch_text = read_text_file(arch);
    const json base = parse_json_text(arch_text, arch);
    std::vector<std::string> swept;  // column order: the parameters as given, then explicit points' fields
    for (const auto& axis : axes) swept.push_back(axis.pointer);
    for (const auto& o : combos)
        for (const auto& [k, v] : o)
            if (std::find(swept.begin(), swept.end(), k) == swept.end()) swept.push_back(k);
    for (const auto& ptr : swept) check_pointer_in_base(base, ptr, arch, a.spec.empty() ? "--param" : a.spec);
    check_point_configs(arch, combos, axes, spec);

    std::vector<SimPoint> points;
    DigestCache digests;
    for (const auto& model : models) {
        for (const auto& o : combos) {
            SimPoint p;
            p.arch = arch;
            p.model = model;
            p.overrides = o;
            for (const auto& [k, v] : o) p.origins[k] = origin_of(k, v, axes, spec);
            p.inputs = collect_point_inputs(point_sources(run, arch, model, o), digests);
            p.id = point_id(p.inputs);
            for (const auto& ptr : swept) {
                const auto it = o.find(ptr);
                p.columns.emplace_back(ptr, it == o.end() ? "" : value_text(it->second));
            }
            points.push_back(std::move(p));
        }
    }
    if (a.dry_run) {
        std::printf("%zu point(s) over %zu workload(s), base %s\n", points.size(), models.size(), arch.c_str());
        for (const auto& p : points) {
            std::printf("%s  %s", p.id.c_str(), fs::path(p.model).stem().c_str());
            for (const auto& [k, v] : p.columns) std::printf("  %s=%s", k.c_str(), v.c_str());
            std::printf("\n");
        }
        return;
    }

    PointRunnerOptions opt;
    opt.out_dir = a.out;
    opt.jobs = a.jobs;
    opt.timeout_s = run.timeout_s;
    opt.retry_failed = a.retry_failed;
    opt.progress = !a.quiet;
    opt.command = sxsim_command(run);
    opt.backend = make_backend(a, spec.slurm);
    fs::create_directories(a.out);
    json manifest = {{"arch", arch}, {"models", models}, {"swept", swept}, {"points", points.size()},
                     {"run", run_options(run)}, {"weights", run.weights}, {"activations", run.activations},
                     {"simulator", simulator_digest()}};
    write_file_atomic((fs::path(a.out) / "sweep.json").string(), manifest.dump(2) + "\n");

    install_interrupt_handler();
    const PointRunSummary s = run_points(points, opt);
    if (s.interrupted) {
        std::fprintf(stderr, "sxsim: interrupted: %zu of %zu points recorded in %s; rerun the same command to resume\n",
                     s.ok + s.failed, s.total, a.out.c_str());
        std::exit(kExitInterrupted);
    }
    if (s.submitted) {
        std::printf("sweep: %zu points, %zu queued; record them later with the same command and --collect\n", s.total,
                    s.total - s.ok - s.failed);
        return;
    }
    if (!a.quiet) {
        const std::string replaced =
            s.replaced.empty() ? "" : ", " + std::to_string(s.replaced.size()) + " out of date (inputs changed)";
        std::printf("sweep: %zu points (%zu ran now in %.1f s, %zu already done, %zu recovered from disk%s): %zu ok, %zu failed\n",
                    s.total, s.ran, s.wall_s, s.skipped, s.recovered, replaced.c_str(), s.ok, s.failed);
        std::printf("tables: %s/sweep_networks.csv, %s/sweep_layers.csv; traces: %s/points/<point-id>/\n",
                    a.out.c_str(), a.out.c_str(), a.out.c_str());
    }
    if (a.plots) run_plots("plot_sweep.py", {a.out}, a.out, nullptr, a.quiet);
    if (s.failed > 0)
        throw SimulationError(std::to_string(s.failed) + " of " + std::to_string(s.total) +
                              " points failed; their status and error are in " + a.out + "/sweep_networks.csv");
}

void print_table(const Table& t) {
    if (t.empty()) return;
    TextTable tt(t[0]);
    for (std::size_t i = 1; i < t.size(); ++i) {
        if (t[i][0] == "total") tt.add_separator();
        tt.add_row(t[i]);
    }
    std::printf("%s\n", tt.render().c_str());
}

void compare_command(const CompareArgs& a) {
    if (a.archs.empty()) throw InputError("sxsim compare", "--arch", "at least one design");
    require_file(a.model, "workload", "--model");
    NormalizationOptions norm;
    if (!a.same_tech.empty()) {
        norm.same_tech = fs::absolute(require_file(a.same_tech, "technology table", "--same-tech")).string();
        // The table is this command's input: a malformed one (or a `derive` to a missing file) is
        // bad input of compare (exit 2) now, not one failed design per --arch after simulating
        // the others. Keys only some designs need are still checked by each design's run.
        (void)load_tech_table(*norm.same_tech);
    }
    if (a.same_clock > 0) norm.same_clock_mhz = a.same_clock;
    if (!a.same_dram.empty()) norm.same_dram = fs::absolute(require_file(a.same_dram, "DRAM preset", "--same-dram")).string();
    if (a.iso_macs > 0) norm.iso_macs = a.iso_macs;
    if (a.iso_sram > 0) norm.iso_sram_kib = a.iso_sram;
    if (a.iso_area > 0) norm.iso_area_mm2 = a.iso_area;
    if (a.iso_area_scale_buffers && !norm.iso_area_mm2)
        throw InputError("sxsim compare", "--iso-area-scale-buffers", "--iso-area MM2 with it (it says how --iso-area scales)");
    norm.iso_area_scale_buffers = a.iso_area_scale_buffers;

    check_point_files(a, 1, "sxsim compare");
    CompareResult result;
    result.model = fs::path(a.model).stem().string();
    result.normalization = describe_normalization(norm);
    std::vector<SimPoint> points;
    DigestCache digests;
    std::set<std::string> names;
    for (const auto& arch : a.archs) {
        require_file(arch, "configuration", "--arch");
        const std::string text = read_text_file(arch);
        const json doc = parse_json_text(text, arch);
        CompareDesign d;
        d.name = doc.contains("name") && doc["name"].is_string() ? doc["name"].get<std::string>() : fs::path(arch).stem().string();
        for (int k = 2; names.count(d.name); ++k) d.name = fs::path(arch).stem().string() + "-" + std::to_string(k);
        names.insert(d.name);
        d.arch = arch;
        d.normalization = normalize_design(doc, arch, norm, area_function(arch));
        SimPoint p;
        p.arch = arch;
        p.model = a.model;
        p.overrides = d.normalization.overrides;
        p.origins = d.normalization.origins;
        p.inputs = collect_point_inputs(point_sources(a, arch, a.model, p.overrides), digests);
        p.id = point_id(p.inputs);
        p.columns = {{"design", d.name}};
        d.point_id = p.id;
        points.push_back(p);
        result.designs.push_back(std::move(d));
    }
    result.reference = result.designs.front().name;
    if (!a.reference.empty()) {
        bool found = false;
        for (const auto& d : result.designs)
            if (d.name == a.reference || d.arch == a.reference || fs::path(d.arch).stem() == a.reference) {
                result.reference = d.name;
                found = true;
            }
        if (!found) throw InputError("sxsim compare", "--reference", "the name or file of one of the --arch designs", a.reference);
    }

    PointRunnerOptions opt;
    opt.out_dir = a.out;
    opt.table_prefix = "runs_";
    opt.jobs = a.jobs;
    opt.timeout_s = a.timeout_s;
    opt.progress = !a.quiet;
    opt.progress_label = "compare";
    opt.command = sxsim_command(a);
    opt.backend = make_backend(a, std::nullopt);
    install_interrupt_handler();
    const PointRunSummary s = run_points(points, opt);
    if (s.interrupted) {
        std::fprintf(stderr, "sxsim: interrupted; rerun the same command to resume\n");
        std::exit(kExitInterrupted);
    }
    if (s.submitted) {
        std::printf("compare: record the results later with the same command and --collect\n");
        return;
    }
    for (auto& d : result.designs)
        for (std::size_t i = 0; i < s.networks.size(); ++i)
            if (s.networks.get(i, "point_id") == d.point_id) {
                d.status = s.networks.get(i, "status");
                d.error = s.networks.get(i, "error");
            }
    fill_compare_figures(result, s.layers);
    write_file_atomic((fs::path(a.out) / "compare.csv").string(), compare_csv(result));
    write_file_atomic((fs::path(a.out) / "compare.json").string(), compare_json(result).dump(2) + "\n");

    std::vector<std::string> pngs;
    if (a.plots) run_plots("plot_compare.py", {a.out}, a.out, &pngs, a.quiet);
    write_compare_report(result, a.out, pngs);

    if (!a.quiet) {
        std::printf("%s on %zu designs; reference %s; ratios are design / reference (below 1 is better)\n",
                    result.model.c_str(), result.designs.size(), result.reference.c_str());
        std::printf("normalization: %s\n", result.normalization.c_str());
        for (const auto& d : result.designs)
            for (const auto& n : d.normalization.notes) std::printf("  %s: %s\n", d.name.c_str(), n.c_str());
        std::printf("\n");
        print_table(totals_table(result));
        print_table(breakdown_table(result));
        for (const char* q : {"latency", "energy", "edp", "dram"}) print_table(layer_table(result, q));
        std::printf("written: %s/compare.csv, %s/compare.json, %s/report.md, %s/report.html\n", a.out.c_str(),
                    a.out.c_str(), a.out.c_str(), a.out.c_str());
    }
    std::fflush(stdout);
    std::size_t failed = 0;
    for (const auto& d : result.designs)
        if (d.status != "ok") {
            ++failed;
            std::fprintf(stderr, "sxsim: %s %s: %s\n", d.name.c_str(), d.status.c_str(), d.error.c_str());
        }
    if (failed) throw SimulationError(std::to_string(failed) + " of " + std::to_string(result.designs.size()) + " designs failed");
}

}  // namespace

void add_workflow_commands(CLI::App& app) {
    auto sa = std::make_shared<SweepArgs>();
    CLI::App* sweep = app.add_subcommand(
        "sweep", "Simulate a base configuration over a grid of parameter values x workloads, one process per point, "
                 "in parallel; aggregate per-layer and per-network CSV tables; resumable");
    sweep->add_option("--spec", sa->spec, "Sweep specification (configs/sweeps/*.json); options below add to it");
    sweep->add_option("--arch", sa->arch, "Base hardware configuration (configs/*.json)");
    sweep->add_option("--model", sa->models, "Workload (repeatable): every point runs on each");
    sweep->add_option("--param", sa->params,
                      "Swept field (repeatable) as JSON-POINTER=VALUES: a list 8,16,32, a range from:to:step "
                      "(200:1000:200, inclusive) or a geometric range from:to:xF (4:64:x2). Points: the product of "
                      "all parameters (or --zip)");
    sweep->add_flag("--zip", sa->zip, "Combine parameters element-wise (equal lengths) instead of the full product");
    sweep->add_flag("--retry-failed", sa->retry_failed, "Run again the points recorded as failed or timed out");
    sweep->add_flag("--dry-run", sa->dry_run, "List the points (ids and values) and exit");
    add_common(sweep, *sa);
    sweep->footer("Outputs: OUT/sweep_networks.csv (one row per point and workload: status, error, cycles, latency_us, "
                  "energy in pJ per component, DRAM bytes, MACs, PE count, area_mm2, static_power_mw, and pareto: true "
                  "when no other point of the same workload is at most as slow, as energy-hungry and as large with one "
                  "of them strictly better), OUT/sweep_layers.csv (one row per point "
                  "and layer), OUT/points/<point-id>/ (traces and logs). A point id hashes the contents of every input "
                  "the point reads (configuration, the technology table and DRAM preset it names, workload, weight "
                  "image, activations), the values, the run options and the sxsim executable: rerunning skips the "
                  "points already done and reruns, naming the changed inputs, those whose inputs changed. "
                  "Exit code 1 if any point failed, 130 if interrupted.");
    sweep->callback([sa]() { sweep_command(*sa); });

    auto ca = std::make_shared<CompareArgs>();
    CLI::App* cmp = app.add_subcommand(
        "compare", "Run several designs on one workload and compare them per layer and in total (latency, energy, EDP, "
                   "DRAM traffic, energy breakdown, area, static power) with ratios against a reference design");
    cmp->add_option("--model", ca->model, "Workload (models/*.json)")->required();
    cmp->add_option("--arch", ca->archs, "Design (repeatable): configs/*.json")->required();
    cmp->add_option("--reference", ca->reference, "Reference design: its name or file (default: the first --arch)");
    cmp->add_option("--same-tech", ca->same_tech, "Run every design with this technology table (configs/tech/*.json)");
    cmp->add_option("--same-clock", ca->same_clock, "Run every design at this core clock, MHz")
        ->check(finite_number(false, "MHz"));
    cmp->add_option("--same-dram", ca->same_dram,
                    "Give every design this off-chip memory (configs/dram/*.json preset at its own clock, 1 channel)");
    cmp->add_option("--iso-macs", ca->iso_macs,
                    "Scale every PE array to about this many MAC units (smartexchange: dim_m; grids: rows and cols "
                    "keeping the aspect ratio and the multipliers per PE)")
        ->check(CLI::PositiveNumber);
    cmp->add_option("--iso-sram", ca->iso_sram,
                    "Scale every design's global buffers by one factor to this total, KiB (banks and ports kept)")
        ->check(finite_number(false, "KiB"));
    cmp->add_option("--iso-area", ca->iso_area,
                    "Scale every design's PE array so that its total area (its own area model, after the other "
                    "options) is this many mm^2, within 2%; a design that cannot get that close is refused (exit 2) "
                    "with the closest area it reaches")
        ->check(finite_number(false, "mm^2"));
    cmp->add_flag("--iso-area-scale-buffers", ca->iso_area_scale_buffers,
                  "With --iso-area: scale the global buffers with the PE array by one common factor (the design's "
                  "balance kept), the buffers alone then fine-tuning what the PE array's steps leave");
    add_common(cmp, *ca);
    cmp->footer("Outputs: OUT/compare.csv (per design and layer, plus 'total' rows, with ratios), OUT/compare.json, "
                "OUT/report.md and OUT/report.html (tables; plots with --plots), OUT/points/<id>/ traces. "
                "Units: latency us, energy pJ in files (uJ in tables), EDP pJ*us in files (uJ*ms in tables), bytes, "
                "area mm^2, static power mW.");
    cmp->callback([ca]() { compare_command(*ca); });

    // What one array task of `--backend slurm` runs (sw/workflow/backend_slurm.cpp); hidden.
    auto task = std::make_shared<std::pair<std::string, std::size_t>>();
    CLI::App* st = app.add_subcommand("slurm-task", "");
    st->group("");
    st->add_option("plan", task->first)->required();
    st->add_option("task", task->second)->required();
    st->callback([task]() {
        const int rc = run_slurm_task(task->first, task->second);
        std::fflush(nullptr);
        if (rc != 0) std::exit(rc);
    });
}

}  // namespace sx
