#include "hw/smartexchange/pe_timing.h"

#include <stdexcept>

namespace sx::se {

namespace {
struct Entry {
    const char* name;
    std::unique_ptr<SePeTiming> (*make)();
};
// The first entry is the default.
const Entry kPolicies[] = {
    {"booth_bit_serial", make_booth_bit_serial_timing},
    {"bit_parallel", make_bit_parallel_timing},
};
}  // namespace

const std::vector<std::string>& pe_timing_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const Entry& e : kPolicies) v.emplace_back(e.name);
        return v;
    }();
    return names;
}

std::unique_ptr<SePeTiming> make_pe_timing(const std::string& name) {
    for (const Entry& e : kPolicies)
        if (name == e.name) return e.make();
    throw std::invalid_argument("unknown SmartExchange PE timing policy \"" + name + "\"");
}

}  // namespace sx::se
