#pragma once
// Work items that flow between the SmartExchange blocks through bounded FIFOs:
//   controller --SeTask--> index decoder --SeChunk--> rebuild engines --SeChunk--> PE array
//   PE array --SeStore--> store unit (DMA writes)
// plus the per-layer counters every block adds to.
#include <cstdint>
#include <memory>
#include <vector>

#include "hw/buffer/global_buffer.h"

namespace sx::se {

// Same-cycle order of the blocks' timed wake-ups (SimContext::advance): pipeline order.
inline constexpr int kOrderDecoder = 1, kOrderRebuildRead = 2, kOrderShiftAdd = 3, kOrderPe = 4, kOrderStore = 5;

struct SeTask {
    int64_t n = 0, pt = 0, kg = 0;
    uint32_t wt = 0;
    uint64_t in_base = 0;               // input buffer address of the tile
    uint64_t w_base = 0, idx_base = 0;  // weight / index buffer address of the weight tile
    bool first_of_group = false;        // first weight tile of (n, pt, kg)
    bool last_of_group = false;         // last weight tile of (n, pt, kg)
    bool release_weights = false;       // weight half free after this task
    bool release_input = false;         // input half free after this task
};

struct SeChunk {
    SeTask task;
    uint32_t i0 = 0, i1 = 0;            // filter rows of this pass
    bool first_of_task = false, last_of_task = false;
    std::vector<uint8_t> nz;            // [m][row - i0]: non-zero row
    std::vector<uint32_t> ce_nibble;    // [m][row - i0]: nibble index of its codes in the slot
    std::vector<int8_t> w;              // [m][row - i0][j]: weights after rebuild / bypass
    uint32_t rows() const { return i1 - i0; }
};

struct SeStore {
    int64_t n = 0, pt = 0, kg = 0;
    int half = 0;
    // The requantisation's output-buffer accesses, issued by the PE array driver: its partial-sum
    // read (also waited for by the driver before the next group overwrites those partial sums)
    // and its writes of the int8 outputs into the half.
    std::shared_ptr<SharedBufferAccess> psum_read;
    BufferAccessGroup out_writes;
};

struct SeCounters {
    uint64_t macs_executed = 0, macs_skipped = 0;
    uint64_t compute_cycles = 0;        // PE array busy
    uint64_t stall_input = 0, stall_output = 0, stall_weights = 0;
    uint64_t lane_digit_cycles = 0;     // lane-cycles doing a Booth digit (or a MAC if bit-parallel)
    uint64_t lane_active_cycles = 0;    // lane-cycles of MAC lanes in use
    uint64_t act_rows_read = 0, act_rows_skipped = 0;
    uint64_t rows_rebuilt = 0, rows_bypassed = 0, rows_zero = 0, basis_loads = 0;
    uint64_t bitmap_bits = 0;
    uint64_t rf_accesses = 0;           // line weight RF reads + writes (rf_reads + rf_writes)
    uint64_t rf_reads = 0, rf_writes = 0;  // line weight RF: weights read per beat / written by rebuild or bypass
    uint64_t adder_tree_ops = 0;
    // Distribution events (energy, se_energy.h): activation bytes broadcast to the slices (the
    // row segments a step reads from the input buffer), Ce/basis/raw bytes read into the staging slots, adder
    // trees evaluated (one per slice per lane column per step), partial sums written to the
    // output buffer and partial sums added there (read-modify-write after a group's first pass).
    uint64_t act_values_broadcast = 0, stage_bytes = 0, adder_trees = 0, psums_out = 0, psum_rmw_adds = 0;
    uint64_t chunks = 0, chunks_skipped = 0, steps = 0, tasks = 0, stores = 0;
    uint64_t first_request = 0, last_write_done = 0;
};

}  // namespace sx::se
