#include "hw/sim/design_config.h"

#include "hw/sim/timing_limits.h"
#include "sw/common/error.h"

namespace sx {

void configure_design(ArchConfig& arch) {
    if (arch.design.has_value()) return;
    const DesignParser* parse = find_design_parser(arch.dataflow);
    if (!parse) throw InputError(arch.file, "/dataflow", "a dataflow with a registered model", to_string(arch.dataflow));
    arch.design = (*parse)(arch);
    arch.expect_all_used();
    check_timing_limits(arch);
}

}  // namespace sx
