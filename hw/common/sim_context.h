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

    // Exactness test mode (RunOptions::step_cycles; never in a product run). A block that
    // computes when its work ends and waits for it calls advance(end, order, what, step)
    // instead of wait_until(end). Normally that is wait_until(end). In step mode the block is
    // advanced one cycle at a time instead: step(now) is called at every cycle edge from the
    // current one on, returns true if the block's work is complete at `now`, and otherwise does
    // the work of cycle [now, now + 1) from its inputs as they are then (buffer accesses done or
    // not, lane digits left, rows left); the block then waits one cycle. If the stepped end
    // differs from the computed one, the shortcut is not exact: SimulationError naming `what`
    // and both cycles.
    // Same-cycle order: after a timed wait, the block lets `order` delta cycles pass before it
    // acts, so blocks that wake in the same cycle act in increasing `order` (then buffer
    // reservations and FIFO hand-offs of one cycle happen in a fixed order), whatever the
    // kernel's order of same-time wake-ups, which differs between the two modes.
    bool step_mode = false;
    template <typename Step>
    void advance(uint64_t end, int order, const char* what, Step&& step) const {
        const uint64_t start = now_cycles();
        if (!step_mode) {
            wait_until(end);
        } else {
            const uint64_t target = end > start ? end : start;  // an end already passed: now
            while (!step(now_cycles())) sc_core::wait(clk);
            if (now_cycles() != target) step_mismatch(what, target);
        }
        settle(start, order);
    }
    // The same-cycle order after a wait that is not a computed duration (a buffer access, a
    // FIFO): if time has passed since `since`, let `order` delta cycles pass (see advance).
    void settle(uint64_t since, int order) const {
        if (now_cycles() != since)
            for (int i = 0; i < order; ++i) sc_core::wait(sc_core::SC_ZERO_TIME);
    }
    [[noreturn]] void step_mismatch(const char* what, uint64_t computed_end) const;
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
