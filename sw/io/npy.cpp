#include "sw/io/npy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <cctype>

#include <zip.h>

#include "sw/common/error.h"

namespace sx {

int64_t NdArray::elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

namespace {

// A byte count that may not fit in 64 bits, as whole digits.
std::string format_bytes(long double bytes) {
    char text[64];
    std::snprintf(text, sizeof text, "%.0Lf", bytes);
    return text;
}

float half_to_float(uint16_t h) {
    const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    float v;
    if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);           // subnormal / zero
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

std::string header_value(const std::string& header, const std::string& key, const std::string& origin) {
    // 'key': value   where value is a quoted string, True/False or a parenthesised tuple.
    // Hardening (fuzz_npy finding, docs/hardening.md): this used std::regex, whose libstdc++
    // matcher recurses per character and overflowed the stack on a long descr or shape
    // (a 60000-byte header). A plain scan does the same job.
    const auto missing = [&] { return InputError(origin, "npy header", "a '" + key + "' entry", header.substr(0, 120)); };
    auto p = header.find("'" + key + "'");
    if (p == std::string::npos) throw missing();
    p += key.size() + 2;
    auto skip_space = [&] { while (p < header.size() && std::isspace(static_cast<unsigned char>(header[p]))) ++p; };
    skip_space();
    if (p >= header.size() || header[p] != ':') throw missing();
    ++p;
    skip_space();
    if (p >= header.size()) throw missing();
    const char open = header[p];
    if (open == '\'' || open == '(') {
        const auto close = header.find(open == '(' ? ')' : '\'', p + 1);
        if (close == std::string::npos) throw missing();
        return header.substr(p, close - p + 1);
    }
    for (const char* word : {"True", "False"})
        if (header.compare(p, std::strlen(word), word) == 0) return word;
    throw missing();
}

}  // namespace

NdArray parse_npy(const std::vector<uint8_t>& b, const std::string& origin) {
    static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (b.size() < 10 || std::memcmp(b.data(), magic, 6) != 0)
        throw InputError(origin, "npy header", "the .npy magic \\x93NUMPY", b.size() < 10 ? "a file too short" : "other bytes");
    const int major = b[6];
    uint64_t hlen, hstart;
    if (major == 1) {
        hlen = b[8] | (uint64_t{b[9]} << 8);
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (b.size() < 12) throw InputError(origin, "npy header", "a complete header", "truncated");
        hlen = b[8] | (uint64_t{b[9]} << 8) | (uint64_t{b[10]} << 16) | (uint64_t{b[11]} << 24);
        hstart = 12;
    } else {
        throw InputError(origin, "npy header", "format version 1, 2 or 3", std::to_string(major));
    }
    if (hlen > b.size() - hstart) throw InputError(origin, "npy header", std::to_string(hlen) + " header bytes", "truncated");
    const std::string header(b.begin() + static_cast<std::ptrdiff_t>(hstart), b.begin() + static_cast<std::ptrdiff_t>(hstart + hlen));
    NdArray a;
    std::string descr = header_value(header, "descr", origin);
    a.dtype = descr.substr(1, descr.size() - 2);
    if (header_value(header, "fortran_order", origin) != "False")
        throw InputError(origin, "npy header fortran_order", "C order (fortran_order False)", "True");
    const std::string shape = header_value(header, "shape", origin);
    // Hardening (fuzz_npy findings): digits scanned by hand (std::regex recursion, see
    // header_value); and with a zero dimension the data-size check below passes for any other
    // dimensions, so their product must be bounded for elements() not to overflow int64.
    // The shape is a Python tuple of non-negative integers: "()", "(3,)", "(1, 8, 8)". Anything
    // else is refused (user-found: digits used to be picked out of any text, so (1, -8, 8) read
    // as 1x8x8 and (1, 'a', 8) as 1x8).
    long double nonzero_product = 1;
    const auto bad_shape = [&](const std::string& found) {
        return InputError(origin, "npy header shape", "a tuple of non-negative integers, e.g. (1, 8, 8)",
                          found + " in " + shape.substr(0, 120));
    };
    std::size_t i = 1;  // after '(' (header_value returns the text from '(' to ')')
    const auto skip_space = [&] { while (i < shape.size() && std::isspace(static_cast<unsigned char>(shape[i]))) ++i; };
    if (shape.empty() || shape.front() != '(') throw bad_shape("no tuple");
    for (skip_space(); i < shape.size() && shape[i] != ')'; skip_space()) {
        std::size_t j = i;
        while (j < shape.size() && std::isdigit(static_cast<unsigned char>(shape[j]))) ++j;
        if (j == i) {  // not a digit: name what stands there, up to the next separator
            const std::size_t end = std::min(shape.find_first_of(",)", i), shape.size());
            throw bad_shape("entry " + std::to_string(a.shape.size()) + " '" + shape.substr(i, std::min<std::size_t>(end - i, 40)) + "'");
        }
        const std::string d = shape.substr(i, j - i);
        i = j;
        if (i < shape.size() && shape[i] == 'L') ++i;  // Python 2 numpy wrote long integers as 3L
        if (d.size() > 12) throw InputError(origin, "npy header shape", "dimensions below 10^12", shape.substr(0, 120));
        a.shape.push_back(std::stoll(d));
        if (a.shape.size() > 32) throw InputError(origin, "npy header shape", "at most 32 dimensions", shape.substr(0, 120));
        if (a.shape.back() > 0) nonzero_product *= static_cast<long double>(a.shape.back());
        skip_space();
        if (i < shape.size() && shape[i] == ',') ++i;
        else if (i < shape.size() && shape[i] != ')') throw bad_shape("'" + shape.substr(i, 1) + "' after entry " + std::to_string(a.shape.size() - 1));
    }
    if (nonzero_product > 4.0e18L) throw InputError(origin, "npy header shape", "dimensions whose product fits in 64 bits", shape.substr(0, 120));
    int width = 0;
    const std::string& t = a.dtype;
    if (t == "<f4" || t == "=f4") width = 4;
    else if (t == "<f2" || t == "=f2") width = 2;
    else if (t == "<f8" || t == "=f8") width = 8;
    else if (t == "|i1" || t == "<i1" || t == "=i1") width = 1;
    else
        throw InputError(origin, "npy dtype", "little-endian float32 (<f4), float16 (<f2), float64 (<f8) or int8 (|i1)", t);
    long double count = 1;
    for (int64_t d : a.shape) count *= static_cast<long double>(d);
    const uint64_t data_start = hstart + hlen;
    if (count * width > static_cast<long double>(b.size() - data_start))
        // count * width may exceed 2^64 (product check above is on the element count): print
        // it as a long double, never cast it.
        throw InputError(origin, "npy data", format_bytes(count * width) + " bytes for shape " + shape,
                         std::to_string(b.size() - data_start) + " (truncated)");
    const uint64_t n = static_cast<uint64_t>(count);
    a.data.resize(n);
    const uint8_t* p = b.data() + data_start;
    for (uint64_t i = 0; i < n; ++i) {
        switch (width) {
            case 4: std::memcpy(&a.data[i], p + 4 * i, 4); break;
            case 2: a.data[i] = half_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8))); break;
            case 8: {
                double d;
                std::memcpy(&d, p + 8 * i, 8);
                // Beyond float's range the cast is undefined: such a value is reported below.
                a.data[i] = std::isfinite(d) && std::fabs(d) <= std::numeric_limits<float>::max()
                                ? static_cast<float>(d) : (std::isnan(d) ? NAN : INFINITY);
                break;
            }
            default: a.data[i] = static_cast<float>(static_cast<int8_t>(p[i])); break;
        }
    }
    // Every float array the tool reads (inputs, reference outputs, weights) feeds arithmetic
    // whose results would silently be NaN: a NaN or an infinity is bad input, at its index.
    for (uint64_t i = 0; i < n; ++i)
        if (!std::isfinite(a.data[i])) {
            std::string at;
            uint64_t rest = i;
            std::vector<uint64_t> idx(a.shape.size());
            for (std::size_t k = a.shape.size(); k-- > 0;) {
                const auto d = static_cast<uint64_t>(a.shape[k]);
                idx[k] = rest % d;
                rest /= d;
            }
            for (std::size_t k = 0; k < idx.size(); ++k) at += (k ? ", " : "") + std::to_string(idx[k]);
            throw InputError(origin, "npy data", "finite values (no NaN or infinity)",
                             std::string(std::isnan(a.data[i]) ? "NaN" : a.data[i] > 0 ? "+infinity" : "-infinity") +
                                 " at index [" + at + "] (element " + std::to_string(i) + " of " + std::to_string(n) +
                                 (width == 8 ? "; float64 values beyond float32's range count as infinity" : "") + ")");
        }
    return a;
}

NdArray read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "", "a readable .npy file", "it cannot be opened");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_npy(bytes, path);
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& data) {
    std::string dims;
    for (int64_t d : shape) dims += std::to_string(d) + ",";
    if (shape.size() > 1) dims.pop_back();  // numpy writes (3,) for one dimension, (1, 2) otherwise
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to 64 bytes.
    while ((10 + header.size() + 1) % 64) header += ' ';
    header += '\n';
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path, "", "a writable location for the output array", "it cannot be created");
    const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
    out.write(magic, 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    const char lb[2] = {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8)};
    out.write(lb, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (float v : data) {  // little-endian regardless of the host
        uint32_t u;
        std::memcpy(&u, &v, 4);
        const char b[4] = {static_cast<char>(u & 0xFF), static_cast<char>((u >> 8) & 0xFF),
                           static_cast<char>((u >> 16) & 0xFF), static_cast<char>(u >> 24)};
        out.write(b, 4);
    }
    if (!out) throw InputError(path, "", "a writable location for the output array", "writing failed");
}

std::map<std::string, NdArray> read_npz(const std::string& path) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        const std::string msg = zip_error_strerror(&ze);
        zip_error_fini(&ze);
        throw InputError(path, "", "a readable .npz (zip) archive", msg);
    }
    std::map<std::string, NdArray> out;
    try {
        const zip_int64_t n = zip_get_num_entries(z, 0);
        for (zip_int64_t i = 0; i < n; ++i) {
            zip_stat_t st;
            if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0)
                throw InputError(path, "entry " + std::to_string(i), "a readable archive entry", zip_strerror(z));
            std::string name = st.name;
            const std::string origin = path + ":" + name;
            if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0)
                throw InputError(origin, "", "only .npy members in an .npz archive", name);
            if (st.size > (uint64_t{1} << 34)) throw InputError(origin, "", "a member below 16 GiB");
            zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
            if (!f) throw InputError(origin, "", "a readable member (stored or deflated)", zip_strerror(z));
            // Read in chunks rather than allocating the size the header declares: a corrupt or
            // hostile header may claim gigabytes for a few bytes of data.
            std::vector<uint8_t> bytes;
            constexpr std::size_t kChunk = std::size_t{1} << 20;
            zip_int64_t got = 0;
            while (bytes.size() <= st.size) {
                const std::size_t at = bytes.size();
                bytes.resize(at + kChunk);
                got = zip_fread(f, bytes.data() + at, kChunk);
                if (got <= 0) {
                    bytes.resize(at);
                    break;
                }
                bytes.resize(at + static_cast<std::size_t>(got));
            }
            zip_fclose(f);
            if (got < 0 || bytes.size() != st.size)
                throw InputError(origin, "", std::to_string(st.size) + " bytes",
                                 got < 0 ? "a corrupt member" : std::to_string(bytes.size()) + " bytes");
            out[name.substr(0, name.size() - 4)] = parse_npy(bytes, origin);
        }
    } catch (...) {
        zip_discard(z);
        throw;
    }
    zip_discard(z);
    return out;
}

std::map<std::string, std::vector<float>> load_weight_arrays(const std::string& path, const Workload& w) {
    std::map<std::string, NdArray> arrays;
    const bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
    std::vector<const Layer*> compute;
    for (const Layer& l : w.layers)
        if (l.is_compute()) compute.push_back(&l);
    if (npy) {
        if (compute.size() != 1)
            throw InputError(path, "", "an .npz archive (an .npy holds one array; the workload has " +
                                           std::to_string(compute.size()) + " compute layers)");
        arrays[compute.front()->name] = read_npy(path);
    } else {
        arrays = read_npz(path);
    }
    std::map<std::string, std::vector<float>> out;
    for (const Layer* l : compute) {
        auto it = arrays.find(l->name);
        const int64_t cg = l->C / l->groups;
        const std::string want = std::to_string(l->K) + " x " + std::to_string(cg) + " x " + std::to_string(l->R) +
                                 " x " + std::to_string(l->S);
        if (it == arrays.end())
            throw InputError(path, l->name, "an array named '" + l->name + "' of shape " + want, "none");
        NdArray& a = it->second;
        std::vector<int64_t> s = a.shape;
        const bool ok4 = s == std::vector<int64_t>{l->K, cg, l->R, l->S};
        const bool ok2 = l->R == 1 && l->S == 1 && s == std::vector<int64_t>{l->K, cg};
        if (!ok4 && !ok2) {
            std::string got;
            for (std::size_t i = 0; i < s.size(); ++i) got += (i ? " x " : "") + std::to_string(s[i]);
            throw InputError(path, l->name, "shape " + want + " (K x C/groups x R x S)", got.empty() ? "a scalar" : got);
        }
        out[l->name] = std::move(a.data);
        arrays.erase(it);
    }
    for (const auto& kv : arrays)
        std::fprintf(stderr, "warning: %s: array '%s' matches no compute layer of %s; ignored\n", path.c_str(),
                     kv.first.c_str(), w.name.c_str());
    return out;
}

}  // namespace sx
