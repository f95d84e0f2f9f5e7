#pragma once
// Sparse byte store behind the DRAM: 4 KiB pages allocated on first write, zero-filled;
// reads of pages never written return zeros without allocating.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace sx {

class BackingStore {
public:
    static constexpr uint64_t kPageBytes = 4096;

    void write(uint64_t addr, const uint8_t* src, std::size_t len);
    void read(uint64_t addr, uint8_t* dst, std::size_t len) const;
    std::size_t pages() const { return pages_.size(); }

private:
    using Page = std::array<uint8_t, kPageBytes>;
    std::unordered_map<uint64_t, std::unique_ptr<Page>> pages_;
};

}  // namespace sx
