#pragma once
// Technology energy table (configs/tech/*.json): energy per action in pJ, each with its source.
#include <map>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"

namespace sx {

struct TechEntry {
    double value = 0;     // in the entry's unit
    std::string unit;     // "pJ", "pJ/bit", "mW", "mW/KiB" ...
    std::string source;   // citation; required
};

// SRAM energy per access of `width_bits` bits as a function of capacity: linear interpolation
// in log2(capacity) between the table's points, clamped at the ends.
struct SramPoint {
    double capacity_kib = 0;
    double read_pj_per_64b = 0;
    double write_pj_per_64b = 0;
    double leakage_mw = 0;
    std::string source;
};

struct TechTable {
    std::string file;
    std::string name;
    int node_nm = 0;
    std::map<std::string, TechEntry> energy;  // action name -> energy
    std::vector<SramPoint> sram;               // sorted by capacity

    // Named action energy; InputError naming the table file and /energy/<name> if absent.
    double pj(const std::string& action) const;
    bool has(const std::string& action) const { return energy.count(action) != 0; }
    double sram_read_pj(double capacity_kib, int width_bits) const;
    double sram_write_pj(double capacity_kib, int width_bits) const;
    double sram_leakage_mw(double capacity_kib) const;
};

TechTable load_tech_table(const std::string& path);
TechTable parse_tech_table(const json& doc, const std::string& path);

}  // namespace sx
