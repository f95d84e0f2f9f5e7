#pragma once
// What every module of one simulated accelerator shares: the clock period, the progress
// monitor the watchdog reads, and the slot where a process parks an exception (SystemC
// processes must not let exceptions escape; the run loop rethrows it after sc_start returns).
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <systemc>

namespace sx {

// Each module registers an entry and keeps `waiting_on` up to date whenever it blocks
// ("" = idle or running). Any completed unit of work calls progress().
class ProgressMonitor {
public:
    int add(const std::string& module);
    void waiting(int id, const char* what) { entries_[static_cast<std::size_t>(id)].waiting_on = what; }
    void progress() { ++count_; }
    uint64_t count() const { return count_; }
    bool anyone_waiting() const;
    std::string report() const;  // "dma: waiting for END_REQ from dram; pe_array: ..."

private:
    struct Entry {
        std::string module;
        const char* waiting_on = "";
    };
    std::vector<Entry> entries_;
    uint64_t count_ = 0;
};

struct SimContext {
    sc_core::sc_time clk{1, sc_core::SC_NS};
    ProgressMonitor monitor;
    std::exception_ptr error;
    bool finished = false;
    uint64_t watchdog_cycles = 1000000;

    uint64_t now_cycles() const { return static_cast<uint64_t>(sc_core::sc_time_stamp() / clk); }
    sc_core::sc_time cycles(uint64_t n) const { return clk * static_cast<double>(n); }
    // Wait until absolute cycle `c` (no-op if already there).
    void wait_until(uint64_t c) const {
        const uint64_t now = now_cycles();
        if (c > now) sc_core::wait(cycles(c - now));
    }
    // Park the first error and stop the simulation.
    void fail(std::exception_ptr e);
};

// Stops the run with a SimulationError naming the blocked modules when no progress was
// reported for ctx.watchdog_cycles while some module was waiting.
class Watchdog : public sc_core::sc_module {
public:
    Watchdog(sc_core::sc_module_name name, SimContext& ctx);

private:
    void run();
    SimContext& ctx_;
};

// Runs `body` inside a process and parks any exception in ctx.
template <typename F>
void guarded(SimContext& ctx, F&& body) {
    try {
        body();
    } catch (const sc_core::sc_unwind_exception&) {
        throw;
    } catch (...) {
        ctx.fail(std::current_exception());
    }
}

}  // namespace sx
