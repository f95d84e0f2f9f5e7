// Fuzzes the .sxw weight-image reader (parse_image) and what a loaded image feeds: decoding
// and validation against a workload. Every input is tried twice: as is, and with its CRC-32
// fields recomputed, so that mutations get past the checksums and reach the structural
// checks behind them (otherwise nearly every mutant dies at the header CRC).
#include <cstdint>
#include <vector>

#include "sw/image/image_format.h"
#include "sw/image/image_reader.h"
#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"
#include "tests/fuzz/targets/fuzz_common.h"

namespace {

const sx::Workload& tiny_workload() {
    static const sx::Workload w = sx::load_workload(SX_SOURCE_DIR "/tests/fuzz/data/tiny_workload.json");
    return w;
}

uint64_t get(const std::vector<uint8_t>& b, uint64_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(b[at + i]) << (8 * i);
    return v;
}
void put32(std::vector<uint8_t>& b, uint64_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
bool in_range(uint64_t off, uint64_t n, uint64_t size) { return off <= size && n <= size - off; }

// Rewrites the section, layer-table and header CRCs of an image in place, following the byte
// layout of docs/weight-image.md. Returns false when the bytes are too broken to walk.
bool repair_crcs(std::vector<uint8_t>& b) {
    const uint64_t size = b.size();
    if (size < sx::sxw::kHeaderSize) return false;
    const uint64_t layers = get(b, 12, 4), toff = get(b, 16, 8), tsize = get(b, 24, 8);
    if (in_range(toff, tsize, size)) {
        const uint64_t tend = toff + tsize;
        uint64_t p = toff;
        auto skip_name = [&]() {
            if (p + 2 > tend) return false;
            p += 2 + get(b, p, 2);
            return p <= tend;
        };
        constexpr uint64_t kFixed = 1 + 1 + 2 + 7 * 4 + 8 + 4;  // kind .. raw scale
        constexpr uint64_t kSection = 8 + 8 + 4;
        if (skip_name()) {
            for (uint64_t li = 0; li < layers && li < 4096; ++li) {
                if (!skip_name() || p + kFixed + sx::sxw::kSectionCount * kSection > tend) break;
                p += kFixed;
                for (int s = 0; s < sx::sxw::kSectionCount; ++s, p += kSection) {
                    const uint64_t off = get(b, p, 8), n = get(b, p + 8, 8);
                    if (in_range(off, n, size)) put32(b, p + 16, sx::sxw::crc32_of(b.data() + off, n));
                }
            }
        }
        put32(b, 32, sx::sxw::crc32_of(b.data() + toff, tsize));
    }
    put32(b, 36, sx::sxw::crc32_of(b.data(), 36));
    return true;
}

void exercise(const std::vector<uint8_t>& bytes) {
    sx::fuzz::expect_input_error_only("parse_image", [&] {
        const sx::WeightImage img = sx::parse_image(bytes, "fuzz.sxw");
        for (const sx::ImageLayer& l : img.layers) {
            double sum = 0;
            for (int8_t v : sx::decode_int8(l)) sum += v;
            for (float v : sx::decode_float(l)) sum += v;
            sx::fuzz::sink(sum);
        }
        sx::validate_against(img, tiny_workload(), "fuzz.sxw");
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> bytes(data, data + size);
    exercise(bytes);
    if (repair_crcs(bytes)) exercise(bytes);
    return 0;
}
