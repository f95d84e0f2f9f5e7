#include "hw/system/dram_fit.h"

#include <algorithm>
#include <limits>

#include "hw/dram/dram_config.h"
#include "sw/common/json_reader.h"

namespace sx {

namespace {
// Saturating arithmetic: a --batch of 10^15 must give the error, not wrap around.
uint64_t sat_mul(uint64_t a, uint64_t b) {
    uint64_t r = 0;
    return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}
uint64_t sat_add(uint64_t a, uint64_t b) {
    uint64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}
}  // namespace

uint64_t dram_capacity_bytes(const ArchConfig& arch) {
    const DramConfig dc = parse_dram_config(JsonNode(arch.dram.preset, arch.dram.preset_path), arch.dram.channels,
                                            arch.dram.bus_width_bits, arch.dram.clock_mhz_override);
    return dc.capacity_bytes();
}

InputError batch_does_not_fit(const ArchConfig& arch, const std::string& layer, int64_t images, uint64_t needed,
                              uint64_t capacity, const std::string& what) {
    const std::string need = needed == std::numeric_limits<uint64_t>::max() ? "more than 2^64" : std::to_string(needed);
    return InputError("--batch", "",
                      "a batch (--batch, or the workload's \"batch\") whose data fits the modelled DRAM of " +
                          std::to_string(capacity) + " bytes (" + arch.file + " /dram/channels = " +
                          std::to_string(arch.dram.channels) + " x the capacity of a channel of the preset " +
                          arch.dram.preset_path + ", /banks x /rows x row bytes): layer '" + layer + "' needs " + need +
                          " bytes (" + what + ")",
                      "batch " + std::to_string(images));
}

void check_batch_fits_dram(const ArchConfig& arch, const Workload& w, const std::vector<std::string>& only_layers,
                           int64_t first_layers) {
    const uint64_t capacity = dram_capacity_bytes(arch);
    const bool select = !only_layers.empty() || first_layers > 0;
    int64_t compute_index = 0;
    for (const Layer& L : w.layers) {
        if (!L.is_compute()) continue;
        const bool selected = !select || compute_index < first_layers ||
                              std::find(only_layers.begin(), only_layers.end(), L.name) != only_layers.end();
        ++compute_index;
        if (!selected) continue;
        const uint64_t n = static_cast<uint64_t>(std::max<int64_t>(1, L.N));
        const uint64_t per_image = sat_add(sat_mul(static_cast<uint64_t>(L.C * L.H), static_cast<uint64_t>(L.W)),
                                           sat_mul(static_cast<uint64_t>(L.K * L.P()), static_cast<uint64_t>(L.Q())));
        const uint64_t bits = sat_mul(sat_mul(per_image, n), static_cast<uint64_t>(arch.bits.activation));
        const uint64_t needed = bits == std::numeric_limits<uint64_t>::max() ? bits : (bits + 7) / 8;
        if (needed > capacity)
            throw batch_does_not_fit(arch, L.name, L.N, needed, capacity,
                                     "inputs and outputs of every image, uncompressed at " +
                                         std::to_string(arch.bits.activation) + " bits");
    }
}

}  // namespace sx
