#include "hw/scnn/ppu.h"

#include <algorithm>

namespace sx::scnn {

PpuTiming ppu_drain(const std::vector<uint32_t>& bits, int values_per_cycle, uint32_t word_bits) {
    PpuTiming t;
    const std::size_t n = bits.size();
    const uint64_t W = std::max<uint32_t>(1, word_bits);
    const auto rate = static_cast<std::size_t>(std::max(1, values_per_cycle));
    std::size_t i = 0;
    uint64_t partial = 0;  // bits in the word being filled (< W)
    uint64_t full = 0;     // full words waiting for the write port
    uint64_t cycle = 0;
    while (i < n || full > 0 || partial > 0) {
        // The write port takes one waiting word at the start of the cycle (filled earlier).
        if (full > 0) {
            --full;
            ++t.words;
        }
        if (i < n) {
            if (full == 0) {
                // The register is free: this cycle's values go into it.
                for (std::size_t e = std::min(n, i + rate); i < e; ++i) partial += bits[i];
                full += partial / W;
                partial %= W;
            } else {
                ++t.port_stalls;
            }
        }
        // After the last value the partial word is complete: it waits for the port like a full one.
        if (i == n && full == 0 && partial > 0) {
            full = 1;
            partial = 0;
        }
        ++cycle;
    }
    t.cycles = cycle;
    return t;
}

}  // namespace sx::scnn
