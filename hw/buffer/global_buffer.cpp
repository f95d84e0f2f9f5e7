#include "hw/buffer/global_buffer.h"

#include <algorithm>

#include "hw/common/sx_assert.h"
#include "sw/common/error.h"

namespace sx {

GlobalBuffer::GlobalBuffer(const BufferConfig& cfg, const SimContext& ctx)
    : name_(cfg.name), capacity_(cfg.capacity_bytes), banks_(std::max(1, cfg.banks)),
      ports_(cfg.ports < 0 ? 0 : static_cast<uint64_t>(cfg.ports)),
      port_bytes_(std::max(1, cfg.port_width_bits / 8)),
      arbiter_name_(cfg.arbiter.empty() ? buffer_arbiter_names().front() : cfg.arbiter), ctx_(ctx),
      mem_(cfg.capacity_bytes, cfg.name) {
    ArbiterGeometry g;
    g.banks = static_cast<uint64_t>(banks_);
    g.ports = ports_;
    try {
        arb_ = make_buffer_arbiter(arbiter_name_, g, *this);
    } catch (const std::invalid_argument& e) {
        throw SimulationError("buffer " + name_ + ": " + e.what());
    }
}

GlobalBuffer::~GlobalBuffer() = default;

uint8_t* GlobalBuffer::data(uint64_t addr, uint64_t bytes) {
    if (addr + bytes > capacity_ || addr + bytes < addr)
        throw SimulationError("buffer " + name_ + ": access [" + std::to_string(addr) + ", " +
                              std::to_string(addr + bytes) + ") beyond its capacity of " + std::to_string(capacity_) +
                              " bytes");
    SX_ASSERT(bytes <= capacity_ && addr <= capacity_ - bytes, "buffer " + name_ + ": access wraps past its capacity");
    return mem_.data() + addr;
}

uint32_t GlobalBuffer::new_slot() {
    if (free_.empty()) {
        reqs_.emplace_back();
        return static_cast<uint32_t>(reqs_.size() - 1);
    }
    const uint32_t s = free_.back();
    free_.pop_back();
    return s;
}

void GlobalBuffer::free_slot(uint32_t slot) {
    Request& r = reqs_[slot];
    r.live = false;
    ++r.gen;
    free_.push_back(slot);
}

GlobalBuffer::Request& GlobalBuffer::at(const BufferAccess& a) {
    if (a.slot >= reqs_.size() || !reqs_[a.slot].live || reqs_[a.slot].gen != a.gen)
        throw SimulationError("buffer " + name_ + ": wait on an access that is not pending (waited on twice?)");
    return reqs_[a.slot];
}

void GlobalBuffer::completed(uint32_t slot, uint64_t cycle, uint64_t conflict_cycles) {
    Request& r = reqs_[slot];
    r.done = cycle;
    counters.conflict_cycles += conflict_cycles == kDelayBeyondOwn ? cycle - r.issued - r.own : conflict_cycles;
    if (r.detached) free_slot(slot);
}

BufferAccess GlobalBuffer::issue(uint64_t addr, uint64_t bytes, bool write) {
    if (bytes == 0) return {};
    data(addr, bytes);  // capacity check
    const uint64_t now = ctx_.now_cycles();
    const uint64_t w0 = addr / port_bytes_, words = (addr + bytes - 1) / port_bytes_ - w0 + 1;
    if (write) {
        counters.writes += words;
        counters.write_bytes += bytes;
    } else {
        counters.reads += words;
        counters.read_bytes += bytes;
    }
    const uint32_t slot = new_slot();
    Request& r = reqs_[slot];
    r.issued = now;
    r.own = (words + static_cast<uint64_t>(banks_) - 1) / static_cast<uint64_t>(banks_);
    r.done = kUnknown;
    r.detached = false;
    r.live = true;
    const BufferAccess a{slot, r.gen};
    arb_->issue(slot, now, w0, words);  // may complete it at once (fcfs): reqs_ may not grow here
    return a;
}

void GlobalBuffer::post(uint64_t addr, uint64_t bytes, bool write) {
    const BufferAccess a = issue(addr, bytes, write);
    if (!a.pending()) return;
    Request& r = reqs_[a.slot];
    if (r.done != kUnknown) free_slot(a.slot);
    else r.detached = true;
}

bool GlobalBuffer::done(const BufferAccess& a) {
    if (!a.pending()) return true;
    Request& r = at(a);
    const uint64_t now = ctx_.now_cycles();
    if (r.done == kUnknown) arb_->advance(now);
    return r.done != kUnknown && r.done <= now;
}

uint64_t GlobalBuffer::wait(BufferAccess& a) {
    if (!a.pending()) return ctx_.now_cycles();
    Request* r = &at(a);
    uint64_t planned = 0;
    while (r->done == kUnknown) {
        const uint64_t now = ctx_.now_cycles();
        arb_->advance(now);
        r = &reqs_[a.slot];
        if (r->done != kUnknown) break;
        // Sleep until the completion the schedule predicts; a request issued meanwhile can only
        // move it later, and then the loop sleeps again (one wake-up per re-plan, no ticking).
        const uint64_t p = arb_->plan(a.slot, now);
        if (p < planned || p <= now)
            throw SimulationError("buffer " + name_ + ": internal: the " + arbiter_name_ +
                                  " arbiter moved a completion earlier (" + std::to_string(planned) + " -> " +
                                  std::to_string(p) + ")");
        planned = p;
        ctx_.wait_until(p);
        r = &reqs_[a.slot];
    }
    const uint64_t done = r->done;
    if (planned != 0 && done < planned)
        throw SimulationError("buffer " + name_ + ": internal: an access completed at cycle " + std::to_string(done) +
                              ", before the cycle " + std::to_string(planned) + " its waiter slept until");
    free_slot(a.slot);
    a = {};
    ctx_.wait_until(done);
    return done;
}

bool BufferAccessGroup::done() const {
    for (const auto& [b, a] : items_)
        if (!b->done(a)) return false;
    return true;
}

uint64_t BufferAccessGroup::wait(const SimContext& ctx) {
    // Completions do not depend on when they are waited for, so waiting in turn is exact.
    uint64_t last = ctx.now_cycles();
    for (auto& [b, a] : items_) last = std::max(last, b->wait(a));
    items_.clear();
    return last;
}

uint64_t SharedBufferAccess::wait(const SimContext& ctx) {
    if (done_ == UINT64_MAX) {
        if (!waiting_) {
            waiting_ = true;
            done_ = b_->wait(a_);
            known_.notify();
        } else {
            while (done_ == UINT64_MAX) sc_core::wait(known_);
        }
    }
    ctx.wait_until(done_);
    return done_;
}

}  // namespace sx
