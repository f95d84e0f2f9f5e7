// One line per dataflow: a new dataflow adds its factory here (docs/architecture.md).
#include "hw/sim/accelerator_model.h"
#include "hw/eyeriss/eyeriss_model.h"
#include "hw/smartexchange/smartexchange_model.h"
#include "hw/scnn/scnn_model.h"
#include "hw/dense/dense_model.h"

namespace sx {

const ModelFactory* find_model_factory(Dataflow d) {
    static const std::vector<std::pair<Dataflow, ModelFactory>> registry = {
        {Dataflow::SmartExchange, se::make_smartexchange_model},
        {Dataflow::Eyeriss, eyeriss::make_eyeriss_model},
        {Dataflow::Scnn, scnn::make_scnn_model},
        {Dataflow::Dense, dense::make_dense_model},
    };
    for (const auto& [df, f] : registry)
        if (df == d) return &f;
    return nullptr;
}

}  // namespace sx
