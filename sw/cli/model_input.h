#pragma once
// Loading what the user names on the command line: workloads (JSON or ONNX), weight images,
// output folders. Every failure is an InputError naming the path.
#include <string>

#include <CLI/CLI.hpp>

#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx {

// The path, if it names an existing regular file; otherwise an InputError naming the path and
// the command-line option it came from ("--arch"), so the user knows which argument to fix.
const std::string& require_file(const std::string& path, const std::string& what, const std::string& option);
// The same for a folder: "not a directory" for a file, "no such directory" when missing.
const std::string& require_dir(const std::string& path, const std::string& what, const std::string& option);

// How the user shapes the model on the command line: --batch N and --input-shape NxCxHxW.
struct ModelShapeArgs {
    int64_t batch = 0;        // > 0: overrides the batch (JSON: every layer's N; ONNX: re-imported)
    std::string input_shape;  // ONNX only: the graph input's shape, for symbolic dimensions
};

// models/*.json or *.onnx. ONNX warnings and notes (an overridden batch) go to stderr; the
// notes are also kept in Workload::notes (run.json).
Workload load_model_input(const std::string& path, const ModelShapeArgs& shape = {});

// Registers --input-shape on a command (run, compress, sweep, compare).
void add_input_shape_option(CLI::App* cmd, std::string& input_shape);
WeightImage load_weights_for(const std::string& path, const Workload& workload);  // read + validate
void ensure_output_dir(const std::string& dir);       // create it, and prove it is writable

}  // namespace sx
