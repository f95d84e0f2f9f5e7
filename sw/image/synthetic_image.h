#pragma once
// Synthetic weight images: for a workload without trained weights, an image whose Ce row and
// element densities follow per-layer targets, so the accelerator model can run any bundled
// network. Seeded and reproducible: the same workload, seed and densities give a
// byte-identical image. Every layer is marked synthetic = true.
//
// Density resolution per compute layer (docs/weight-image.md, "Synthetic images"):
//   - an explicit value in SyntheticDensities wins;
//   - else, if the workload gives stats.weight_density d: decomposed layers keep the default
//     element density e (or the explicit one) and take row density min(1, d / e); if that
//     hits 1, the element density becomes min(1, d). Raw layers take d.
//   - else the defaults below.
#include <cstdint>
#include <optional>
#include <vector>

#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx {

// Defaults are our choice, not paper figures: SmartExchange reports vector-wise (row)
// sparsity up to 27% in late 3x3 layers, so 75% non-zero rows; 70% of the elements of a
// non-zero row non-zero; raw (first / depthwise) layers dense.
constexpr double kSyntheticRowDensity = 0.75;
constexpr double kSyntheticElementDensity = 0.70;
constexpr double kSyntheticRawDensity = 1.0;
// Synthetic Ce exponents are drawn uniformly from 0..kSyntheticMaxExponent.
constexpr int kSyntheticMaxExponent = 3;

struct SyntheticDensities {
    std::optional<double> row_density;      // fraction of non-zero Ce rows, (0, 1]
    std::optional<double> element_density;  // fraction of non-zero codes in a non-zero row, [1/3, 1]
    std::optional<double> raw_density;      // fraction of non-zero raw int8 weights, (0, 1]
    uint32_t block_channels = 64;
};

struct ResolvedDensities {
    double row = kSyntheticRowDensity;
    double element = kSyntheticElementDensity;
    double raw = kSyntheticRawDensity;
};
ResolvedDensities resolve_densities(const Layer& layer, const SyntheticDensities& d);

// `only` (optional): a mask over workload.layers (size = the layer count); only the compute
// layers marked true are built (`sxsim run --layer`: building a whole network for one layer
// took 27 % of a VGG-16 layer's SCNN run). Each layer's generator is seeded from (seed, the
// layer's index in the whole workload) and reads nothing but that layer and `d`, so a layer's
// bytes are identical whether or not the others are built (tested: test_synthetic_image).
WeightImage make_synthetic_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d,
                                 const std::vector<bool>* only);
WeightImage make_synthetic_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d);  // all layers

// Raw (unstructured) synthetic weights for the sparse baselines (SCNN and its dense DCNN):
// every compute layer is a raw int8 layer with exactly round(raw density x K x C/g x R x S)
// non-zeros at uniformly drawn positions (the raw density resolves as above: explicit, else
// stats.weight_density, else kSyntheticRawDensity). Seeded and reproducible like the above.
// `only` as for make_synthetic_image.
WeightImage make_unstructured_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d,
                                    const std::vector<bool>* only);
WeightImage make_unstructured_image(const Workload& workload, uint64_t seed, const SyntheticDensities& d);

}  // namespace sx
