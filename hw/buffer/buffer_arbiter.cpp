#include "hw/buffer/buffer_arbiter.h"

#include <functional>
#include <stdexcept>
#include <utility>

#include "hw/buffer/fcfs_arbiter.h"
#include "hw/buffer/round_robin_arbiter.h"

namespace sx {

namespace {
using Factory = std::function<std::unique_ptr<BufferArbiter>(const ArbiterGeometry&, ArbiterListener&)>;

// The registry: a new policy is one file pair and one line here (and its name in
// sw/config's list of accepted values, checked against this one by a test).
const std::vector<std::pair<std::string, Factory>>& registry() {
    static const std::vector<std::pair<std::string, Factory>> r = {
        {"round_robin", [](const ArbiterGeometry& g, ArbiterListener& l) {
             return std::unique_ptr<BufferArbiter>(new RoundRobinArbiter(g, l));
         }},
        {"fcfs", [](const ArbiterGeometry& g, ArbiterListener& l) {
             return std::unique_ptr<BufferArbiter>(new FcfsArbiter(g, l));
         }},
    };
    return r;
}
}  // namespace

std::unique_ptr<BufferArbiter> make_buffer_arbiter(const std::string& name, const ArbiterGeometry& g,
                                                   ArbiterListener& l) {
    for (const auto& [n, f] : registry())
        if (n == name) return f(g, l);
    throw std::invalid_argument("unknown buffer arbiter '" + name + "'");
}

const std::vector<std::string>& buffer_arbiter_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& e : registry()) v.push_back(e.first);
        return v;
    }();
    return names;
}

}  // namespace sx
