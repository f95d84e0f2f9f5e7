#include "sw/trace/trace_writer.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <variant>

#include <unistd.h>

#include "sw/common/error.h"

namespace sx {

namespace fs = std::filesystem;

namespace {

// 2: the per-layer "check" column; 3: activation statistics columns; 4: area (run.json "area",
// area.csv, the per-layer columns area_mm2 and static_power_mw).
constexpr int kFormatVersion = 4;
constexpr int kRoles = static_cast<int>(BufferRole::kCount);
constexpr int kComponents = static_cast<int>(EnergyComponent::kCount);

using Value = std::variant<std::string, int64_t, uint64_t, double, bool>;
struct Field {
    std::string name;
    Value value;
};

// Fixed significant digits: the same run gives byte-identical traces, and %.9g keeps more
// precision than any figure the model claims.
std::string format_double(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

// The JSON trace carries the same rounded figure as the CSV.
json json_double(double v) {
    if (!std::isfinite(v)) return nullptr;
    return std::strtod(format_double(v).c_str(), nullptr);
}

std::string csv_escape(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// The one place that defines the column set: csv_columns(), csv_row() and the JSON layers all
// derive from it, so they cannot drift apart.
std::vector<Field> layer_fields(const RunResult& run, const LayerResult& r) {
    const Layer& l = r.layer;
    std::vector<Field> f = {
        {"layer", l.name},
        {"type", std::string(to_string(l.type))},
        {"simulated", r.simulated},
        {"check", std::string(to_string(r.check))},
        {"N", l.N}, {"C", l.C}, {"K", l.K}, {"H", l.H}, {"W", l.W}, {"R", l.R}, {"S", l.S},
        {"stride", l.stride}, {"padding", l.padding}, {"groups", l.groups},
        {"P", l.P()}, {"Q", l.Q()},
        {"macs", r.macs},
        {"macs_executed", r.macs_executed},
        {"macs_skipped", r.macs_skipped},
        {"cycles", r.cycles},
        {"clock_mhz", run.clock_mhz},
        // The configuration's silicon, the same on every row (like clock_mhz): a layers table
        // of many runs can be grouped or joined by design size without opening run.json.
        {"area_mm2", run.area.total_mm2()},
        {"static_power_mw", run.area.static_power_mw()},
        {"latency_us", r.latency_us},
        {"pe_utilization", r.pe_utilization},
        {"active_pes", r.active_pes},
        {"dram_read_bytes", r.dram_read_bytes},
        {"dram_write_bytes", r.dram_write_bytes},
        {"dram_row_hits", r.dram_row_hits},
        {"dram_row_misses", r.dram_row_misses},
    };
    for (int i = 0; i < kRoles; ++i) {
        const std::string p = std::string(to_string(static_cast<BufferRole>(i))) + "_buffer_";
        const BufferCounters& b = r.buffers[i];
        f.push_back({p + "reads", b.reads});
        f.push_back({p + "writes", b.writes});
        f.push_back({p + "read_bytes", b.read_bytes});
        f.push_back({p + "write_bytes", b.write_bytes});
        f.push_back({p + "conflict_cycles", b.conflict_cycles});
    }
    f.push_back({"rf_accesses", r.rf_accesses});
    // Measured on the activations the layer ran on (empty for layers not simulated). Before
    // the energy columns, so a row still ends with energy_total_pj (never an empty field).
    const ActivationStats& a = r.activations;
    f.push_back({"activation_density", r.simulated ? Value(a.density) : Value(std::string())});
    for (int d = 0; d < 5; ++d)
        f.push_back({"booth_digits_" + std::to_string(d), r.simulated ? Value(a.booth_digits[d]) : Value(std::string())});
    f.push_back({"ce_rows_skipped", r.simulated && a.ce_rows_skipped >= 0 ? Value(a.ce_rows_skipped) : Value(std::string())});
    for (int i = 0; i < kComponents; ++i)
        f.push_back({std::string("energy_") + to_string(static_cast<EnergyComponent>(i)) + "_pj", r.energy_pj[i]});
    f.push_back({"energy_total_pj", r.energy_total_pj()});
    return f;
}

std::string csv_text(const Value& v) {
    struct V {
        std::string operator()(const std::string& s) const { return csv_escape(s); }
        std::string operator()(int64_t x) const { return std::to_string(x); }
        std::string operator()(uint64_t x) const { return std::to_string(x); }
        std::string operator()(double x) const { return format_double(x); }
        std::string operator()(bool b) const { return b ? "true" : "false"; }
    };
    return std::visit(V{}, v);
}

json json_value(const Value& v) {
    struct V {
        json operator()(const std::string& s) const { return s; }
        json operator()(int64_t x) const { return x; }
        json operator()(uint64_t x) const { return x; }
        json operator()(double x) const { return json_double(x); }
        json operator()(bool b) const { return b; }
    };
    return std::visit(V{}, v);
}

constexpr int kClasses = static_cast<int>(AreaClass::kCount);

const std::vector<std::string>& area_columns() {
    static const std::vector<std::string> c = {"block", "class", "count", "area_mm2", "leakage_mw", "basis"};
    return c;
}

json area_json(const AreaReport& a) {
    json classes = json::object();
    for (int i = 0; i < kClasses; ++i) {
        const AreaClass c = static_cast<AreaClass>(i);
        classes[to_string(c)] = json_double(a.class_mm2(c));
    }
    json blocks = json::array();
    for (const auto& b : a.blocks)
        blocks.push_back({{"block", b.block}, {"class", to_string(b.cls)}, {"count", b.count},
                          {"area_mm2", json_double(b.area_mm2)}, {"leakage_mw", json_double(b.leakage_mw)},
                          {"basis", b.basis}});
    return {{"design", a.design}, {"tech", a.tech}, {"node_nm", a.node_nm}, {"total_mm2", json_double(a.total_mm2())},
            {"static_power_mw", json_double(a.static_power_mw())}, {"pe_pitch_mm", json_double(a.pe_pitch_mm)},
            {"class_mm2", classes}, {"blocks", blocks}};
}

}  // namespace

std::vector<std::string> area_csv_columns() { return area_columns(); }

std::string area_csv(const RunResult& run) {
    std::string s;
    for (const auto& c : area_columns()) s += (s.empty() ? "" : ",") + c;
    s += "\n";
    for (const auto& b : run.area.blocks)
        s += csv_escape(b.block) + "," + to_string(b.cls) + "," + std::to_string(b.count) + "," +
             format_double(b.area_mm2) + "," + format_double(b.leakage_mw) + "," + csv_escape(b.basis) + "\n";
    return s;
}

std::vector<std::string> csv_columns() {
    RunResult run;
    LayerResult probe;
    std::vector<std::string> out;
    for (const auto& f : layer_fields(run, probe)) out.push_back(f.name);
    return out;
}

std::string csv_header() {
    std::string s;
    for (const auto& c : csv_columns()) s += (s.empty() ? "" : ",") + c;
    return s + "\n";
}

std::string csv_row(const RunResult& run, const LayerResult& layer) {
    std::string s;
    bool first = true;
    for (const auto& f : layer_fields(run, layer)) {
        if (!first) s += ",";
        first = false;
        s += csv_text(f.value);
    }
    return s + "\n";
}

std::string to_csv(const RunResult& run) {
    std::string s = csv_header();
    for (const auto& l : run.layers) s += csv_row(run, l);
    return s;
}

json to_json(const RunResult& run) {
    json doc = json::object();
    doc["format_version"] = kFormatVersion;
    doc["arch"] = {{"name", run.arch_name}, {"file", run.arch_file}, {"dataflow", run.dataflow}};
    if (!run.arch_overrides.empty()) doc["arch"]["overrides"] = run.arch_overrides;  // absent without --set
    doc["workload"] = {{"name", run.workload_name}, {"file", run.workload_file}, {"source", run.workload_source},
                       {"batch", run.batch}, {"warnings", run.workload_warnings}};
    if (!run.workload_notes.empty()) doc["workload"]["notes"] = run.workload_notes;  // absent otherwise: traces unchanged
    doc["clock_mhz"] = json_double(run.clock_mhz);
    doc["units"] = {{"cycles", "core clock cycles"},
                    {"clock_mhz", "MHz"},
                    {"latency_us", "microseconds"},
                    {"energy", "pJ (fields ending in _pj)"},
                    {"bytes", "bytes (fields ending in _bytes)"},
                    {"buffer_reads_writes", "port-width accesses"},
                    {"pe_utilization", "macs_executed / (cycles x MAC units), 0..1"},
                    {"macs", "multiply-accumulates, batch included"},
                    {"area", "mm^2 (fields ending in _mm2)"},
                    {"power", "mW (fields ending in _mw)"}};
    doc["weights"] = run.weights;
    doc["activations"] = run.activations;
    if (!run.real_data.is_null()) doc["real_data"] = run.real_data;
    doc["seed"] = run.seed;
    doc["area"] = area_json(run.area);
    json failed = json::array();
    for (const auto& l : run.layers)
        if (l.check == CheckStatus::Failed) failed.push_back(l.layer.name);
    doc["check"] = {{"enabled", run.check_enabled}, {"passed", run.check_passed}, {"failed_layers", failed}};

    json layers = json::array();
    uint64_t macs = 0, executed = 0, skipped = 0, rd = 0, wr = 0;
    double latency = 0;
    std::array<double, kComponents> energy{};
    for (const auto& l : run.layers) {
        json row = json::object();
        for (const auto& f : layer_fields(run, l)) row[f.name] = json_value(f.value);
        json extra = json::object();
        for (const auto& [k, v] : l.extra) extra[k] = json_double(v);
        row["extra"] = extra;
        if (l.check == CheckStatus::Failed) {
            const CheckMismatch& m = l.mismatch;
            row["check_mismatch"] = {{"first_index", m.index}, {"value", m.value}, {"reference", m.reference},
                                     {"count", m.count}, {"outputs", m.outputs},
                                     {"reference_outputs", m.reference_outputs}};
            if (!m.what.empty()) row["check_mismatch"]["what"] = m.what;
        }
        layers.push_back(row);
        macs += l.macs;
        executed += l.macs_executed;
        skipped += l.macs_skipped;
        rd += l.dram_read_bytes;
        wr += l.dram_write_bytes;
        latency += l.latency_us;
        for (int i = 0; i < kComponents; ++i) energy[i] += l.energy_pj[i];
    }
    doc["layers"] = layers;

    json totals = json::object();
    totals["layers"] = run.layers.size();
    totals["cycles"] = run.total_cycles();
    totals["latency_us"] = json_double(latency);
    totals["macs"] = macs;
    totals["macs_executed"] = executed;
    totals["macs_skipped"] = skipped;
    totals["dram_read_bytes"] = rd;
    totals["dram_write_bytes"] = wr;
    for (int i = 0; i < kComponents; ++i)
        totals[std::string("energy_") + to_string(static_cast<EnergyComponent>(i)) + "_pj"] = json_double(energy[i]);
    totals["energy_total_pj"] = json_double(run.total_energy_pj());
    doc["totals"] = totals;
    return doc;
}

void write_file_atomically(const std::string& path, const std::string& content) {
    // The temporary lives in the same folder so the rename stays within one file system.
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw InputError(path, "", "a writable location", std::string("cannot create ") + tmp + " (" + std::strerror(errno) + ")");
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.flush();
        if (!out) {
            std::error_code ec;
            fs::remove(tmp, ec);
            throw InputError(path, "", "a writable location", "writing " + tmp + " failed");
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        std::error_code ignore;
        fs::remove(tmp, ignore);
        throw InputError(path, "", "a writable location", "rename failed (" + ec.message() + ")");
    }
}

void write_traces(const RunResult& run, const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw InputError(dir, "", "a trace directory that can be created", ec ? ec.message() : "not a directory");
    write_file_atomically((fs::path(dir) / "layers.csv").string(), to_csv(run));
    write_file_atomically((fs::path(dir) / "area.csv").string(), area_csv(run));
    write_file_atomically((fs::path(dir) / "run.json").string(), to_json(run).dump(2) + "\n");
}

}  // namespace sx
