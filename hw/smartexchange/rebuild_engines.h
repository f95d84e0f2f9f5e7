#pragma once
// The basis-rebuild engines: two per PE line (2 x dim_m x dim_c, modelled as arrays in one
// process), ping-pong. Each holds a 3x3 basis in its register file and turns a Ce row (three
// 4-bit power-of-two codes) into a row of weights by shift-and-add, `rebuild_cycles_per_row`
// per row; a pass takes as long as its busiest line. A new basis is loaded into the idle
// engine of the pair while the other rebuilds, so the switch costs no RE cycle, only its
// weight-buffer read. Raw weights bypass the engines at `bypass_cycles_per_row`.
#include <cstdint>

#include <systemc>

#include "hw/smartexchange/se_fabric.h"
#include "sw/image/weight_image.h"

namespace sx::se {

// Bytes of a basis record in the weight buffer and in DRAM: 9 int8 elements (row-major) and
// the rebuild shift.
inline constexpr uint64_t kBasisRecordBytes = 10;

// Loads the basis record at `addr` of the weight buffer into an engine's register file:
// reserves the buffer's port now and returns the cycle the basis is in `blk`.
BufferAccess load_basis(GlobalBuffer& wb, uint64_t addr, BasisBlock& blk);  // issued, to be waited on

class SeRebuildEngines : public SeBlock {
public:
    SC_HAS_PROCESS(SeRebuildEngines);
    SeRebuildEngines(sc_core::sc_module_name name, SeFabric& fab);

private:
    void run();  // dec_q -> rebuilt weights of the pass -> re_q
};

}  // namespace sx::se
