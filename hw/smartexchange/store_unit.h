#pragma once
// The store unit: writes a finished group's int8 outputs (one burst-padded segment per output
// channel) from its output half to DRAM through the DMA, then frees the half and tells the
// controller, which ends the layer when the last store is done.
#include <cstdint>
#include <vector>

#include <systemc>

#include "hw/smartexchange/se_fabric.h"

namespace sx::se {

class SeStoreUnit : public SeBlock {
public:
    SC_HAS_PROCESS(SeStoreUnit);
    SeStoreUnit(sc_core::sc_module_name name, SeFabric& fab);

private:
    void run();  // store_q -> DMA writes -> out_sem, store_done_ev

    std::vector<uint64_t> tickets_;  // the DMA writes of the group being stored
};

}  // namespace sx::se
