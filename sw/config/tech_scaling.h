#pragma once
// Scaling of technology-table numbers between CMOS nodes: the one rule the tables use
// ("derive" in configs/tech/*.json, docs/energy-model.md "Technology tables").
//
// Rule "stillmaker-baas-2017": Stillmaker & Baas, "Scaling equations for the accurate
// prediction of CMOS device performance from 180 nm to 7 nm", Integration 58 (2017) 74-81, as
// transcribed in Accelergy's scaling.py / hwcomponents techscaling.py
// (../shared/reference/energy-area.md 7a, grade B):
//   area factor    = the published from->to table (130, 90, 65, 45, 32, 20, 16, 14, 10, 7 nm);
//   energy factor  = P_to(vdd_to) / P_from(vdd_from), P_n(V) = a_n V^2 + b_n V + c_n;
//   leakage factor = the energy factor (Accelergy's convention: leakage power scales as energy).
// Nodes outside the table (e.g. 40, 28 or 22 nm) are refused, not interpolated: the table has no
// row for them and any interpolation would be a guess of ours. A 40 nm source (Aladdin) is
// therefore used at 45 nm unscaled and says so in its source string.
#include <string>
#include <vector>

namespace sx {

struct ScaleFactors {
    double energy = 1;   // multiply pJ per action (and SRAM pJ per access) by this
    double area = 1;     // multiply um^2 / mm^2 by this
    double leakage = 1;  // multiply uW / mW by this
    // e.g. "Stillmaker-Baas 2017, 45 nm @0.9 V -> 16 nm @0.8 V"
    std::string describe;
};

// The rule names scale_factors accepts.
const std::vector<std::string>& scaling_rules();
// The nodes (nm) of the Stillmaker-Baas table, largest first.
const std::vector<int>& stillmaker_nodes();
bool stillmaker_has_node(int node_nm);

// The published area factor from `from_nm` to `to_nm` (both table nodes).
// std::invalid_argument if either node is not in the table (callers validate input first).
double stillmaker_area_factor(int from_nm, int to_nm);
// P_n(vdd) = a V^2 + b V + c (dimensionless, 45 nm at 1.0 V ~ 1.02). std::invalid_argument if
// the node is not in the table.
double stillmaker_energy(int node_nm, double vdd_v);
// P_to(vdd_to) / P_from(vdd_from).
double stillmaker_energy_factor(int from_nm, double from_vdd_v, int to_nm, double to_vdd_v);

// The factors of `rule` (one of scaling_rules()) between two (node, Vdd) points.
// std::invalid_argument on an unknown rule, a node outside the table, or a Vdd outside
// [kMinVdd, kMaxVdd] (the polynomials are fits over the nodes' operating ranges).
constexpr double kMinVdd = 0.4;
constexpr double kMaxVdd = 1.5;
ScaleFactors scale_factors(const std::string& rule, int from_nm, double from_vdd_v, int to_nm, double to_vdd_v);

}  // namespace sx
