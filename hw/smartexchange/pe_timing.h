#pragma once
// SmartExchange PE timing as a policy (the DRAMSys way: an interface, one implementation per
// file, chosen by name from the configuration through a small registry). The policy says how
// long one MAC lane needs for one weight x activation, and how much work (energy) it does.
// The PE array (pe_array.h) turns that into beats: a beat, the weight broadcast to a line's
// dim_f lanes, lasts max(1, max over lanes of lane_cycles(activation)) cycles.
//
// Registered policies (the `smartexchange.pe_timing` key):
//   "booth_bit_serial" (pe_timing_booth.cpp, default): the paper's shift-add PE, a lane spends
//       one cycle per non-zero radix-4 Booth digit of its activation (0 for a zero activation);
//   "bit_parallel" (pe_timing_parallel.cpp): a multiplier per lane, one cycle per beat
//       (comparison option).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sx::se {

class SePeTiming {
public:
    virtual ~SePeTiming() = default;
    virtual const char* name() const = 0;
    // Cycles a lane needs for activation `a` within a beat (the beat lasts at least one cycle).
    virtual int lane_cycles(int8_t a) const = 0;
    // Lane-cycles of work for activation `a` (the lane_digit_cycles counter, energy).
    virtual int lane_work(int8_t a) const = 0;
    // True: lane work is a shift-add per Booth digit (energy: an add per digit); false: a MAC.
    virtual bool bit_serial() const = 0;
};

std::unique_ptr<SePeTiming> make_booth_bit_serial_timing();
std::unique_ptr<SePeTiming> make_bit_parallel_timing();

// The registry. make_pe_timing throws std::invalid_argument for an unknown name (the config
// parser checks the name against pe_timing_names() first and reports the field).
const std::vector<std::string>& pe_timing_names();
std::unique_ptr<SePeTiming> make_pe_timing(const std::string& name);

}  // namespace sx::se
