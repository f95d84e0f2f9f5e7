#include "hw/scnn/sparse_encoding.h"

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
void put_bits(std::vector<uint8_t>& out, uint64_t& bit, uint64_t v, int n) {
    for (int i = 0; i < n; ++i, ++bit)
        if ((v >> i) & 1u) out[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
}
uint64_t get_bits(const uint8_t* in, uint64_t& bit, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i, ++bit) v |= static_cast<uint64_t>((in[bit >> 3] >> (bit & 7)) & 1u) << i;
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

}  // namespace sx::scnn
