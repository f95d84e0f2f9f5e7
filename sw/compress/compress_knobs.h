#pragma once
// Compressor knobs: JSON (`--config knobs.json`, docs/compressor.md) and command-line flags
// set the same fields. Defaults follow the public SmartDeal code where it gives one.
#include <cstdint>
#include <string>

#include "sw/common/json_reader.h"

namespace sx {

struct CompressKnobs {
    // Sparsity threshold, relative to the layer's weight scale (max |w| of the layer, as in the
    // reference): elements of Ce below theta are zeroed, and a row is zeroed when sqrt(3) x its
    // weights' L2 norm is below 5*theta (the reference's L1 rule on the weights instead of the
    // coefficients). One threshold per layer, so raising it never grows the image
    // (docs/compressor.md).
    double theta = 0.02;
    int iterations = 30;          // maximum alternating iterations per block
    double tolerance = 1e-6;      // stop when ||Q_t - Q_{t-1}||_F / ||Q_{t-1}||_F is below this
    uint32_t block_channels = 64; // input channels per 3x3 block (1x1/FC: 3x this many rows)
    bool structural = false;      // zero rows shared across groups of filters
    uint32_t structural_group = 32;
    // Ce exponents: at most `exponent_levels` consecutive powers of two per block (the 4-bit
    // code has 7), the largest at most 2^max_exponent relative to the weight scale (the
    // reference clips at 2^5).
    int exponent_levels = 7;
    int max_exponent = 5;
    int ce_bits = 4;              // 2..4: 2^(ce_bits-1)-1 exponent levels usable
    int basis_bits = 8;           // 2..8: B stored as int8 within +-(2^(basis_bits-1)-1)
    int raw_bits = 8;             // 2..8: raw layers, symmetric per-layer scale
    // An all-zero block retries with theta / 4, at most this often. Default 0: a block whose
    // every row is below the layer's threshold is legitimately empty, and the retry made the
    // image non-monotonic in theta (a larger theta emptied more blocks, which then came back
    // denser than before).
    int max_theta_reductions = 0;
    // Polish passes over the non-zero Ce elements after the loop (ours; never changes which
    // elements are zero): a joint power-of-two choice per row, coordinate descent, a refit of
    // B; stops early at a fixed point. 0 = the reference's result.
    int polish_passes = 4;
    // A decomposed layer whose image sections are larger than its raw int8 weights is stored
    // raw (the report's kind says "raw (fallback)").
    bool raw_fallback = true;
    // Also start the alternating loop from the block's dominant row directions and keep the
    // better of the two results (our addition; false = the reference's B = I start only).
    bool direction_restart = true;
    int threads = 2;

    int usable_exponent_levels() const;  // min(exponent_levels, 2^(ce_bits-1)-1)
    void validate(const std::string& origin) const;  // InputError on out-of-range values
};

// Reads the members present in `node` over `base`; unknown members are an error.
CompressKnobs knobs_from_json(const JsonNode& node, CompressKnobs base = {});
CompressKnobs load_knobs(const std::string& path, CompressKnobs base = {});

}  // namespace sx
