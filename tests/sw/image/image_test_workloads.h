#pragma once
// Small hand-made workloads shared by the image tests: a list of layers of square kernels on
// square feature maps, enough to exercise raw, decomposed 3x3, depthwise and FC layers.
#include <initializer_list>
#include <string>

#include "sw/workload/workload.h"

namespace sx::test {

struct LayerSpec {
    std::string name;
    LayerType type;
    int64_t C, K, R, groups;
};

// Every layer reads an HW x HW map; R = S.
inline Workload image_test_workload(const std::string& name, const std::string& file, int64_t HW,
                                    std::initializer_list<LayerSpec> specs) {
    Workload w;
    w.name = name;
    w.file = file;
    for (const LayerSpec& s : specs) {
        Layer l;
        l.name = s.name;
        l.type = s.type;
        l.C = s.C;
        l.K = s.K;
        l.R = l.S = s.R;
        l.H = l.W = HW;
        l.groups = s.groups;
        w.layers.push_back(l);
    }
    return w;
}

}  // namespace sx::test
