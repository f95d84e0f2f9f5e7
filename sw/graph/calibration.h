#pragma once
// Per-tensor symmetric int8 scales, calibrated on the given inputs with the host float
// reference: scale = A / 127, where A is max |x| over every value of the tensor over every
// input (Method::Max) or the 99.99th percentile of |x| (Method::Percentile: the value at
// rank ceil(0.9999 * n) of the sorted |x|, n values in all). A tensor whose A is 0 gets scale 1.
// Operators that only move or select values (MaxPool, Relu, Identity, Dropout, Flatten,
// Reshape, Squeeze, Unsqueeze) give their output their input's scale, so int8 values pass
// them unchanged.
#include <cstdint>
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
    // `samples`: how many inputs every tensor will be observed for (one observe() per tensor per
    // input). Percentile needs it to keep only the largest |x| that can still be at the
    // percentile's rank: of n = samples x (values per sample) values, the n - rank + 1 largest
    // (n / 10000 + 1 for 99.99 %), not all n. Max ignores it.
    explicit Calibrator(CalibrationMethod m, std::size_t samples = 1) : method_(m), samples_(samples) {}
    // One sample's values of a tensor. Percentile: std::logic_error if a tensor is observed for
    // more values than `samples` x its first sample's size.
    void observe(const std::string& name, const Tensor& t);
    // The scales of every observed tensor, with the pass-through rule above applied in graph
    // order. Percentile: std::logic_error if a tensor was observed for fewer values than expected
    // (the kept values would not hold the rank).
    std::map<std::string, float> scales(const Graph& g) const;

private:
    // Percentile: the `keep` largest |x| of a tensor so far, a min-heap (front: the smallest kept),
    // out of `expected` values in all.
    struct Largest {
        uint64_t expected = 0, seen = 0;
        std::size_t keep = 0;
        std::vector<float> heap;
    };
    CalibrationMethod method_;
    std::size_t samples_;
    std::map<std::string, float> max_;
    std::map<std::string, Largest> largest_;  // Percentile only
};

// The 1-based rank ceil(fraction * n), clamped to [1, n], of the percentile of n values (n >= 1).
uint64_t percentile_rank(uint64_t n, double fraction = 0.9999);

// The |x| value at the 99.99th percentile (rank ceil(0.9999 n), 1-based) of `values`
// (reordered); 0 for none. Exposed for tests.
float percentile_abs(std::vector<float>& abs_values, double fraction = 0.9999);

}  // namespace sx
