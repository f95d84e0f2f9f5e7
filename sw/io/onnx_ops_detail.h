#pragma once
// Internal to sw/io/onnx_ops*.cpp: the helpers every operator's shape rule uses, and the
// data-movement operators (onnx_ops_layout.cpp: Reshape, Transpose, Concat, Split, Slice,
// Gather, Expand/Tile, Pad, ConstantOfShape, Range), split from onnx_ops.cpp to keep each file
// one family. Errors are OpError (onnx_ops.h).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sw/io/onnx_ops.h"

namespace sx::onnx_detail {

using Dims = std::vector<int64_t>;
using Ins = std::vector<const OpTensor*>;

[[noreturn]] void fail(const std::string& expected, const std::string& found = "");
std::string dims_text(const Dims& d);
// Input i, which must be present (`what` names it in the error).
const OpTensor& input(const Ins& in, std::size_t i, const char* what);
bool present(const Ins& in, std::size_t i);
// Integer values of a constant input (shape, axes, indices ...), which must be known.
Dims ints_of(const OpTensor& t, const char* what);
// `axis` in [-rank, rank) (inclusive: [-rank-1, rank]) made non-negative.
int64_t norm_axis(int64_t axis, std::size_t rank, bool inclusive = false);
// Numpy-style broadcast of several shapes.
Dims broadcast(const std::vector<const Dims*>& all);
// Row-major strides of dims.
Dims strides_of(const Dims& d);
// out.values[i] = src.values[index(multi-index of i)].
void remap(OpTensor& out, const OpTensor& src, const std::function<int64_t(const Dims&)>& index);
// Index into `src` (dims d) of the broadcast position m of an output of rank m.size().
int64_t broadcast_index(const Dims& m, const Dims& d, const Dims& strides);
// The end of every operator whose output is checked here: a reshape keeps its values.
std::vector<OpTensor> finish(const std::string& op, const OpTensor& x, bool fold, OpTensor out);

// Data-movement operators (onnx_ops_layout.cpp); same signature as every entry of the table.
#define SX_ONNX_EVAL(name) \
    std::vector<OpTensor> name(const onnx::NodeProto& n, const Ins& in, bool fold, const OpTensor& x, OpTensor out)
SX_ONNX_EVAL(eval_reshape);
SX_ONNX_EVAL(eval_flatten);
SX_ONNX_EVAL(eval_squeeze);
SX_ONNX_EVAL(eval_transpose);
SX_ONNX_EVAL(eval_concat);
SX_ONNX_EVAL(eval_split);
SX_ONNX_EVAL(eval_slice);
SX_ONNX_EVAL(eval_gather);
SX_ONNX_EVAL(eval_expand_tile);
SX_ONNX_EVAL(eval_pad);
SX_ONNX_EVAL(eval_constant_of_shape);
SX_ONNX_EVAL(eval_range);
#undef SX_ONNX_EVAL

}  // namespace sx::onnx_detail
