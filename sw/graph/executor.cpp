#include "sw/graph/executor.h"

#include <set>

#include "sw/common/error.h"
#include "sw/graph/float_ops.h"

namespace sx {

HostExecutor::HostExecutor(const Graph& g, Tensor input, TensorObserver observe) : g_(g), observe_(std::move(observe)) {
    if (observe_) observe_(g.input, input);
    values_[g.input] = std::move(input);
    // Last reader of every tensor; graph outputs are never freed.
    std::map<std::string, std::size_t> last;
    for (std::size_t i = 0; i < g.nodes.size(); ++i)
        for (const auto& t : g.nodes[i].inputs)
            if (!t.empty()) last[t] = i;
    const std::set<std::string> outs(g.outputs.begin(), g.outputs.end());
    last_use_.resize(g.nodes.size());
    for (const auto& [t, i] : last)
        if (!outs.count(t)) last_use_[i].push_back(t);
}

const Node* HostExecutor::next() {
    while (pos_ < g_.nodes.size()) {
        const Node& n = g_.nodes[pos_];
        if (pos_ > 0)
            for (const auto& t : last_use_[pos_ - 1]) values_.erase(t);
        if (n.compute) {
            ++pos_;
            return &n;
        }
        std::vector<const Tensor*> in;
        for (const auto& t : n.inputs) {
            if (t.empty()) {
                in.push_back(nullptr);
                continue;
            }
            const auto c = g_.constants.find(t);
            in.push_back(c != g_.constants.end() ? &c->second : &get(t));
        }
        std::vector<Tensor> out = run_host_op(n, in);
        for (std::size_t i = 0; i < n.outputs.size() && i < out.size(); ++i)
            if (!n.outputs[i].empty()) set(n.outputs[i], std::move(out[i]));
        ++pos_;
    }
    if (!g_.nodes.empty())
        for (const auto& t : last_use_.back()) values_.erase(t);
    return nullptr;
}

void HostExecutor::set(const std::string& name, Tensor t) {
    if (observe_) observe_(name, t);
    values_[name] = std::move(t);
}

const Tensor& HostExecutor::get(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) throw SimulationError("host graph: tensor '" + name + "' read before it was computed");
    return it->second;
}

std::vector<Tensor> HostExecutor::outputs() const {
    std::vector<Tensor> out;
    for (const auto& o : g_.outputs) out.push_back(get(o));
    return out;
}

std::vector<Tensor> run_float(const Graph& g, const Tensor& input, const TensorObserver& observe) {
    HostExecutor ex(g, input, observe);
    while (const Node* n = ex.next()) ex.set(n->outputs[0], run_compute_float(*n, ex.get(n->inputs[0])));
    return ex.outputs();
}

}  // namespace sx
