// Bit-serial radix-4 Booth lanes (the paper's shift-add PE array): one cycle per non-zero
// Booth digit of the activation; a zero activation needs none (the beat still lasts a cycle).
#include "hw/common/booth.h"
#include "hw/smartexchange/pe_timing.h"

namespace sx::se {

namespace {
class BoothBitSerial final : public SePeTiming {
public:
    const char* name() const override { return "booth_bit_serial"; }
    int lane_cycles(int8_t a) const override { return booth_digits(a); }
    int lane_work(int8_t a) const override { return booth_digits(a); }
    bool bit_serial() const override { return true; }
};
}  // namespace

std::unique_ptr<SePeTiming> make_booth_bit_serial_timing() { return std::make_unique<BoothBitSerial>(); }

}  // namespace sx::se
