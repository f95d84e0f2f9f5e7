#include "sw/graph/calibration.h"

#include <algorithm>
#include <cmath>

namespace sx {

const char* to_string(CalibrationMethod m) { return m == CalibrationMethod::Max ? "max" : "percentile"; }

float percentile_abs(std::vector<float>& v, double fraction) {
    if (v.empty()) return 0;
    const double n = static_cast<double>(v.size());
    std::size_t rank = static_cast<std::size_t>(std::ceil(fraction * n));
    rank = std::clamp<std::size_t>(rank, 1, v.size());
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
    return v[rank - 1];
}

void Calibrator::observe(const std::string& name, const Tensor& t) {
    float& m = max_[name];
    for (float x : t.data) m = std::max(m, std::fabs(x));
    if (method_ == CalibrationMethod::Percentile) {
        auto& a = abs_[name];
        a.reserve(a.size() + t.data.size());
        for (float x : t.data) a.push_back(std::fabs(x));
    }
}

std::map<std::string, float> Calibrator::scales(const Graph& g) const {
    std::map<std::string, float> s;
    for (const auto& [name, m] : max_) {
        float a = m;
        if (method_ == CalibrationMethod::Percentile) {
            std::vector<float> copy = abs_.at(name);
            a = percentile_abs(copy);
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
