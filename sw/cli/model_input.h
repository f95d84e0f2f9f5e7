#pragma once
// Loading what the user names on the command line: workloads (JSON or ONNX), weight images,
// output folders. Every failure is an InputError naming the path.
#include <string>

#include "sw/image/weight_image.h"
#include "sw/workload/workload.h"

namespace sx {

// The path, if it names an existing regular file; otherwise an InputError naming the path and
// the command-line option it came from ("--arch"), so the user knows which argument to fix.
const std::string& require_file(const std::string& path, const std::string& what, const std::string& option);

Workload load_model_input(const std::string& path);  // models/*.json or *.onnx
WeightImage load_weights_for(const std::string& path, const Workload& workload);  // read + validate
void ensure_output_dir(const std::string& dir);       // create it, and prove it is writable

}  // namespace sx
