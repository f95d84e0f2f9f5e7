#include "hw/scnn/sparse_encoding.h"

#include <algorithm>

#include "sw/common/error.h"

namespace sx::scnn {

uint64_t SparseStream::placeholders() const {
    uint64_t n = 0;
    for (const auto& e : entries) n += e.value == 0;
    return n;
}

SparseStream encode_sparse(const std::vector<int32_t>& dense) {
    return encode_sparse(dense.size(), [&](uint64_t i) { return dense[i]; });
}

std::vector<uint64_t> sparse_positions(const SparseStream& s) {
    std::vector<uint64_t> pos;
    pos.reserve(s.entries.size());
    uint64_t at = 0;
    for (const auto& e : s.entries) {
        at += e.run;
        if (e.value != 0) pos.push_back(at);
        ++at;
    }
    return pos;
}

std::vector<int32_t> decode_sparse(const SparseStream& s) {
    std::vector<int32_t> d(s.dense_length, 0);
    uint64_t at = 0;
    for (const auto& e : s.entries) {
        at += e.run;
        if (at >= s.dense_length) throw CheckError("compressed-sparse stream runs past its dense length");
        d[at++] = e.value;
    }
    return d;
}

namespace {
// A byte's worth of bits at a time (the functional path packs every weight and activation of a
// layer: bit-by-bit loops were the slowest part of the model).
void put_bits(std::vector<uint8_t>& out, uint64_t& bit, uint64_t v, int n) {
    while (n > 0) {
        const int off = static_cast<int>(bit & 7), take = std::min(8 - off, n);
        out[bit >> 3] |= static_cast<uint8_t>((v & ((1u << take) - 1)) << off);
        v >>= take;
        bit += static_cast<uint64_t>(take);
        n -= take;
    }
}
uint64_t get_bits(const uint8_t* in, uint64_t& bit, int n) {
    uint64_t v = 0;
    int got = 0;
    while (got < n) {
        const int off = static_cast<int>(bit & 7), take = std::min(8 - off, n - got);
        v |= static_cast<uint64_t>((in[bit >> 3] >> off) & ((1u << take) - 1)) << got;
        bit += static_cast<uint64_t>(take);
        got += take;
    }
    return v;
}
}  // namespace

std::vector<uint8_t> pack_sparse(const SparseStream& s, int value_bits) {
    std::vector<uint8_t> out(s.bytes(value_bits), 0);
    uint64_t bit = 0;
    const uint64_t mask = value_bits >= 64 ? ~0ull : ((1ull << value_bits) - 1);
    for (const auto& e : s.entries) {
        put_bits(out, bit, static_cast<uint64_t>(static_cast<int64_t>(e.value)) & mask, value_bits);
        put_bits(out, bit, e.run, kRunBits);
    }
    return out;
}

SparseStream unpack_sparse(const uint8_t* data, uint64_t entries, uint64_t dense_length, int value_bits) {
    SparseStream s;
    s.dense_length = dense_length;
    s.entries.reserve(entries);
    uint64_t bit = 0;
    for (uint64_t i = 0; i < entries; ++i) {
        uint64_t raw = get_bits(data, bit, value_bits);
        if (value_bits < 64 && ((raw >> (value_bits - 1)) & 1u)) raw |= ~((1ull << value_bits) - 1);  // sign-extend
        const uint8_t run = static_cast<uint8_t>(get_bits(data, bit, kRunBits));
        s.entries.push_back({static_cast<int32_t>(static_cast<int64_t>(raw)), run});
    }
    return s;
}

std::vector<uint8_t> pack_raw(const std::vector<int32_t>& dense, int value_bits) {
    std::vector<uint8_t> out((dense.size() * static_cast<uint64_t>(value_bits) + 7) / 8, 0);
    uint64_t bit = 0;
    const uint64_t mask = value_bits >= 64 ? ~0ull : ((1ull << value_bits) - 1);
    for (int32_t v : dense) put_bits(out, bit, static_cast<uint64_t>(static_cast<int64_t>(v)) & mask, value_bits);
    return out;
}

std::vector<int32_t> unpack_raw(const uint8_t* data, uint64_t n, int value_bits) {
    std::vector<int32_t> out;
    out.reserve(n);
    uint64_t bit = 0;
    for (uint64_t i = 0; i < n; ++i) {
        uint64_t raw = get_bits(data, bit, value_bits);
        if (value_bits < 64 && ((raw >> (value_bits - 1)) & 1u)) raw |= ~((1ull << value_bits) - 1);
        out.push_back(static_cast<int32_t>(static_cast<int64_t>(raw)));
    }
    return out;
}

std::vector<uint8_t> pack_values(const std::vector<int32_t>& dense, bool compressed, int value_bits, uint64_t& entries) {
    if (!compressed) {
        entries = dense.size();
        return pack_raw(dense, value_bits);
    }
    const SparseStream s = encode_sparse(dense);
    entries = s.entries.size();
    return pack_sparse(s, value_bits);
}

std::vector<int32_t> unpack_values(const uint8_t* data, uint64_t entries, uint64_t n, bool compressed, int value_bits) {
    if (!compressed) return unpack_raw(data, n, value_bits);
    return decode_sparse(unpack_sparse(data, entries, n, value_bits));
}

}  // namespace sx::scnn
