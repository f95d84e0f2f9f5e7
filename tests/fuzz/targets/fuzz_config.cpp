// Fuzzes the JSON configuration loaders: parse_json_text, then the same document as an
// accelerator configuration (parse_arch_config) and as a technology table
// (parse_tech_table), then the lookups a simulation makes on the result.
//
// An arch config names other files (technology table, DRAM preset) relative to its folder.
// Letting the fuzzer pick arbitrary paths would make it read whatever the machine has
// (/proc files, huge files), so string paths are pinned to a few bundled files and one
// missing one; the path logic itself is fixed, the parsing around it is fuzzed.
#include <cstdint>
#include <functional>
#include <string>

#include "sw/common/json_reader.h"
#include "sw/config/arch_config.h"
#include "sw/config/tech_table.h"
#include "tests/fuzz/targets/fuzz_common.h"

namespace {

// The document is treated as if it were configs/<this name>, so "tech/..." and "dram/..."
// resolve to the bundled files.
const char* kOrigin = SX_SOURCE_DIR "/configs/fuzz-input.json";

void pin_path(sx::json& v, const char* const* choices, std::size_t n) {
    if (!v.is_string()) return;  // wrong types are left for the loader to reject
    const std::string s = v.get<std::string>();
    for (std::size_t i = 0; i < n; ++i)
        if (s == choices[i]) return;
    v = choices[std::hash<std::string>{}(s) % n];
}

void pin_files(sx::json& doc) {
    static const char* const tech[] = {"tech/horowitz45.json", "tech/eyeriss65.json", "tech/missing.json"};
    // A technology table's /derive/from and /derive/sram_from name other tables relative to its
    // folder (configs/ for kOrigin): pinned the same way.
    static const char* const base[] = {"tech/horowitz45.json", "tech/cmos32.json", "tech/missing.json"};
    if (doc.is_object() && doc.contains("derive") && doc["derive"].is_object())
        for (const char* k : {"from", "sram_from"})
            if (doc["derive"].contains(k)) pin_path(doc["derive"][k], base, 3);
    static const char* const dram[] = {"dram/lpddr4-3200.json", "dram/ddr4-2400.json", "dram/missing.json"};
    if (!doc.is_object()) return;
    if (doc.contains("technology")) pin_path(doc["technology"], tech, 3);
    if (doc.contains("dram") && doc["dram"].is_object() && doc["dram"].contains("preset"))
        pin_path(doc["dram"]["preset"], dram, 3);
}

void use_tech(const sx::TechTable& t, double capacity_kib, int width_bits) {
    sx::fuzz::sink(t.sram_read_pj(capacity_kib, width_bits) + t.sram_write_pj(capacity_kib, width_bits) +
                   t.sram_leakage_mw(capacity_kib));
    for (const auto& [name, e] : t.energy) sx::fuzz::sink(t.pj(name) + e.value);
    for (const auto& [name, e] : t.area) sx::fuzz::sink(t.area_um2(name) + e.value);
    for (const auto& [name, e] : t.leakage) sx::fuzz::sink(t.leakage_uw(name) + e.value);
    sx::fuzz::sink(t.sram_area_mm2(capacity_kib));  // InputError if a point has no area
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    sx::json doc;
    bool parsed = false;
    sx::fuzz::expect_input_error_only("parse_json_text", [&] {
        doc = sx::parse_json_text(text, kOrigin);
        parsed = true;
    });
    if (!parsed) return 0;

    pin_files(doc);
    sx::fuzz::expect_input_error_only("parse_tech_table", [&] {
        const sx::TechTable t = sx::parse_tech_table(doc, kOrigin);
        use_tech(t, 64, 64);
        use_tech(t, 0.5, 8);
        use_tech(t, 1e6, 512);
    });

    sx::fuzz::expect_input_error_only("parse_arch_config", [&] {
        const sx::ArchConfig c = sx::parse_arch_config(doc, kOrigin);
        sx::fuzz::sink(c.pe.total_macs() + c.cycle_ns());
        for (const auto& b : c.buffers) {
            sx::fuzz::sink(static_cast<double>(c.buffer(b.name).capacity_bytes));
            use_tech(c.tech, b.capacity_bytes / 1024.0, b.port_width_bits);
        }
        sx::fuzz::sink(c.dataflow_node().value().size());
        c.buffer("no-such-buffer");  // the InputError path of a dataflow asking for a buffer
    });
    return 0;
}
