// One line per dataflow: a new dataflow adds its factory and its parameter parser here
// (docs/architecture.md).
#include <stdexcept>

#include "hw/sim/accelerator_model.h"
#include "hw/sim/design_config.h"
#include "hw/eyeriss/eyeriss_model.h"
#include "hw/eyeriss/eyeriss_params.h"
#include "hw/smartexchange/se_params.h"
#include "hw/smartexchange/smartexchange_model.h"
#include "hw/scnn/scnn_model.h"
#include "hw/scnn/scnn_params.h"
#include "hw/dense/dense_model.h"
#include "hw/eyeriss/eyeriss_area.h"
#include "hw/scnn/scnn_area.h"
#include "hw/sim/design_area.h"
#include "hw/smartexchange/se_area.h"

namespace sx {

namespace {

struct Design {
    Dataflow dataflow;
    ModelFactory factory;
    DesignParser parse;
    AreaReport (*area)(const ArchConfig&);
    // AcceleratorModel::synthetic_weight_form(), known without elaborating a model: simulate()'s
    // parent process builds the synthetic image once for every layer's child (each child checks
    // that its model agrees).
    SyntheticWeightForm synthetic_form;
};

template <class Params, Params (*parse)(const ArchConfig&)>
std::any parse_any(const ArchConfig& arch) {
    return std::any(parse(arch));
}

const std::vector<Design>& designs() {
    static const std::vector<Design> registry = {
        {Dataflow::SmartExchange, se::make_smartexchange_model, parse_any<se::SeParams, se::parse_se_params>, se::se_area, SyntheticWeightForm::SmartExchange},
        {Dataflow::Eyeriss, eyeriss::make_eyeriss_model, parse_any<eyeriss::EyerissParams, eyeriss::parse_eyeriss_params>, eyeriss::eyeriss_area, SyntheticWeightForm::SmartExchange},
        {Dataflow::Scnn, scnn::make_scnn_model, parse_any<scnn::ScnnParams, scnn::parse_scnn_params>, scnn::scnn_area, SyntheticWeightForm::Unstructured},
        {Dataflow::Dense, dense::make_dense_model, parse_any<scnn::ScnnParams, scnn::parse_scnn_params>, scnn::scnn_area, SyntheticWeightForm::Unstructured},
    };
    return registry;
}

}  // namespace

const ModelFactory* find_model_factory(Dataflow d) {
    for (const auto& e : designs())
        if (e.dataflow == d) return &e.factory;
    return nullptr;
}

SyntheticWeightForm synthetic_weight_form_of(Dataflow d) {
    for (const auto& e : designs())
        if (e.dataflow == d) return e.synthetic_form;
    return SyntheticWeightForm::SmartExchange;
}

const DesignParser* find_design_parser(Dataflow d) {
    for (const auto& e : designs())
        if (e.dataflow == d) return &e.parse;
    return nullptr;
}

AreaReport design_area(const ArchConfig& arch) {
    for (const auto& e : designs())
        if (e.dataflow == arch.dataflow) return e.area(arch);
    throw std::logic_error("design_area: no area model registered for this dataflow");
}

}  // namespace sx
