// Bit-parallel lanes (comparison option): a full multiplier per lane, every beat one cycle
// whatever the activations; a lane works (one MAC) when its activation is non-zero.
#include "hw/smartexchange/pe_timing.h"

namespace sx::se {

namespace {
class BitParallel final : public SePeTiming {
public:
    const char* name() const override { return "bit_parallel"; }
    int lane_cycles(int8_t) const override { return 1; }
    int lane_work(int8_t a) const override { return a != 0 ? 1 : 0; }
    bool bit_serial() const override { return false; }
};
}  // namespace

std::unique_ptr<SePeTiming> make_bit_parallel_timing() { return std::make_unique<BitParallel>(); }

}  // namespace sx::se
