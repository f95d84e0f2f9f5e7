#pragma once
// The basis-rebuild engines: two per PE line (2 x dim_m x dim_c, modelled as arrays), ping-pong.
// Each holds a 3x3 basis in its register file and turns a Ce row (three 4-bit power-of-two
// codes) into a row of weights by shift-and-add. Two pipeline stages, two processes:
//   1. read (run): the pass's Ce codes and bases of every slice are read from the weight
//      buffer into a slot of the staging SRAM near the PEs (the paper's "small distributed
//      SRAMs for Ce and B"); a new basis goes to the idle engine of the pair, so a switch costs
//      its buffer read and no RE cycle;
//   2. shift-add (shift_add): once the pass is entirely in its slot and a register-file bank
//      is free (the rebuild -> PE FIFO, 1 deep = the second RF bank), every line rebuilds its
//      rows, `rebuild_cycles_per_row` each; the pass takes as long as its busiest line. Then
//      the slot is free.
// The stages overlap only through the staging slots (`ce_stage_slots`, default 2: the next
// pass is read while one is rebuilt; 1: strictly in turn); a pass's own read and shift-add
// never overlap (the engines start on a complete slot). Raw weights take the same path, the
// bypass multiplexer at `bypass_cycles_per_row`.
#include <cstdint>
#include <vector>

#include <systemc>

#include "hw/smartexchange/se_fabric.h"
#include "sw/image/weight_image.h"

namespace sx::se {

// Bytes of a basis record in the weight buffer and in DRAM: 9 int8 elements (row-major) and
// the rebuild shift.
inline constexpr uint64_t kBasisRecordBytes = 10;

// Loads the basis record at `addr` of the weight buffer into an engine's register file:
// issues the buffer read now and returns it; the basis is in `blk` once that access, waited
// for exactly once by the caller, has completed.
BufferAccess load_basis(GlobalBuffer& wb, uint64_t addr, BasisBlock& blk);

class SeRebuildEngines : public SeBlock {
public:
    SC_HAS_PROCESS(SeRebuildEngines);
    SeRebuildEngines(sc_core::sc_module_name name, SeFabric& fab);

private:
    void run();        // stage 1: dec_q -> Ce codes and bases read into a slot -> staged_
    void shift_add();  // stage 2: staged_ -> rebuilt weights of the pass -> re_q

    struct Staged {
        SeChunk* ch;                       // weights already rebuilt functionally in ch->w
        uint64_t line_max;                 // cycles of the busiest line
        std::vector<uint64_t> line_cycles;  // [m][c]: shift-add (or bypass) cycles of each line
    };
    int shift_mon_;                       // progress-monitor entry of the shift-add stage
    sc_core::sc_semaphore slots_;         // free staging slots
    sc_core::sc_fifo<Staged*> staged_;    // passes in their slots, in order
};

}  // namespace sx::se
