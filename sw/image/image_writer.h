#pragma once
// Writes a WeightImage as a .sxw container (docs/weight-image.md). The image is checked for
// internal consistency first (the same checks the reader applies), so a writer bug cannot
// produce a file the reader rejects.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/image/weight_image.h"

namespace sx {

std::vector<uint8_t> serialize_image(const WeightImage& image);
void write_image(const WeightImage& image, const std::string& path);  // InputError if unwritable

// Size in bytes the layer occupies in a .sxw file (its sections, without the table entry).
uint64_t image_layer_bytes(const ImageLayer& layer);

}  // namespace sx
