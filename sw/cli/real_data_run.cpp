#include "sw/cli/real_data_run.h"

#include <cctype>
#include <cstdio>
#include <filesystem>

#include "sw/common/error.h"
#include "sw/graph/executor.h"
#include "sw/io/npy.h"
#include "sw/io/onnx_model.h"
#include "sw/reference/conv_reference.h"

namespace fs = std::filesystem;

namespace sx {

RealDataRun::RealDataRun(const RealDataArgs& a, const std::string& model, const std::string& weights_path)
    : args_(a), model_(model) {
    if (fs::path(model).extension() != ".onnx")
        throw InputError(model, "--inputs", "an ONNX model (--model M.onnx): real inputs run through the model's graph",
                         "a JSON workload (shapes only)");
    CalibrationMethod method;
    if (a.calibration == "max") method = CalibrationMethod::Max;
    else if (a.calibration == "percentile") method = CalibrationMethod::Percentile;
    else throw InputError("--calibration", "", "max or percentile", "'" + a.calibration + "'");
    Normalize norm;
    if (a.normalize == "none") norm = Normalize::None;
    else if (a.normalize == "imagenet") norm = Normalize::ImageNet;
    else throw InputError("--normalize", "", "none or imagenet", "'" + a.normalize + "'");

    graph_ = load_graph(model);
    std::vector<std::string> warnings;
    inputs_ = load_inputs(a.inputs, graph_.input_dims, norm, &warnings);
    // .npy inputs are taken as they are (already normalised by whoever wrote them): say so rather
    // than let --normalize imagenet look applied (user-found: it silently did nothing).
    if (norm == Normalize::ImageNet) {
        std::size_t npy = 0;
        for (const auto& s : inputs_) {
            std::string ext = fs::path(s.file).extension().string();
            for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            npy += ext == ".npy";
        }
        if (npy > 0) {
            input_notes_.push_back("--normalize imagenet applies to image inputs (.png, .jpg) only: " + std::to_string(npy) +
                                   " of " + std::to_string(inputs_.size()) + " input(s) are .npy tensors, used as they are");
            warnings.push_back(input_notes_.back());
        }
    }
    for (const auto& w : warnings) std::fprintf(stderr, "sxsim: warning: %s\n", w.c_str());
    if (!a.labels.empty()) labels_ = load_labels(a.labels, inputs_);
    // All inputs are simulated as one batch (the workload's N).
    OnnxImportOptions imp;
    imp.batch = static_cast<int64_t>(inputs_.size());
    imp.weights = false;
    OnnxModel m = load_onnx(model, imp);
    // The importer's warnings (bias ignored, Relu / BatchNormalization passed through) concern the
    // workload's shapes: the chain applies them (host graph, folded weights, requantisation).
    if (!m.warnings.empty())
        std::fprintf(stderr, "note: %s: BatchNormalization after a compute layer is folded into its weights, "
                     "biases and fused ReLU/Clip into each layer's requantisation (applied by the design before "
                     "its output store), the other operators run in the host graph (docs/real-data.md)\n",
                     model.c_str());
    workload_ = std::move(m.workload);
    const std::string batch_opt = "--batch " + std::to_string(imp.batch);
    for (auto& note : workload_.notes)
        if (note.rfind(batch_opt, 0) == 0) note = "--inputs (" + std::to_string(imp.batch) + " inputs simulated as one batch)" + note.substr(batch_opt.size());

    // Calibration and the host float reference in one pass over the inputs.
    Calibrator cal(method, inputs_.size());
    std::vector<Tensor> host_ref;
    for (const auto& s : inputs_)
        host_ref.push_back(run_float(graph_, s.tensor, [&](const std::string& n, const Tensor& t) {
                               check_finite_activation(s, n, t);  // before it sets a scale
                               cal.observe(n, t);
                           }).at(0));
    if (!a.labels.empty()) check_label_range(a.labels, labels_, host_ref.at(0).elements());
    summary_.calibration = to_string(method);
    if (!a.reference.empty()) {
        reference_ = load_reference_outputs(a.reference, inputs_, host_ref.at(0).elements());
        summary_.reference = "given outputs in " + a.reference + " (--reference)";
    } else {
        reference_ = std::move(host_ref);
        summary_.reference = "sxsim host float reference (C++, float32, BatchNormalization folded; independent of the "
                             "accelerator models)";
    }
    std::vector<Tensor> samples;
    for (const auto& s : inputs_) samples.push_back(s.tensor);
    chain_ = std::make_unique<ChainedNetwork>(graph_, workload_, cal.scales(graph_), std::move(samples));
    if (!weights_path.empty()) {
        image_ = std::make_unique<WeightImage>(load_weights_for(weights_path, workload_));
        chain_->use_weight_image(*image_);
    } else {
        image_ = std::make_unique<WeightImage>(chain_->use_int8_weights());
    }
}

void RealDataRun::functional_pass() {
    for (const Layer& l : workload_.layers) {
        if (!l.is_compute()) continue;
        const ImageLayer* image = image_->find(l.name);
        if (!image) throw InputError(model_, "/layers/" + l.name, "a weight image layer for every compute layer");
        std::vector<int8_t> x = chain_->layer_inputs(l);
        Expected& e = expected_[l.name];
        e.acc = reference_conv(l, x, decode_int8(*image));
        e.stored = chain_->host_requant(l, e.acc);
        chain_->layer_outputs(l, e.acc, e.stored);
        inputs_of_[l.name] = std::move(x);
    }
}

void RealDataRun::configure(RunOptions& opt) {
    functional_pass();
    opt.weights = image_.get();
    if (opt.weights_label.empty()) opt.weights_label = "int8 per-tensor symmetric from " + model_ + " (BatchNormalization folded)";
    // Called in each layer's child process (simulate.h): lookups in what the pass recorded.
    opt.layer_inputs = [this](const Layer& l) { return inputs_of_.at(l.name); };
    opt.layer_requant = [this](const Layer& l) { return chain_->layer_requant(l); };
    opt.host_requant = [this](const Layer& l, const std::vector<int32_t>& acc) { return chain_->host_requant(l, acc); };
    opt.expected_outputs = [this](const Layer& l) {
        const Expected& e = expected_.at(l.name);
        return RunOptions::Expected{&e.acc, &e.stored};
    };
    opt.activations_label = "real: " + std::to_string(inputs_.size()) + " input(s) from " + args_.inputs +
                            " chained through the graph, simulated as one batch (N = " + std::to_string(inputs_.size()) +
                            "); statistics measured";
}

void RealDataRun::finish(RunResult& run, const std::string& out_dir) {
    const std::vector<Tensor> sim = chain_->finish();
    summary_ = [&] {
        RealDataSummary s = compare_outputs(inputs_, sim, reference_, labels_);
        s.reference = summary_.reference;
        s.calibration = summary_.calibration;
        return s;
    }();
    summary_.notes = input_notes_;
    summary_.notes.push_back("accuracy is meaningful only for trained weights (a randomly initialised model gives real "
                             "activation statistics but meaningless accuracy)");
    const fs::path outs = fs::path(out_dir) / "outputs";
    fs::create_directories(outs);
    for (std::size_t i = 0; i < inputs_.size(); ++i)
        write_npy((outs / (inputs_[i].stem + ".npy")).string(), sim[i].dims, sim[i].data);
    if (args_.reference.empty()) {
        const fs::path refs = fs::path(out_dir) / "reference_outputs";
        fs::create_directories(refs);
        for (std::size_t i = 0; i < inputs_.size(); ++i)
            write_npy((refs / (inputs_[i].stem + ".npy")).string(), reference_[i].dims, reference_[i].data);
    }
    run.real_data = to_json(summary_);
    run.real_data["batched"] = "all inputs simulated as one batch, N = " + std::to_string(inputs_.size());
}

void RealDataRun::print_summary() const {
    std::printf("real data: %lld input(s), reference: %s, calibration: %s\n", static_cast<long long>(summary_.inputs),
                summary_.reference.c_str(), summary_.calibration.c_str());
    std::printf("  top-1 agreement %.4f, relative output error mean %.4g max %.4g\n", summary_.top1_agreement,
                summary_.rel_error_mean, summary_.rel_error_max);
    if (summary_.accuracy_simulated)
        std::printf("  accuracy: simulated %.4f, reference %.4f\n", *summary_.accuracy_simulated, *summary_.accuracy_reference);
    for (const auto& n : summary_.notes) std::printf("  note: %s\n", n.c_str());
}

}  // namespace sx
