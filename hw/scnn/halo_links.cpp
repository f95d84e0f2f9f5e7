#include "hw/scnn/halo_links.h"

#include <algorithm>

namespace sx::scnn {

HaloTiming halo_exchange(const std::vector<std::vector<HaloRun>>& runs, int width, bool skip) {
    HaloTiming t;
    const std::size_t n = runs.size();
    const auto w = static_cast<uint64_t>(std::max(1, width));
    std::vector<std::size_t> run(n, 0);
    std::vector<uint64_t> left(n, 0);      // values left in the current run
    std::vector<int> last(n, -1);          // per receiver: the sender granted last (round robin)
    std::vector<std::vector<int>> want(n);  // per receiver: senders with a value for it
    std::size_t active = 0;
    for (std::size_t s = 0; s < n; ++s) {
        while (run[s] < runs[s].size() && runs[s][run[s]].values == 0) ++run[s];
        if (run[s] < runs[s].size()) {
            left[s] = runs[s][run[s]].values;
            ++active;
        }
        for (const HaloRun& r : runs[s]) t.values += r.values;
    }
    std::vector<int> granted;
    while (active > 0) {
        for (auto& v : want) v.clear();
        for (std::size_t s = 0; s < n; ++s)
            if (run[s] < runs[s].size()) want[static_cast<std::size_t>(runs[s][run[s]].dst)].push_back(static_cast<int>(s));
        // Grant one sender per receiver (round robin after the last one granted).
        granted.clear();
        bool conflict = false;
        for (std::size_t d = 0; d < n; ++d) {
            const auto& v = want[d];
            if (v.empty()) continue;
            conflict |= v.size() > 1;
            t.port_stalls += v.size() - 1;
            auto it = std::upper_bound(v.begin(), v.end(), last[d]);
            const int g = it == v.end() ? v.front() : *it;
            last[d] = g;
            granted.push_back(g);
        }
        // Without a conflict every granted sender keeps its receiver until its run (or the
        // shortest run) ends: advance over those cycles at once (exact: nothing else changes).
        uint64_t step = 1;
        if (!conflict && skip) {
            step = UINT64_MAX;
            for (int g : granted) step = std::min(step, (left[static_cast<std::size_t>(g)] + w - 1) / w);
        }
        t.cycles += step;
        for (int g : granted) {
            const auto s = static_cast<std::size_t>(g);
            left[s] -= std::min(left[s], step * w);
            while (left[s] == 0 && run[s] < runs[s].size()) {
                if (++run[s] < runs[s].size()) left[s] = runs[s][run[s]].values;
            }
            if (run[s] >= runs[s].size()) --active;
        }
    }
    return t;
}

HaloTiming reduction_tree(const std::vector<int>& parent, uint64_t values, int width) {
    HaloTiming t;
    const std::size_t n = parent.size();
    const auto w = static_cast<uint64_t>(std::max(1, width));
    std::vector<std::vector<int>> children(n);
    for (std::size_t s = 0; s < n; ++s)
        if (parent[s] >= 0) children[static_cast<std::size_t>(parent[s])].push_back(static_cast<int>(s));
    std::vector<uint64_t> sent(n, 0);    // channel sums sent to the parent so far
    std::vector<uint64_t> merged(n, 0);  // per slot: channels with every child's sum merged
    std::vector<int> last(n, -1);        // per receiver: the child granted last (round robin)
    // A slot can send channel i once i < merged (children) or at once (a leaf).
    auto ready = [&](std::size_t s) {
        if (children[s].empty()) return values;
        uint64_t m = values;
        for (int c : children[s]) m = std::min(m, sent[static_cast<std::size_t>(c)]);
        return m;
    };
    std::vector<int> granted;
    std::vector<int> want;
    for (;;) {
        bool pending = false;
        granted.clear();
        for (std::size_t d = 0; d < n; ++d) {
            want.clear();
            for (int c : children[d]) {
                const auto cs = static_cast<std::size_t>(c);
                if (sent[cs] < values) pending = true;
                if (sent[cs] < merged[cs] || (children[cs].empty() && sent[cs] < values)) want.push_back(c);
            }
            if (want.empty()) continue;
            t.port_stalls += want.size() - 1;
            auto it = std::upper_bound(want.begin(), want.end(), last[d]);
            const int g = it == want.end() ? want.front() : *it;
            last[d] = g;
            granted.push_back(g);
        }
        if (!pending) break;
        ++t.cycles;
        // What the slots could send was fixed at the start of the cycle; their receivers merge
        // it during the cycle, so a parent forwards it from the next cycle on.
        for (int g : granted) {
            const auto s = static_cast<std::size_t>(g);
            const uint64_t can = children[s].empty() ? values : merged[s];
            const uint64_t k = std::min(w, can - sent[s]);
            sent[s] += k;
            t.values += k;
        }
        for (std::size_t s = 0; s < n; ++s) merged[s] = ready(s);
    }
    return t;
}

}  // namespace sx::scnn
