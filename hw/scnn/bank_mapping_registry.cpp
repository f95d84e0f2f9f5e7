// Accumulator bank mappings by name (bank_mapping.h): a new mapping adds its file and one
// line here, and its name becomes valid for /scnn/accumulator_bank_mapping.
#include <functional>
#include <stdexcept>
#include <utility>

#include "hw/scnn/bank_mapping.h"

namespace sx::scnn {

namespace {

using Factory = std::unique_ptr<AccumulatorBankMapping> (*)(int banks);

const std::vector<std::pair<std::string, Factory>>& registry() {
    static const std::vector<std::pair<std::string, Factory>> r = {
        {"interleaved", make_interleaved_bank_mapping},
        {"skewed", make_skewed_bank_mapping},
    };
    return r;
}

}  // namespace

const std::vector<std::string>& bank_mapping_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& [name, f] : registry()) n.push_back(name);
        return n;
    }();
    return names;
}

std::unique_ptr<AccumulatorBankMapping> make_bank_mapping(const std::string& name, int banks) {
    if (banks < 1) throw std::invalid_argument("accumulator bank mapping: banks must be >= 1");
    for (const auto& [n, make] : registry())
        if (n == name) return make(banks);
    throw std::invalid_argument("unknown accumulator bank mapping '" + name + "'");
}

}  // namespace sx::scnn
