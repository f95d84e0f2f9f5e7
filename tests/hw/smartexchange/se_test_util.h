#pragma once
// Helpers for the SmartExchange micro-tests: a one-layer workload, a hand-made weight image,
// hand-made activations (.npy), and the default config with overrides (fixed-latency memory
// so cycle counts can be derived by hand).
#include <cstdio>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hw/sim/simulate.h"
#include "sw/config/arch_config.h"
#include "sw/image/layer_plan.h"
#include "sw/workload/workload.h"
#include "tests/test_scratch.h"

namespace sx::test {

inline Layer conv_layer(const std::string& name, int64_t C, int64_t K, int64_t H, int64_t W, int64_t R, int64_t S,
                        int64_t stride, int64_t pad, int64_t groups = 1) {
    Layer l;
    l.name = name;
    l.type = LayerType::Conv;
    l.C = C;
    l.K = K;
    l.H = H;
    l.W = W;
    l.R = R;
    l.S = S;
    l.stride = stride;
    l.padding = pad;
    l.groups = groups;
    l.inputs = {"input"};
    return l;
}

inline Workload one_layer(const Layer& l) {
    Workload w;
    w.name = "micro";
    w.in_C = l.C;
    w.in_H = l.H;
    w.in_W = l.W;
    w.layers = {l};
    return w;
}

// Decomposed image: every Ce row of filter k is non-zero iff row_on(k, row); codes (1,0,0):
// weight row = basis row 0 (shift 0), basis row 0 = (1, -2, 3) + k % 5.
template <typename RowOn>
ImageLayer decomposed_image(const Layer& l, RowOn row_on) {
    const LayerPlan plan = plan_layer(l);
    ImageLayer img = image_layer_shell(l, ImageLayerKind::Decomposed);
    img.rows_per_filter = plan.rows_per_filter;
    img.blocks_per_filter = static_cast<uint32_t>(plan.blocks.size());
    img.row_bitmap.assign((img.total_rows() + 7) / 8, 0);
    std::vector<uint8_t> nibbles;
    for (uint32_t k = 0; k < img.K; ++k) {
        for (const auto& b : plan.blocks) {
            BasisBlock blk;
            blk.first_row = b.first_row;
            blk.rows = b.rows;
            blk.basis[0][0] = static_cast<int8_t>(1 + k % 5);
            blk.basis[0][1] = -2;
            blk.basis[0][2] = 3;
            img.blocks.push_back(blk);
        }
        for (uint32_t r = 0; r < img.rows_per_filter; ++r)
            if (row_on(k, r)) {
                const uint64_t bit = static_cast<uint64_t>(k) * img.rows_per_filter + r;
                img.row_bitmap[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
                nibbles.push_back(1);
                nibbles.push_back(0);
                nibbles.push_back(0);
            }
    }
    img.ce_codes.assign((nibbles.size() + 1) / 2, 0);
    for (std::size_t i = 0; i < nibbles.size(); ++i)
        img.ce_codes[i / 2] |= static_cast<uint8_t>(nibbles[i] << ((i & 1) * 4));
    return img;
}

// Writes DIR/<layer>.npy with int8 values.
inline std::string write_npy(const std::string& dir, const std::string& layer, const std::vector<int8_t>& v) {
    std::filesystem::create_directories(dir);
    std::string header = "{'descr': '|i1', 'fortran_order': False, 'shape': (" + std::to_string(v.size()) + ",), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream f(dir + "/" + layer + ".npy", std::ios::binary);
    f.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    f.put(static_cast<char>(len & 0xFF));
    f.put(static_cast<char>(len >> 8));
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
    return dir;
}

inline std::string temp_dir(const std::string& name) {
    return sx::test::remove_after_test(std::filesystem::temp_directory_path() /
                                       ("sx_se_" + name + "_" + std::to_string(::getpid())))
        .string();
}

// Default config, fixed-latency memory (latency 20 cycles, 16 B/cycle), bit-parallel unless
// told otherwise, plus overrides. 64 DMA transactions may be in flight: more than the 21
// cycles a one-cycle transaction spends in flight, so the memory's data bus alone paces a
// stream of loads (hand-derivable: the last one arrives 21 + sum of ceil(bytes / 16) cycles
// after the first request).
inline ArchConfig micro_arch(std::map<std::string, json> o = {}) {
    std::map<std::string, json> all = {{"/smartexchange/memory", "fixed"},
                                       {"/smartexchange/fixed_latency_cycles", 20},
                                       {"/smartexchange/fixed_bytes_per_cycle", 16},
                                       {"/smartexchange/dma_max_outstanding", 64},
                                       {"/smartexchange/pe_timing", "bit_parallel"}};
    for (auto& [k, v] : o) all[k] = v;
    return load_arch_config(std::string(SX_SOURCE_DIR) + "/configs/smartexchange.json", all);
}

inline double extra(const LayerResult& r, const std::string& key) {
    auto it = r.extra.find(key);
    return it == r.extra.end() ? -1.0 : it->second;
}

}  // namespace sx::test
