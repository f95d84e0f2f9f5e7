#pragma once
// The randomized differential test's pieces (tests/hw/sim/test_random_layers.cpp): a seeded
// generator of small legal layers of the shapes that broke designs before (kernel larger than
// the input, stride larger than the kernel, 1xN / Nx1, P or Q = 1, a single output pixel from a
// larger map, grouped, depthwise, C and K not multiples of the array, batch 1-3, FC), random
// densities, and the independent counts a layer's executed MACs are checked against.
//
// Every layer is a one-layer workload JSON (what a failure prints, and what a regression file
// in tests/hw/sim/random_regressions/ holds), so the data the test builds for it is exactly
// what `sxsim run --model <file> --seed <seed> --check` builds.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"
#include "sw/workload/workload.h"

namespace sx::rt {

// One layer to run: layer `index` of `workload` (its data: seeded by `seed`, as sxsim builds it).
struct Case {
    Workload workload;
    std::size_t index = 0;
    uint64_t seed = 1;
    std::string origin;  // "random seed S layer i" or the regression file
    json doc;            // the workload JSON (printed on failure)
    const Layer& layer() const { return workload.layers[index]; }
};

// Shape classes the generator draws from (uniformly).
enum class Shape { Plain, KernelGtInput, StrideGtKernel, OneByN, ThinMap, SinglePixel, POrQOne, Grouped,
                   Depthwise, Fc, Pointwise, Larger, kCount };
const char* to_string(Shape s);

// Layer `i` of the random stream `seed`: a legal one-layer workload (parsed by parse_workload,
// so the printed JSON is exactly what ran). Its data seed is derived from (seed, i). Layers
// have at most max_macs MACs (8x that for the "larger" class).
constexpr int64_t kDefaultMaxMacs = 250000;
Case random_case(uint64_t seed, std::size_t i, int64_t max_macs = kDefaultMaxMacs);

// Every compute layer of every *.json workload in `dir` (sorted by file name). The data seed
// is the number after "--seed" in the workload's "notes" (default 1).
std::vector<Case> regression_cases(const std::string& dir);

// The text printed for a failing layer: the workload JSON to paste into a regression file and
// the command that reproduces it.
std::string describe(const Case& c, const std::string& config);

// Independent counts over the layer's (n, k, p, q, c, r, s) products with the input inside the
// map (padding excluded): those with a non-zero activation, and those with both operands
// non-zero. weights: K x C/g x R x S; inputs: N x C x H x W.
struct ProductCounts {
    uint64_t all = 0, act_nonzero = 0, both_nonzero = 0;
};
ProductCounts count_products(const Layer& l, const std::vector<int8_t>& weights, const std::vector<int8_t>& inputs);

// Writes an int8 N x C x H x W array as a .npy file (the --activations format).
void write_npy_int8(const std::string& path, const std::vector<int8_t>& v, const Layer& l);

}  // namespace sx::rt
