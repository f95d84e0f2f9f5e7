#pragma once
// Compresses a network's float weights into a SmartExchange weight image: every decomposable
// layer block by block (block_decomposer + block_quantizer), the others as raw int8. Work
// units (one block group of one layer, or one raw layer) run on `knobs.threads` std::threads;
// each unit writes only its own slots, so the image is identical whatever the thread count.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/compress/compress_knobs.h"
#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx {

// Float weights per compute layer, K x C/groups x R x S (C order), keyed by layer name.
using WeightMap = std::map<std::string, std::vector<float>>;

struct LayerReport {
    std::string name;
    std::string kind;              // "decomposed", "raw" (not decomposable) or "raw-fallback"
                                   // (decomposable, but its decomposed form was larger than int8)
    uint64_t params = 0;
    uint64_t fp32_bytes = 0;       // 4 x params
    uint64_t int8_bytes = 0;       // params
    uint64_t image_bytes = 0;      // the layer's sections in the .sxw file (total: whole file)
    // Bit counts (docs/compressor.md "Which bits are counted"):
    uint64_t image_bits = 0;       // 8 x image_bytes: block records (9 B basis, shift, first row,
                                   // rows, scale: 24 B per block) + 1-bit-per-row bitmap + 12 bits
                                   // (three 4-bit codes) per non-zero Ce row; raw: 8 bits per weight
    uint64_t reference_bits = 0;   // the reference transcription's count: 1 bit per Ce row + 4 bits
                                   // per non-zero Ce element, bases not counted; raw: 8 bits per weight
    uint64_t ce_rows = 0, ce_nonzero_rows = 0, ce_nonzero_elements = 0;  // decomposed layers
    uint64_t decomposed_bytes = 0; // raw-fallback: the size the decomposed sections would have had
    int fallbacks = 0;             // total row: layers stored raw by the fallback
    double compression = 0;        // fp32_bytes / image_bytes
    double row_sparsity = 0;       // zero Ce rows / Ce rows (decomposed); 0 for raw
    double element_sparsity = 0;   // zero Ce elements / Ce elements (decomposed); zero weights (raw)
    double bits_per_weight = 0;    // 8 x image_bytes / params
    double rel_error = -1;         // ||W - decode_float(image)||_F / ||W||_F; -1: no reference (synthetic)
    double rel_error_float = -1;   // same for the unquantised Q * B (before int8 rounding of B and w)
    double iterations_mean = 0;    // alternating iterations per block
    int iterations_max = 0;
    int theta_reductions = 0;      // blocks whose theta had to be reduced
    uint64_t shift_limited_blocks = 0;  // blocks whose basis lost precision at the rebuild
                                   // shifter's limit (much smaller than their filter's largest)
    double seconds = 0;            // CPU seconds spent on the layer (summed over threads)
    bool synthetic = false;
    // Accumulators for the total row.
    double err2 = 0, err2_float = 0, ref2 = 0;
    uint64_t blocks = 0;
};

struct CompressReport {
    std::string network;
    std::vector<LayerReport> layers;
    LayerReport total;
    double wall_seconds = 0;
    int threads = 1;
    bool synthetic = false;
};

struct CompressResult {
    WeightImage image;
    CompressReport report;
};

// Missing weights or a wrong element count -> InputError naming `weights_origin` and the layer.
CompressResult compress_weights(const Workload& workload, const WeightMap& weights, const CompressKnobs& knobs,
                                const std::string& weights_origin);

// Report of an image without reference weights (synthetic images): sizes and sparsities,
// no reconstruction error.
CompressReport report_image(const WeightImage& image);

}  // namespace sx
