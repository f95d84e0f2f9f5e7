#pragma once
// The controller: walks the layer's tiles in the loop order of docs/architecture.md, loads
// each input tile and weight tile into a free buffer half through the DMA (double buffering:
// it waits for a half only when both are in use; resident tiles are loaded once), hands one
// task per weight tile to the index decoder once its loads are in, and ends the layer when
// the store unit has written the last output group. Runs in the caller's SystemC thread.
// The hand-off itself (halves, tickets, semaphores) is the shared tile streamer's
// (hw/system/tile_streamer.h, in fab.streamer); this file says only which tiles, where, and
// in which order.
#include <cstdint>
#include <vector>

#include "hw/dma/dma.h"
#include "hw/smartexchange/se_fabric.h"

namespace sx::se {

// The DMA load of the basis records that filter k's part of weight tile wt uses, into its
// weight-buffer slot at `w_slot` (after the slot's Ce codes).
DmaCommand basis_load(const SeLayer& L, int64_t k, uint32_t wt, GlobalBuffer* wb, uint64_t w_slot);

// All loads of filter k's part of weight tile wt, in issue order: Ce codes, basis records,
// bitmap (decomposed layers) or the raw weight rows.
std::vector<DmaCommand> weight_tile_loads(const SeLayer& L, int64_t k, uint32_t wt, GlobalBuffer* wb,
                                          uint64_t w_slot, GlobalBuffer* idx, uint64_t idx_slot);

class SeController {
public:
    explicit SeController(SeFabric& fab);
    // The layer in fab.L; returns when its last output write is done.
    void run();

private:
    void load_weights(int64_t kg, uint32_t wt, uint64_t wbase, uint64_t ibase);

    SeFabric& f_;
    int mon_;
};

}  // namespace sx::se
