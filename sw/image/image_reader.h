#pragma once
// Reads .sxw weight images. Every defect (truncation, bad magic, unknown version, checksum
// mismatch, offsets out of range, invalid Ce code 8, bitmap/code count mismatch, inconsistent
// shapes) is an sx::InputError naming the file, the section or layer, and what was expected.
// Every read is bounds-checked: corrupt input never crashes.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx {

WeightImage read_image(const std::string& path);
WeightImage parse_image(const std::vector<uint8_t>& bytes, const std::string& origin);

// Internal consistency of one layer (sizes, block cover, bitmap vs codes, code validity).
// Throws InputError(origin, "layer <name>: <what>", ...).
void check_image_layer(const ImageLayer& layer, const std::string& origin);

// Every compute layer of the workload has an image layer of the same name and shapes
// (K, C, R, S, groups; decomposed layers only where the workload layer is decomposable, with
// the expected rows per filter), and the image has no other layers. InputError otherwise.
void validate_against(const WeightImage& image, const Workload& workload, const std::string& file);

}  // namespace sx
