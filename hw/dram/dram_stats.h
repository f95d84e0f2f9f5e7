#pragma once
// Counters and energy of a DRAM. Snapshots subtract, so a caller reports per layer as
// `after - before`. Background energy is power x elapsed time up to the snapshot.
#include <cstdint>

namespace sx {

struct DramStats {
    uint64_t bytes_read = 0, bytes_written = 0;
    uint64_t read_bursts = 0, write_bursts = 0;
    uint64_t activates = 0, precharges = 0;   // precharges count banks closed (PREA counts each)
    uint64_t row_hits = 0, row_misses = 0;    // per burst: miss = the burst needed its own ACT
    uint64_t refreshes = 0;
    uint64_t busy_cycles = 0;                 // data-bus cycles carrying data, summed over channels
    uint64_t elapsed_cycles = 0;              // DRAM cycles since time 0 (per channel)
    double activate_pj = 0, precharge_pj = 0, read_pj = 0, write_pj = 0, refresh_pj = 0;
    double background_pj = 0;

    double total_pj() const {
        return activate_pj + precharge_pj + read_pj + write_pj + refresh_pj + background_pj;
    }
    uint64_t bursts() const { return read_bursts + write_bursts; }

    DramStats& operator-=(const DramStats& o) {
        bytes_read -= o.bytes_read; bytes_written -= o.bytes_written;
        read_bursts -= o.read_bursts; write_bursts -= o.write_bursts;
        activates -= o.activates; precharges -= o.precharges;
        row_hits -= o.row_hits; row_misses -= o.row_misses; refreshes -= o.refreshes;
        busy_cycles -= o.busy_cycles; elapsed_cycles -= o.elapsed_cycles;
        activate_pj -= o.activate_pj; precharge_pj -= o.precharge_pj; read_pj -= o.read_pj;
        write_pj -= o.write_pj; refresh_pj -= o.refresh_pj; background_pj -= o.background_pj;
        return *this;
    }
    DramStats& operator+=(const DramStats& o) {
        bytes_read += o.bytes_read; bytes_written += o.bytes_written;
        read_bursts += o.read_bursts; write_bursts += o.write_bursts;
        activates += o.activates; precharges += o.precharges;
        row_hits += o.row_hits; row_misses += o.row_misses; refreshes += o.refreshes;
        busy_cycles += o.busy_cycles; elapsed_cycles += o.elapsed_cycles;
        activate_pj += o.activate_pj; precharge_pj += o.precharge_pj; read_pj += o.read_pj;
        write_pj += o.write_pj; refresh_pj += o.refresh_pj; background_pj += o.background_pj;
        return *this;
    }
    friend DramStats operator-(DramStats a, const DramStats& b) { return a -= b; }
    friend DramStats operator+(DramStats a, const DramStats& b) { return a += b; }
};

}  // namespace sx
