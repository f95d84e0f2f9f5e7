#include "hw/common/sim_context.h"

#include "sw/common/error.h"

namespace sx {

int ProgressMonitor::add(const std::string& module) {
    entries_.push_back({module, ""});
    return static_cast<int>(entries_.size() - 1);
}

bool ProgressMonitor::anyone_waiting() const {
    for (const auto& e : entries_)
        if (e.waiting_on[0] != '\0') return true;
    return false;
}

std::string ProgressMonitor::report() const {
    std::string s;
    for (const auto& e : entries_) {
        if (e.waiting_on[0] == '\0') continue;
        if (!s.empty()) s += "; ";
        s += e.module + " waits for " + e.waiting_on;
    }
    return s.empty() ? "no module reports waiting" : s;
}

void SimContext::fail(std::exception_ptr e) {
    if (!error) error = e;
    sc_core::sc_stop();
}

void SimContext::step_mismatch(const char* what, uint64_t computed_end) const {
    throw SimulationError(std::string("exactness: ") + what + " computed to end at cycle " +
                          std::to_string(computed_end) + ", stepping cycle by cycle it ends at " +
                          std::to_string(now_cycles()));
}

Watchdog::Watchdog(sc_core::sc_module_name name, SimContext& ctx) : sc_module(name), ctx_(ctx) {
    SC_HAS_PROCESS(Watchdog);
    SC_THREAD(run);
}

void Watchdog::run() {
    uint64_t last = ctx_.monitor.count();
    // A window beyond SystemC's time range (2^64 resolution units) cannot be waited for
    // (sc_time would overflow): such a watchdog is capped at half the range, which no run reaches.
    const double horizon_cycles = sc_core::sc_max_time() / ctx_.clk / 2;
    const uint64_t window = static_cast<double>(ctx_.watchdog_cycles) < horizon_cycles
                                ? ctx_.watchdog_cycles
                                : static_cast<uint64_t>(horizon_cycles);
    for (;;) {
        sc_core::wait(ctx_.cycles(window));
        if (ctx_.finished) return;
        const uint64_t now = ctx_.monitor.count();
        if (now == last) {
            ctx_.fail(std::make_exception_ptr(SimulationError(
                "watchdog: no progress for " + std::to_string(ctx_.watchdog_cycles) + " cycles (at cycle " +
                std::to_string(ctx_.now_cycles()) + "): " + ctx_.monitor.report())));
            return;
        }
        last = now;
    }
}

}  // namespace sx
