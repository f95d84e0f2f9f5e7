#include "sw/workflow/point_cost.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "sw/common/json_reader.h"
#include "sw/workflow/point_runner.h"
#include "sw/workflow/sweep_params.h"
#include "sw/workload/workload.h"

namespace sx {

double dataflow_cost_factor(const std::string& dataflow) {
    // 1 / (G dense MACs per CPU-second), ResNet-50 with --check (docs/performance.md).
    static const std::map<std::string, double> factor = {
        {"smartexchange", 1 / 0.619}, {"eyeriss", 1 / 0.523}, {"scnn", 1 / 0.309}, {"dense", 1 / 0.523}};
    const auto it = factor.find(dataflow);
    return it == factor.end() ? 2.0 : it->second;
}

std::vector<double> estimate_point_costs(const std::vector<const SimPoint*>& points) {
    std::map<std::string, double> gmacs;       // workload file -> G dense MACs (0: unknown)
    std::map<std::string, json> configs;       // configuration file -> document (null: unreadable)
    std::vector<double> cost;
    cost.reserve(points.size());
    for (const SimPoint* p : points) {
        auto w = gmacs.find(p->model);
        if (w == gmacs.end()) {
            double g = 0;
            try {
                if (p->model.size() >= 5 && p->model.compare(p->model.size() - 5, 5, ".json") == 0)
                    g = static_cast<double>(load_workload(p->model).total_macs()) * 1e-9;
            } catch (const std::exception&) {
                g = 0;  // the child reports the error; only the launch order depends on this
            }
            w = gmacs.emplace(p->model, g).first;
        }
        auto c = configs.find(p->arch);
        if (c == configs.end()) {
            json doc;
            try {
                doc = load_json_file(p->arch);
            } catch (const std::exception&) {
                doc = nullptr;
            }
            c = configs.emplace(p->arch, std::move(doc)).first;
        }
        std::string dataflow;
        try {
            const json doc = p->overrides.empty() ? c->second : apply_overrides(c->second, p->overrides);
            if (doc.is_object() && doc.contains("dataflow") && doc["dataflow"].is_string())
                dataflow = doc["dataflow"].get<std::string>();
        } catch (const std::exception&) {
        }
        cost.push_back(w->second * dataflow_cost_factor(dataflow));
    }
    return cost;
}

std::vector<std::size_t> longest_first(const std::vector<double>& cost) {
    std::vector<std::size_t> order(cost.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
    return order;
}

std::vector<std::vector<std::size_t>> lpt_slices(const std::vector<double>& cost, std::size_t per) {
    if (per < 1) per = 1;
    const std::size_t n_slices = (cost.size() + per - 1) / per;
    std::vector<std::vector<std::size_t>> slices(n_slices);
    std::vector<double> load(n_slices, 0);
    for (std::size_t i : longest_first(cost)) {
        std::size_t best = n_slices;
        for (std::size_t s = 0; s < n_slices; ++s)
            if (slices[s].size() < per && (best == n_slices || load[s] < load[best])) best = s;
        slices[best].push_back(i);
        load[best] += cost[i];
    }
    std::vector<std::size_t> by_load = longest_first(load);
    std::vector<std::vector<std::size_t>> out;
    out.reserve(n_slices);
    for (std::size_t s : by_load) out.push_back(std::move(slices[s]));
    return out;
}

}  // namespace sx
