#pragma once
// One PE's IARAM read port and the activation-vector register in front of its multiplier array
// (docs/scnn.md, "IARAM port"). Plain C++ run inside the PE's run_fifo, in cycles relative to
// the start of the piece the PE runs.
//
// Blocks and rules:
// - The port reads one word of `word_bits` (the IARAM buffer's port_width_bits) per cycle.
//   Activations are stored packed, `entry_bits` per entry (value + 4 run bits compressed, the
//   value alone raw), each activation list starting word-aligned. Vector v of a list (entries
//   [e0, e1)) needs the words up to ceil(e1 x entry_bits / word_bits); words already read for
//   the previous vector of the list are kept (a word register), so only the new ones cost cycles.
// - One vector register between the port and the array: the port reads vector v+1 while the
//   array works on vector v, not further ahead (the register is free once v entered the array).
// - The array starts vector v at max(the end of vector v-1, the cycle its words were read):
//   when the port cannot deliver the next vector in time, the multiplier array stalls.
// - Across pieces: the first vector of a piece may be read while the previous piece's last
//   vector is in the array (`lead` = that vector's array cycles), never earlier (the PE's idle
//   time between pieces is not known here, so it is not credited: conservative).
// Every step is one vector (no skipping), so the recurrence is the cycle-by-cycle behaviour.
#include <algorithm>
#include <cstdint>

namespace sx::scnn {

class IaramPort {
public:
    // word_bits 0: no port model (vectors are always there; tools and tests without a buffer).
    IaramPort(uint32_t word_bits = 0, uint32_t entry_bits = 0) : W_(word_bits), eb_(entry_bits) {}

    // A new piece starts at relative cycle 0; the port may have read since -lead.
    void begin_piece(uint64_t lead) {
        const int64_t l = static_cast<int64_t>(lead);
        port_free_ = -l;
        reg_free_ = -l;
        array_free_ = 0;
        have_ = 0;
        last_start_ = 0;
    }
    // A new activation list (a phase of the tile, or the tile again): starts at a word boundary.
    void begin_list() { have_ = 0; }
    // The vector ending at entry `e1` of the current list enters the array no earlier than
    // `array_free` (the array's previous vector done): returns the cycle it does.
    uint64_t next(uint64_t e1, uint64_t array_free) {
        array_free_ = static_cast<int64_t>(array_free);
        int64_t ready = std::max(port_free_, reg_free_);
        if (W_ > 0) {
            const uint64_t need = (e1 * eb_ + W_ - 1) / W_;
            if (need > have_) {
                words += need - have_;
                ready += static_cast<int64_t>(need - have_);
                port_free_ = ready;
                have_ = need;
            }
        } else {
            ready = array_free_;
        }
        const int64_t start = std::max(array_free_, ready);
        stall_cycles += static_cast<uint64_t>(start - array_free_);
        reg_free_ = start;
        last_start_ = start;
        return static_cast<uint64_t>(start);
    }
    // Cycles the last vector of the piece ending at `end` spent in the array: the next piece's
    // lead.
    uint64_t tail(uint64_t end) const { return end - static_cast<uint64_t>(std::max<int64_t>(0, last_start_)); }

    uint64_t words = 0;         // port words read
    uint64_t stall_cycles = 0;  // array cycles lost waiting for the port

private:
    uint32_t W_, eb_;
    int64_t port_free_ = 0, reg_free_ = 0, array_free_ = 0, last_start_ = 0;
    uint64_t have_ = 0;  // words of the current list read so far
};

}  // namespace sx::scnn
