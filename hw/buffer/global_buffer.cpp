#include "hw/buffer/global_buffer.h"

#include <algorithm>

#include "hw/common/sx_assert.h"
#include "sw/common/error.h"

namespace sx {

GlobalBuffer::GlobalBuffer(const BufferConfig& cfg, const SimContext& ctx)
    : name_(cfg.name), capacity_(cfg.capacity_bytes), banks_(std::max(1, cfg.banks)),
      port_bytes_(std::max(1, cfg.port_width_bits / 8)), ctx_(ctx), bank_free_(static_cast<std::size_t>(banks_), 0),
      mem_(cfg.capacity_bytes, cfg.name) {}

uint8_t* GlobalBuffer::data(uint64_t addr, uint64_t bytes) {
    if (addr + bytes > capacity_)
        throw SimulationError("buffer " + name_ + ": access [" + std::to_string(addr) + ", " +
                              std::to_string(addr + bytes) + ") beyond its capacity of " + std::to_string(capacity_) +
                              " bytes");
    SX_ASSERT(bytes <= capacity_ && addr <= capacity_ - bytes, "buffer " + name_ + ": access wraps past its capacity");
    return mem_.data() + addr;
}

uint64_t GlobalBuffer::access(uint64_t addr, uint64_t bytes, bool write) {
    const uint64_t now = ctx_.now_cycles();
    if (bytes == 0) return now;
    data(addr, bytes);  // capacity check
    const uint64_t w0 = addr / port_bytes_, w1 = (addr + bytes - 1) / port_bytes_;
    const uint64_t words = w1 - w0 + 1;
    const uint64_t B = static_cast<uint64_t>(banks_);
    const uint64_t full = words / B, rem = words % B;
    uint64_t done = now, wait_max = 0;
    for (uint64_t i = 0; i < std::min(words, B); ++i) {
        const uint64_t bank = (w0 + i) % B;
        const uint64_t n = full + (i < rem ? 1 : 0);
        const uint64_t start = std::max(now, bank_free_[bank]);
        wait_max = std::max(wait_max, start - now);
        bank_free_[bank] = start + n;
        done = std::max(done, start + n);
    }
    counters.conflict_cycles += wait_max;
    if (write) {
        counters.writes += words;
        counters.write_bytes += bytes;
    } else {
        counters.reads += words;
        counters.read_bytes += bytes;
    }
    return done;
}

}  // namespace sx
