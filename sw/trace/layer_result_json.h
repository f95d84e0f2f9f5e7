#pragma once
// A LayerResult as JSON with full round-trip precision, for moving one layer's result from the
// process that simulated it to the process that assembles the run (hw/sim/layer_parallel.h).
// Not a trace format (traces round figures to 9 digits, trace_writer.h): from_json(to_json(r))
// gives back r field for field, doubles bit for bit (non-finite ones included), so the parent
// writes the same traces as if it had simulated the layer itself.
#include "sw/common/json_reader.h"
#include "sw/trace/layer_result.h"

namespace sx {

json layer_result_to_json(const LayerResult& r);
// SimulationError if `j` is not what layer_result_to_json wrote (a truncated or garbled message).
LayerResult layer_result_from_json(const json& j);

}  // namespace sx
