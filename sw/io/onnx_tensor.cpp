#include "sw/io/onnx_tensor.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <onnx/onnx_pb.h>

#include "sw/workload/workload.h"

namespace sx {

namespace {

using TP = onnx::TensorProto;

float half_to_float(uint16_t h) {
    const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    float v;
    if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

// Bytes per element in raw_data; 0 for types not read here.
int width_of(int type) {
    switch (type) {
        case TP::FLOAT: case TP::INT32: case TP::UINT32: return 4;
        case TP::DOUBLE: case TP::INT64: case TP::UINT64: return 8;
        case TP::FLOAT16: case TP::INT16: case TP::UINT16: return 2;
        case TP::INT8: case TP::UINT8: case TP::BOOL: return 1;
        default: return 0;
    }
}

int64_t typed_count(const TP& t) {
    switch (t.data_type()) {
        case TP::FLOAT: return t.float_data_size();
        case TP::DOUBLE: return t.double_data_size();
        case TP::INT64: return t.int64_data_size();
        case TP::UINT32: case TP::UINT64: return t.uint64_data_size();
        default: return t.int32_data_size();
    }
}

// Value i of the raw little-endian data.
double raw_value(const TP& t, int64_t i) {
    const char* p = t.raw_data().data() + i * width_of(t.data_type());
    auto get = [p](auto v) {
        std::memcpy(&v, p, sizeof v);
        return v;
    };
    switch (t.data_type()) {
        case TP::FLOAT: return get(float{});
        case TP::DOUBLE: return get(double{});
        case TP::INT64: return static_cast<double>(get(int64_t{}));
        case TP::UINT64: return static_cast<double>(get(uint64_t{}));
        case TP::INT32: return get(int32_t{});
        case TP::UINT32: return get(uint32_t{});
        case TP::INT16: return get(int16_t{});
        case TP::UINT16: return get(uint16_t{});
        case TP::FLOAT16: return half_to_float(get(uint16_t{}));
        case TP::INT8: return get(int8_t{});
        default: return get(uint8_t{});  // UINT8, BOOL
    }
}

double typed_value(const TP& t, int64_t i) {
    const int k = static_cast<int>(i);
    switch (t.data_type()) {
        case TP::FLOAT: return t.float_data(k);
        case TP::DOUBLE: return t.double_data(k);
        case TP::INT64: return static_cast<double>(t.int64_data(k));
        case TP::UINT32: case TP::UINT64: return static_cast<double>(t.uint64_data(k));
        case TP::FLOAT16: return half_to_float(static_cast<uint16_t>(t.int32_data(k)));
        default: return t.int32_data(k);
    }
}

// Element count of `t` checked against the stored data and `max_values`, before any allocation.
std::string checked_count(const TP& t, int64_t max_values, int64_t& count) {
    std::vector<int64_t> dims;
    std::string problem = tensor_dims(t, dims);
    if (!problem.empty()) return problem;
    const int64_t available = stored_values(t);
    if (available < 0)
        return t.data_location() == TP::EXTERNAL ? "data stored inside the .onnx file (found external data)"
                                                 : "a numeric data type (found type " + std::to_string(t.data_type()) + ")";
    count = 1;
    for (int64_t d : dims) {
        if (d > 0 && count > available / d + 1)
            return std::to_string(available) + " values as stored (the dimensions claim more)";
        count *= d;
    }
    if (count != available)
        return std::to_string(count) + " values as the dimensions say (found " + std::to_string(available) + " stored)";
    if (count > max_values) return "at most " + std::to_string(max_values) + " values (found " + std::to_string(count) + ")";
    return "";
}

// Raw bytes, when the tensor stores them, must be exactly `count` values of its type; the
// problem text names `what` they are ("" when they fit or the values are typed fields).
std::string raw_size_problem(const TP& t, int64_t count, const char* what) {
    if (t.raw_data().empty() || static_cast<int64_t>(t.raw_data().size()) == count * width_of(t.data_type())) return "";
    return std::to_string(count * width_of(t.data_type())) + " bytes of " + what + " (found " +
           std::to_string(t.raw_data().size()) + ")";
}

}  // namespace

std::string tensor_count(const TP& t, int64_t& count) { return checked_count(t, kMaxCount, count); }

std::string tensor_dims(const TP& t, std::vector<int64_t>& dims) {
    dims.assign(t.dims().begin(), t.dims().end());
    if (dims.size() > 8) return "at most 8 dimensions (found " + std::to_string(dims.size()) + ")";
    for (int64_t d : dims)
        if (d < 0 || d > kMaxDim) return "dimensions from 0 to 2^24 (found " + std::to_string(d) + ")";
    return "";
}

int64_t stored_values(const TP& t) {
    if (t.data_location() == TP::EXTERNAL) return -1;
    const int width = width_of(t.data_type());
    if (width == 0) return -1;
    if (!t.raw_data().empty()) return static_cast<int64_t>(t.raw_data().size()) / width;
    return typed_count(t);
}

std::string tensor_values(const TP& t, int64_t max_values, std::vector<double>& out) {
    int64_t count = 0;
    std::string problem = checked_count(t, max_values, count);
    if (!problem.empty()) return problem;
    problem = raw_size_problem(t, count, "data");
    if (!problem.empty()) return problem;
    out.resize(static_cast<std::size_t>(count));
    for (int64_t i = 0; i < count; ++i) out[i] = t.raw_data().empty() ? typed_value(t, i) : raw_value(t, i);
    return "";
}

std::string tensor_floats(const TP& t, std::vector<float>& out) {
    if (t.data_type() != TP::FLOAT && t.data_type() != TP::FLOAT16 && t.data_type() != TP::DOUBLE)
        return "float32, float16 or float64 weights (found data type " + std::to_string(t.data_type()) + ")";
    int64_t count = 0;
    std::string problem = checked_count(t, kMaxCount, count);
    if (!problem.empty()) return problem;
    problem = raw_size_problem(t, count, "weights");
    if (!problem.empty()) return problem;
    out.resize(static_cast<std::size_t>(count));
    if (t.data_type() == TP::FLOAT && !t.raw_data().empty()) {
        std::memcpy(out.data(), t.raw_data().data(), t.raw_data().size());  // the common case, fast
    } else {
        for (int64_t i = 0; i < count; ++i) {
            const double d = t.raw_data().empty() ? typed_value(t, i) : raw_value(t, i);
            // Beyond float's range the cast is undefined: such a value counts as infinite.
            out[i] = std::fabs(d) <= std::numeric_limits<float>::max() ? static_cast<float>(d) : (std::isnan(d) ? NAN : INFINITY);
        }
    }
    return nonfinite_problem(out);
}

std::string nonfinite_problem(const std::vector<float>& v) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
            return "finite values (found " + std::string(std::isnan(v[i]) ? "NaN" : v[i] > 0 ? "+infinity" : "-infinity") +
                   " at element " + std::to_string(i) + " of " + std::to_string(v.size()) + ")";
    return "";
}

}  // namespace sx
