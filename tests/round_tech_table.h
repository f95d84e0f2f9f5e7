#pragma once
// A technology table of round numbers for hand-derived energy and area tests: every key the
// designs look up (docs/energy-model.md), each a power of two or a small integer so the pJ,
// um^2 and uW a test derives in its comments are exact in binary. Not a real technology.
#include <string>

#include "sw/common/json_reader.h"
#include "sw/config/tech_table.h"

namespace sx::test {

inline json round_tech_table_json() {
    const auto e = [](double v, const char* unit) {
        return json{{"value", v}, {"unit", unit}, {"source", "round test number"}, {"grade", "D"}};
    };
    json t;
    t["name"] = "round";
    t["node_nm"] = 45;
    t["sram_device"] = "test";
    // energy (pJ per action): unit k costs 1, 2, 4 ... so each class is recognisable in a sum.
    json en;
    for (const char* k : {"add_8b", "add_16b", "add_32b", "shift_add_4b", "shift_add_8b", "comparator_8b"}) en[k] = e(1, "pJ");
    for (const char* k : {"mult_8b", "mult_16b", "mac_8b", "mac_16b"}) en[k] = e(4, "pJ");
    for (const char* k : {"rf_read_16b", "rf_write_16b", "spad_ifmap_16b", "spad_psum_16b", "spad_weight_16b",
                          "fifo_access_16b"})
        en[k] = e(2, "pJ");
    en["reg_bit"] = e(0.125, "pJ");
    en["index_bit"] = e(0.5, "pJ");
    en["noc_hop_16b"] = e(8, "pJ");
    en["wire_bit_mm"] = e(0.25, "pJ/bit/mm");
    en["crossbar_bit"] = e(0.0625, "pJ/bit");
    en["dram_access_64b"] = e(512, "pJ");
    t["energy"] = en;
    // area (um^2 per instance) and leakage (uW per instance).
    json ar, lk;
    for (const char* k : {"add_8b", "add_16b", "add_32b", "shift_add_4b", "shift_add_8b", "comparator_8b"}) {
        ar[k] = e(100, "um2");
        lk[k] = e(1, "uW");
    }
    for (const char* k : {"mult_8b", "mult_16b", "mac_8b", "mac_16b"}) {
        ar[k] = e(1000, "um2");
        lk[k] = e(10, "uW");
    }
    ar["reg_bit"] = e(5, "um2");
    lk["reg_bit"] = e(0.0625, "uW");
    ar["crossbar_bit"] = e(2, "um2");
    lk["crossbar_bit"] = e(0.03125, "uW");
    ar["control_fraction"] = e(0.25, "fraction");
    t["area"] = ar;
    t["leakage"] = lk;
    // SRAM: 64-bit read 8 pJ, write 16 pJ, 1 mW and 0.5 mm^2 at every capacity (flat, so a bank's
    // figures do not depend on how a buffer is split): two equal points at 1 byte and 1 TiB, so
    // no lookup falls outside them (beyond the ends a table's figures scale with capacity).
    t["sram"] = json::array();
    for (const double kib : {1.0 / 1024, 1024.0 * 1024 * 1024})
        t["sram"].push_back(json{{"capacity_kib", kib}, {"read_pj_per_64b", 8}, {"write_pj_per_64b", 16}, {"leakage_mw", 1},
                                 {"area_mm2", 0.5}, {"source", "round test number"}, {"grade", "D"}});
    return t;
}

inline TechTable round_tech_table() { return parse_tech_table(round_tech_table_json(), "round_tech_table.json"); }

}  // namespace sx::test
