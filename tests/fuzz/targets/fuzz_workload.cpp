// Fuzzes the workload loader (parse_json_text + parse_workload) and the per-layer arithmetic
// every consumer does on a loaded workload: shapes, MAC and weight counts, the weight-image
// layer plan, a batch change.
#include <cstdint>
#include <string>

#include "sw/common/json_reader.h"
#include "sw/image/layer_plan.h"
#include "sw/workload/workload.h"
#include "tests/fuzz/targets/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    sx::fuzz::expect_input_error_only("parse_workload", [&] {
        sx::Workload w = sx::parse_workload(sx::parse_json_text(text, "fuzz.json"), "fuzz.json");
        double sum = static_cast<double>(w.total_macs());
        for (const sx::Layer& l : w.layers) {
            sum += static_cast<double>(l.P() + l.Q() + l.weights() + l.macs() + l.input_elems() + l.output_elems());
            if (l.is_compute()) {
                const sx::LayerPlan plan = sx::plan_layer(l);
                sum += static_cast<double>(plan.rows_per_filter + plan.blocks.size() + plan.filter_size);
            }
        }
        w.set_batch(4);
        sum += static_cast<double>(w.total_macs());
        sx::fuzz::sink(sum);
    });
    return 0;
}
