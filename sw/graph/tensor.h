#pragma once
// A float tensor of the host graph runner: dims (C order) and values. One sample at a time:
// the host graph runs with batch 1 (sw/graph/graph.h).
#include <cstdint>
#include <vector>

namespace sx {

struct Tensor {
    std::vector<int64_t> dims;
    std::vector<float> data;  // C order, product(dims) values

    Tensor() = default;
    Tensor(std::vector<int64_t> d, std::vector<float> v) : dims(std::move(d)), data(std::move(v)) {}
    explicit Tensor(std::vector<int64_t> d) : dims(std::move(d)), data(static_cast<std::size_t>(count(dims)), 0.0f) {}

    int64_t elements() const { return count(dims); }
    static int64_t count(const std::vector<int64_t>& d) {
        int64_t n = 1;
        for (int64_t x : d) n *= x;
        return n;
    }
};

}  // namespace sx
