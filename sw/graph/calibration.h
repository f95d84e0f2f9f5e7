#pragma once
// Per-tensor symmetric int8 scales, calibrated on the given inputs with the host float
// reference: scale = A / 127, where A is max |x| over every value of the tensor over every
// input (Method::Max) or the 99.99th percentile of |x| (Method::Percentile: the value at
// rank ceil(0.9999 * n) of the sorted |x|, n values in all). A tensor whose A is 0 gets scale 1.
// Operators that only move or select values (MaxPool, Relu, Identity, Dropout, Flatten,
// Reshape, Squeeze, Unsqueeze) give their output their input's scale, so int8 values pass
// them unchanged.
#include <map>
#include <string>
#include <vector>

#include "sw/graph/graph.h"
#include "sw/graph/tensor.h"

namespace sx {

enum class CalibrationMethod { Max, Percentile };
const char* to_string(CalibrationMethod m);  // "max", "percentile"

class Calibrator {
public:
    explicit Calibrator(CalibrationMethod m) : method_(m) {}
    void observe(const std::string& name, const Tensor& t);  // one sample's values of a tensor
    // The scales of every observed tensor, with the pass-through rule above applied in graph order.
    std::map<std::string, float> scales(const Graph& g) const;

private:
    CalibrationMethod method_;
    std::map<std::string, float> max_;
    std::map<std::string, std::vector<float>> abs_;  // Percentile only
};

// The |x| value at the 99.99th percentile (rank ceil(0.9999 n), 1-based) of `values`
// (reordered); 0 for none. Exposed for tests.
float percentile_abs(std::vector<float>& abs_values, double fraction = 0.9999);

}  // namespace sx
