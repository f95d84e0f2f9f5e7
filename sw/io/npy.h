#pragma once
// NumPy .npy and .npz readers (float32, float16, float64, int8; C order). .npz archives may be
// stored or deflated (read with libzip). Every defect is an InputError naming the file (and
// the array inside an archive) and what was expected; a NaN or an infinity in a float array
// is one (field "npy data", with its index): every array the tool reads feeds arithmetic.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/workload/workload.h"

namespace sx {

struct NdArray {
    std::vector<int64_t> shape;
    std::string dtype;        // the descr as written, e.g. "<f4"
    std::vector<float> data;  // converted to float, C order

    int64_t elements() const;
};

NdArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& origin);
NdArray read_npy(const std::string& path);
// Writes a little-endian float32 .npy (format 1.0, C order); InputError naming `path` if it
// cannot be written.
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& data);
// Arrays keyed by member name without the ".npy" suffix.
std::map<std::string, NdArray> read_npz(const std::string& path);

// Weights of every compute layer of `workload` from an .npz (one array per layer, named as the
// layer) or, for a single-layer workload, an .npy. Shapes must be K x C/groups x R x S (FC:
// K x C, or K x C x 1 x 1). Extra arrays are ignored with a warning on stderr.
std::map<std::string, std::vector<float>> load_weight_arrays(const std::string& path, const Workload& workload);

}  // namespace sx
