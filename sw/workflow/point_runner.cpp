#include "sw/workflow/point_runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <unistd.h>

#include "sw/common/error.h"
#include "sw/common/json_reader.h"
#include "sw/workflow/normalization.h"
#include "sw/workflow/pareto.h"
#include "sw/workflow/point_backend.h"
#include "sw/workflow/point_cost.h"
#include "sw/workflow/process_pool.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

double now_s() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string model_name(const std::string& path) { return fs::path(path).stem().string(); }

bool is_summed_column(const std::string& c) {
    static const std::set<std::string> fixed = {"macs", "macs_executed", "macs_skipped", "cycles", "latency_us",
                                                "dram_read_bytes", "dram_write_bytes"};
    const bool energy = c.rfind("energy_", 0) == 0 && c.size() > 10 && c.compare(c.size() - 3, 3, "_pj") == 0;
    return fixed.count(c) || energy;
}

// Sweep progress on stderr: one updating line on a terminal, a line per finished point otherwise.
class SweepProgress {
public:
    SweepProgress(std::string label, std::size_t total, std::size_t already, bool enabled)
        : label_(std::move(label)), total_(total), done_(already), enabled_(enabled),
          tty_(isatty(STDERR_FILENO) != 0), start_(now_s()) {}

    void point_done(bool ok, const std::string& detail) {
        ++done_;
        ++finished_now_;
        if (!ok) ++failed_;
        draw(detail, true);
    }
    void tick(std::size_t running) {
        running_ = running;
        if (tty_ && now_s() - last_draw_ > 0.5) draw("", false);
    }
    void finish() {
        if (enabled_ && tty_) std::fprintf(stderr, "\n");
    }
    std::size_t failed() const { return failed_; }

private:
    void draw(const std::string& detail, bool event) {
        if (!enabled_ || (!tty_ && !event)) return;
        last_draw_ = now_s();
        const double elapsed = last_draw_ - start_;
        const int width = 24;
        const int filled = total_ ? static_cast<int>(width * done_ / total_) : width;
        std::string eta;
        if (finished_now_ > 0 && done_ < total_) {
            char buf[48];
            std::snprintf(buf, sizeof buf, ", eta %.0f s", elapsed / finished_now_ * (total_ - done_));
            eta = buf;
        }
        std::fprintf(stderr, "%s%s [%s%s] %zu/%zu done, %zu failed, %.0f s%s%s%s%s", tty_ ? "\r\033[K" : "",
                     label_.c_str(), std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done_,
                     total_, failed_, elapsed, eta.c_str(), detail.empty() ? "" : "  ", detail.c_str(),
                     tty_ ? "" : "\n");
        std::fflush(stderr);
    }

    std::string label_;
    std::size_t total_, done_, failed_ = 0, finished_now_ = 0, running_ = 0;
    bool enabled_, tty_;
    double start_, last_draw_ = 0;
};

RecordTable::Record point_columns(const SimPoint& p) {
    RecordTable::Record r{{"point_id", p.id}, {"model", model_name(p.model)}};
    for (const auto& c : p.columns) r.push_back(c);
    return r;
}

// Layer rows and the network row of a finished point read back from its traces.
struct PointTables {
    std::vector<RecordTable::Record> layers;
    RecordTable::Record network;
};

PointTables collect(const SimPoint& p, const std::string& dir, const std::string& status, const ChildResult* res) {
    PointTables t;
    t.network = point_columns(p);
    t.network.emplace_back("status", status);
    t.network.emplace_back("exit_code", res && res->exited ? std::to_string(res->exit_code) : "");
    t.network.emplace_back("error", res ? res->error : "");
    // The design's size, from its configuration with the point's overrides.
    try {
        const json doc = apply_overrides(load_json_file(p.arch), p.overrides);
        t.network.emplace_back("pe_count", std::to_string(pe_count(doc, p.arch)));
        t.network.emplace_back("mac_units", std::to_string(mac_units(doc, p.arch)));
        t.network.emplace_back("sram_kib", format_number(onchip_sram_kib(doc, p.arch)));
    } catch (const std::exception&) {
        t.network.emplace_back("pe_count", "");
        t.network.emplace_back("mac_units", "");
        t.network.emplace_back("sram_kib", "");
    }
    if (status != "ok") return t;

    const CsvData csv = read_csv_file((fs::path(dir) / "layers.csv").string());
    std::vector<std::pair<std::string, double>> sums;
    std::string clock;
    // The configuration's area and static power: the same on every row (docs/formats.md).
    std::string area, static_power;
    std::size_t simulated = 0;
    for (const auto& row : csv.rows) {
        RecordTable::Record r = point_columns(p);
        for (std::size_t i = 0; i < csv.header.size(); ++i) {
            const std::string& c = csv.header[i];
            r.emplace_back(c, row[i]);
            if (c == "clock_mhz" && clock.empty()) clock = row[i];
            if (c == "area_mm2" && area.empty()) area = row[i];
            if (c == "static_power_mw" && static_power.empty()) static_power = row[i];
            if (c == "simulated" && (row[i] == "1" || row[i] == "true")) ++simulated;
            if (!is_summed_column(c)) continue;
            auto it = std::find_if(sums.begin(), sums.end(), [&](const auto& s) { return s.first == c; });
            if (it == sums.end()) it = sums.insert(sums.end(), {c, 0.0});
            it->second += to_number(row[i]);
        }
        t.layers.push_back(std::move(r));
    }
    double energy = 0, latency = 0, dram = 0;
    t.network.emplace_back("clock_mhz", clock);
    t.network.emplace_back("area_mm2", area);
    t.network.emplace_back("static_power_mw", static_power);
    t.network.emplace_back("layers", std::to_string(csv.rows.size()));
    t.network.emplace_back("layers_simulated", std::to_string(simulated));
    for (const auto& [c, v] : sums) {
        t.network.emplace_back(c, format_number(v));
        if (c == "energy_total_pj") energy = v;
        if (c == "latency_us") latency = v;
        if (c == "dram_read_bytes" || c == "dram_write_bytes") dram += v;
    }
    t.network.emplace_back("dram_bytes", format_number(dram));
    t.network.emplace_back("edp_pj_us", format_number(energy * latency));
    t.network.emplace_back("pareto", "");  // mark_pareto() fills it over all points of the model
    return t;
}

bool traces_complete(const std::string& dir) {
    return fs::exists(fs::path(dir) / "layers.csv") && fs::exists(fs::path(dir) / "run.json");
}

// point.json: what the point is (slot), what it read (inputs) and how it ended.
void write_point_json(const SimPoint& p, const std::string& dir, const std::string& st, const ChildResult* r,
                      const std::string& backend) {
    json info = {{"point_id", p.id}, {"arch", p.arch}, {"model", p.model}, {"status", st},
                 {"exit_code", r && r->exited ? json(r->exit_code) : json(nullptr)}, {"error", r ? r->error : ""},
                 {"wall_s", r ? json(r->wall_s) : json(nullptr)}, {"backend", r ? json(backend) : json(nullptr)},
                 {"overrides", json::object()},
                 {"slot", point_slot(p.arch, p.model, p.overrides)}, {"inputs", inputs_to_json(p.inputs)}};
    for (const auto& [k, v] : p.overrides) info["overrides"][k] = v;
    write_file_atomic((fs::path(dir) / "point.json").string(), info.dump(2) + "\n");
}

// A stored point as its point.json describes it. Files written before point.json recorded the
// slot and inputs give the slot from their arch, model and overrides, and no inputs.
struct StoredPoint {
    std::string slot;
    json inputs;  // null when not recorded
};

bool read_stored_point(const std::string& dir, StoredPoint& out) {
    const fs::path file = fs::path(dir) / "point.json";
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return false;
    try {
        const json info = parse_json_text(read_text_file(file.string()), file.string());
        if (info.contains("slot") && info["slot"].is_string()) {
            out.slot = info["slot"].get<std::string>();
        } else {
            Overrides o;
            if (info.contains("overrides") && info["overrides"].is_object())
                for (const auto& [k, v] : info["overrides"].items()) o[k] = v;
            out.slot = point_slot(info.at("arch").get<std::string>(), info.at("model").get<std::string>(), o);
        }
        out.inputs = info.contains("inputs") ? info["inputs"] : json();
        return true;
    } catch (const std::exception&) {
        return false;  // unreadable: that stored point is left alone
    }
}

// The stored points by slot (from their point.json), to find out-of-date results.
struct StoredPoints {
    std::map<std::string, std::vector<std::string>> at;  // slot -> stored ids
    std::map<std::string, json> inputs;                   // id -> recorded inputs (null: not recorded)

    StoredPoints(const std::string& out_dir, const std::map<std::string, std::string>& status) {
        for (const auto& [id, st] : status) {
            StoredPoint sp;
            if (!read_stored_point((fs::path(out_dir) / "points" / id).string(), sp)) continue;
            at[sp.slot].push_back(id);
            inputs[id] = sp.inputs;
        }
    }

    // Results stored for p's slot under another id (still in the tables), and what changed.
    std::vector<PointRunSummary::Replaced> out_of_date(const SimPoint& p,
                                                       const std::map<std::string, std::string>& status) const {
        std::vector<PointRunSummary::Replaced> out;
        const auto it = at.find(point_slot(p.arch, p.model, p.overrides));
        if (it == at.end()) return out;
        for (const auto& old_id : it->second) {
            if (old_id == p.id || !status.count(old_id)) continue;
            PointRunSummary::Replaced r{p.id, old_id, false, {}};
            const json& before = inputs.at(old_id);
            r.changed = before.is_null() ? std::vector<std::string>{"inputs not recorded (stored by an earlier sxsim)"}
                                         : changed_inputs(before, p.inputs);
            if (r.changed.empty()) r.changed.push_back("the definition of point ids changed");
            out.push_back(std::move(r));
        }
        return out;
    }
};

}  // namespace

std::string format_number(double v) {
    if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 9e15) return std::to_string(std::llround(v));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

double to_number(const std::string& s) {
    if (s.empty()) return 0;
    try {
        std::size_t used = 0;
        const double v = std::stod(s, &used);
        return used == s.size() ? v : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

std::string point_dir(const std::string& out_dir, const SimPoint& p) {
    return (fs::path(out_dir) / "points" / p.id).string();
}

std::vector<std::string> describe_replaced(const PointRunSummary& sum, const std::vector<SimPoint>& points) {
    // Group by (rerun or recovered, changed inputs), in first-seen order.
    struct Group {
        bool recovered;
        std::string changes;
        std::vector<std::string> points;
    };
    std::vector<Group> groups;
    for (const auto& r : sum.replaced) {
        std::string changes;
        for (std::size_t i = 0; i < r.changed.size(); ++i)
            changes += (i == 0 ? "" : ", ") + r.changed[i];
        auto g = std::find_if(groups.begin(), groups.end(),
                              [&](const Group& x) { return x.recovered == r.recovered && x.changes == changes; });
        if (g == groups.end()) g = groups.insert(groups.end(), Group{r.recovered, changes, {}});
        std::string desc = r.id;
        const auto p = std::find_if(points.begin(), points.end(), [&](const SimPoint& x) { return x.id == r.id; });
        if (p != points.end()) {
            desc += " " + model_name(p->model);
            for (const auto& [k, v] : p->columns) desc += " " + k.substr(k.rfind('/') + 1) + "=" + v;
        }
        g->points.push_back(desc);
    }
    std::vector<std::string> lines;
    constexpr std::size_t kListed = 4;
    for (const auto& g : groups) {
        const std::size_t n = g.points.size();
        std::string line = std::to_string(n) + (n == 1 ? " point " : " points ") +
                           (g.recovered ? "recovered from traces on disk" : "rerun") + ": " + g.changes + " (";
        for (std::size_t i = 0; i < n && i < kListed; ++i) line += (i ? "; " : "") + g.points[i];
        if (n > kListed) line += "; and " + std::to_string(n - kListed) + " more";
        lines.push_back(line + ")");
    }
    return lines;
}

PointRunSummary run_points(const std::vector<SimPoint>& points, const PointRunnerOptions& opt) {
    PointRunSummary sum;
    const double start = now_s();
    sum.total = points.size();
    fs::create_directories(opt.out_dir);
    const std::string layers_path = (fs::path(opt.out_dir) / (opt.table_prefix + "layers.csv")).string();
    const std::string networks_path = (fs::path(opt.out_dir) / (opt.table_prefix + "networks.csv")).string();
    // Wall times are not results: they differ on every run, so they are kept out of the tables
    // (which are then byte-identical for the same inputs, whichever backend ran the points) in
    // a timing record of their own, one row per point that ended (latest run), in the order
    // points ended.
    const std::string times_path = (fs::path(opt.out_dir) / (opt.table_prefix + "times.csv")).string();
    RecordTable times;
    times.load(read_csv_file(times_path));

    // The networks table is the record of what is done: layers are written first, so layer
    // rows of a point missing from the networks table are leftovers and are dropped.
    const CsvData net_csv = read_csv_file(networks_path);
    const CsvData lay_csv = read_csv_file(layers_path);
    sum.networks.load(net_csv);
    std::map<std::string, std::string> status;  // point id -> status
    for (std::size_t i = 0; i < sum.networks.size(); ++i)
        status[sum.networks.get(i, "point_id")] = sum.networks.get(i, "status");
    {
        RecordTable all;
        all.load(lay_csv);
        sum.layers.load(CsvData{lay_csv.header, {}, 0});
        for (std::size_t i = 0; i < all.size(); ++i)
            if (status.count(all.get(i, "point_id"))) sum.layers.add(all.record(i));
    }
    if (net_csv.dropped_rows + lay_csv.dropped_rows > 0 && opt.progress)
        std::fprintf(stderr, "note: ignored %zu incomplete row(s) in the existing tables; those points run again\n",
                     net_csv.dropped_rows + lay_csv.dropped_rows);

    auto write_tables = [&]() {
        // Recomputed over every point recorded so far: a new point can push others off the set.
        mark_pareto(sum.networks, sweep_objectives(), "model");
        write_file_atomic(layers_path, sum.layers.to_csv());
        write_file_atomic(networks_path, sum.networks.to_csv());
    };
    auto record = [&](const SimPoint& p, const PointTables& t, const std::string& st) {
        sum.layers.remove_where("point_id", p.id);
        sum.networks.remove_where("point_id", p.id);
        for (const auto& r : t.layers) sum.layers.add(r);
        sum.networks.add(t.network);
        status[p.id] = st;
    };
    auto record_time = [&](const SimPoint& p, const std::string& backend, const ChildResult& r, const std::string& st) {
        times.remove_where("point_id", p.id);
        times.add({{"point_id", p.id}, {"backend", backend}, {"wall_s", format_number(std::round(r.wall_s * 1000) / 1000)},
                   {"status", st}});
        write_file_atomic(times_path, times.to_csv());
    };

    const StoredPoints stored(opt.out_dir, status);

    std::vector<const SimPoint*> todo;
    std::set<std::string> planned;
    bool changed = false;
    for (const auto& p : points) {
        if (!planned.insert(p.id).second) continue;  // the same point listed twice runs once
        const auto it = status.find(p.id);
        if (it != status.end() && (it->second == "ok" || !opt.retry_failed)) {
            ++sum.skipped;
            continue;
        }
        // Results of this point stored for other inputs are out of date: drop them, say why.
        std::vector<PointRunSummary::Replaced> replaced = stored.out_of_date(p, status);
        for (const auto& r : replaced) {
            sum.layers.remove_where("point_id", r.old_id);
            sum.networks.remove_where("point_id", r.old_id);
            status.erase(r.old_id);
            changed = true;
        }
        const std::string dir = point_dir(opt.out_dir, p);
        // A Slurm task records how the point's child ended (task.json): recovered with it, the
        // row is the one the runner writes when it sees the point end (exit code, wall time).
        ChildResult task_result;
        const bool by_task = read_task_result(dir, task_result);
        const bool recover = traces_complete(dir) && (!by_task || task_result.ok());
        for (auto& r : replaced) {
            r.recovered = recover;
            sum.replaced.push_back(std::move(r));
        }
        if (recover) {
            record(p, collect(p, dir, "ok", by_task ? &task_result : nullptr), "ok");
            if (by_task) record_time(p, "slurm", task_result, "ok");
            // The child's point.json (exit code, wall time) stays if the runner got to write it.
            if (!fs::exists(fs::path(dir) / "point.json"))
                write_point_json(p, dir, "ok", by_task ? &task_result : nullptr, "slurm");
            ++sum.recovered;
            changed = true;
            continue;
        }
        todo.push_back(&p);
    }
    if (changed) write_tables();
    if (opt.progress)
        for (const auto& line : describe_replaced(sum, points))
            std::fprintf(stderr, "%s: %s\n", opt.progress_label.c_str(), line.c_str());

    // Launch order: longest expected first (point_cost.h; the tables stay in plan order below).
    std::vector<double> cost;
    {
        const std::vector<double> plan_cost = estimate_point_costs(todo);
        std::vector<const SimPoint*> sorted;
        for (std::size_t i : longest_first(plan_cost)) {
            sorted.push_back(todo[i]);
            cost.push_back(plan_cost[i]);
        }
        todo = std::move(sorted);
    }
    SweepProgress progress(opt.progress_label, planned.size(), planned.size() - todo.size(), opt.progress);
    std::unique_ptr<PointBackend> local;
    PointBackend* backend = opt.backend.get();
    if (!backend) backend = (local = make_local_backend()).get();
    const BackendOutcome outcome = backend->run(
        todo, cost, opt,
        [&](std::size_t i, const ChildResult& res) {
            const SimPoint& p = *todo[i];
            const std::string dir = point_dir(opt.out_dir, p);
            std::string st = res.ok() ? "ok" : (res.timed_out ? "timeout" : "failed");
            ChildResult r = res;
            if (st == "ok" && !traces_complete(dir)) {
                st = "failed";
                r.error = "the child exited 0 but wrote no layers.csv/run.json";
            }
            record(p, collect(p, dir, st, &r), st);
            write_point_json(p, dir, st, &r, backend->name());  // before the tables: a recorded id has its point.json
            record_time(p, backend->name(), r, st);
            write_tables();
            ++sum.ran;
            std::string detail = p.id;
            for (const auto& [k, v] : p.columns) detail += " " + k.substr(k.rfind('/') + 1) + "=" + v;
            if (st != "ok") detail += ": " + st + (r.error.empty() ? "" : " (" + r.error + ")");
            progress.point_done(st == "ok", detail);
        },
        [&](std::size_t running) { progress.tick(running); });
    progress.finish();
    const bool completed = outcome != BackendOutcome::Interrupted;
    sum.submitted = outcome == BackendOutcome::Submitted;
    if (outcome == BackendOutcome::Completed && (changed || !todo.empty())) {
        // Rows were appended as points ended, an order that depends on scheduling: the final
        // tables list this plan's points in plan order (after the rows of other points), so
        // that they are the same whichever backend ran the points and in how many processes.
        // Also when this run only recovered points (todo empty): a recovered point's rows were
        // appended after those recorded earlier (an interrupted run, a Slurm --collect).
        std::vector<std::string> order;
        for (const auto& p : points) order.push_back(p.id);
        sum.layers.order_by("point_id", order);
        sum.networks.order_by("point_id", order);
        write_tables();
    }
    sum.interrupted = !completed;

    for (const auto& id : planned) {
        const auto it = status.find(id);
        if (it == status.end()) continue;
        if (it->second == "ok") ++sum.ok; else ++sum.failed;
    }
    sum.wall_s = now_s() - start;
    return sum;
}

}  // namespace sx
