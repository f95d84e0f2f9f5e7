#include "hw/eyeriss/noc.h"

namespace sx::eyeriss {

void MulticastIds::clear() {
    for (auto& row : by_id_)
        for (auto& m : row) {
            m.pes.clear();
            m.xbus.clear();
            m.group_end.clear();
        }
}

void MulticastIds::assign(int pe, int row_id, int col_id, int xbus) {
    if (static_cast<std::size_t>(row_id) >= by_id_.size()) by_id_.resize(static_cast<std::size_t>(row_id) + 1);
    auto& row = by_id_[static_cast<std::size_t>(row_id)];
    if (static_cast<std::size_t>(col_id) >= row.size()) row.resize(static_cast<std::size_t>(col_id) + 1);
    Multicast& m = row[static_cast<std::size_t>(col_id)];
    // Into the PE's X-bus group (a new group at the end if the X-bus has none yet).
    std::size_t g = 0;
    while (g < m.xbus.size() && m.xbus[g] != xbus) ++g;
    if (g == m.xbus.size()) {
        m.xbus.push_back(xbus);
        m.group_end.push_back(static_cast<int>(m.pes.size()));
    }
    m.pes.insert(m.pes.begin() + m.group_end[g], pe);
    for (std::size_t h = g; h < m.group_end.size(); ++h) ++m.group_end[h];
}

const Multicast& MulticastIds::match(int row_tag, int col_tag) const {
    if (row_tag < 0 || col_tag < 0 || static_cast<std::size_t>(row_tag) >= by_id_.size()) return none_;
    const auto& row = by_id_[static_cast<std::size_t>(row_tag)];
    if (static_cast<std::size_t>(col_tag) >= row.size()) return none_;
    return row[static_cast<std::size_t>(col_tag)];
}

}  // namespace sx::eyeriss
