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

RealDataSummary compare_outputs(const std::vector<InputSample>& inputs, const std::vector<Tensor>& simulated,
                                const std::vector<Tensor>& reference, const std::map<std::string, int64_t>& labels);
json to_json(const RealDataSummary& s);

}  // namespace sx
