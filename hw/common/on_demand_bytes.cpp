#include "hw/common/on_demand_bytes.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace sx {

HostReservationError::HostReservationError(std::string owner, uint64_t bytes, std::string reason)
    : std::runtime_error(owner + ": the host could not reserve " + std::to_string(bytes) +
                         " bytes of address space for it (" + reason + ")"),
      owner_(std::move(owner)), bytes_(bytes), reason_(std::move(reason)) {}

OnDemandBytes::OnDemandBytes(uint64_t bytes, const std::string& owner) {
    if (bytes == 0) return;
    if (bytes > std::numeric_limits<std::size_t>::max() / 2)
        throw HostReservationError(owner, bytes, "larger than the host address space");
    // MAP_NORESERVE: no swap/commit accounting for the whole range (the heuristic overcommit
    // mode would refuse a reservation larger than RAM + swap); pages come on first touch.
    void* p = ::mmap(nullptr, static_cast<std::size_t>(bytes), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw HostReservationError(owner, bytes, std::strerror(errno));
    // Base pages only: with transparent huge pages on "always", one touched byte would make
    // 2 MiB resident, and host memory would follow the capacity's layout instead of the data.
    // Advisory: a kernel without THP refuses it, which is fine.
    (void)::madvise(p, static_cast<std::size_t>(bytes), MADV_NOHUGEPAGE);
    data_ = static_cast<uint8_t*>(p);
    size_ = bytes;
}

OnDemandBytes::~OnDemandBytes() { release(); }

OnDemandBytes::OnDemandBytes(OnDemandBytes&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

OnDemandBytes& OnDemandBytes::operator=(OnDemandBytes&& o) noexcept {
    if (this != &o) {
        release();
        data_ = std::exchange(o.data_, nullptr);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

void OnDemandBytes::release() {
    if (data_) ::munmap(data_, static_cast<std::size_t>(size_));
    data_ = nullptr;
    size_ = 0;
}

uint64_t OnDemandBytes::resident_bytes() const {
    if (!data_) return 0;
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t pages = (size_ + page - 1) / page;
    // In windows of 2^20 pages, so a 1 TiB reservation needs a 1 MiB vector, not 256 MiB.
    const uint64_t window = uint64_t{1} << 20;
    std::vector<unsigned char> vec(static_cast<std::size_t>(std::min(pages, window)));
    uint64_t resident = 0;
    for (uint64_t first = 0; first < pages; first += window) {
        const uint64_t n = std::min(window, pages - first);
        if (::mincore(data_ + first * page, static_cast<std::size_t>(n * page), vec.data()) != 0) continue;
        for (uint64_t i = 0; i < n; ++i) resident += vec[static_cast<std::size_t>(i)] & 1u;
    }
    return resident * page;
}

}  // namespace sx
