#pragma once
// The sparse index decoder (index selector): per pass, reads the Ce-row bitmap of the dim_m
// filters from the index buffer, ceil(rows / index_bits_per_cycle) cycles, and hands the
// rebuild engines only the non-zero rows with the nibble address of their Ce codes. Raw
// (undecomposed) layers have no bitmap: every row passes, in no time.
#include <systemc>

#include "hw/smartexchange/se_fabric.h"

namespace sx::se {

class SeIndexDecoder : public SeBlock {
public:
    SC_HAS_PROCESS(SeIndexDecoder);
    SeIndexDecoder(sc_core::sc_module_name name, SeFabric& fab);

private:
    void run();  // task_q -> one SeChunk per pass -> dec_q
};

}  // namespace sx::se
