#include "sw/common/model_stats.h"

#include <stdexcept>

namespace sx {

const char* to_string(BufferRole r) {
    switch (r) {
        case BufferRole::Input: return "input";
        case BufferRole::Output: return "output";
        case BufferRole::Weight: return "weight";
        case BufferRole::Index: return "index";
        case BufferRole::kCount: break;
    }
    return "?";
}

BufferRole buffer_role_from_string(const std::string& s) {
    for (int i = 0; i < static_cast<int>(BufferRole::kCount); ++i)
        if (s == to_string(static_cast<BufferRole>(i))) return static_cast<BufferRole>(i);
    throw std::invalid_argument("unknown buffer role '" + s + "' (expected input, output, weight or index)");
}

const char* to_string(EnergyComponent c) {
    switch (c) {
        case EnergyComponent::Dram: return "dram";
        case EnergyComponent::InputBuffer: return "input_buffer";
        case EnergyComponent::OutputBuffer: return "output_buffer";
        case EnergyComponent::WeightBuffer: return "weight_buffer";
        case EnergyComponent::IndexBuffer: return "index_buffer";
        case EnergyComponent::RegisterFile: return "register_file";
        case EnergyComponent::Fifo: return "fifo";
        case EnergyComponent::Noc: return "noc";
        case EnergyComponent::Rebuild: return "rebuild";
        case EnergyComponent::IndexDecoder: return "index_decoder";
        case EnergyComponent::PeArray: return "pe_array";
        case EnergyComponent::Leakage: return "leakage";
        case EnergyComponent::kCount: break;
    }
    return "?";
}

}  // namespace sx
