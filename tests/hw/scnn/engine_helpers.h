#pragma once
// Test helpers for driving a LayerEngine without the model: the data a PE would find in its
// FIFO and IARAM, decoded from the host's DRAM images (weight_image, act_image) instead of
// from buffers the DMA filled.
#include <cstddef>
#include <cstdint>

#include "hw/scnn/layer_engine.h"

namespace sx::scnn::test {

// Piece i with its values, decoded from the weight stream.
inline WeightBlock piece(const LayerEngine& e, std::size_t i) {
    return e.decode_piece(e.blocks[i], e.weight_image.data() + e.blocks[i].dram_addr);
}

// Every active PE's tiles of the current image, decoded from the image's DRAM bytes.
inline void load_tiles(LayerEngine& e) {
    uint64_t chan = 0;
    for (int64_t c = 0; c < e.layer().C; ++c) {
        uint64_t bytes = 0;
        for (int pe : e.active_pes()) {
            e.decode_acts(pe, c, e.act_image.data() + chan + e.act_offset(pe, c));
            bytes += e.act_bytes(pe, c);
        }
        chan += bytes;
    }
}

// End of every output-channel group (halo exchange, read-out into e.outputs), for tests that
// ran all blocks of a one-group layer.
inline void end_groups(LayerEngine& e) {
    for (int64_t g = 0; g < e.mapping().kgroups(); ++g) e.end_group(g);
}

}  // namespace sx::scnn::test
