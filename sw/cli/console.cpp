#include "sw/cli/console.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <unistd.h>

namespace sx {

TextTable::TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

void TextTable::add_row(std::vector<std::string> cells) {
    cells.resize(header_.size());
    rows_.push_back(std::move(cells));
}

void TextTable::add_separator() { rows_.emplace_back(); }

std::string TextTable::render() const {
    std::vector<std::size_t> width(header_.size());
    for (std::size_t i = 0; i < header_.size(); ++i) width[i] = header_[i].size();
    for (const auto& r : rows_)
        for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
        std::string s;
        for (std::size_t i = 0; i < header_.size(); ++i) {
            const std::string& c = cells[i];
            const std::string pad(width[i] - c.size(), ' ');
            s += (i ? "  " : "") + (i == 0 ? c + pad : pad + c);
        }
        return s + "\n";
    };
    std::size_t total = 0;
    for (auto w : width) total += w + 2;
    const std::string rule(total - 2, '-');
    std::string out = line(header_) + rule + "\n";
    for (const auto& r : rows_) out += r.empty() ? rule + "\n" : line(r);
    return out;
}

std::string format_fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string format_count(double v) {
    const char* units[] = {"", " k", " M", " G", " T"};
    int u = 0;
    while (std::fabs(v) >= 1000.0 && u < 4) { v /= 1000.0; ++u; }
    char buf[64];
    std::snprintf(buf, sizeof buf, u ? "%.2f%s" : "%.0f%s", v, units[u]);
    return buf;
}

double wall_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(std::string label, std::size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0),
      start_s_(wall_seconds()) {}

void Progress::update(std::size_t done, const std::string& detail) {
    if (!enabled_) return;
    const double elapsed = wall_seconds() - start_s_;
    const int bar_width = 24;
    const int filled = total_ ? static_cast<int>(bar_width * done / total_) : bar_width;
    std::string bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
    std::string eta = "";
    if (done > 0 && done < total_) eta = " eta " + format_fixed(elapsed / done * (total_ - done), 0) + " s";
    std::fprintf(stderr, "%s%s %s %zu/%zu %5.1f s%s  %s%s", tty_ ? "\r\033[K" : "", label_.c_str(), bar.c_str(),
                 done, total_, elapsed, eta.c_str(), detail.c_str(), tty_ ? "" : "\n");
    std::fflush(stderr);
}

void Progress::finish() {
    if (enabled_ && tty_) std::fprintf(stderr, "\n");
}

}  // namespace sx
