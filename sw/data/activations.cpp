#include "sw/data/activations.h"

#include <cmath>
#include <cstring>
#include <fstream>

#include "sw/common/error.h"
#include "sw/common/mt19937_64.h"

namespace sx {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64 finaliser: decorrelates (seed, name) pairs
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace

double activation_density_of(const Layer& layer) {
    return layer.stats.activation_density.value_or(kDefaultActivationDensity);
}

std::vector<int8_t> make_activations(const Layer& layer, uint64_t seed, double density) {
    uint64_t h = mix(seed);
    for (char c : layer.name) h = mix(h ^ static_cast<unsigned char>(c));
    // Our own generator arithmetic (not std:: distributions) so values are identical across
    // standard libraries.
    Mt19937_64 rng(h);   // std::mt19937_64's sequence, generated in blocks
    const double scale = 1.0 / 18446744073709551616.0;  // 2^-64
    std::vector<int8_t> out(static_cast<std::size_t>(layer.input_elems()));
    for (auto& v : out) {
        const double u = static_cast<double>(rng()) * scale;
        if (u >= density) {
            v = 0;
            continue;
        }
        const double e = -std::log(1.0 - static_cast<double>(rng()) * scale) * kActivationMeanMagnitude;
        const long q = std::lround(e) + 1;  // non-zero: at least 1
        v = static_cast<int8_t>(q > 127 ? 127 : q);
    }
    return out;
}

std::vector<int8_t> load_activations_npy(const std::string& path, const Layer& layer) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError(path, "(file)", "a readable .npy file with the layer's input activations");
    char magic[6];
    f.read(magic, 6);
    if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw InputError(path, "magic", "\\x93NUMPY");
    unsigned char ver[2];
    f.read(reinterpret_cast<char*>(ver), 2);
    uint32_t hlen = 0;
    if (ver[0] == 1) {
        unsigned char b[2];
        f.read(reinterpret_cast<char*>(b), 2);
        hlen = b[0] | (b[1] << 8);
    } else {
        unsigned char b[4];
        f.read(reinterpret_cast<char*>(b), 4);
        hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    }
    std::string header(hlen, '\0');
    f.read(header.data(), hlen);
    if (header.find("'|i1'") == std::string::npos && header.find("'|u1'") == std::string::npos)
        throw InputError(path, "header/descr", "dtype int8 ('|i1') or uint8 ('|u1')", header);
    if (header.find("'fortran_order': True") != std::string::npos)
        throw InputError(path, "header/fortran_order", "C order", "Fortran order");
    std::vector<int8_t> out(static_cast<std::size_t>(layer.input_elems()));
    f.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    if (f.gcount() != static_cast<std::streamsize>(out.size()))
        throw InputError(path, "data", std::to_string(out.size()) + " int8 values (N x C x H x W of layer " + layer.name + ")",
                         std::to_string(f.gcount()) + " bytes");
    return out;
}

}  // namespace sx
