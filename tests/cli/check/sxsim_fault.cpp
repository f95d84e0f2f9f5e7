// Test-only build of sxsim (tests/cli/check): the real command line (sw/cli/sxsim.cpp is
// compiled into it) with one fault injected through the seam of hw/sim/simulate.h: the
// reference output 5 of layer "dw2" is off by one, so `--check` must see a mismatch. Not the
// product: sxsim itself never sets the seam.
#include "hw/sim/simulate.h"

namespace {
const bool installed = [] {
    sx::set_reference_fault_for_testing([](const sx::Layer& l, std::vector<int32_t>& ref) {
        if (l.name == "dw2" && ref.size() > 5) ref[5] += 1;
    });
    return true;
}();
}  // namespace
