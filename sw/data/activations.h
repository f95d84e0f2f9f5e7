#pragma once
// Synthetic input activations for one layer: what the accelerator reads when no real
// activations are given. Post-ReLU int8 feature maps: a fraction (1 - density) of exact
// zeros, the rest positive with an exponential (half-normal-like) magnitude distribution,
// which gives the many small values and few large ones that make Booth digit skipping pay.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/workload/workload.h"

namespace sx {

// Default when the workload gives no activation density: half the values of a ReLU'd
// feature map are zero (the usual figure for ImageNet CNNs; documented in docs/energy-model.md).
constexpr double kDefaultActivationDensity = 0.5;

// Mean magnitude of a non-zero activation, in int8 steps. Chosen so the 8-bit range is used
// (P(value >= 127) ~ e^-5.3) while most values need 2-3 radix-4 Booth digits.
constexpr double kActivationMeanMagnitude = 24.0;

// N x C x H x W int8 values, seeded by (seed, layer name): the same layer gets the same
// activations in every run. `density` in (0,1]; values in [0, 127] (non-zero ones in [1, 127]).
std::vector<int8_t> make_activations(const Layer& layer, uint64_t seed, double density);

// The density the layer runs with: stats.activation_density, else the default.
double activation_density_of(const Layer& layer);

// Loads DIR/<layer>.npy (int8 or uint8, N x C x H x W or C x H x W, element count must match);
// InputError naming the file otherwise.
std::vector<int8_t> load_activations_npy(const std::string& path, const Layer& layer);

}  // namespace sx
