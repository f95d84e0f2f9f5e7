#include "sw/config/tech_scaling.h"

#include <cstdio>
#include <stdexcept>

namespace sx {

namespace {

// Stillmaker & Baas 2017 as transcribed by Accelergy (energy-area.md 7a). Index order = kNodes.
const std::vector<int> kNodes = {130, 90, 65, 45, 32, 20, 16, 14, 10, 7};

// kArea[i][j]: multiply an area at kNodes[i] by this to get it at kNodes[j].
const double kArea[10][10] = {
    {1, 0.44, 0.23, 0.16, 0.072, 0.033, 0.03, 0.027, 0.016, 0.0092},  // 130
    {2.3, 1, 0.53, 0.35, 0.16, 0.075, 0.067, 0.061, 0.036, 0.021},    // 90
    {4.3, 1.9, 1, 0.66, 0.31, 0.14, 0.13, 0.12, 0.068, 0.039},        // 65
    {6.4, 2.8, 1.5, 1, 0.46, 0.21, 0.19, 0.17, 0.1, 0.059},           // 45
    {14, 6.1, 3.3, 2.2, 1, 0.46, 0.41, 0.38, 0.22, 0.13},             // 32
    {30, 13, 7.1, 4.7, 2.2, 1, 0.89, 0.82, 0.48, 0.28},               // 20
    {34, 15, 7.9, 5.3, 2.4, 1.1, 1, 0.91, 0.54, 0.31},                // 16
    {37, 16, 8.7, 5.8, 2.7, 1.2, 1.1, 1, 0.59, 0.34},                 // 14
    {63, 28, 15, 9.8, 4.5, 2.1, 1.9, 1.7, 1, 0.58},                   // 10
    {110, 48, 25, 17, 7.8, 3.6, 3.2, 2.9, 1.7, 1},                    // 7
};

// Energy polynomial a V^2 + b V + c per node.
const double kPoly[10][3] = {
    {7.171, -6.709, 2.904},        // 130
    {4.762, -4.781, 2.092},        // 90
    {3.755, -4.398, 1.975},        // 65
    {1.103, -0.362, 0.2767},       // 45
    {0.9559, -0.7823, 0.471},      // 32
    {0.373, -0.1582, 0.04104},     // 20
    {0.2958, -0.1241, 0.03024},    // 16
    {0.2363, -0.09675, 0.02239},   // 14
    {0.2068, -0.09311, 0.02375},   // 10
    {0.1776, -0.09097, 0.02447},   // 7
};

std::size_t index_of(int node_nm) {
    for (std::size_t i = 0; i < kNodes.size(); ++i)
        if (kNodes[i] == node_nm) return i;
    throw std::invalid_argument("Stillmaker-Baas 2017 has no " + std::to_string(node_nm) + " nm node");
}

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

}  // namespace

const std::vector<std::string>& scaling_rules() {
    static const std::vector<std::string> rules = {"stillmaker-baas-2017"};
    return rules;
}

const std::vector<int>& stillmaker_nodes() { return kNodes; }

bool stillmaker_has_node(int node_nm) {
    for (int n : kNodes)
        if (n == node_nm) return true;
    return false;
}

double stillmaker_area_factor(int from_nm, int to_nm) { return kArea[index_of(from_nm)][index_of(to_nm)]; }

double stillmaker_energy(int node_nm, double vdd_v) {
    const double* p = kPoly[index_of(node_nm)];
    return p[0] * vdd_v * vdd_v + p[1] * vdd_v + p[2];
}

double stillmaker_energy_factor(int from_nm, double from_vdd_v, int to_nm, double to_vdd_v) {
    return stillmaker_energy(to_nm, to_vdd_v) / stillmaker_energy(from_nm, from_vdd_v);
}

ScaleFactors scale_factors(const std::string& rule, int from_nm, double from_vdd_v, int to_nm, double to_vdd_v) {
    if (rule != "stillmaker-baas-2017") throw std::invalid_argument("unknown scaling rule '" + rule + "'");
    for (double v : {from_vdd_v, to_vdd_v})
        if (!(v >= kMinVdd && v <= kMaxVdd)) throw std::invalid_argument("Vdd " + fmt(v) + " V outside [0.4, 1.5] V");
    ScaleFactors f;
    f.area = stillmaker_area_factor(from_nm, to_nm);
    f.energy = stillmaker_energy_factor(from_nm, from_vdd_v, to_nm, to_vdd_v);
    // Every table node's polynomial is positive over [0.4, 1.5] V except where a fit turns; a
    // non-positive value would flip signs, so refuse it rather than return it.
    if (!(stillmaker_energy(from_nm, from_vdd_v) > 0) || !(f.energy > 0))
        throw std::invalid_argument("Stillmaker-Baas energy polynomial not positive at the given Vdd");
    f.leakage = f.energy;
    f.describe = "Stillmaker-Baas 2017, " + std::to_string(from_nm) + " nm @" + fmt(from_vdd_v) + " V -> " +
                 std::to_string(to_nm) + " nm @" + fmt(to_vdd_v) + " V";
    return f;
}

}  // namespace sx
