#pragma once
// Real-data runs (sxsim run --inputs): labels and reference outputs the user gives, and the
// comparison of the simulated network's outputs with a reference, as written to run.json
// ("real_data") and printed.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sw/common/json_reader.h"
#include "sw/graph/input_loader.h"
#include "sw/graph/tensor.h"

namespace sx {

// LABELS.json: {"<stem>": <int class>, ...}, one entry per input, no other stems. InputError
// naming the file and the field (/<stem>) otherwise.
std::map<std::string, int64_t> load_labels(const std::string& path, const std::vector<InputSample>& inputs);

// Every label a class of the model: below `classes` (the graph output's values per input).
// InputError naming the file and the field (/<stem>) otherwise.
void check_label_range(const std::string& path, const std::map<std::string, int64_t>& labels, int64_t classes);

// An input for which the float32 computation of the graph is not finite (a tensor of node
// `node` has a NaN or an infinity although the inputs and weights are finite: the input's
// values are too large): InputError naming the input's file.
void check_finite_activation(const InputSample& input, const std::string& node, const Tensor& t);

// REFDIR/<stem>.npy per input, with `elements` values (any shape). InputError otherwise.
std::vector<Tensor> load_reference_outputs(const std::string& dir, const std::vector<InputSample>& inputs,
                                           int64_t elements);

struct RealDataSummary {
    int64_t inputs = 0;
    std::string reference;    // what the reference is
    std::string calibration;  // "max" / "percentile"
    double top1_agreement = 0;                      // argmax(sim) == argmax(ref), fraction of inputs
    double rel_error_mean = 0, rel_error_max = 0;   // ||sim - ref||_2 / ||ref||_2 per input
    std::optional<double> accuracy_simulated, accuracy_reference;  // with labels
    std::vector<std::string> notes;
};

// Index of the largest value (the first of equal ones).
int64_t argmax(const std::vector<float>& v);

// Figures computed from a NaN are never reported: an input whose simulated or reference
// outputs are not finite makes the relative error, top-1 agreement and accuracy NaN (null in
// run.json) with a note saying why. (The loaders refuse non-finite inputs, references and
// weights, so this is a last line of defence.)
RealDataSummary compare_outputs(const std::vector<InputSample>& inputs, const std::vector<Tensor>& simulated,
                                const std::vector<Tensor>& reference, const std::map<std::string, int64_t>& labels);
json to_json(const RealDataSummary& s);

}  // namespace sx
