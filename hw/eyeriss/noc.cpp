#include "hw/eyeriss/noc.h"

namespace sx::eyeriss {

void MulticastIds::clear() {
    for (auto& row : by_id_)
        for (auto& col : row) col.clear();
}

void MulticastIds::assign(int pe, int row_id, int col_id) {
    if (static_cast<std::size_t>(row_id) >= by_id_.size()) by_id_.resize(static_cast<std::size_t>(row_id) + 1);
    auto& row = by_id_[static_cast<std::size_t>(row_id)];
    if (static_cast<std::size_t>(col_id) >= row.size()) row.resize(static_cast<std::size_t>(col_id) + 1);
    row[static_cast<std::size_t>(col_id)].push_back(pe);
}

const std::vector<int>& MulticastIds::match(int row_tag, int col_tag) const {
    if (row_tag < 0 || col_tag < 0 || static_cast<std::size_t>(row_tag) >= by_id_.size()) return none_;
    const auto& row = by_id_[static_cast<std::size_t>(row_tag)];
    if (static_cast<std::size_t>(col_tag) >= row.size()) return none_;
    return row[static_cast<std::size_t>(col_tag)];
}

}  // namespace sx::eyeriss
