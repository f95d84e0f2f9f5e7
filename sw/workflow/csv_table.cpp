#include "sw/workflow/csv_table.h"

#include <algorithm>
#include <map>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "sw/common/error.h"

namespace sx {

CsvData parse_csv(const std::string& text) {
    CsvData out;
    std::vector<std::vector<std::string>> lines;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false, in_row = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    cell += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                cell += c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            in_row = true;
        } else if (c == ',') {
            row.push_back(std::move(cell));
            cell.clear();
            in_row = true;
        } else if (c == '\n') {
            if (!cell.empty() && cell.back() == '\r') cell.pop_back();
            row.push_back(std::move(cell));
            cell.clear();
            lines.push_back(std::move(row));
            row.clear();
            in_row = false;
        } else {
            cell += c;
            in_row = true;
        }
    }
    // A last line without its newline was cut short: never trust it.
    if (in_row || quoted) ++out.dropped_rows;
    if (lines.empty()) return out;
    out.header = lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].size() == 1 && lines[i][0].empty()) continue;  // blank line
        if (lines[i].size() != out.header.size()) {
            ++out.dropped_rows;
            continue;
        }
        out.rows.push_back(std::move(lines[i]));
    }
    return out;
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "", "a readable file", std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

CsvData read_csv_file(const std::string& path) {
    if (!std::filesystem::exists(path)) return {};
    return parse_csv(read_text_file(path));
}

std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string csv_line(const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_cell(cells[i]);
    return line + "\n";
}

void RecordTable::add(const Record& record) {
    for (const auto& [col, value] : record)
        if (std::find(columns_.begin(), columns_.end(), col) == columns_.end()) columns_.push_back(col);
    records_.push_back(record);
}

void RecordTable::load(const CsvData& csv) {
    for (const auto& col : csv.header)
        if (std::find(columns_.begin(), columns_.end(), col) == columns_.end()) columns_.push_back(col);
    for (const auto& row : csv.rows) {
        Record r;
        for (std::size_t i = 0; i < csv.header.size(); ++i) r.emplace_back(csv.header[i], row[i]);
        records_.push_back(std::move(r));
    }
}

void RecordTable::remove_where(const std::string& column, const std::string& value) {
    records_.erase(std::remove_if(records_.begin(), records_.end(),
                                  [&](const Record& r) {
                                      for (const auto& [c, v] : r)
                                          if (c == column) return v == value;
                                      return false;
                                  }),
                   records_.end());
}

void RecordTable::order_by(const std::string& column, const std::vector<std::string>& keys) {
    std::map<std::string, std::size_t> rank;
    for (std::size_t i = 0; i < keys.size(); ++i) rank.emplace(keys[i], i + 1);  // 0: not listed
    auto rank_of = [&](const Record& r) {
        for (const auto& [c, v] : r)
            if (c == column) {
                const auto it = rank.find(v);
                return it == rank.end() ? std::size_t{0} : it->second;
            }
        return std::size_t{0};
    };
    std::stable_sort(records_.begin(), records_.end(),
                     [&](const Record& a, const Record& b) { return rank_of(a) < rank_of(b); });
}

void RecordTable::set(std::size_t i, const std::string& column, const std::string& value) {
    for (auto& [c, v] : records_[i])
        if (c == column) {
            v = value;
            return;
        }
    records_[i].emplace_back(column, value);
    if (std::find(columns_.begin(), columns_.end(), column) == columns_.end()) columns_.push_back(column);
}

std::string RecordTable::get(std::size_t i, const std::string& column) const {
    for (const auto& [c, v] : records_[i])
        if (c == column) return v;
    return "";
}

std::string RecordTable::to_csv() const {
    std::string out = csv_line(columns_);
    for (const auto& r : records_) {
        std::vector<std::string> cells(columns_.size());
        for (const auto& [c, v] : r) {
            const auto it = std::find(columns_.begin(), columns_.end(), c);
            cells[it - columns_.begin()] = v;
        }
        out += csv_line(cells);
    }
    return out;
}

void write_file_atomic(const std::string& path, const std::string& content) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    const std::string tmp = path + ".tmp." + std::to_string(getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw InputError(path, "", "a writable location", std::strerror(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string err = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            throw InputError(path, "", "a writable location", err);
        }
        done += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw InputError(path, "", "a location where a file can be renamed into place", err);
    }
}

}  // namespace sx
