// "interleaved" accumulator bank mapping (bank_mapping.h): bank = addr mod banks.
#include "hw/scnn/bank_mapping.h"

namespace sx::scnn {

namespace {

class InterleavedBankMapping : public AccumulatorBankMapping {
public:
    explicit InterleavedBankMapping(int banks) : banks_(static_cast<uint32_t>(banks)) {}
    uint32_t bank(uint32_t addr) const override { return addr % banks_; }

private:
    uint32_t banks_;
};

}  // namespace

std::unique_ptr<AccumulatorBankMapping> make_interleaved_bank_mapping(int banks) {
    return std::make_unique<InterleavedBankMapping>(banks);
}

}  // namespace sx::scnn
