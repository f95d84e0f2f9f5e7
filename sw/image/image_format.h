#pragma once
// Constants and little-endian helpers of the .sxw container, shared by the writer and the
// reader (docs/weight-image.md documents the byte layout).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sx::sxw {

constexpr char kMagic[8] = {'S', 'X', 'W', 'I', 'M', 'A', 'G', 'E'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kHeaderSize = 40;
constexpr uint32_t kBlockRecordSize = 24;
constexpr int kMaxRebuildShift = 15;  // width of the rebuild engine's shifter (our choice)
constexpr int kSectionCount = 4;
enum Section { kBases = 0, kBitmap = 1, kCodes = 2, kRaw = 3 };
inline const char* section_name(int s) {
    static const char* names[] = {"bases", "row bitmap", "Ce codes", "raw weights"};
    return names[s];
}

uint32_t crc32_of(const uint8_t* data, std::size_t size);

class ByteWriter {
public:
    std::vector<uint8_t> bytes;
    void u8(uint8_t v) { bytes.push_back(v); }
    void u16(uint16_t v) { put(v, 2); }
    void u32(uint32_t v) { put(v, 4); }
    void u64(uint64_t v) { put(v, 8); }
    void f32(float v) {
        uint32_t u;
        std::memcpy(&u, &v, 4);
        u32(u);
    }
    void raw(const void* p, std::size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
    }
    void patch_u32(std::size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (8 * i));
    }
    void patch_u64(std::size_t at, uint64_t v) {
        for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (8 * i));
    }

private:
    void put(uint64_t v, int n) {
        for (int i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
};

}  // namespace sx::sxw
