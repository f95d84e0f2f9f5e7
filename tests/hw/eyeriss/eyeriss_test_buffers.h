#pragma once
// Shared by the Eyeriss unit tests: a GLB-style buffer configuration (64-bit ports, input role).
#include <cstdint>

#include "sw/config/arch_config.h"

namespace sx::eyeriss_test {

inline BufferConfig buf(const char* name, uint64_t bytes, int banks) {
    BufferConfig b;
    b.name = name;
    b.capacity_bytes = bytes;
    b.banks = banks;
    b.port_width_bits = 64;
    b.role = "input";
    return b;
}

}  // namespace sx::eyeriss_test
