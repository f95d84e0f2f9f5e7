#include "hw/common/output_requant.h"

#include <cstdint>
#include <string>

#include "sw/common/error.h"

namespace sx {

void OutputRequant::validate(int64_t K) const {
    const auto n = static_cast<std::size_t>(K);
    if (bias.size() != n || multiplier.size() != n || shift.size() != n)
        throw SimulationError("output requantisation: " + std::to_string(bias.size()) + "/" +
                              std::to_string(multiplier.size()) + "/" + std::to_string(shift.size()) +
                              " bias/multiplier/shift entries for " + std::to_string(K) + " output channels");
    for (std::size_t k = 0; k < n; ++k)
        if (multiplier[k] == INT32_MIN || shift[k] < 0 || shift[k] > 62)
            throw SimulationError("output requantisation: channel " + std::to_string(k) + ": multiplier " +
                                  std::to_string(multiplier[k]) + ", shift " + std::to_string(shift[k]) +
                                  " (expected |multiplier| < 2^31, shift 0..62)");
    if (lo < -128 || hi > 127 || lo > hi)
        throw SimulationError("output requantisation: clamp [" + std::to_string(lo) + ", " + std::to_string(hi) +
                              "] outside int8");
}

}  // namespace sx
