#pragma once
// sxsim compare: the figures of several designs run on one workload, layer by layer and in
// total (latency, energy, energy-delay product, DRAM traffic, energy per component), with
// ratios design / reference. Built from the runner's tables; rendered as CSV and JSON here,
// as text tables by the command line and as a report by report.h.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"
#include "sw/workflow/csv_table.h"
#include "sw/workflow/normalization.h"

namespace sx {

struct Figures {
    double cycles = 0;
    double latency_us = 0;
    double energy_pj = 0;
    double dram_bytes = 0;
    // The design's silicon (not summed over layers: every layer runs on the same chip; the
    // per-layer CSV carries the same value on each row). 0 when the traces have no area.
    double area_mm2 = 0;
    double static_power_mw = 0;
    double edp_pj_us() const { return energy_pj * latency_us; }
    std::vector<double> energy_by_component;  // CompareResult::components order, pJ
};

struct CompareDesign {
    std::string name;
    std::string arch;
    std::string point_id;
    NormalizedDesign normalization;
    std::string status = "ok";
    std::string error;
    std::map<std::string, Figures> layers;  // simulated layers by name
    Figures total;
};

struct CompareResult {
    std::string model;
    std::string reference;             // design name
    std::string normalization;         // describe_normalization()
    std::vector<std::string> components;  // energy columns without prefix/suffix ("dram", "pe_array" ...)
    std::vector<std::string> layer_order;  // simulated layers in workload order
    std::vector<std::string> layer_types;
    std::vector<CompareDesign> designs;

    const CompareDesign& ref() const;
    // value / reference value, nullopt when either is missing or the reference is 0.
    std::optional<double> ratio(double value, double reference) const;
};

// Fill designs[i].layers/total from the runner's layers table (rows keyed by point id).
void fill_compare_figures(CompareResult& result, const RecordTable& layers);

std::string compare_csv(const CompareResult& r);
json compare_json(const CompareResult& r);

}  // namespace sx
