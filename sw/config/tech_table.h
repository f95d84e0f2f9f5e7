#pragma once
// Technology table (configs/tech/*.json): per building block its energy per action (pJ), its
// area per instance (um^2) and its leakage per instance (uW), and SRAM figures by capacity;
// every number with its source and a confidence grade (../shared/reference/energy-area.md:
// A primary, B secondary, C recalled, D derived by a shown formula, T tool output such as
// CACTI). docs/energy-model.md lists the keys every design uses and what each one counts.
//
// Sections:
//   energy  : action -> pJ per action (e.g. "mult_16b", "add_32b", "wire_bit_mm" = pJ per bit
//             per mm of on-chip wire, "reg_bit" = pJ per bit written to a flip-flop register)
//   area    : unit -> um^2 per instance (e.g. "mult_16b", "add_32b", "reg_bit" per stored bit);
//             "control_fraction" (unit "fraction"): control, clock tree and glue logic as a
//             fraction of the area of everything else, stated once per table
//   leakage : unit -> uW per instance (same keys as area, without control_fraction)
//   sram    : points by capacity (one bank, one read-write port, 64-bit word, the table's
//             "sram_device", e.g. CACTI "itrs-lop"): read/write pJ per 64-bit access, leakage
//             mW, area mm^2. Lookups interpolate linearly in log2(capacity); beyond the end
//             points area and leakage scale with capacity, access energy with its square root
//             (CACTI's own trends, energy-area.md 3c).
//   vdd_v   : supply voltage the table's numbers are for (required by "derive", both ends)
//   derive  : {"from": "<table>.json" (relative to this table's folder), "rule":
//             "stillmaker-baas-2017"} (sw/config/tech_scaling.h): every energy / area / leakage
//             entry this file does not list is the base table's entry times the rule's factor
//             from (base node_nm, base vdd_v) to (node_nm, vdd_v), its grade "D" and its source
//             "D: <base source> x <factor> (<rule, nodes, Vdd>)"; unit "fraction" entries are
//             copied unscaled. "sram" written here replaces the base's points, else they are
//             scaled the same way (pJ and mW by the energy factor, mm^2 by the area factor).
//             Optional "sram_from": "<table>.json": the SRAM points (and sram_device) come from
//             that table instead, scaled by the same rule from its node and Vdd.
//             Entries written in the file override. Chains are allowed (a base may derive);
//             a cycle, an unknown rule, a node outside the rule's table or a missing vdd_v is an
//             InputError naming the file and the JSON pointer.
#include <map>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"

namespace sx {

struct TechEntry {
    double value = 0;     // in the entry's unit
    std::string unit;     // "pJ", "um2", "uW", "fraction" ...
    std::string source;   // citation; required
    std::string grade;    // A, B, C, D or T (see above); "" in tables that predate grades
};

struct SramPoint {
    double capacity_kib = 0;
    double read_pj_per_64b = 0;
    double write_pj_per_64b = 0;
    double leakage_mw = 0;
    double area_mm2 = -1;  // -1: not given (area lookups then fail naming the table)
    std::string source;
    std::string grade;
};

struct TechTable {
    std::string file;
    std::string name;
    int node_nm = 0;
    double vdd_v = 0;                          // 0: not stated
    std::vector<std::string> files;            // files read: this table, then its derive chain
    std::string sram_device;                   // device type the SRAM points were computed for
    std::map<std::string, TechEntry> energy;   // action -> pJ per action
    std::map<std::string, TechEntry> area;     // unit -> um^2 per instance
    std::map<std::string, TechEntry> leakage;  // unit -> uW per instance
    std::vector<SramPoint> sram;               // sorted by capacity

    // Named action energy in pJ; InputError naming the table file and /energy/<name> if absent.
    double pj(const std::string& action) const;
    bool has(const std::string& action) const { return energy.count(action) != 0; }
    // Area of one instance in um^2 (/area/<unit>) and its leakage in uW (/leakage/<unit>);
    // InputError naming the table and the pointer if absent.
    double area_um2(const std::string& unit) const;
    double leakage_uw(const std::string& unit) const;
    bool has_area(const std::string& unit) const { return area.count(unit) != 0; }
    // /area/control_fraction; InputError if absent.
    double control_fraction() const;

    // Energy of one access of `width_bits` bits to an SRAM (one bank) of `capacity_kib`: the
    // 64-bit figure scaled linearly with width.
    double sram_read_pj(double capacity_kib, int width_bits) const;
    double sram_write_pj(double capacity_kib, int width_bits) const;
    // Leakage (mW) and area (mm^2) of one bank of `capacity_kib` with one read-write port.
    double sram_leakage_mw(double capacity_kib) const;
    double sram_area_mm2(double capacity_kib) const;
};

TechTable load_tech_table(const std::string& path);
TechTable parse_tech_table(const json& doc, const std::string& path);

}  // namespace sx
