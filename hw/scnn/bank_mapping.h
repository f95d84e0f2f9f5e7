#pragma once
// SCNN accumulator bank mapping: which of the A accumulator banks holds an accumulator address
// (the scatter crossbar routes each product there; products of one multiplier-array cycle that
// map to the same bank stall the array, hw/scnn/scatter_crossbar.h). A policy chosen by name
// from the configuration (/scnn/accumulator_bank_mapping), DRAMSys-style: this interface, one
// implementation per file (bank_mapping_<name>.cpp) and the registry in bank_mapping_registry.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sx::scnn {

class AccumulatorBankMapping {
public:
    virtual ~AccumulatorBankMapping() = default;
    // Bank in [0, banks) of accumulator address `addr` (an entry index of the PE's buffer).
    virtual uint32_t bank(uint32_t addr) const = 0;
};

// Implementations (one file each); `banks` >= 1.
// "interleaved": addr mod banks (word-interleaved; the paper's organisation, the default).
std::unique_ptr<AccumulatorBankMapping> make_interleaved_bank_mapping(int banks);
// "skewed": (addr + addr / banks) mod banks: each line of `banks` consecutive addresses is
// still spread over every bank, and each next line is rotated by one bank, so addresses a
// multiple of `banks` apart (same position in consecutive output rows or channels whose
// region is a multiple of the bank count) no longer collide.
std::unique_ptr<AccumulatorBankMapping> make_skewed_bank_mapping(int banks);

// The registry: the names a configuration may choose, and the mapping of a name
// (std::invalid_argument for an unknown one; the configuration parser checks names first).
const std::vector<std::string>& bank_mapping_names();
std::unique_ptr<AccumulatorBankMapping> make_bank_mapping(const std::string& name, int banks);

}  // namespace sx::scnn
