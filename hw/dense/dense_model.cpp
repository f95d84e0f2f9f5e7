#include "hw/dense/dense_model.h"

#include "hw/dense/dense_pe_array.h"
#include "hw/scnn/scnn_model.h"

namespace sx::dense {

std::unique_ptr<AcceleratorModel> make_dense_model(const ArchConfig& arch, SimContext& ctx) {
    return make_scnn_family_model(arch, ctx, dense::make_dense_pe_array());
}

}  // namespace sx::dense
