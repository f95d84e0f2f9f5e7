#pragma once
// One PE's post-processing unit (PPU) draining its accumulators into OARAM through the OARAM
// write port (docs/scnn.md, "Post-processing and OARAM"). Plain C++ run by the PE-array
// process after a group's halo exchange; every cycle is stepped (no skipping).
//
// Blocks and rules:
// - The PPU reads `values_per_cycle` outputs per cycle out of the accumulators (in the order
//   LayerEngine::pack_outputs stores them: output channel, then row, column of the tile),
//   applies ReLU and the requantisation and appends what the encoder emits for each value
//   (`bits[i]`: an entry for a non-zero or a placeholder zero, nothing for a zero inside a run,
//   raw values for DCNN, the padding to a byte at the end of a channel's stream) to a word
//   register of `word_bits` (the OARAM buffer's port_width_bits).
// - A full word waits in the register until the write port takes it, one word per cycle, at
//   the start of the next cycle (the register then takes that cycle's values). While a full
//   word still waits (the values of one cycle filled more than a word), the PPU does not take
//   values: it stalls on the port.
// - After the last value the partial word is written too; the drain ends with that write.
#include <cstdint>
#include <vector>

namespace sx::scnn {

struct PpuTiming {
    uint64_t cycles = 0;       // from the PPU's start until its last word is in OARAM
    uint64_t words = 0;        // OARAM port words written
    uint64_t port_stalls = 0;  // cycles the PPU waited for the write port
};

// `bits`: per output value of one PE, in processing order. values_per_cycle, word_bits >= 1.
PpuTiming ppu_drain(const std::vector<uint32_t>& bits, int values_per_cycle, uint32_t word_bits);

}  // namespace sx::scnn
