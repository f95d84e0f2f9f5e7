#pragma once
// Walks the host graph for one sample: host nodes run in float (float_ops.h), compute nodes
// are handed to the caller, which either computes them in float (run_float: the host float
// reference) or on the simulated accelerator (chain.h).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sw/graph/graph.h"
#include "sw/graph/tensor.h"

namespace sx {

// Sees every runtime tensor once it is computed (name, values); used by calibration.
using TensorObserver = std::function<void(const std::string& name, const Tensor& t)>;

class HostExecutor {
public:
    // `input` has the graph input's dims (batch 1).
    HostExecutor(const Graph& g, Tensor input, TensorObserver observe = {});
    // Runs host nodes up to the next compute node and returns it (null: the graph is done).
    // The caller then sets the compute node's output with set() before calling next() again.
    const Node* next();
    void set(const std::string& name, Tensor t);
    const Tensor& get(const std::string& name) const;
    // The graph outputs (after next() returned null).
    std::vector<Tensor> outputs() const;

private:
    const Graph& g_;
    std::map<std::string, Tensor> values_;
    TensorObserver observe_;
    std::size_t pos_ = 0;
    // Tensors read for the last time by node i (freed after it runs: ResNet-scale graphs keep
    // only the live activations).
    std::vector<std::vector<std::string>> last_use_;
};

// The host float reference: the whole graph in float (compute nodes with their BN-folded
// float weights). Returns the graph outputs.
std::vector<Tensor> run_float(const Graph& g, const Tensor& input, const TensorObserver& observe = {});

}  // namespace sx
