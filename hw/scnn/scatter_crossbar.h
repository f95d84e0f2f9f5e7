#pragma once
// The 16 x 32 scatter crossbar in front of the accumulator banks. Each bank accumulates one
// product per cycle, so a multiplier-array cycle whose products map to the same bank k times
// holds the array for k cycles (the paper: bank conflicts stall the multipliers). The bank of
// an accumulator address is the configured mapping's (bank_mapping.h; default: address mod
// banks, the buffer word-interleaved).
// Optional per-bank queues (`queue_entries` > 0; our assumption, not a paper parameter: a
// sensitivity study, docs/validation.md "Why the speedup is 1.76x"): each bank still retires one
// product per cycle, but the array issues its next cycle as soon as no bank has more than
// queue_entries products waiting, so a conflict costs cycles only when it persists. With 0
// queue entries this is exactly the unbuffered crossbar above.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hw/common/sx_assert.h"
#include "hw/scnn/bank_mapping.h"

namespace sx::scnn {

class ScatterCrossbar {
public:
    explicit ScatterCrossbar(int banks, const std::string& mapping = "interleaved", int queue_entries = 0)
        : load_(static_cast<std::size_t>(banks), 0), stamp_(static_cast<std::size_t>(banks), 0),
          free_at_(static_cast<std::size_t>(banks), 0), queue_(static_cast<uint32_t>(queue_entries)),
          map_(make_bank_mapping(mapping, banks)) {
        // The word-interleaved mapping over a power-of-two bank count is addr mod banks: the
        // same bank as the mapping's, without a virtual call per product (the model's hot path).
        if (mapping == "interleaved" && banks > 0 && (banks & (banks - 1)) == 0) mask_ = static_cast<uint32_t>(banks - 1);
    }

    // Start a multiplier-array cycle.
    void begin() { ++cycle_; max_ = 0; }
    // Route one product to accumulator address `addr`.
    void route(uint32_t addr) {
        const uint32_t b = mask_ != kNoMask ? addr & mask_ : map_->bank(addr);
        SX_ASSERT(b < load_.size(), "accumulator bank mapping returned bank " + std::to_string(b) + " of " +
                                        std::to_string(load_.size()));
        if (queue_ > 0) {
            queue_product(b);
            return;
        }
        if (stamp_[b] != cycle_) {  // first product to this bank in this cycle
            stamp_[b] = cycle_;
            load_[b] = 0;
        }
        const uint32_t l = ++load_[b];
        if (l > max_) max_ = l;
        ++products;
    }
    // Route `n` products at once (same as route() on each; their order does not matter):
    // the crossbar state in locals, since the caller's accumulator stores could alias it.
    void route(const uint32_t* addr, std::size_t n) {
        uint32_t* const load = load_.data();
        uint64_t* const stamp = stamp_.data();
        const uint64_t cyc = cycle_;
        const uint32_t mask = mask_;
        if (queue_ > 0) {
            for (std::size_t i = 0; i < n; ++i) {
                const uint32_t b = mask != kNoMask ? addr[i] & mask : map_->bank(addr[i]);
                SX_ASSERT(b < load_.size(), "accumulator bank mapping returned bank " + std::to_string(b));
                queue_product(b);
            }
            return;
        }
        uint32_t mx = max_;
        for (std::size_t i = 0; i < n; ++i) {
            const uint32_t b = mask != kNoMask ? addr[i] & mask : map_->bank(addr[i]);
            SX_ASSERT(b < load_.size(), "accumulator bank mapping returned bank " + std::to_string(b) + " of " +
                                            std::to_string(load_.size()));
            if (stamp[b] != cyc) {
                stamp[b] = cyc;
                load[b] = 0;
            }
            const uint32_t l = ++load[b];
            if (l > mx) mx = l;
        }
        max_ = mx;
        products += n;
    }
    // One whole multiplier-array cycle of `n` products (begin + route + end): with the
    // word-interleaved mapping over at most 64 banks, the bank loads are counted in a local
    // array instead of the stamped members (the hot path of the model).
    uint32_t cycle(const uint32_t* addr, std::size_t n) {
        if (!stateless() || n >= 256) {  // queues, another mapping, >= 256 products: the general path
            begin();
            route(addr, n);
            return end();
        }
        const uint32_t mx = max_load(addr, n);
        products += n;
        stall_cycles += mx - 1;
        ++array_cycles;
        return mx;
    }
    // True when a cycle's length depends on its own products only (no queues, the interleaved
    // mapping over at most 64 banks): a caller may then take max_load() per cycle and add the
    // counters once with account() (the hot loop keeps them in registers).
    bool stateless() const { return queue_ == 0 && mask_ != kNoMask && load_.size() <= 64; }
    // The cycles one multiplier-array cycle of `n` < 256 products occupies (at least 1): the
    // largest number of them to one bank. Requires stateless().
    uint32_t max_load(const uint32_t* addr, std::size_t n) const {
        const uint32_t mask = mask_;
        uint32_t mx = 1;
        if (n <= 4) {
            // A few products (one activation against one weight vector): the first product
            // to a bank counts the later ones to it, pairwise, in registers.
            for (std::size_t i = 0; i < n; ++i) {
                const uint32_t b = addr[i] & mask;
                uint32_t l = 1;
                for (std::size_t j = i + 1; j < n; ++j) l += (addr[j] & mask) == b;
                mx = l > mx ? l : mx;
            }
        } else {
            // Byte counters (a load is at most n): the reset is four 16-byte stores (a memset
            // of 128 bytes became `rep stos`, dearer than the counting).
            alignas(16) uint8_t load[64];
            std::memset(load, 0, sizeof load);
            for (std::size_t i = 0; i < n; ++i) {
                const uint32_t l = ++load[addr[i] & mask];
                mx = l > mx ? l : mx;
            }
        }
        return mx;
    }
    // Counters of cycles taken with max_load(): products, stall cycles, array cycles.
    void account(uint64_t n, uint64_t stalls, uint64_t arrays) {
        products += n;
        stall_cycles += stalls;
        array_cycles += arrays;
    }
    // End the cycle: returns the cycles it occupied (at least 1: the array issued even if every
    // product was discarded), and counts the stall cycles.
    uint32_t end() {
        ++array_cycles;
        if (queue_ > 0) {
            // Next issue: one cycle on, and not before every bank is down to queue_ waiting.
            const uint64_t next = std::max(now_ + 1, busy_until_ > queue_ ? busy_until_ - queue_ : 0);
            const auto c = static_cast<uint32_t>(next - now_);
            now_ = next;
            stall_cycles += c - 1;
            return c;
        }
        const uint32_t c = max_ > 1 ? max_ : 1;
        stall_cycles += c - 1;
        return c;
    }
    // The array issued nothing for `n` cycles (e.g. waiting for its IARAM port): the banks keep
    // retiring their queued products meanwhile (no effect without queues). Keeps the queued
    // crossbar's clock equal to the PE's cycle count within the run.
    void idle(uint64_t n) { if (queue_ > 0) now_ += n; }
    // End a PE's run of a weight piece: the cycles its queued products still need to reach the
    // accumulators (0 without queues), counted as stalls; the queues start empty next run.
    uint32_t finish() {
        if (queue_ == 0) return 0;
        const auto d = static_cast<uint32_t>(busy_until_ > now_ ? busy_until_ - now_ : 0);
        stall_cycles += d;
        std::fill(free_at_.begin(), free_at_.end(), 0);
        now_ = busy_until_ = 0;
        return d;
    }

    uint64_t products = 0;      // products delivered to banks
    uint64_t stall_cycles = 0;  // extra cycles caused by bank conflicts
    uint64_t array_cycles = 0;  // multiplier-array issue cycles

private:
    // Queued crossbar: bank b is busy until free_at_[b] (cycles since the run started); it
    // serves the product in the first free cycle at or after the issue cycle now_.
    void queue_product(uint32_t b) {
        uint64_t& f = free_at_[b];
        f = std::max(f, now_) + 1;
        busy_until_ = std::max(busy_until_, f);
        ++products;
    }
    std::vector<uint32_t> load_;
    std::vector<uint64_t> stamp_;  // per bank: the cycle its load_ counts
    uint64_t cycle_ = 0;
    uint32_t max_ = 0;
    static constexpr uint32_t kNoMask = UINT32_MAX;
    uint32_t mask_ = kNoMask;
    std::vector<uint64_t> free_at_;
    uint32_t queue_ = 0;
    uint64_t now_ = 0, busy_until_ = 0;
    std::unique_ptr<AccumulatorBankMapping> map_;
};

}  // namespace sx::scnn
