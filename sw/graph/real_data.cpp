#include "sw/graph/real_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sw/common/error.h"
#include "sw/common/json_reader.h"
#include "sw/io/npy.h"

namespace fs = std::filesystem;

namespace sx {

std::map<std::string, int64_t> load_labels(const std::string& path, const std::vector<InputSample>& inputs) {
    std::error_code ec;  // an ifstream opens a directory, then throws on the first read
    if (!std::filesystem::is_regular_file(path, ec))
        throw InputError(path, "--labels", "an existing JSON file {\"<stem>\": <class>, ...}",
                         std::filesystem::is_directory(path, ec) ? "a directory" : "no such file");
    std::ifstream in(path);
    if (!in) throw InputError(path, "--labels", "a readable JSON file {\"<stem>\": <class>, ...}", "it cannot be opened");
    // The shared parser refuses a stem labelled twice (nlohmann alone keeps the second label).
    std::ostringstream text;
    text << in.rdbuf();
    const json doc = parse_json_text(text.str(), path);
    if (!doc.is_object()) throw InputError(path, "", "a JSON object {\"<stem>\": <class>, ...}", doc.type_name());
    // The entries are independent: every bad or missing one is named in one error.
    std::map<std::string, int64_t> labels;
    std::vector<InputError> problems;
    for (const auto& [stem, v] : doc.items()) {
        const bool known = std::any_of(inputs.begin(), inputs.end(), [&](const InputSample& s) { return s.stem == stem; });
        if (!v.is_number_integer() || v.get<int64_t>() < 0)
            problems.emplace_back(path, "/" + escape_pointer_token(stem), "a non-negative integer class index", describe_json(v));
        else if (!known)
            problems.emplace_back(path, "/" + escape_pointer_token(stem), "the stem of an input file of --inputs", "'" + stem + "'");
        else
            labels[stem] = v.get<int64_t>();
    }
    for (const auto& s : inputs)
        if (!doc.contains(s.stem)) problems.emplace_back(path, "/" + escape_pointer_token(s.stem), "a label for every input", "none for " + s.file);
    if (!problems.empty()) throw InputError::all_of(problems);
    return labels;
}

void check_label_range(const std::string& path, const std::map<std::string, int64_t>& labels, int64_t classes) {
    for (const auto& [stem, y] : labels)
        if (y >= classes)
            throw InputError(path, "/" + escape_pointer_token(stem),
                             "a class index below " + std::to_string(classes) + " (the model's output has " +
                                 std::to_string(classes) + " values per input)",
                             std::to_string(y));
}

void check_finite_activation(const InputSample& input, const std::string& node, const Tensor& t) {
    for (std::size_t i = 0; i < t.data.size(); ++i)
        if (!std::isfinite(t.data[i]))
            throw InputError(input.file, "values",
                             "an input whose float32 computation through the model stays finite (its values are "
                             "too large: inputs and weights are finite, yet it overflows)",
                             std::string(std::isnan(t.data[i]) ? "NaN" : "an infinity") + " at element " +
                                 std::to_string(i) + " of the output of node '" + node + "'");
}

std::vector<Tensor> load_reference_outputs(const std::string& dir, const std::vector<InputSample>& inputs, int64_t elements) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError(dir, "--reference", "a directory of <stem>.npy reference outputs",
                         fs::exists(dir, ec) ? "not a directory" : "no such directory");
    std::vector<Tensor> out;
    for (const auto& s : inputs) {
        const std::string p = (fs::path(dir) / (s.stem + ".npy")).string();
        if (!fs::is_regular_file(p, ec)) throw InputError(p, "--reference", "a reference output for input " + s.file, "no such file");
        NdArray a = read_npy(p);
        if (a.elements() != elements)
            throw InputError(p, "shape", std::to_string(elements) + " values (the graph output)", std::to_string(a.elements()));
        out.emplace_back(a.shape, std::move(a.data));
    }
    return out;
}

int64_t argmax(const std::vector<float>& v) {
    return v.empty() ? -1 : static_cast<int64_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

RealDataSummary compare_outputs(const std::vector<InputSample>& inputs, const std::vector<Tensor>& sim,
                                const std::vector<Tensor>& ref, const std::map<std::string, int64_t>& labels) {
    RealDataSummary s;
    s.inputs = static_cast<int64_t>(inputs.size());
    int64_t agree = 0, right_sim = 0, right_ref = 0, nonfinite = 0;
    double rel_sum = 0;
    const auto finite = [](const std::vector<float>& v) {
        return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
    };
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!finite(sim[i].data) || !finite(ref[i].data)) {
            // argmax and the norms of a NaN mean nothing (max_element skips a NaN, max(0, NaN)
            // is 0): every figure this input takes part in is NaN, reported as null.
            ++nonfinite;
            s.notes.push_back("outputs of input " + inputs[i].file + " are not finite (" +
                              (finite(sim[i].data) ? "reference" : "simulated") +
                              "): relative error, top-1 agreement and accuracy are not reported");
            continue;
        }
        const int64_t a = argmax(sim[i].data), b = argmax(ref[i].data);
        agree += a == b;
        double d2 = 0, r2 = 0;
        for (std::size_t j = 0; j < ref[i].data.size(); ++j) {
            const double d = static_cast<double>(sim[i].data[j]) - ref[i].data[j];
            d2 += d * d;
            r2 += static_cast<double>(ref[i].data[j]) * ref[i].data[j];
        }
        const double rel = r2 > 0 ? std::sqrt(d2 / r2) : (d2 > 0 ? INFINITY : 0.0);
        rel_sum += rel;
        s.rel_error_max = std::max(s.rel_error_max, rel);
        if (!labels.empty()) {
            const int64_t y = labels.at(inputs[i].stem);
            right_sim += a == y;
            right_ref += b == y;
        }
    }
    const double n = static_cast<double>(std::max<int64_t>(s.inputs, 1));
    s.top1_agreement = agree / n;
    s.rel_error_mean = rel_sum / n;
    if (!labels.empty()) s.accuracy_simulated = right_sim / n, s.accuracy_reference = right_ref / n;
    if (nonfinite > 0) {
        s.top1_agreement = s.rel_error_mean = s.rel_error_max = NAN;
        if (!labels.empty()) s.accuracy_simulated = s.accuracy_reference = NAN;
    }
    return s;
}

json to_json(const RealDataSummary& s) {
    auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    json j = {{"inputs", s.inputs},
              {"reference", s.reference},
              {"calibration", s.calibration},
              {"top1_agreement", num(s.top1_agreement)},
              {"relative_error", {{"mean", num(s.rel_error_mean)}, {"max", num(s.rel_error_max)}}}};
    if (s.accuracy_simulated)
        j["accuracy"] = {{"simulated", num(*s.accuracy_simulated)}, {"reference", num(*s.accuracy_reference)}};
    j["notes"] = s.notes;
    return j;
}

}  // namespace sx
