#include "sw/config/arch_config.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "sw/common/error.h"

namespace sx {

namespace fs = std::filesystem;

namespace {
const std::vector<std::string> kDataflows = {"smartexchange", "eyeriss", "scnn", "dense"};
const std::vector<std::string> kRoles = {"input", "output", "weight", "index"};
const std::vector<std::string> kBufferArbiters = {"round_robin", "fcfs"};

double positive_double(const JsonNode& parent, const std::string& key) {
    const JsonNode n = parent.at(key);
    const double v = n.as_double();
    if (!(v > 0)) n.fail("a number > 0");
    return v;
}

// Clocks: SystemC time has a 1 ps resolution and a 64-bit range (about 213 days), so a clock
// period must be a whole number of picoseconds well above 1 (100000 MHz: 10 ps, rounded by
// at most 5 %) and short enough that a long run fits the range (1 MHz: 1.8e13 cycles). The
// DRAM presets' own clocks use the same range (hw/dram).
double clock_mhz(const JsonNode& parent, const std::string& key) {
    const JsonNode n = parent.at(key);
    const double v = n.as_double();
    if (!(v >= 1 && v <= 1e5)) n.fail("a clock in [1, 100000] MHz (simulated time has a 1 ps resolution)");
    return v;
}

// Resolve a path written in the config relative to the config's folder, and insist the file
// exists so the error names the config field rather than a bare file name.
std::string resolve_existing(const JsonNode& node, const std::string& config_path, const std::string& what) {
    const std::string rel = node.as_string();
    if (rel.empty()) node.fail("a path to " + what);
    fs::path p(rel);
    if (p.is_relative()) p = fs::path(config_path).parent_path() / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
        node.fail("a path to an existing " + what + " (relative to the config's folder)",
                  "\"" + rel + "\", which resolves to " + p.string() + " (no such file)");
    return p.string();
}

BitWidths parse_bits(const JsonNode& n) {
    // Issue 12: these were parsed and then read by nothing (every design takes the int8
    // weight image), so a value here changed no result. Removed, with a message saying why.
    n.reject_unsupported("weight", "every design takes the int8 weight image (sw/image); weights are 8 bits");
    n.reject_unsupported("ce_code", "SmartExchange Ce codes are 4 bits by the weight image format (docs/formats.md)");
    n.reject_unsupported("basis", "SmartExchange basis elements are int8 by the weight image format (docs/formats.md)");
    n.expect_only({"activation", "accumulator"});
    BitWidths b;
    b.activation = static_cast<int>(n.get_int("activation", 1, 64));
    b.accumulator = static_cast<int>(n.get_int("accumulator", 1, 64));
    return b;
}

DramChoice parse_dram(const JsonNode& n, const std::string& path) {
    n.expect_only({"preset", "channels", "bus_width_bits", "clock_mhz", "sync_cycles"});
    DramChoice d;
    d.preset_path = resolve_existing(n.at("preset"), path, "DRAM preset file");
    d.preset = load_json_file(d.preset_path);
    // The address mapper slices channel and bus-width bits out of the address, hence powers of
    // two; the ranges are those hw/dram (parse_dram_config) accepts, checked here so that the
    // error names this field (or the override that set it), not the preset file.
    const auto pow2 = [](const JsonNode& v, int64_t min, int64_t max) {
        const int64_t x = v.as_int();
        if (x < min || x > max || (x & (x - 1)) != 0)
            v.fail("a power of two in [" + std::to_string(min) + ", " + std::to_string(max) + "] (address bits are sliced)");
        return static_cast<int>(x);
    };
    d.channels = pow2(n.at("channels"), 1, 1024);
    if (auto w = n.find("bus_width_bits")) d.bus_width_bits = pow2(*w, 8, 1024);
    if (n.has("clock_mhz")) d.clock_mhz_override = clock_mhz(n, "clock_mhz");
    d.sync_cycles = static_cast<int>(n.get_int_or("sync_cycles", d.sync_cycles, 0, 64));
    return d;
}

std::vector<BufferConfig> parse_buffers(const JsonNode& n) {
    n.expect_object();
    std::vector<BufferConfig> out;
    for (const auto& key : n.keys()) {
        const JsonNode b = n.at(key);
        b.expect_only({"capacity_kib", "banks", "port_width_bits", "role", "ports", "arbiter"});
        BufferConfig c;
        c.name = key;
        // Hardening (docs/hardening.md): 1 TiB cap, so capacity_kib * 1024 stays far inside
        // the range llround can represent (1e300 used to become a garbage capacity).
        const double kib = positive_double(b, "capacity_kib");
        if (kib > 1024.0 * 1024.0 * 1024.0) b.at("capacity_kib").fail("a capacity of at most 1 TiB (1073741824 KiB)");
        c.capacity_bytes = static_cast<uint64_t>(std::llround(kib * 1024.0));
        if (c.capacity_bytes == 0) b.at("capacity_kib").fail("a capacity of at least one byte");
        c.banks = static_cast<int>(b.get_int("banks", 1, 1 << 20));
        c.port_width_bits = static_cast<int>(b.get_int("port_width_bits", 8, 1 << 16));
        // Buffers move whole bytes per port cycle (hw/buffer/global_buffer.h): a width that is
        // not a multiple of 8 used to be rounded down silently (12 bits acted as 8).
        if (c.port_width_bits % 8 != 0)
            b.at("port_width_bits").fail("a multiple of 8 bits (the buffer moves whole bytes per cycle)",
                                         std::to_string(c.port_width_bits));
        c.role = b.get_enum("role", kRoles);
        // Names registered in hw/buffer/buffer_arbiter.cpp (a test keeps the two lists equal).
        if (b.has("ports")) c.ports = static_cast<int>(b.get_int("ports", 0, 1 << 20));
        if (b.has("arbiter")) c.arbiter = b.get_enum("arbiter", kBufferArbiters);
        out.push_back(c);
    }
    if (out.empty()) n.fail("at least one buffer");
    return out;
}

PeArrayConfig parse_pe(const JsonNode& n) {
    n.expect_only({"dim_m", "dim_c", "dim_f", "rows", "cols", "multipliers_per_pe"});
    PeArrayConfig pe;
    const bool se = n.has("dim_m") || n.has("dim_c") || n.has("dim_f");
    const bool grid = n.has("rows") || n.has("cols");
    if (se && grid) n.fail("either dim_m/dim_c/dim_f or rows/cols, not both");
    if (se) {
        pe.dim_m = static_cast<int>(n.get_int("dim_m", 1, 1 << 20));
        pe.dim_c = static_cast<int>(n.get_int("dim_c", 1, 1 << 20));
        pe.dim_f = static_cast<int>(n.get_int("dim_f", 1, 1 << 20));
    } else if (grid) {
        pe.rows = static_cast<int>(n.get_int("rows", 1, 1 << 20));
        pe.cols = static_cast<int>(n.get_int("cols", 1, 1 << 20));
    } else {
        n.fail("dim_m, dim_c, dim_f (SmartExchange) or rows, cols (other dataflows)");
    }
    pe.multipliers_per_pe = static_cast<int>(n.get_int_or("multipliers_per_pe", 1, 1, 1 << 20));
    // Hardening (fuzz_config finding, docs/hardening.md): each dimension alone fits an int, but
    // their product in total_macs() overflowed (1048576 x 1048576 x 8). 2^24 MAC units is far
    // beyond any array this model is meant for.
    const int64_t units = pe.dim_m > 0 ? int64_t{pe.dim_m} * pe.dim_c * pe.dim_f
                                       : int64_t{pe.rows} * pe.cols * pe.multipliers_per_pe;
    if (units > (int64_t{1} << 24)) {
        // Named at a dimension an override set (the user's change), else at the array.
        for (const char* key : {"dim_m", "dim_c", "dim_f", "rows", "cols", "multipliers_per_pe"})
            if (auto d = n.find(key); d && d->origin().file != n.file())
                d->fail("at most 2^24 MAC units in the array (the product of its dimensions, /pe_array)");
        n.fail("at most 2^24 MAC units in the array (the product of its dimensions)");
    }
    return pe;
}

// Applies the overrides to `doc` and records where each value was written.
std::shared_ptr<const ValueOrigins> apply_overrides(json& doc, const std::map<std::string, json>& overrides,
                                                    const std::map<std::string, ValueOrigin>& origins,
                                                    const std::string& path) {
    auto out = std::make_shared<ValueOrigins>();
    for (const auto& [ptr, value] : overrides) {
        const auto it = origins.find(ptr);
        const ValueOrigin origin = it != origins.end() ? it->second : ValueOrigin{"--set", ptr};
        json::json_pointer jp;
        try {
            jp = json::json_pointer(ptr);
        } catch (const json::exception& e) {
            throw InputError(origin.file, origin.pointer, "a valid JSON pointer such as /buffers/input/banks", e.what());
        }
        // A field that exists, or a new member of an object that exists (an optional field the
        // file leaves at its default; a misspelt name is then rejected by the validation below,
        // naming the override).
        if (ptr.empty() || !(doc.contains(jp) || (doc.contains(jp.parent_pointer()) && doc.at(jp.parent_pointer()).is_object())))
            throw InputError(origin.file, origin.pointer,
                             "an override of a field, or of a member of an object, that exists in " + path,
                             "no such field or object");
        doc[jp] = value;
        out->add(ptr, origin);
    }
    return out;
}
}  // namespace

const char* to_string(Dataflow d) {
    switch (d) {
        case Dataflow::SmartExchange: return "smartexchange";
        case Dataflow::Eyeriss: return "eyeriss";
        case Dataflow::Scnn: return "scnn";
        case Dataflow::Dense: return "dense";
    }
    return "?";
}

Dataflow dataflow_from_string(const std::string& s) {
    for (std::size_t i = 0; i < kDataflows.size(); ++i)
        if (kDataflows[i] == s) return static_cast<Dataflow>(i);
    throw std::invalid_argument("unknown dataflow '" + s + "' (expected smartexchange, eyeriss, scnn or dense)");
}

int PeArrayConfig::total_macs() const {
    if (dim_m > 0 && dim_c > 0 && dim_f > 0) return dim_m * dim_c * dim_f;
    return rows * cols * multipliers_per_pe;
}

const BufferConfig* ArchConfig::find_buffer(const std::string& name) const {
    for (const auto& b : buffers)
        if (b.name == name) return &b;
    return nullptr;
}

const BufferConfig& ArchConfig::buffer(const std::string& name) const {
    if (const BufferConfig* b = find_buffer(name)) return *b;
    std::string names;
    for (const auto& b : buffers) names += (names.empty() ? "" : ", ") + b.name;
    throw error_at("/buffers/" + name, "a buffer named '" + name + "' (the " + to_string(dataflow) + " dataflow needs it)",
                   "only: " + names);
}

JsonNode ArchConfig::dataflow_node() const {
    const JsonNode n(dataflow_params, file, std::string("/") + to_string(dataflow), origins);
    return use ? n.tracked(use) : n;
}

std::vector<InputError> ArchConfig::unused_fields() const {
    if (!use) return {};
    return JsonNode(raw, file, "", origins)
        .tracked(use)
        .unread_fields(std::string("only fields the ") + to_string(dataflow) +
                       " design uses with this configuration (docs/formats.md)");
}

void ArchConfig::expect_all_used() const {
    const std::vector<InputError> problems = unused_fields();
    if (!problems.empty()) throw InputError::all_of(problems);
}

InputError ArchConfig::error_at(const std::string& pointer, const std::string& expected, const std::string& found) const {
    if (origins)
        if (auto o = origins->find(pointer)) return InputError(o->file, o->pointer, expected, found);
    return InputError(file, pointer, expected, found);
}

InputError ArchConfig::error_at(std::initializer_list<std::string> pointers, const std::string& expected,
                                const std::string& found) const {
    if (origins)
        for (const auto& p : pointers)
            if (origins->find(p)) return error_at(p, expected, found);
    return error_at(pointers.size() ? *pointers.begin() : std::string(), expected, found);
}

ArchConfig parse_arch_config(const json& doc, const std::string& path, std::shared_ptr<const ValueOrigins> origins) {
    auto use = std::make_shared<FieldUse>();
    const JsonNode root = JsonNode(doc, path, "", origins).tracked(use);
    std::vector<std::string> allowed = {"name",    "description", "notes",    "dataflow",   "clock_mhz",
                                        "technology", "bits",     "dram",     "buffers",    "pe_array",
                                        "simulation"};
    // Only the section of the chosen dataflow is accepted: a stray "scnn" block in an Eyeriss
    // config is almost certainly a mistake.
    root.expect_object();
    ArchConfig c;
    c.dataflow = dataflow_from_string(root.get_enum("dataflow", kDataflows));
    allowed.push_back(to_string(c.dataflow));
    root.expect_only(allowed);

    c.file = path;
    c.raw = doc;
    c.use = use;
    c.origins = origins;
    c.name = root.get_string("name");
    c.description = root.get_string_or("description", "");
    if (root.has("notes")) root.get_string("notes");
    c.clock_mhz = clock_mhz(root, "clock_mhz");
    c.tech = load_tech_table(resolve_existing(root.at("technology"), path, "technology table"));
    c.bits = parse_bits(root.at("bits"));
    c.dram = parse_dram(root.at("dram"), path);
    c.buffers = parse_buffers(root.at("buffers"));
    c.pe = parse_pe(root.at("pe_array"));
    if (auto sim = root.find("simulation")) {
        sim->expect_only({"watchdog_cycles"});
        c.sim.watchdog_cycles = static_cast<uint64_t>(sim->get_int_or("watchdog_cycles", 1000000, 1));
    }
    if (auto df = root.find(to_string(c.dataflow))) {
        df->expect_object();
        c.dataflow_params = df->value();
    } else {
        c.dataflow_params = json::object();
    }
    return c;
}

ArchConfig load_arch_config(const std::string& path, const std::map<std::string, json>& overrides,
                            const std::map<std::string, ValueOrigin>& origins) {
    json doc = load_json_file(path);
    auto recorded = apply_overrides(doc, overrides, origins, path);
    return parse_arch_config(doc, path, recorded->empty() ? nullptr : std::move(recorded));
}

}  // namespace sx
