#include "sw/cli/model_input.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sw/common/error.h"
#include "sw/image/image_reader.h"
#include "sw/io/onnx_model.h"

namespace fs = std::filesystem;

namespace sx {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

const std::string& require_file(const std::string& path, const std::string& what, const std::string& option) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw InputError(path, option, "an existing " + what + " file", fs::is_directory(path, ec) ? "a directory" : fs::exists(path, ec) ? "not a regular file" : "no such file");
    return path;
}

const std::string& require_dir(const std::string& path, const std::string& what, const std::string& option) {
    std::error_code ec;
    if (!fs::is_directory(path, ec))
        throw InputError(path, option, "an existing " + what, fs::exists(path, ec) ? "a file, not a directory" : "no such directory");
    return path;
}

Workload load_model_input(const std::string& path, const ModelShapeArgs& shape) {
    if (ends_with(path, ".onnx")) {
        OnnxImportOptions opt;
        if (!shape.input_shape.empty()) opt.input_shape = parse_input_shape(shape.input_shape, "--input-shape");
        opt.batch = shape.batch;
        return load_onnx_workload(path, opt);
    }
    if (!shape.input_shape.empty())
        throw InputError(path, "--input-shape", "an ONNX model (a JSON workload states its shapes; use --batch for the batch)");
    Workload w = load_workload(path);
    for (const auto& warning : w.warnings) std::fprintf(stderr, "sxsim: warning: %s\n", warning.c_str());
    if (shape.batch > 0) w.set_batch(shape.batch);
    return w;
}

void add_input_shape_option(CLI::App* cmd, std::string& input_shape) {
    cmd->add_option("--input-shape", input_shape,
                    "ONNX models: shape of the graph input, NxCxHxW (e.g. 1x3x224x224), for symbolic (dynamic) "
                    "dimensions; must agree with the model's concrete ones");
}

WeightImage load_weights_for(const std::string& path, const Workload& workload) {
    WeightImage image = read_image(path);
    validate_against(image, workload, path);
    return image;
}

void ensure_output_dir(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) throw InputError(dir, "--out", "a directory that can be created", ec.message());
    const fs::path probe = fs::path(dir) / ".sxsim-write-test";
    {
        std::ofstream out(probe);
        if (!out) throw InputError(dir, "--out", "a writable directory", "it cannot be written");
    }
    fs::remove(probe, ec);
}

}  // namespace sx
