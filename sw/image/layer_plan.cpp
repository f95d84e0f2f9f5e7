#include "sw/image/layer_plan.h"

#include <stdexcept>

namespace sx {

std::vector<uint32_t> split_even(uint32_t n, uint32_t max_units) {
    if (max_units == 0) throw std::invalid_argument("split_even: max_units must be >= 1");
    if (n == 0) return {};
    const uint32_t min_parts = (n + max_units - 1) / max_units;
    // Equal parts when a part count up to twice the minimum divides n (C=160, at most 64 ->
    // 4 x 40 rather than 54+53+53, as in the reference partition); otherwise the minimum
    // count with sizes differing by one.
    uint32_t parts = min_parts;
    for (uint32_t p = min_parts; p <= 2 * min_parts && p <= n; ++p) {
        if (n % p == 0) {
            parts = p;
            break;
        }
    }
    std::vector<uint32_t> out(parts, n / parts);
    for (uint32_t i = 0; i < n % parts; ++i) ++out[i];
    return out;
}

ImageLayer image_layer_shell(const Layer& layer, ImageLayerKind kind) {
    ImageLayer il;
    il.name = layer.name;
    il.kind = kind;
    il.K = static_cast<uint32_t>(layer.K);
    il.C = static_cast<uint32_t>(layer.C);
    il.R = static_cast<uint32_t>(layer.R);
    il.S = static_cast<uint32_t>(layer.S);
    il.groups = static_cast<uint32_t>(layer.groups);
    return il;
}

LayerPlan plan_layer(const Layer& layer, uint32_t block_channels) {
    LayerPlan plan;
    if (!layer.is_compute()) return plan;
    const int64_t groups = layer.groups > 0 ? layer.groups : 1;
    const uint32_t cg = static_cast<uint32_t>(layer.C / groups);
    plan.filter_size = static_cast<uint64_t>(cg) * layer.R * layer.S;
    if (layer.is_depthwise()) return plan;
    std::vector<uint32_t> parts;
    if (layer.type == LayerType::Conv && layer.R == 3 && layer.S == 3) {
        plan.rows_per_filter = cg * 3;
        for (uint32_t ch : split_even(cg, block_channels)) parts.push_back(ch * 3);
    } else if (layer.R == 1 && layer.S == 1) {
        plan.rows_per_filter = (cg + 2) / 3;
        parts = split_even(plan.rows_per_filter, block_channels * 3);
    } else {
        return plan;
    }
    plan.kind = ImageLayerKind::Decomposed;
    uint32_t row = 0;
    for (uint32_t r : parts) {
        plan.blocks.push_back({row, r});
        row += r;
    }
    return plan;
}

}  // namespace sx
