#include "tests/hw/sim/random_layers.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "sw/common/error.h"

namespace sx::rt {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// The layer as workload JSON (only the fields that differ from the defaults for FC).
json layer_json(const std::string& name, bool fc, int64_t C, int64_t K, int64_t H, int64_t W, int64_t R, int64_t S,
                int64_t stride, int64_t pad, int64_t groups, double wd, double ad) {
    json l = {{"name", name}, {"type", fc ? "fc" : "conv"}, {"C", C}, {"K", K}};
    if (!fc) {
        l["H"] = H;
        l["W"] = W;
        l["R"] = R;
        l["S"] = S;
        l["stride"] = stride;
        l["padding"] = pad;
        l["groups"] = groups;
    }
    if (wd > 0) l["stats"] = {{"weight_density", wd}, {"activation_density", ad}, {"source", "random"}};
    return l;
}

}  // namespace

const char* to_string(Shape s) {
    switch (s) {
        case Shape::Plain: return "plain";
        case Shape::KernelGtInput: return "kernel larger than the input (padded)";
        case Shape::StrideGtKernel: return "stride larger than the kernel";
        case Shape::OneByN: return "1xN or Nx1 kernel";
        case Shape::ThinMap: return "1-row or 1-column map";
        case Shape::SinglePixel: return "single output pixel from a larger map";
        case Shape::POrQOne: return "P or Q = 1";
        case Shape::Grouped: return "grouped";
        case Shape::Depthwise: return "depthwise";
        case Shape::Fc: return "fc";
        case Shape::Pointwise: return "1x1";
        case Shape::Larger: return "larger map, kernel and stride (several tiles, groups, strips)";
        case Shape::kCount: break;
    }
    return "?";
}

Case random_case(uint64_t seed, std::size_t i, int64_t max_macs) {
    std::mt19937_64 g(mix(seed) ^ mix(0x72616E646F6Dull + i));
    auto U = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(g() % static_cast<uint64_t>(hi - lo + 1)); };
    for (;;) {
        const auto sh = static_cast<Shape>(U(0, static_cast<int64_t>(Shape::kCount) - 1));
        // C and K mostly small and arbitrary (rarely multiples of an array dimension), now and
        // then above 64 (more input channels than SCNN's PEs, several SE channel blocks).
        auto channels = [&] { return U(0, 7) == 0 ? U(21, 80) : U(1, 20); };
        int64_t N = U(1, 3), C = channels(), K = channels(), H = U(1, 10), W = U(1, 10), R = U(1, 5), S = U(1, 5);
        int64_t st = U(1, 3), pad = U(0, 2), groups = 1;
        bool fc = false;
        switch (sh) {
            case Shape::Plain: break;
            case Shape::KernelGtInput:
                H = U(1, 4); W = U(1, 4);
                R = H + U(1, 3); S = W + U(0, 3);
                st = U(1, 2);
                pad = std::max((R - H + 1) / 2, (S - W + 1) / 2) + U(0, 1);
                break;
            case Shape::StrideGtKernel:
                R = U(1, 3); S = U(1, 3);
                st = std::max(R, S) + U(1, 2);
                H = U(st, 12); W = U(st, 12);
                pad = U(0, 1);
                break;
            case Shape::OneByN:
                if (U(0, 1)) { R = 1; S = U(2, 7); } else { R = U(2, 7); S = 1; }
                H = U(1, 10); W = U(1, 10);
                break;
            case Shape::ThinMap:
                pad = U(0, 1);
                if (U(0, 1)) { H = 1; R = U(1, 1 + 2 * pad); W = U(2, 16); }
                else { W = 1; S = U(1, 1 + 2 * pad); H = U(2, 16); }
                break;
            case Shape::SinglePixel:
            case Shape::POrQOne: {
                // H + 2 pad - R < stride makes P = 1 (likewise Q).
                st = U(1, 3); pad = U(0, 1);
                H = U(2, 8); W = U(2, 8);
                const bool rows = sh == Shape::SinglePixel || U(0, 1);
                const bool cols = sh == Shape::SinglePixel || !rows;
                if (rows) R = H + 2 * pad - U(0, st - 1);
                if (cols) S = W + 2 * pad - U(0, st - 1);
                break;
            }
            case Shape::Grouped:
                groups = U(2, 4);
                C = groups * U(1, 6); K = groups * U(1, 6);
                break;
            case Shape::Depthwise:
                groups = C = K = U(2, 24);
                break;
            case Shape::Fc:
                fc = true;
                C = U(1, 300); K = U(1, 40);
                H = W = R = S = st = 1; pad = 0;
                break;
            case Shape::Pointwise:
                R = S = 1;
                st = U(1, 2);
                pad = U(0, 3) == 0 ? 1 : 0;
                break;
            case Shape::Larger: {
                // Up to AlexNet CONV1-like kernels and strides; maps of several PE tiles.
                static const int64_t kernels[] = {1, 3, 5, 7, 11};
                R = kernels[U(0, 4)];
                S = U(0, 3) == 0 ? kernels[U(0, 4)] : R;
                st = U(1, 4);
                pad = U(0, R / 2);
                H = U(std::max<int64_t>(1, R - 2 * pad), max_macs > kDefaultMaxMacs ? 120 : 40);
                W = U(std::max<int64_t>(1, S - 2 * pad), max_macs > kDefaultMaxMacs ? 120 : 40);
                C = U(1, 48);
                K = U(1, 72);
                break;
            }
            case Shape::kCount: break;
        }
        if (R < 1 || S < 1 || H + 2 * pad < R || W + 2 * pad < S) continue;
        const int64_t P = (H + 2 * pad - R) / st + 1, Q = (W + 2 * pad - S) / st + 1;
        if (N * K * P * Q * (C / groups) * R * S > (sh == Shape::Larger ? 8 * max_macs : max_macs)) continue;
        // Densities: a quarter of the layers take the defaults, the others random ones.
        double wd = 0, ad = 0;
        if (U(0, 3) != 0) {
            wd = static_cast<double>(U(1, 10)) / 10;
            ad = static_cast<double>(U(1, 10)) / 10;
        }
        Case c;
        c.index = 0;
        c.seed = mix(seed * 1000003ull + i) & 0xFFFFFFFFull;
        c.origin = "random seed " + std::to_string(seed) + " layer " + std::to_string(i) + " (" + to_string(sh) + ")";
        c.doc = {{"name", "random-" + std::to_string(seed) + "-" + std::to_string(i)},
                 {"source", "tests/hw/sim/test_random_layers: " + c.origin},
                 {"notes", "sxsim run --seed " + std::to_string(c.seed) + " --check reproduces the data"},
                 {"batch", N},
                 {"input", {{"C", C}, {"H", fc ? 1 : H}, {"W", fc ? 1 : W}}},
                 {"layers", json::array({layer_json("r" + std::to_string(i), fc, C, K, H, W, R, S, st, pad, groups, wd, ad)})}};
        c.workload = parse_workload(c.doc, c.origin);
        return c;
    }
}

std::vector<Case> regression_cases(const std::string& dir) {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    std::vector<Case> out;
    const std::regex seed_re("--seed ([0-9]+)");
    for (const auto& f : files) {
        const json doc = load_json_file(f);
        const Workload wl = parse_workload(doc, f);
        uint64_t seed = 1;
        std::smatch m;
        const std::string notes = doc.value("notes", std::string());
        if (std::regex_search(notes, m, seed_re)) seed = std::stoull(m[1].str());
        for (std::size_t i = 0; i < wl.layers.size(); ++i) {
            if (!wl.layers[i].is_compute()) continue;
            Case c;
            c.workload = wl;
            c.index = i;
            c.seed = seed;
            c.origin = f + " layer " + wl.layers[i].name;
            c.doc = doc;
            out.push_back(std::move(c));
        }
    }
    return out;
}

std::string describe(const Case& c, const std::string& config) {
    std::string s = "failing layer '" + c.layer().name + "' (" + c.origin + ")\n";
    s += "  workload JSON (save as tests/hw/sim/random_regressions/<name>.json):\n  " + c.doc.dump() + "\n";
    s += "  reproduce: sxsim run --arch configs/" + config + " --model <that file> --seed " + std::to_string(c.seed) +
         " --check --out /tmp/x";
    if (c.workload.layers.size() > 1) s += " --layer " + c.layer().name;
    return s + "\n";
}

ProductCounts count_products(const Layer& l, const std::vector<int8_t>& weights, const std::vector<int8_t>& inputs) {
    ProductCounts pc;
    const int64_t cg = l.C / l.groups, kg = l.K / l.groups, P = l.P(), Q = l.Q();
    for (int64_t n = 0; n < l.N; ++n)
        for (int64_t k = 0; k < l.K; ++k)
            for (int64_t p = 0; p < P; ++p)
                for (int64_t q = 0; q < Q; ++q)
                    for (int64_t cl = 0; cl < cg; ++cl) {
                        const int64_t c = k / kg * cg + cl;
                        for (int64_t r = 0; r < l.R; ++r) {
                            const int64_t h = p * l.stride - l.padding + r;
                            for (int64_t s = 0; s < l.S; ++s) {
                                const int64_t w = q * l.stride - l.padding + s;
                                ++pc.all;
                                if (h < 0 || h >= l.H || w < 0 || w >= l.W) continue;
                                const int8_t a = inputs[static_cast<std::size_t>(((n * l.C + c) * l.H + h) * l.W + w)];
                                if (a == 0) continue;
                                ++pc.act_nonzero;
                                pc.both_nonzero += weights[static_cast<std::size_t>(((k * cg + cl) * l.R + r) * l.S + s)] != 0;
                            }
                        }
                    }
    return pc;
}

void write_npy_int8(const std::string& path, const std::vector<int8_t>& v, const Layer& l) {
    std::string header = "{'descr': '|i1', 'fortran_order': False, 'shape': (" + std::to_string(l.N) + ", " +
                         std::to_string(l.C) + ", " + std::to_string(l.H) + ", " + std::to_string(l.W) + "), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    f.write("\x93NUMPY\x01\x00", 8);
    const char len[2] = {static_cast<char>(header.size() & 0xFF), static_cast<char>(header.size() >> 8)};
    f.write(len, 2);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
    if (!f) throw SimulationError("cannot write " + path);
}

}  // namespace sx::rt
