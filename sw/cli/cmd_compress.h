#pragma once
// `sxsim compress`: trained weights (ONNX, or .npz + models/*.json) or synthetic weights ->
// a SmartExchange weight image (.sxw) plus a report. See docs/compressor.md.
namespace CLI {
class App;
}

namespace sx {

void add_compress_command(CLI::App& app);

}  // namespace sx
