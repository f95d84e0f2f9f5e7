#include "sw/image/image_writer.h"

#include <fstream>

#include <zlib.h>

#include "sw/common/error.h"
#include "sw/image/image_format.h"
#include "sw/image/image_reader.h"

namespace sx {

namespace sxw {
uint32_t crc32_of(const uint8_t* data, std::size_t size) {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    // zlib's length argument is 32-bit: feed large sections in chunks.
    while (size > 0) {
        const std::size_t n = size > (1u << 30) ? (1u << 30) : size;
        crc = ::crc32(crc, data, static_cast<uInt>(n));
        data += n;
        size -= n;
    }
    return static_cast<uint32_t>(crc);
}
}  // namespace sxw

namespace {

constexpr uint64_t kTableFixedPerLayer = 2 + 4 + 7 * 4 + 8 + 4 + sxw::kSectionCount * 20;

void bases_section(const ImageLayer& l, sxw::ByteWriter& w) {
    for (const BasisBlock& b : l.blocks) {
        for (int t = 0; t < 3; ++t)
            for (int j = 0; j < 3; ++j) w.u8(static_cast<uint8_t>(b.basis[t][j]));
        w.u8(b.rebuild_shift);
        w.u16(0);
        w.u32(b.first_row);
        w.u32(b.rows);
        w.f32(b.scale);
    }
}

}  // namespace

uint64_t image_layer_bytes(const ImageLayer& l) {
    if (l.kind == ImageLayerKind::Raw) return l.raw.size();
    return l.blocks.size() * sxw::kBlockRecordSize + l.row_bitmap.size() + l.ce_codes.size();
}

std::vector<uint8_t> serialize_image(const WeightImage& image) {
    for (const ImageLayer& l : image.layers) check_image_layer(l, "<image being written>");
    if (image.network.size() > 0xFFFF) throw std::invalid_argument("network name longer than 65535 bytes");

    uint64_t table_size = 2 + image.network.size();
    for (const ImageLayer& l : image.layers) table_size += kTableFixedPerLayer + l.name.size();
    const uint64_t data_start = sxw::kHeaderSize + table_size;

    sxw::ByteWriter data;
    sxw::ByteWriter table;
    table.u16(static_cast<uint16_t>(image.network.size()));
    table.raw(image.network.data(), image.network.size());
    for (const ImageLayer& l : image.layers) {
        table.u16(static_cast<uint16_t>(l.name.size()));
        table.raw(l.name.data(), l.name.size());
        table.u8(static_cast<uint8_t>(l.kind));
        table.u8(l.synthetic ? 1 : 0);
        table.u16(0);
        for (uint32_t v : {l.K, l.C, l.R, l.S, l.groups, l.rows_per_filter, l.blocks_per_filter}) table.u32(v);
        table.u64(l.kind == ImageLayerKind::Decomposed ? l.nonzero_rows() : 0);
        table.f32(l.raw_scale);
        for (int s = 0; s < sxw::kSectionCount; ++s) {
            const std::size_t begin = data.bytes.size();
            if (s == sxw::kBases) bases_section(l, data);
            if (s == sxw::kBitmap) data.raw(l.row_bitmap.data(), l.row_bitmap.size());
            if (s == sxw::kCodes) data.raw(l.ce_codes.data(), l.ce_codes.size());
            if (s == sxw::kRaw) data.raw(l.raw.data(), l.raw.size());
            const std::size_t size = data.bytes.size() - begin;
            table.u64(size ? data_start + begin : 0);
            table.u64(size);
            table.u32(sxw::crc32_of(data.bytes.data() + begin, size));
        }
    }
    if (table.bytes.size() != table_size) throw std::logic_error("sxw writer: table size mismatch");

    sxw::ByteWriter out;
    out.raw(sxw::kMagic, 8);
    out.u32(sxw::kVersion);
    out.u32(static_cast<uint32_t>(image.layers.size()));
    out.u64(sxw::kHeaderSize);
    out.u64(table_size);
    out.u32(sxw::crc32_of(table.bytes.data(), table.bytes.size()));
    out.u32(sxw::crc32_of(out.bytes.data(), out.bytes.size()));
    out.raw(table.bytes.data(), table.bytes.size());
    out.raw(data.bytes.data(), data.bytes.size());
    return std::move(out.bytes);
}

void write_image(const WeightImage& image, const std::string& path) {
    const std::vector<uint8_t> bytes = serialize_image(image);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path, "-o", "a writable output file", "it cannot be opened");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw InputError(path, "-o", "a writable output file", "writing failed");
}

}  // namespace sx
