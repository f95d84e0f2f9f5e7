#pragma once
// The sparse index decoders (index selectors): per pass, read the Ce-row bitmap of the dim_m
// filters from the index buffer and hand the rebuild engines only the non-zero rows with the
// nibble address of their Ce codes. How many there are is the `index_decoders` parameter:
// "shared" (default: the paper describes one index selector for the array) decodes the
// slices' bitmaps one after the other, ceil(rows / index_bits_per_cycle) cycles each, a slice
// starting once its bitmap bytes are read; "per_slice" decodes every slice at once, each from
// the cycle its bytes are read. Raw (undecomposed) layers have no bitmap: every row passes,
// in no time.
#include <cstdint>
#include <vector>

#include <systemc>

#include "hw/smartexchange/se_fabric.h"

namespace sx::se {

class SeIndexDecoder : public SeBlock {
public:
    SC_HAS_PROCESS(SeIndexDecoder);
    SeIndexDecoder(sc_core::sc_module_name name, SeFabric& fab);

private:
    void run();  // task_q -> one SeChunk per pass -> dec_q
    void decode(uint32_t rows);  // waits while the decoders work through reads_' bitmaps

    std::vector<BufferAccess> reads_;  // per valid slice: its bitmap bytes' read (issued)
    std::vector<uint64_t> read_done_;  // per valid slice: cycle its bitmap bytes are read
};

}  // namespace sx::se
