#pragma once
// How a workload layer is laid out in a weight image: decomposed (3x3 conv, 1x1 conv, FC) or
// raw (depthwise, other kernel sizes), and how its Ce rows are cut into basis blocks. The
// compressor, the synthetic image generator and the image validator all use this one plan,
// so the three cannot disagree about shapes.
#include <cstdint>
#include <vector>

#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx {

struct BlockSpan {
    uint32_t first_row = 0;
    uint32_t rows = 0;
};

struct LayerPlan {
    ImageLayerKind kind = ImageLayerKind::Raw;
    uint32_t rows_per_filter = 0;
    std::vector<BlockSpan> blocks;  // per filter (the same partition for every filter)
    uint64_t filter_size = 0;       // C/groups * R * S
};

// block_channels: at most this many input channels per 3x3 block (rows = 3 * channels); 1x1
// and FC blocks hold at most 3 * block_channels rows. Both split as evenly as possible, 3x3
// in whole-channel units (C=96 -> 2 x 48 channels, C=160 -> 4 x 40).
LayerPlan plan_layer(const Layer& layer, uint32_t block_channels = 64);

// An image layer carrying the layer's name and shape (K, C, R, S, groups) and the given kind,
// with no weights yet: the common start of every image builder.
ImageLayer image_layer_shell(const Layer& layer, ImageLayerKind kind);

// Splits n units into parts of at most max_units: the smallest part count in
// [ceil(n/max_units), 2*ceil(n/max_units)] that divides n (equal parts), else ceil(n/max_units)
// parts differing by at most one (the larger first).
std::vector<uint32_t> split_even(uint32_t n, uint32_t max_units);

}  // namespace sx
