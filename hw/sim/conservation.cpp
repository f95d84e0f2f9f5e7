#include "hw/sim/conservation.h"

#include <string>

#include "sw/common/error.h"

namespace sx {

void check_conservation(const LayerResult& r, const LayerConservation& cons) {
    const std::string& name = r.layer.name;
    if (r.macs_executed + r.macs_skipped != r.macs)
        throw CheckError("layer " + name + ": MAC conservation violated: executed " + std::to_string(r.macs_executed) +
                         " + skipped " + std::to_string(r.macs_skipped) + " != " + std::to_string(r.macs));
    if (cons.dram_read_bytes != cons.buffer_bytes_in + cons.overfetch_bytes)
        throw CheckError("layer " + name + ": byte conservation violated: DRAM read " +
                         std::to_string(cons.dram_read_bytes) + " bytes, buffers received " +
                         std::to_string(cons.buffer_bytes_in) + " + " + std::to_string(cons.overfetch_bytes) +
                         " dropped burst-alignment bytes");
}

}  // namespace sx
