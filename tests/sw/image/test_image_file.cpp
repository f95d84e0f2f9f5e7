// .sxw container: round trip, and every corrupt-input case gives an InputError that names
// the file and the defective part (never a crash).
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "sw/common/error.h"
#include "sw/image/image_format.h"
#include "sw/image/image_reader.h"
#include "sw/image/image_writer.h"
#include "sw/image/synthetic_image.h"
#include "tests/sw/image/image_test_workloads.h"

using namespace sx;

static Workload test_workload() {
    return test::image_test_workload("file-test", "file-test.json", 8,
                                     {{"conv1", LayerType::Conv, 3, 8, 7, 1},
                                      {"conv2", LayerType::Conv, 96, 16, 3, 1},
                                      {"pool", LayerType::MaxPool, 16, 16, 2, 1},
                                      {"fc", LayerType::FullyConnected, 100, 10, 1, 1}});
}

static std::string message_of(const std::vector<uint8_t>& bytes) {
    try {
        parse_image(bytes, "bad.sxw");
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

TEST_CASE("image round trip through a file is exact", "[image][file]") {
    const Workload w = test_workload();
    const WeightImage img = make_synthetic_image(w, 5, {});
    const std::string path = (std::filesystem::temp_directory_path() / "sx_test_roundtrip.sxw").string();
    write_image(img, path);
    const WeightImage back = read_image(path);
    std::filesystem::remove(path);
    CHECK(back.network == "file-test");
    REQUIRE(back.layers.size() == img.layers.size());
    for (std::size_t i = 0; i < img.layers.size(); ++i) {
        const ImageLayer &a = img.layers[i], &b = back.layers[i];
        CHECK(a.name == b.name);
        CHECK(a.kind == b.kind);
        CHECK(b.synthetic);
        CHECK(decode_float(a) == decode_float(b));
        CHECK(a.row_bitmap == b.row_bitmap);
        CHECK(a.ce_codes == b.ce_codes);
        CHECK(a.raw == b.raw);
    }
    // And re-serialising gives the same bytes.
    CHECK(serialize_image(back) == serialize_image(img));
    CHECK_NOTHROW(validate_against(back, w, path));
}

TEST_CASE("truncated images are rejected at every cut point", "[image][file]") {
    const std::vector<uint8_t> good = serialize_image(make_synthetic_image(test_workload(), 5, {}));
    REQUIRE(message_of(good).empty());
    // Every cut: inside the magic, the header, the table, and each data section.
    for (std::size_t cut = 0; cut < good.size(); cut += (cut < 200 ? 1 : 97)) {
        std::vector<uint8_t> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
        const std::string msg = message_of(b);
        INFO("cut at " << cut);
        REQUIRE(!msg.empty());
        CHECK(msg.rfind("bad.sxw: ", 0) == 0);
    }
    std::vector<uint8_t> b(good.begin(), good.end() - 1);
    // the last section of the file is fc's Ce codes
    CHECK_THAT(message_of(b), Catch::Contains("'fc'") && Catch::Contains("section 'Ce codes'") && Catch::Contains("truncated"));
}

TEST_CASE("bad magic, unknown version and header corruption", "[image][file]") {
    std::vector<uint8_t> b = serialize_image(make_synthetic_image(test_workload(), 5, {}));
    auto m = b;
    m[0] = 'X';
    CHECK_THAT(message_of(m), Catch::Contains("magic"));
    auto v = b;
    v[8] = 2;
    CHECK_THAT(message_of(v), Catch::Contains("version 1") && Catch::Contains("found 2"));
    auto h = b;
    h[12] ^= 1;  // layer count
    CHECK_THAT(message_of(h), Catch::Contains("header") && Catch::Contains("CRC-32"));
    CHECK_THAT(message_of({}), Catch::Contains("truncated"));
}

TEST_CASE("a flipped byte in each section is caught by its checksum", "[image][file]") {
    const WeightImage img = make_synthetic_image(test_workload(), 5, {});
    const std::vector<uint8_t> good = serialize_image(img);
    // Locate the sections from the table: data follows the table in layer order, and each
    // section's size is known from the in-memory image.
    uint64_t table_size = 0;
    for (int i = 0; i < 8; ++i) table_size |= uint64_t{good[24 + i]} << (8 * i);
    uint64_t pos = sxw::kHeaderSize + table_size;
    struct Hit { std::string layer, section; uint64_t at; };
    std::vector<Hit> hits;
    hits.push_back({"", "layer table", sxw::kHeaderSize + 5});
    for (const ImageLayer& l : img.layers) {
        const uint64_t sizes[4] = {l.blocks.size() * sxw::kBlockRecordSize, l.row_bitmap.size(), l.ce_codes.size(), l.raw.size()};
        for (int s = 0; s < 4; ++s) {
            if (sizes[s]) hits.push_back({l.name, sxw::section_name(s), pos + sizes[s] / 2});
            pos += sizes[s];
        }
    }
    REQUIRE(pos == good.size());
    REQUIRE(hits.size() == 1 + 1 + 3 + 3);  // table; conv1 raw; conv2 and fc: bases, bitmap, codes
    for (const Hit& h : hits) {
        auto b = good;
        b[h.at] ^= 0x40;
        const std::string msg = message_of(b);
        INFO(h.layer << " / " << h.section << ": " << msg);
        CHECK_THAT(msg, Catch::Contains(h.section) && Catch::Contains("CRC-32"));
        if (!h.layer.empty()) CHECK_THAT(msg, Catch::Contains("'" + h.layer + "'"));
    }
}

// Re-serialises a deliberately broken in-memory layer with valid checksums by writing the
// bytes by hand is hard; instead, the semantic checks are exercised on the parsed structure,
// which is exactly what parse_image runs after the checksums pass.
TEST_CASE("invalid code 8 and bitmap/code count mismatch are rejected", "[image][file]") {
    WeightImage img = make_synthetic_image(test_workload(), 5, {});
    ImageLayer& l = img.layers[1];
    REQUIRE(l.kind == ImageLayerKind::Decomposed);
    {
        ImageLayer bad = l;
        bad.ce_codes[0] = static_cast<uint8_t>((bad.ce_codes[0] & 0xF0) | 8);
        CHECK_THROWS_WITH(check_image_layer(bad, "x.sxw"), Catch::Contains("code 8") && Catch::Contains("conv2"));
        WeightImage wi = img;
        wi.layers[1] = bad;
        CHECK_THROWS_AS(serialize_image(wi), InputError);
    }
    {
        ImageLayer bad = l;
        // clear the first set bit: the bitmap now counts one row fewer than the codes hold
        for (auto& byte : bad.row_bitmap)
            if (byte) {
                byte = static_cast<uint8_t>(byte & (byte - 1));
                break;
            }
        CHECK_THROWS_WITH(check_image_layer(bad, "x.sxw"), Catch::Contains("Ce codes") && Catch::Contains("non-zero rows"));
    }
    {
        ImageLayer bad = l;
        bad.blocks[1].first_row += 1;
        CHECK_THROWS_WITH(check_image_layer(bad, "x.sxw"), Catch::Contains("bases, filter 0 block 1"));
    }
    // The same defects in a file with recomputed checksums: patch a code nibble to 8 and fix
    // up the section CRC, so that only the semantic check can catch it.
    std::vector<uint8_t> b = serialize_image(img);
    uint64_t table_size = 0;
    for (int i = 0; i < 8; ++i) table_size |= uint64_t{b[24 + i]} << (8 * i);
    const uint64_t codes_at = sxw::kHeaderSize + table_size + img.layers[0].raw.size() +
                              l.blocks.size() * sxw::kBlockRecordSize + l.row_bitmap.size();
    b[codes_at] = static_cast<uint8_t>((b[codes_at] & 0xF0) | 8);
    // find the codes section descriptor of conv2 in the table: search for its offset value
    const uint32_t new_crc = sxw::crc32_of(b.data() + codes_at, l.ce_codes.size());
    bool patched = false;
    for (uint64_t p = sxw::kHeaderSize; p + 20 <= sxw::kHeaderSize + table_size; ++p) {
        uint64_t off = 0;
        for (int i = 0; i < 8; ++i) off |= uint64_t{b[p + i]} << (8 * i);
        if (off == codes_at) {
            for (int i = 0; i < 4; ++i) b[p + 16 + i] = static_cast<uint8_t>(new_crc >> (8 * i));
            patched = true;
            break;
        }
    }
    REQUIRE(patched);
    const uint32_t tcrc = sxw::crc32_of(b.data() + sxw::kHeaderSize, table_size);
    for (int i = 0; i < 4; ++i) b[32 + i] = static_cast<uint8_t>(tcrc >> (8 * i));
    const uint32_t hcrc = sxw::crc32_of(b.data(), 36);
    for (int i = 0; i < 4; ++i) b[36 + i] = static_cast<uint8_t>(hcrc >> (8 * i));
    CHECK_THAT(message_of(b), Catch::Contains("code 8") && Catch::Contains("'conv2'"));
}

TEST_CASE("offsets out of range are rejected", "[image][file]") {
    const WeightImage img = make_synthetic_image(test_workload(), 5, {});
    std::vector<uint8_t> b = serialize_image(img);
    // table offset far past the end (header CRC recomputed so the range check is what fires)
    for (int i = 0; i < 8; ++i) b[16 + i] = 0xFF;
    const uint32_t hcrc = sxw::crc32_of(b.data(), 36);
    for (int i = 0; i < 4; ++i) b[36 + i] = static_cast<uint8_t>(hcrc >> (8 * i));
    CHECK_THAT(message_of(b), Catch::Contains("layer table") && Catch::Contains("within the file"));
}

TEST_CASE("an image that disagrees with the workload is rejected", "[image][file]") {
    Workload w = test_workload();
    const WeightImage img = make_synthetic_image(w, 5, {});
    CHECK_NOTHROW(validate_against(img, w, "x.sxw"));
    Workload other = w;
    other.layers[1].K = 32;
    CHECK_THROWS_WITH(validate_against(img, other, "x.sxw"), Catch::Contains("conv2") && Catch::Contains("K=32"));
    Workload missing = w;
    missing.layers.push_back(missing.layers[3]);
    missing.layers.back().name = "fc2";
    CHECK_THROWS_WITH(validate_against(img, missing, "x.sxw"), Catch::Contains("fc2"));
    Workload fewer = w;
    fewer.layers.pop_back();
    CHECK_THROWS_WITH(validate_against(img, fewer, "x.sxw"), Catch::Contains("'fc'"));
    CHECK_THROWS_AS(read_image("/nonexistent/x.sxw"), InputError);
}
