#include "sw/image/image_reader.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "sw/common/error.h"
#include "sw/image/image_format.h"
#include "sw/image/layer_plan.h"

namespace sx {

namespace {

std::string layer_field(const std::string& name, const std::string& what) {
    return "layer '" + name + "'" + (what.empty() ? "" : ": " + what);
}

// Bounds-checked little-endian reads from a byte range; every failure names the region.
class ByteReader {
public:
    ByteReader(const std::vector<uint8_t>& b, uint64_t begin, uint64_t end, std::string origin, std::string region)
        : b_(b), pos_(begin), end_(end), origin_(std::move(origin)), region_(std::move(region)) {}
    uint64_t pos() const { return pos_; }
    void need(uint64_t n, const char* what) const {
        if (n > end_ - pos_)
            throw InputError(origin_, region_ + " at byte " + std::to_string(pos_),
                             std::to_string(n) + " more bytes for " + what,
                             "only " + std::to_string(end_ - pos_) + " (truncated)");
    }
    uint64_t uint(int n, const char* what) {
        need(static_cast<uint64_t>(n), what);
        uint64_t v = 0;
        for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(b_[pos_ + i]) << (8 * i);
        pos_ += static_cast<uint64_t>(n);
        return v;
    }
    float f32(const char* what) {
        const uint32_t u = static_cast<uint32_t>(uint(4, what));
        float f;
        std::memcpy(&f, &u, 4);
        return f;
    }
    std::string str(uint64_t n, const char* what) {
        need(n, what);
        std::string s(b_.begin() + static_cast<std::ptrdiff_t>(pos_), b_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
        pos_ += n;
        return s;
    }

private:
    const std::vector<uint8_t>& b_;
    uint64_t pos_, end_;
    std::string origin_, region_;
};

struct SectionRef {
    uint64_t offset = 0, size = 0;
    uint32_t crc = 0;
};

std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

bool finite_positive(float f) { return std::isfinite(f) && f > 0.0f; }

}  // namespace

void check_image_layer(const ImageLayer& l, const std::string& origin) {
    auto fail = [&](const std::string& what, const std::string& expected, const std::string& found = "") {
        throw InputError(origin, layer_field(l.name, what), expected, found);
    };
    if (l.name.empty() || l.name.size() > 0xFFFF) fail("name", "a name of 1..65535 bytes");
    if (l.K == 0 || l.C == 0 || l.R == 0 || l.S == 0 || l.groups == 0)
        fail("shape", "K, C, R, S, groups >= 1");
    if (l.C % l.groups) fail("groups", "groups dividing C", std::to_string(l.groups));
    const uint64_t fs = static_cast<uint64_t>(l.C / l.groups) * l.R * l.S;
    if (fs * l.K > (uint64_t{1} << 36)) fail("shape", "at most 2^36 weights per layer");
    if (l.kind == ImageLayerKind::Raw) {
        if (l.raw.size() != fs * l.K)
            fail("raw weights", std::to_string(fs * l.K) + " bytes (K x C/groups x R x S)", std::to_string(l.raw.size()));
        if (!finite_positive(l.raw_scale)) fail("raw scale", "a finite scale > 0", std::to_string(l.raw_scale));
        if (!l.blocks.empty() || !l.row_bitmap.empty() || !l.ce_codes.empty() || l.rows_per_filter || l.blocks_per_filter)
            fail("kind", "no bases, bitmap or codes in a raw layer");
        return;
    }
    if (l.kind != ImageLayerKind::Decomposed) fail("kind", "1 (decomposed) or 2 (raw)", std::to_string(int(l.kind)));
    if (!l.raw.empty()) fail("raw weights", "none in a decomposed layer");
    if (l.rows_per_filter != (fs + 2) / 3)
        fail("rows per filter", std::to_string((fs + 2) / 3) + " (ceil(C/groups*R*S / 3))", std::to_string(l.rows_per_filter));
    if (l.blocks_per_filter == 0 || l.blocks_per_filter > l.rows_per_filter)
        fail("blocks per filter", "1.." + std::to_string(l.rows_per_filter), std::to_string(l.blocks_per_filter));
    if (l.blocks.size() != static_cast<uint64_t>(l.K) * l.blocks_per_filter)
        fail("bases", std::to_string(uint64_t{l.K} * l.blocks_per_filter) + " blocks (K x blocks per filter)",
             std::to_string(l.blocks.size()));
    for (uint32_t k = 0; k < l.K; ++k) {
        uint32_t row = 0;
        for (uint32_t b = 0; b < l.blocks_per_filter; ++b) {
            const BasisBlock& blk = l.blocks[static_cast<std::size_t>(k) * l.blocks_per_filter + b];
            const std::string where = "bases, filter " + std::to_string(k) + " block " + std::to_string(b);
            if (blk.first_row != row || blk.rows == 0 || blk.rows > l.rows_per_filter - row)
                fail(where, "rows starting at " + std::to_string(row) + " within the filter's " +
                                std::to_string(l.rows_per_filter) + " rows",
                     "first row " + std::to_string(blk.first_row) + ", " + std::to_string(blk.rows) + " rows");
            if (blk.rebuild_shift > sxw::kMaxRebuildShift)
                fail(where, "rebuild shift <= " + std::to_string(sxw::kMaxRebuildShift), std::to_string(blk.rebuild_shift));
            if (!finite_positive(blk.scale)) fail(where, "a finite scale > 0", std::to_string(blk.scale));
            // One scale per filter (issue 17): the PE array sums the rebuilt int8 weights of all
            // blocks of a filter unscaled, so differing block scales describe weights the
            // accelerator does not compute (images written before the fix): recompress.
            const float s0 = l.blocks[static_cast<std::size_t>(k) * l.blocks_per_filter].scale;
            if (blk.scale != s0)
                fail(where, "the filter's scale " + std::to_string(s0) +
                                " (one scale per filter; an image from before issue 17: recompress it)",
                     std::to_string(blk.scale));
            row += blk.rows;
        }
        if (row != l.rows_per_filter)
            fail("bases, filter " + std::to_string(k), "blocks covering " + std::to_string(l.rows_per_filter) + " rows",
                 std::to_string(row));
    }
    const uint64_t total = l.total_rows();
    if (l.row_bitmap.size() != (total + 7) / 8)
        fail("row bitmap", std::to_string((total + 7) / 8) + " bytes (1 bit per Ce row)", std::to_string(l.row_bitmap.size()));
    if (total % 8 && (l.row_bitmap.back() >> (total % 8)))
        fail("row bitmap", "zero padding bits after the last row");
    const uint64_t nz = l.nonzero_rows();
    if (l.ce_codes.size() != (nz * 3 + 1) / 2)
        fail("Ce codes", std::to_string((nz * 3 + 1) / 2) + " bytes (3 codes for each of the bitmap's " +
                             std::to_string(nz) + " non-zero rows)",
             std::to_string(l.ce_codes.size()));
    for (uint64_t r = 0; r < nz; ++r) {
        bool any = false;
        for (int t = 0; t < 3; ++t) {
            const uint8_t c = l.ce_code(r, t);
            if (c == 8) fail("Ce codes, non-zero row " + std::to_string(r), "codes 0..7 or 9..15", "code 8");
            any = any || c != 0;
        }
        if (!any) fail("Ce codes, non-zero row " + std::to_string(r), "at least one non-zero code in a bitmap-marked row", "0 0 0");
    }
    if ((nz * 3) % 2 && (l.ce_codes.back() >> 4))
        fail("Ce codes", "a zero padding nibble after the last code");
}

WeightImage parse_image(const std::vector<uint8_t>& b, const std::string& origin) {
    const uint64_t size = b.size();
    if (size < 8) throw InputError(origin, "header", "a .sxw weight image of at least 40 bytes", std::to_string(size) + " bytes (truncated)");
    if (std::memcmp(b.data(), sxw::kMagic, 8) != 0)
        throw InputError(origin, "header (bytes 0..7)", "magic \"SXWIMAGE\" (a .sxw weight image from sxsim compress)", "other bytes");
    ByteReader h(b, 8, size, origin, "header");
    const uint32_t version = static_cast<uint32_t>(h.uint(4, "the version"));
    if (version != sxw::kVersion)
        throw InputError(origin, "header version (byte 8)", "version " + std::to_string(sxw::kVersion), std::to_string(version));
    const uint32_t layer_count = static_cast<uint32_t>(h.uint(4, "the layer count"));
    const uint64_t table_offset = h.uint(8, "the layer table offset");
    const uint64_t table_size = h.uint(8, "the layer table size");
    const uint32_t table_crc = static_cast<uint32_t>(h.uint(4, "the layer table CRC"));
    const uint32_t header_crc = static_cast<uint32_t>(h.uint(4, "the header CRC"));
    if (sxw::crc32_of(b.data(), 36) != header_crc)
        throw InputError(origin, "header", "CRC-32 " + hex32(header_crc) + " over bytes 0..35", hex32(sxw::crc32_of(b.data(), 36)) + " (corrupt)");
    if (table_offset > size || table_size > size - table_offset)
        throw InputError(origin, "layer table", "offset + size within the file's " + std::to_string(size) + " bytes",
                         "offset " + std::to_string(table_offset) + ", size " + std::to_string(table_size) + " (truncated?)");
    if (sxw::crc32_of(b.data() + table_offset, table_size) != table_crc)
        throw InputError(origin, "layer table", "CRC-32 " + hex32(table_crc),
                         hex32(sxw::crc32_of(b.data() + table_offset, table_size)) + " (corrupt)");

    WeightImage img;
    img.version = version;
    ByteReader t(b, table_offset, table_offset + table_size, origin, "layer table");
    img.network = t.str(t.uint(2, "the network name length"), "the network name");
    for (uint32_t li = 0; li < layer_count; ++li) {
        ImageLayer l;
        l.name = t.str(t.uint(2, "a layer name length"), "a layer name");
        if (l.name.empty()) l.name = "#" + std::to_string(li);
        const uint8_t kind = static_cast<uint8_t>(t.uint(1, "the layer kind"));
        if (kind != 1 && kind != 2)
            throw InputError(origin, layer_field(l.name, "kind"), "1 (decomposed) or 2 (raw)", std::to_string(kind));
        l.kind = static_cast<ImageLayerKind>(kind);
        l.synthetic = t.uint(1, "the layer flags") & 1;
        t.uint(2, "reserved bytes");
        uint32_t* dims[] = {&l.K, &l.C, &l.R, &l.S, &l.groups, &l.rows_per_filter, &l.blocks_per_filter};
        for (uint32_t* d : dims) *d = static_cast<uint32_t>(t.uint(4, "the layer shape"));
        const uint64_t nz_rows = t.uint(8, "the non-zero row count");
        l.raw_scale = t.f32("the raw scale");
        SectionRef sec[sxw::kSectionCount];
        for (auto& s : sec) {
            s.offset = t.uint(8, "a section offset");
            s.size = t.uint(8, "a section size");
            s.crc = static_cast<uint32_t>(t.uint(4, "a section CRC"));
        }
        // Sizes the shapes imply, checked before any allocation (a corrupt size must not make
        // the reader allocate gigabytes).
        if (l.K == 0 || l.C == 0 || l.R == 0 || l.S == 0 || l.groups == 0 || l.C % l.groups)
            throw InputError(origin, layer_field(l.name, "shape"), "K, C, R, S >= 1 and groups dividing C",
                             "K=" + std::to_string(l.K) + " C=" + std::to_string(l.C) + " R=" + std::to_string(l.R) +
                                 " S=" + std::to_string(l.S) + " groups=" + std::to_string(l.groups));
        const uint64_t fs = static_cast<uint64_t>(l.C / l.groups) * l.R * l.S;
        if (fs * l.K > (uint64_t{1} << 36))
            throw InputError(origin, layer_field(l.name, "shape"), "at most 2^36 weights per layer");
        uint64_t expect[sxw::kSectionCount] = {0, 0, 0, 0};
        if (l.kind == ImageLayerKind::Raw) {
            expect[sxw::kRaw] = fs * l.K;
        } else {
            if (l.rows_per_filter != (fs + 2) / 3 || l.blocks_per_filter == 0 || l.blocks_per_filter > l.rows_per_filter)
                throw InputError(origin, layer_field(l.name, "shape"),
                                 std::to_string((fs + 2) / 3) + " rows per filter and 1..rows blocks per filter",
                                 std::to_string(l.rows_per_filter) + " rows, " + std::to_string(l.blocks_per_filter) + " blocks");
            expect[sxw::kBases] = uint64_t{l.K} * l.blocks_per_filter * sxw::kBlockRecordSize;
            expect[sxw::kBitmap] = (l.total_rows() + 7) / 8;
            if (nz_rows > l.total_rows())
                throw InputError(origin, layer_field(l.name, "non-zero rows"), "at most " + std::to_string(l.total_rows()),
                                 std::to_string(nz_rows));
            expect[sxw::kCodes] = (nz_rows * 3 + 1) / 2;
        }
        for (int s = 0; s < sxw::kSectionCount; ++s) {
            const std::string field = layer_field(l.name, std::string("section '") + sxw::section_name(s) + "'");
            if (sec[s].size != expect[s])
                throw InputError(origin, field, std::to_string(expect[s]) + " bytes for the layer's shapes",
                                 std::to_string(sec[s].size));
            if (sec[s].size == 0) continue;
            if (sec[s].offset > size || sec[s].size > size - sec[s].offset)
                throw InputError(origin, field, "offset + size within the file's " + std::to_string(size) + " bytes",
                                 "offset " + std::to_string(sec[s].offset) + ", size " + std::to_string(sec[s].size) +
                                     " (truncated?)");
            const uint32_t crc = sxw::crc32_of(b.data() + sec[s].offset, sec[s].size);
            if (crc != sec[s].crc)
                throw InputError(origin, field, "CRC-32 " + hex32(sec[s].crc), hex32(crc) + " (corrupt)");
        }
        const auto at = [&](int s) { return b.begin() + static_cast<std::ptrdiff_t>(sec[s].offset); };
        const auto end = [&](int s) { return at(s) + static_cast<std::ptrdiff_t>(sec[s].size); };
        if (l.kind == ImageLayerKind::Raw) {
            l.raw.resize(sec[sxw::kRaw].size);
            std::memcpy(l.raw.data(), b.data() + sec[sxw::kRaw].offset, l.raw.size());
        } else {
            ByteReader br(b, sec[sxw::kBases].offset, sec[sxw::kBases].offset + sec[sxw::kBases].size, origin,
                          layer_field(l.name, "section 'bases'"));
            l.blocks.resize(uint64_t{l.K} * l.blocks_per_filter);
            for (BasisBlock& blk : l.blocks) {
                for (auto& row : blk.basis)
                    for (auto& v : row) v = static_cast<int8_t>(br.uint(1, "a basis"));
                blk.rebuild_shift = static_cast<uint8_t>(br.uint(1, "a rebuild shift"));
                br.uint(2, "reserved bytes");
                blk.first_row = static_cast<uint32_t>(br.uint(4, "a block's first row"));
                blk.rows = static_cast<uint32_t>(br.uint(4, "a block's row count"));
                blk.scale = br.f32("a block scale");
            }
            l.row_bitmap.assign(at(sxw::kBitmap), end(sxw::kBitmap));
            l.ce_codes.assign(at(sxw::kCodes), end(sxw::kCodes));
            if (l.nonzero_rows() != nz_rows)
                throw InputError(origin, layer_field(l.name, "section 'row bitmap'"),
                                 std::to_string(nz_rows) + " set bits (the table's non-zero row count)",
                                 std::to_string(l.nonzero_rows()));
        }
        check_image_layer(l, origin);
        if (img.find(l.name))
            throw InputError(origin, layer_field(l.name, ""), "unique layer names", "a second layer of that name");
        img.layers.push_back(std::move(l));
    }
    if (t.pos() != table_offset + table_size)
        throw InputError(origin, "layer table", std::to_string(table_size) + " bytes for " + std::to_string(layer_count) + " layers",
                         std::to_string(table_offset + table_size - t.pos()) + " unexplained trailing bytes");
    return img;
}

WeightImage read_image(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "", "a readable .sxw weight image", "it cannot be opened");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw InputError(path, "", "a readable .sxw weight image", "a read error");
    return parse_image(bytes, path);
}

void validate_against(const WeightImage& image, const Workload& workload, const std::string& file) {
    std::size_t compute = 0;
    for (const Layer& layer : workload.layers) {
        if (!layer.is_compute()) continue;
        ++compute;
        const ImageLayer* l = image.find(layer.name);
        const std::string wl = workload.file.empty() ? workload.name : workload.file;
        if (!l) throw InputError(file, layer_field(layer.name, ""), "a layer for every compute layer of " + wl, "none");
        const auto shape = [](int64_t K, int64_t C, int64_t R, int64_t S, int64_t g) {
            return "K=" + std::to_string(K) + " C=" + std::to_string(C) + " R=" + std::to_string(R) +
                   " S=" + std::to_string(S) + " groups=" + std::to_string(g);
        };
        if (l->K != layer.K || l->C != layer.C || l->R != layer.R || l->S != layer.S || l->groups != layer.groups)
            throw InputError(file, layer_field(layer.name, "shape"),
                             shape(layer.K, layer.C, layer.R, layer.S, layer.groups) + " as in " + wl,
                             shape(l->K, l->C, l->R, l->S, l->groups));
        if (l->kind == ImageLayerKind::Decomposed) {
            const LayerPlan plan = plan_layer(layer);
            if (plan.kind != ImageLayerKind::Decomposed)
                throw InputError(file, layer_field(layer.name, "kind"),
                                 "raw weights (the hardware decomposes only 3x3, 1x1 and FC non-depthwise layers)",
                                 "a decomposed layer");
        }
    }
    if (image.layers.size() != compute) {
        for (const ImageLayer& l : image.layers) {
            const Layer* w = workload.find(l.name);
            if (!w || !w->is_compute())
                throw InputError(file, layer_field(l.name, ""), "only compute layers of " + workload.name, "a layer the workload does not have");
        }
    }
}

}  // namespace sx
