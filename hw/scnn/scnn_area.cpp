#include "hw/scnn/scnn_area.h"

#include "hw/energy/area_model.h"

namespace sx::scnn {

// Stage 0 (issue 15): global buffers and control only; the design's own blocks follow.
AreaReport scnn_area(const ArchConfig& arch) {
    AreaReport r = start_report(arch);
    add_global_buffers(r, arch);
    add_control(r, arch.tech);
    return r;
}

}  // namespace sx::scnn
