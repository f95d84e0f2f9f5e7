#pragma once
// The inputs of a real-data run (sxsim run --inputs DIR): one example per file, in sorted
// file-name order. *.npy: float tensors of the graph input's dims without the batch
// (C x H x W) or with batch 1. *.png, *.jpg, *.jpeg: decoded (Boost.GIL with libpng /
// libjpeg) to RGB (C = 3) or grey (C = 1), resized bilinearly to the graph input's H x W
// (half-pixel centres, no antialiasing), scaled to [0, 1], then normalised per Normalize; an
// image of more than 2^25 pixels is refused from its header (InputError, field "image").
// Other files are skipped with a warning. Errors are InputErrors naming the file and field.
#include <string>
#include <vector>

#include "sw/graph/tensor.h"

namespace sx {

enum class Normalize { None, ImageNet };  // ImageNet: torchvision's mean / std per RGB channel

struct InputSample {
    std::string stem;  // file name without extension
    std::string file;
    Tensor tensor;     // the graph input's dims (batch 1)
};

std::vector<InputSample> load_inputs(const std::string& dir, const std::vector<int64_t>& input_dims, Normalize norm,
                                     std::vector<std::string>* warnings = nullptr);

// Bilinear resize of a C x H x W planar image to C x oh x ow (half-pixel centres, edge
// clamped, like PyTorch's interpolate(align_corners=False) without antialiasing).
std::vector<float> resize_bilinear(const std::vector<float>& src, int64_t C, int64_t H, int64_t W, int64_t oh, int64_t ow);

}  // namespace sx
