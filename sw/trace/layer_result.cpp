#include "sw/trace/layer_result.h"

#include <stdexcept>

namespace sx {

const char* to_string(CheckStatus s) {
    switch (s) {
        case CheckStatus::Off: return "off";
        case CheckStatus::Passed: return "passed";
        case CheckStatus::Failed: return "failed";
    }
    return "?";
}

double LayerResult::energy_total_pj() const {
    double sum = 0;
    for (double e : energy_pj) sum += e;
    return sum;
}

uint64_t RunResult::total_cycles() const {
    uint64_t sum = 0;
    for (const auto& l : layers) sum += l.cycles;
    return sum;
}

double RunResult::total_energy_pj() const {
    double sum = 0;
    for (const auto& l : layers) sum += l.energy_total_pj();
    return sum;
}

}  // namespace sx
