#pragma once
// Reading ONNX TensorProto contents (initializers, Constant node values) for the ONNX importer
// (sw/io/onnx_model.cpp). The contents are untrusted: element counts are checked against the
// data actually stored (and against a caller's limit) before anything is allocated.
#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
}

namespace sx {

// Dimensions of `t`; "" or a description of what is wrong (negative, above 2^24).
std::string tensor_dims(const onnx::TensorProto& t, std::vector<int64_t>& dims);

// Number of values `t` stores (raw_data or the typed field); -1 if the data type is not one
// read here (float32/16/64, int8/16/32/64, uint8/16/32, bool) or the data is external.
int64_t stored_values(const onnx::TensorProto& t);

// Element count of `t`, checked against the data stored (no allocation); "" or what is wrong.
std::string tensor_count(const onnx::TensorProto& t, int64_t& count);

// All values of `t` as double (int64 beyond 2^53 loses precision; shapes never get there).
// Returns "" or what is wrong: unsupported type, external data, more than `max_values`
// elements, or dims that do not match the stored data.
std::string tensor_values(const onnx::TensorProto& t, int64_t max_values, std::vector<double>& out);

// Float weights (float32, float16 or float64 only): as above, into float; a NaN or an
// infinity (or a float64 beyond float32's range) is a problem too (nonfinite_problem).
std::string tensor_floats(const onnx::TensorProto& t, std::vector<float>& out);

// "" if every value is finite, else what was expected and where the first other one is.
std::string nonfinite_problem(const std::vector<float>& v);

}  // namespace sx
