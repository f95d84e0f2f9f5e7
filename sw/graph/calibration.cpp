#include "sw/graph/calibration.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace sx {

const char* to_string(CalibrationMethod m) { return m == CalibrationMethod::Max ? "max" : "percentile"; }

uint64_t percentile_rank(uint64_t n, double fraction) {
    const uint64_t rank = static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(n)));
    return std::clamp<uint64_t>(rank, 1, n);
}

float percentile_abs(std::vector<float>& v, double fraction) {
    if (v.empty()) return 0;
    const uint64_t rank = percentile_rank(v.size(), fraction);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
    return v[rank - 1];
}

void Calibrator::observe(const std::string& name, const Tensor& t) {
    float& m = max_[name];
    for (float x : t.data) m = std::max(m, std::fabs(x));
    if (method_ != CalibrationMethod::Percentile) return;
    // The value at ascending rank r of n is the (n - r + 1)-th largest: keeping the n - r + 1
    // largest values seen so far (a min-heap) gives it exactly, in n / 10000 + 1 floats.
    const bool first = !largest_.count(name);
    Largest& l = largest_[name];
    if (first) {
        l.expected = static_cast<uint64_t>(samples_) * t.data.size();
        l.keep = l.expected ? static_cast<std::size_t>(l.expected - percentile_rank(l.expected) + 1) : 0;
        l.heap.reserve(l.keep);
    }
    l.seen += t.data.size();
    if (l.seen > l.expected)
        throw std::logic_error("calibration: tensor '" + name + "' observed for more than " + std::to_string(samples_) +
                               " samples of " + std::to_string(l.expected / std::max<uint64_t>(samples_, 1)) + " values");
    const auto greater = std::greater<float>();
    for (float x : t.data) {
        const float a = std::fabs(x);
        if (l.heap.size() < l.keep) {
            l.heap.push_back(a);
            std::push_heap(l.heap.begin(), l.heap.end(), greater);
        } else if (a > l.heap.front()) {
            std::pop_heap(l.heap.begin(), l.heap.end(), greater);
            l.heap.back() = a;
            std::push_heap(l.heap.begin(), l.heap.end(), greater);
        }
    }
}

std::map<std::string, float> Calibrator::scales(const Graph& g) const {
    std::map<std::string, float> s;
    for (const auto& [name, m] : max_) {
        float a = m;
        if (method_ == CalibrationMethod::Percentile) {
            const Largest& l = largest_.at(name);
            if (l.seen != l.expected)
                throw std::logic_error("calibration: tensor '" + name + "' observed for " + std::to_string(l.seen) +
                                       " values, not the " + std::to_string(l.expected) + " expected");
            a = l.heap.empty() ? 0.0f : l.heap.front();
        }
        s[name] = a > 0 ? a / 127.0f : 1.0f;
    }
    for (const auto& n : g.nodes) {
        const std::string& op = n.op;
        if (op == "MaxPool" || op == "Relu" || op == "Identity" || op == "Dropout" || op == "Flatten" || op == "Reshape" ||
            op == "Squeeze" || op == "Unsqueeze")
            if (!n.inputs.empty() && s.count(n.inputs[0]) && !n.outputs.empty()) s[n.outputs[0]] = s[n.inputs[0]];
    }
    return s;
}

}  // namespace sx
