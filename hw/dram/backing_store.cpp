#include "hw/dram/backing_store.h"

#include <algorithm>
#include <cstring>

namespace sx {

void BackingStore::write(uint64_t addr, const uint8_t* src, std::size_t len) {
    while (len) {
        const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
        const std::size_t n = std::min<std::size_t>(len, kPageBytes - off);
        auto& p = pages_[page];
        if (!p) p = std::make_unique<Page>(Page{});
        std::memcpy(p->data() + off, src, n);
        addr += n; src += n; len -= n;
    }
}

void BackingStore::read(uint64_t addr, uint8_t* dst, std::size_t len) const {
    while (len) {
        const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
        const std::size_t n = std::min<std::size_t>(len, kPageBytes - off);
        auto it = pages_.find(page);
        if (it == pages_.end()) std::memset(dst, 0, n);
        else std::memcpy(dst, it->second->data() + off, n);
        addr += n; dst += n; len -= n;
    }
}

}  // namespace sx
