// "skewed" accumulator bank mapping (bank_mapping.h): bank = (addr + addr / banks) mod banks,
// the classic skewed storage scheme: a line of `banks` consecutive addresses covers every
// bank once, and each next line is rotated by one bank.
#include "hw/scnn/bank_mapping.h"

namespace sx::scnn {

namespace {

class SkewedBankMapping : public AccumulatorBankMapping {
public:
    explicit SkewedBankMapping(int banks) : banks_(static_cast<uint32_t>(banks)) {}
    uint32_t bank(uint32_t addr) const override {
        return static_cast<uint32_t>((uint64_t{addr} + addr / banks_) % banks_);
    }

private:
    uint32_t banks_;
};

}  // namespace

std::unique_ptr<AccumulatorBankMapping> make_skewed_bank_mapping(int banks) {
    return std::make_unique<SkewedBankMapping>(banks);
}

}  // namespace sx::scnn
